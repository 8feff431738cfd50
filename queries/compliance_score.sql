-- name: compliance_score
-- description: Compliance score from the latest state of every (resource, rule) before a point in time, with the counts behind it.
--
-- The latest state per (account, region, rule_name, resource_type, resource_id) is taken as in
-- current_state (events with event_time < as_of; greatest ordering_time, recorded_time, event_id;
-- copies of an event tie and cannot change the result). The score is
-- 100 * COMPLIANT / (COMPLIANT + NON_COMPLIANT), rounded to 2 decimals, null when both are 0, as
-- AWS Config conformance packs score; NOT_APPLICABLE and INSUFFICIENT_DATA are reported, not scored.
-- Always exactly one row.
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
-- @column compliant bigint  (resource, rule) pairs whose latest state is COMPLIANT
-- @column non_compliant bigint  ... NON_COMPLIANT
-- @column not_applicable bigint  ... NOT_APPLICABLE
-- @column insufficient_data bigint  ... INSUFFICIENT_DATA
-- @column compliance_score double  0-100 with 2 decimals; null when nothing is scored

with

events as (
    select
        account,
        region,
        rule_name,
        resource_type,
        resource_id,
        event_id,
        event_time,
        ordering_time,
        recorded_time,
        new_status
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
        max_by(new_status, row(ordering_time, recorded_time, event_id)) as status
    from events
    group by
        account,
        region,
        rule_name,
        resource_type,
        resource_id
),

counts as (
    select
        count_if(status = 'COMPLIANT') as compliant,
        count_if(status = 'NON_COMPLIANT') as non_compliant,
        count_if(status = 'NOT_APPLICABLE') as not_applicable,
        count_if(status = 'INSUFFICIENT_DATA') as insufficient_data
    from latest
)

select
    compliant,
    non_compliant,
    not_applicable,
    insufficient_data,
    round(10000 * cast(compliant as double) / nullif(compliant + non_compliant, 0)) / 100 as compliance_score
from counts
