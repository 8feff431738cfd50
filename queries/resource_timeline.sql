-- name: resource_timeline
-- description: Every evaluation of one resource (all its rules), in event order, optionally within a time range.
--
-- Deduplicated by event_id. Ordered by ordering_time (orderingTimestamp), recorded_time, event_id,
-- which is the order that decides "latest". The optional range is half-open on event_time (start <= t < end) and
-- prunes partitions; without it every partition is read.
--
-- @param account varchar  AWS account id
-- @param region varchar  AWS region
-- @param resource_type varchar  for example AWS::S3::Bucket
-- @param resource_id varchar  resource id
-- @param start timestamp optional  inclusive lower bound of event_time
-- @param start timestamp optional
-- @param start timestamp optional
-- @param end timestamp optional  exclusive upper bound of event_time
-- @param end timestamp optional
-- @param end timestamp optional
--
-- @column event_id varchar  EventBridge id
-- @column event_time timestamp  EventBridge time: when the evaluation was notified
-- @column ordering_time timestamp  orderingTimestamp: capture time of the evaluated item
-- @column recorded_time timestamp  resultRecordedTime
-- @column notification_time timestamp  notificationCreationTime, nullable
-- @column rule_name varchar  Config rule name as deployed
-- @column base_rule_name varchar  rule name without the conformance-pack suffix
-- @column rule_arn varchar  Config rule ARN, nullable
-- @column old_status varchar  previous status, null on a first evaluation
-- @column new_status varchar  status after this evaluation
-- @column annotation varchar  annotation (untrusted text), nullable
--
-- Ordered by ordering_time, recorded_time, event_id.

with

events as (
    select
        event_id,
        event_time,
        ordering_time,
        recorded_time,
        notification_time,
        rule_name,
        base_rule_name,
        rule_arn,
        old_status,
        new_status,
        annotation
    from compliance_events
    where
        account = ?
        and region = ?
        and resource_type = ?
        and resource_id = ?
        and (? = '' or (dt >= substr(?, 1, 10) and event_time >= cast(from_iso8601_timestamp(nullif(?, '')) as timestamp)))
        and (? = '' or (dt <= substr(?, 1, 10) and event_time < cast(from_iso8601_timestamp(nullif(?, '')) as timestamp)))
),

deduplicated as (
    select
        event_id,
        arbitrary(event_time) as event_time,
        arbitrary(ordering_time) as ordering_time,
        arbitrary(recorded_time) as recorded_time,
        arbitrary(notification_time) as notification_time,
        arbitrary(rule_name) as rule_name,
        arbitrary(base_rule_name) as base_rule_name,
        arbitrary(rule_arn) as rule_arn,
        arbitrary(old_status) as old_status,
        arbitrary(new_status) as new_status,
        arbitrary(annotation) as annotation
    from events
    group by event_id
)

select
    event_id,
    event_time,
    ordering_time,
    recorded_time,
    notification_time,
    rule_name,
    base_rule_name,
    rule_arn,
    old_status,
    new_status,
    annotation
from deduplicated
order by
    ordering_time,
    recorded_time,
    event_id
