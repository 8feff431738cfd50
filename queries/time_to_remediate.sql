-- name: time_to_remediate
-- description: Per rule and account, how long (resource, rule) pairs stayed NON_COMPLIANT before a resolution in a range (count, median, p90) and how many are still open.
--
-- A remediation is a resolved violation (old_status NON_COMPLIANT, new_status COMPLIANT or
-- NOT_APPLICABLE) with start <= event_time < end. Its duration is its event_time (when it was
-- notified) minus the latest event_time of the new violations (new_status NON_COMPLIANT, old_status
-- null or not NON_COMPLIANT) of the same (account, region, rule_name, resource_type, resource_id)
-- before it in evaluation order (ordering_time, recorded_time, event_id); a resolution with no earlier new violation in
-- the archive has no known duration and is not counted. Percentiles are nearest-rank, exact:
-- median = the ceil(0.5 n)-th smallest duration, p90 = the ceil(0.9 n)-th.
-- Baseline records of the reconciler (reconciliation = 'baseline': the first sync of an account
-- and region) are neither new violations nor remediations: a baseline NON_COMPLIANT is a violation
-- first seen at the sync, open since a time the archive does not know, so a resolution after it
-- (with no live or drift new violation in between) has no known duration and is not counted.
-- Drift and gone records count like live events; a NULL reconciliation (older files) is live.
-- Open violations: pairs whose latest state before end (all events if end is null) is
-- NON_COMPLIANT, whatever record set it (baseline included). Events are deduplicated by event_id
-- before the window functions.
-- Rows: every (account, rule_name) with a remediation in the range or an open violation.
-- The window frame ends at the current row: a resolution is never itself a new violation, so for
-- the rows that matter it covers exactly the events before them.
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
-- @column account varchar  AWS account id
-- @column rule_name varchar  Config rule name as deployed
-- @column base_rule_name varchar  rule name without the conformance-pack suffix
-- @column remediated bigint  remediations with a known duration in the range
-- @column median_seconds double  nearest-rank median duration, seconds (null when remediated = 0)
-- @column p90_seconds double  nearest-rank 90th percentile duration, seconds
-- @column open_violations bigint  pairs NON_COMPLIANT at end
--
-- Ordered by account, rule_name.

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
        account,
        rule_name,
        base_rule_name,
        duration_ms,
        row_number() over (partition by account, rule_name order by duration_ms) as duration_rank,
        count(*) over (partition by account, rule_name) as remediated
    from remediations
),

remediation_stats as (
    select
        account,
        rule_name,
        base_rule_name,
        max(remediated) as remediated,
        max(case when duration_rank = ceiling(0.5 * remediated) then duration_ms end) as median_ms,
        max(case when duration_rank = ceiling(0.9 * remediated) then duration_ms end) as p90_ms
    from ranked_remediations
    group by
        account,
        rule_name,
        base_rule_name
),

latest as (
    select
        account,
        rule_name,
        base_rule_name,
        max_by(new_status, row(ordering_time, recorded_time, event_id)) as status
    from classified
    group by
        account,
        region,
        rule_name,
        base_rule_name,
        resource_type,
        resource_id
),

open_violations as (
    select
        account,
        rule_name,
        base_rule_name,
        count(*) as open_violations
    from latest
    where
        status = 'NON_COMPLIANT'
    group by
        account,
        rule_name,
        base_rule_name
)

select
    coalesce(remediation_stats.account, open_violations.account) as account,
    coalesce(remediation_stats.rule_name, open_violations.rule_name) as rule_name,
    coalesce(remediation_stats.base_rule_name, open_violations.base_rule_name) as base_rule_name,
    coalesce(remediation_stats.remediated, 0) as remediated,
    cast(remediation_stats.median_ms as double) / 1000 as median_seconds,
    cast(remediation_stats.p90_ms as double) / 1000 as p90_seconds,
    coalesce(open_violations.open_violations, 0) as open_violations
from remediation_stats
full outer join open_violations
    on
        remediation_stats.account = open_violations.account
        and remediation_stats.rule_name = open_violations.rule_name
order by
    account,
    rule_name
