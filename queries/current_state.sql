-- name: current_state
-- description: The latest evaluation per (account, region, rule, resource type, resource id) before a point in time.
--
-- "Latest" for a key is the event with the greatest ordering_time (the orderingTimestamp), then
-- recorded_time, then event_id, among events with event_time (when it was notified) < as_of (all events when as_of is null). Copies of one event
-- (same event_id) tie on that order and carry identical values, so max_by is insensitive to them:
-- this is how the query deduplicates by event_id without a second pass over history.
-- Only events up to as_of are read (dt <= the UTC date of as_of).
--
-- @param account varchar optional  AWS account id
-- @param account varchar optional
-- @param region varchar optional  AWS region
-- @param region varchar optional
-- @param severity varchar optional  severities, comma-separated (CRITICAL,HIGH): records of those only
-- @param severity varchar optional
-- @param as_of timestamp optional  exclusive: events before it count
-- @param as_of timestamp optional
-- @param as_of timestamp optional
--
-- @column account varchar  AWS account id
-- @column region varchar  AWS region
-- @column rule_name varchar  Config rule name as deployed
-- @column base_rule_name varchar  rule name without the conformance-pack suffix
-- @column resource_type varchar  for example AWS::S3::Bucket
-- @column resource_id varchar  resource id
-- @column status varchar  new_status of the latest evaluation
-- @column event_time timestamp  its event_time: when it was notified
-- @column ordering_time timestamp  its orderingTimestamp: what orders it
-- @column recorded_time timestamp  its recorded_time
-- @column event_id varchar  its event id
-- @column annotation varchar  its annotation (untrusted text), nullable
-- @column rule_arn varchar  Config rule ARN, nullable
--
-- Ordered by account, region, rule_name, resource_type, resource_id.

with

events as (
    select
        account,
        region,
        rule_name,
        base_rule_name,
        rule_arn,
        resource_type,
        resource_id,
        event_id,
        event_time,
        ordering_time,
        recorded_time,
        new_status,
        annotation
    from compliance_events
    where
        (? = '' or account = ?)
        and (? = '' or region = ?)
        and (? = '' or strpos(',' || ? || ',', ',' || severity || ',') > 0)
        and (? = '' or (dt <= substr(?, 1, 10) and event_time < cast(from_iso8601_timestamp(nullif(?, '')) as timestamp)))
),

latest as (
    select
        account,
        region,
        rule_name,
        resource_type,
        resource_id,
        max_by(base_rule_name, row(ordering_time, recorded_time, event_id)) as base_rule_name,
        max_by(new_status, row(ordering_time, recorded_time, event_id)) as status,
        max_by(event_time, row(ordering_time, recorded_time, event_id)) as event_time,
        max(ordering_time) as ordering_time,
        max_by(recorded_time, row(ordering_time, recorded_time, event_id)) as recorded_time,
        max_by(event_id, row(ordering_time, recorded_time, event_id)) as event_id,
        max_by(annotation, row(ordering_time, recorded_time, event_id)) as annotation,
        max_by(rule_arn, row(ordering_time, recorded_time, event_id)) as rule_arn
    from events
    group by
        account,
        region,
        rule_name,
        resource_type,
        resource_id
)

select
    account,
    region,
    rule_name,
    base_rule_name,
    resource_type,
    resource_id,
    status,
    event_time,
    ordering_time,
    recorded_time,
    event_id,
    annotation,
    rule_arn
from latest
order by
    account,
    region,
    rule_name,
    resource_type,
    resource_id
