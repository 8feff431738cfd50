-- name: daily_report
-- description: The headline figures of the daily report for one UTC day: evaluations, new and resolved violations, compliance score at the end of the day and its change.
--
-- The day is [day 00:00, day+1 00:00) UTC on event_time. Evaluations, new and resolved violations
-- count distinct events (by event_id) of the day (deduplicated when daily_state built the rollup):
--   new violation: new_status NON_COMPLIANT and old_status null or not NON_COMPLIANT;
--   resolved violation: old_status NON_COMPLIANT and new_status COMPLIANT or NOT_APPLICABLE;
-- baseline records (reconciliation = 'baseline', the first sync of an account and region: old
-- states seen for the first time) are none of these, as daily_state counts them, but they set the
-- states, so the open violations and the score include them. Drift and gone records count.
-- States and scores are those of compliance_score as of the end of the day (events before
-- day+1 00:00, that is dt <= day) and as of its start (the end of the day before). They are read
-- from compliance_daily_state (partitions dt = day and dt = day - 1, each its latest complete build: the most recent built_at whose stored rows number its build_rows), which
-- the report builds with the saved query daily_state before it runs this one, together with the
-- day's event counts: neither the history nor the day's events are scanned here. Athena accepts
-- execution parameters only in WHERE clauses, hence the dt predicates.
-- Always exactly one row. The top rules and accounts of the report are daily_top_rules and
-- daily_top_accounts; the period is [day 00:00, day+1 00:00) UTC, which callers know from the day.
--
-- @param day date  UTC day, YYYY-MM-DD
-- @param day date
--
-- @column evaluations bigint  distinct compliance-change events of the day, baseline records excepted
-- @column new_violations bigint  new violations of the day (not baseline records)
-- @column resolved_violations bigint  resolved violations of the day (not baseline records)
-- @column compliant bigint  (resource, rule) pairs COMPLIANT at the end of the day
-- @column non_compliant bigint  ... NON_COMPLIANT at the end of the day (open violations)
-- @column not_applicable bigint  ... NOT_APPLICABLE at the end of the day
-- @column insufficient_data bigint  ... INSUFFICIENT_DATA at the end of the day
-- @column compliance_score double  score at the end of the day, null when nothing is scored
-- @column previous_compliance_score double  score at the end of the day before (this day's start)
-- @column compliance_score_change double  compliance_score - previous_compliance_score, 2 decimals; null if either is null

with

end_builds as (
    select
        status,
        resources,
        evaluations,
        new_violations,
        resolved_violations,
        build_rows,
        built_at
    from compliance_daily_state
    where
        dt = ?
),

start_builds as (
    select
        status,
        resources,
        build_rows,
        built_at
    from compliance_daily_state
    where
        dt = substr(cast(date_add('day', -1, from_iso8601_date(?)) as varchar), 1, 10)
),

end_build as (
    select max(builds.built_at) as built_at
    from (
        select
            built_at,
            max(build_rows) as build_rows,
            count(*) as stored_rows
        from end_builds
        group by built_at
    ) as builds
    where
        builds.stored_rows = builds.build_rows
),

start_build as (
    select max(builds.built_at) as built_at
    from (
        select
            built_at,
            max(build_rows) as build_rows,
            count(*) as stored_rows
        from start_builds
        group by built_at
    ) as builds
    where
        builds.stored_rows = builds.build_rows
),

end_counts as (
    select
        coalesce(sum(end_builds.evaluations), 0) as evaluations,
        coalesce(sum(end_builds.new_violations), 0) as new_violations,
        coalesce(sum(end_builds.resolved_violations), 0) as resolved_violations,
        coalesce(sum(case when end_builds.status = 'COMPLIANT' then end_builds.resources end), 0) as compliant,
        coalesce(sum(case when end_builds.status = 'NON_COMPLIANT' then end_builds.resources end), 0)
            as non_compliant,
        coalesce(sum(case when end_builds.status = 'NOT_APPLICABLE' then end_builds.resources end), 0)
            as not_applicable,
        coalesce(sum(case when end_builds.status = 'INSUFFICIENT_DATA' then end_builds.resources end), 0)
            as insufficient_data
    from end_builds
    inner join end_build
        on end_builds.built_at = end_build.built_at
),

start_counts as (
    select
        coalesce(sum(case when start_builds.status = 'COMPLIANT' then start_builds.resources end), 0) as compliant,
        coalesce(sum(case when start_builds.status = 'NON_COMPLIANT' then start_builds.resources end), 0)
            as non_compliant
    from start_builds
    inner join start_build
        on start_builds.built_at = start_build.built_at
),

scores as (
    select
        round(10000 * cast(end_counts.compliant as double) / nullif(end_counts.compliant + end_counts.non_compliant, 0)) / 100
            as compliance_score,
        round(10000 * cast(start_counts.compliant as double) / nullif(start_counts.compliant + start_counts.non_compliant, 0)) / 100
            as previous_compliance_score
    from end_counts
    cross join start_counts
)

select
    cast(end_counts.evaluations as bigint) as evaluations,
    cast(end_counts.new_violations as bigint) as new_violations,
    cast(end_counts.resolved_violations as bigint) as resolved_violations,
    cast(end_counts.compliant as bigint) as compliant,
    cast(end_counts.non_compliant as bigint) as non_compliant,
    cast(end_counts.not_applicable as bigint) as not_applicable,
    cast(end_counts.insufficient_data as bigint) as insufficient_data,
    scores.compliance_score,
    scores.previous_compliance_score,
    round(100 * (scores.compliance_score - scores.previous_compliance_score)) / 100 as compliance_score_change
from end_counts
cross join scores
