-- name: time_to_remediate_overall
-- description: Over the whole scope (every account and rule matching the filters), how long (resource, rule) pairs stayed NON_COMPLIANT before a resolution in a range: count, median and p90 of all the remediations together.
--
-- The same remediations as time_to_remediate (its comment says which resolutions count and how a
-- duration is measured: baseline records are neither new violations nor remediations), ranked
-- together instead of per rule and account, so this is the exact organization-wide figure, not an
-- average of per-group medians. Percentiles are nearest-rank, exact: median = the ceil(0.5 n)-th
-- smallest duration, p90 = the ceil(0.9 n)-th. One row, also when nothing was remediated
-- (remediated 0, median and p90 null).
--
-- @param account varchar optional  AWS account id
-- @param account varchar optional
-- @param region varchar optional  AWS region
-- @param region varchar optional
-- @param severity varchar optional  severities, comma-separated (CRITICAL,HIGH): records of those only
-- @param severity varchar optional
-- @param end timestamp optional  exclusive upper bound of event_time
-- @param end timestamp optional
-- @param end timestamp optional
-- @param start timestamp optional  inclusive lower bound of the resolutions' event_time
-- @param start timestamp optional
--
-- @column remediated bigint  remediations with a known duration in the range
-- @column median_seconds double  nearest-rank median duration, seconds (null when remediated = 0)
-- @column p90_seconds double  nearest-rank 90th percentile duration, seconds

with

history as (
    select
        event_id,
        account,
        region,
        rule_name,
        base_rule_name,
        resource_type,
        resource_id,
        event_time,
        ordering_time,
        recorded_time,
        old_status,
        new_status,
        reconciliation
    from compliance_events
    where
        (? = '' or account = ?)
        and (? = '' or region = ?)
        and (? = '' or strpos(',' || ? || ',', ',' || severity || ',') > 0)
        and (? = '' or (dt <= substr(?, 1, 10) and event_time < cast(from_iso8601_timestamp(nullif(?, '')) as timestamp)))
),

deduplicated as (
    select
        event_id,
        arbitrary(account) as account,
        arbitrary(region) as region,
        arbitrary(rule_name) as rule_name,
        arbitrary(base_rule_name) as base_rule_name,
        arbitrary(resource_type) as resource_type,
        arbitrary(resource_id) as resource_id,
        arbitrary(event_time) as event_time,
        arbitrary(ordering_time) as ordering_time,
        arbitrary(recorded_time) as recorded_time,
        arbitrary(old_status) as old_status,
        arbitrary(new_status) as new_status,
        arbitrary(reconciliation) as reconciliation
    from history
    group by event_id
),

classified as (
    select
        account,
        region,
        rule_name,
        base_rule_name,
        resource_type,
        resource_id,
        event_id,
        event_time,
        ordering_time,
        recorded_time,
        new_status,
        new_status = 'NON_COMPLIANT'
            and (old_status is null or old_status <> 'NON_COMPLIANT')
            and coalesce(reconciliation, '') <> 'baseline' as is_new_violation,
        old_status = 'NON_COMPLIANT'
            and new_status in ('COMPLIANT', 'NOT_APPLICABLE')
            and coalesce(reconciliation, '') <> 'baseline' as is_resolution,
        new_status = 'NON_COMPLIANT'
            and coalesce(reconciliation, '') = 'baseline' as is_baseline_violation,
        row_number() over (
            partition by account, region, rule_name, resource_type, resource_id
            order by ordering_time, recorded_time, event_id
        ) as evaluation_seq
    from deduplicated
),

sequenced as (
    select
        account,
        rule_name,
        base_rule_name,
        event_time,
        is_resolution,
        max(case when is_new_violation then event_time end) over (
            partition by account, region, rule_name, resource_type, resource_id
            order by ordering_time, recorded_time, event_id
            rows between unbounded preceding and current row
        ) as violation_started,
        max(case when is_new_violation then evaluation_seq end) over (
            partition by account, region, rule_name, resource_type, resource_id
            order by ordering_time, recorded_time, event_id
            rows between unbounded preceding and current row
        ) as last_violation_seq,
        max(case when is_baseline_violation then evaluation_seq end) over (
            partition by account, region, rule_name, resource_type, resource_id
            order by ordering_time, recorded_time, event_id
            rows between unbounded preceding and current row
        ) as last_baseline_seq
    from classified
),

remediations as (
    select
        account,
        rule_name,
        base_rule_name,
        date_diff('millisecond', violation_started, event_time) as duration_ms
    from sequenced
    where
        is_resolution
        and violation_started is not null
        and (last_baseline_seq is null or last_violation_seq > last_baseline_seq)
        and (? = '' or event_time >= cast(from_iso8601_timestamp(nullif(?, '')) as timestamp))
),

ranked_remediations as (
    select
        duration_ms,
        row_number() over (order by duration_ms) as duration_rank,
        count(*) over () as remediated
    from remediations
)

select
    coalesce(max(remediated), 0) as remediated,
    cast(max(case when duration_rank = ceiling(0.5 * remediated) then duration_ms end) as double) / 1000 as median_seconds,
    cast(max(case when duration_rank = ceiling(0.9 * remediated) then duration_ms end) as double) / 1000 as p90_seconds
from ranked_remediations
