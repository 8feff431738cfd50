-- name: compliance_summary
-- description: Compliance-change events counted by new status, by rule and by resource type, for an optional account, region and event-time range.
--
-- One row per (dimension, value). Events are deduplicated by event_id (Kinesis and Firehose
-- deliver at least once, so the archive may hold copies). The range is half-open on event_time:
-- start <= event_time < end. A null argument means "any". The dt predicates prune partitions;
-- they rely on timestamps in UTC ISO 8601 (the saved-query registry normalizes them).
--
-- @param account varchar optional  AWS account id
-- @param account varchar optional
-- @param region varchar optional  AWS region
-- @param region varchar optional
-- @param severity varchar optional  severities, comma-separated (CRITICAL,HIGH): records of those only
-- @param severity varchar optional
-- @param start timestamp optional  inclusive lower bound of event_time
-- @param start timestamp optional
-- @param start timestamp optional
-- @param end timestamp optional  exclusive upper bound of event_time
-- @param end timestamp optional
-- @param end timestamp optional
--
-- @column dimension varchar  'new_status', 'rule_name' or 'resource_type'
-- @column value varchar  the status, rule name (as deployed) or resource type
-- @column events bigint  distinct events
-- @column compliant bigint  of which new_status COMPLIANT
-- @column non_compliant bigint  of which new_status NON_COMPLIANT
-- @column not_applicable bigint  of which new_status NOT_APPLICABLE
-- @column insufficient_data bigint  of which new_status INSUFFICIENT_DATA
--
-- Ordered by dimension, events descending, value.

with

events as (
    select
        event_id,
        rule_name,
        resource_type,
        new_status
    from compliance_events
    where
        (? = '' or account = ?)
        and (? = '' or region = ?)
        and (? = '' or strpos(',' || ? || ',', ',' || severity || ',') > 0)
        and (? = '' or (dt >= substr(?, 1, 10) and event_time >= cast(from_iso8601_timestamp(nullif(?, '')) as timestamp)))
        and (? = '' or (dt <= substr(?, 1, 10) and event_time < cast(from_iso8601_timestamp(nullif(?, '')) as timestamp)))
),

deduplicated as (
    select
        event_id,
        arbitrary(rule_name) as rule_name,
        arbitrary(resource_type) as resource_type,
        arbitrary(new_status) as new_status
    from events
    group by event_id
),

by_status as (
    select
        'new_status' as dimension,
        new_status as value,
        count(*) as events,
        count_if(new_status = 'COMPLIANT') as compliant,
        count_if(new_status = 'NON_COMPLIANT') as non_compliant,
        count_if(new_status = 'NOT_APPLICABLE') as not_applicable,
        count_if(new_status = 'INSUFFICIENT_DATA') as insufficient_data
    from deduplicated
    group by new_status
),

by_rule as (
    select
        'rule_name' as dimension,
        rule_name as value,
        count(*) as events,
        count_if(new_status = 'COMPLIANT') as compliant,
        count_if(new_status = 'NON_COMPLIANT') as non_compliant,
        count_if(new_status = 'NOT_APPLICABLE') as not_applicable,
        count_if(new_status = 'INSUFFICIENT_DATA') as insufficient_data
    from deduplicated
    group by rule_name
),

by_resource_type as (
    select
        'resource_type' as dimension,
        resource_type as value,
        count(*) as events,
        count_if(new_status = 'COMPLIANT') as compliant,
        count_if(new_status = 'NON_COMPLIANT') as non_compliant,
        count_if(new_status = 'NOT_APPLICABLE') as not_applicable,
        count_if(new_status = 'INSUFFICIENT_DATA') as insufficient_data
    from deduplicated
    group by resource_type
),

combined as (
    select
        dimension,
        value,
        events,
        compliant,
        non_compliant,
        not_applicable,
        insufficient_data
    from by_status
    union all
    select
        dimension,
        value,
        events,
        compliant,
        non_compliant,
        not_applicable,
        insufficient_data
    from by_rule
    union all
    select
        dimension,
        value,
        events,
        compliant,
        non_compliant,
        not_applicable,
        insufficient_data
    from by_resource_type
)

select
    dimension,
    value,
    events,
    compliant,
    non_compliant,
    not_applicable,
    insufficient_data
from combined
order by
    dimension,
    events desc,
    value
