-- name: daily_report
-- description: The headline figures of the daily report for one UTC day: evaluations, new and resolved violations, compliance score at the end of the day and its change.
--
-- The day is [day 00:00, day+1 00:00) UTC on event_time. Evaluations, new and resolved violations
-- count distinct events (by event_id) of the day:
--   new violation: new_status NON_COMPLIANT and old_status null or not NON_COMPLIANT;
--   resolved violation: old_status NON_COMPLIANT and new_status COMPLIANT or NOT_APPLICABLE.
-- States and scores are those of compliance_score as of the end of the day (events before
-- day+1 00:00, that is dt <= day) and as of its start (dt < day). History is read once: the state
-- at the start comes from dt < day, and the state at the end is the day's own latest evaluation
-- where the key has one (every event of the day is later than any earlier day's), else the state
-- at the start. Athena accepts execution parameters only in WHERE clauses, hence the dt predicates.
-- Always exactly one row. The top rules and accounts of the report are daily_top_rules and
-- daily_top_accounts; the period is [day 00:00, day+1 00:00) UTC, which callers know from the day.
--
-- @param day date  UTC day, YYYY-MM-DD
-- @param day date
-- @param day date
--
-- @column evaluations bigint  distinct compliance-change events of the day
-- @column new_violations bigint  new violations of the day
-- @column resolved_violations bigint  resolved violations of the day
-- @column compliant bigint  (resource, rule) pairs COMPLIANT at the end of the day
-- @column non_compliant bigint  ... NON_COMPLIANT at the end of the day (open violations)
-- @column not_applicable bigint  ... NOT_APPLICABLE at the end of the day
-- @column insufficient_data bigint  ... INSUFFICIENT_DATA at the end of the day
-- @column compliance_score double  score at the end of the day, null when nothing is scored
-- @column previous_compliance_score double  score at the end of the day before (this day's start)
-- @column compliance_score_change double  compliance_score - previous_compliance_score, 2 decimals; null if either is null

with

day_events as (
    select
        event_id,
        arbitrary(old_status) as old_status,
        arbitrary(new_status) as new_status
    from compliance_events
    where
        dt = ?
    group by event_id
),

day_counts as (
    select
        count(*) as evaluations,
        count_if(
            new_status = 'NON_COMPLIANT'
            and (old_status is null or old_status <> 'NON_COMPLIANT')
        ) as new_violations,
        count_if(
            old_status = 'NON_COMPLIANT'
            and new_status in ('COMPLIANT', 'NOT_APPLICABLE')
        ) as resolved_violations
    from day_events
),

states_at_start as (
    select
        account,
        region,
        rule_name,
        resource_type,
        resource_id,
        max_by(new_status, row(event_time, recorded_time, event_id)) as status
    from compliance_events
    where
        dt < ?
    group by
        account,
        region,
        rule_name,
        resource_type,
        resource_id
),

day_states as (
    select
        account,
        region,
        rule_name,
        resource_type,
        resource_id,
        max_by(new_status, row(event_time, recorded_time, event_id)) as status
    from compliance_events
    where
        dt = ?
    group by
        account,
        region,
        rule_name,
        resource_type,
        resource_id
),

states_at_end as (
    select
        coalesce(day_states.status, states_at_start.status) as status
    from states_at_start
    full outer join day_states
        on
            states_at_start.account = day_states.account
            and states_at_start.region = day_states.region
            and states_at_start.rule_name = day_states.rule_name
            and states_at_start.resource_type = day_states.resource_type
            and states_at_start.resource_id = day_states.resource_id
),

end_counts as (
    select
        count_if(status = 'COMPLIANT') as compliant,
        count_if(status = 'NON_COMPLIANT') as non_compliant,
        count_if(status = 'NOT_APPLICABLE') as not_applicable,
        count_if(status = 'INSUFFICIENT_DATA') as insufficient_data
    from states_at_end
),

start_counts as (
    select
        count_if(status = 'COMPLIANT') as compliant,
        count_if(status = 'NON_COMPLIANT') as non_compliant
    from states_at_start
),

scores as (
    select
        end_counts.compliant,
        end_counts.non_compliant,
        end_counts.not_applicable,
        end_counts.insufficient_data,
        round(10000 * cast(end_counts.compliant as double) / nullif(end_counts.compliant + end_counts.non_compliant, 0)) / 100
            as compliance_score,
        round(10000 * cast(start_counts.compliant as double) / nullif(start_counts.compliant + start_counts.non_compliant, 0)) / 100
            as previous_compliance_score
    from end_counts
    cross join start_counts
)

select
    day_counts.evaluations,
    day_counts.new_violations,
    day_counts.resolved_violations,
    scores.compliant,
    scores.non_compliant,
    scores.not_applicable,
    scores.insufficient_data,
    scores.compliance_score,
    scores.previous_compliance_score,
    round(100 * (scores.compliance_score - scores.previous_compliance_score)) / 100 as compliance_score_change
from day_counts
cross join scores
