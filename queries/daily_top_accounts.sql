-- name: daily_top_accounts
-- description: The daily report's 10 accounts with the most open violations at the end of one UTC day, ties by account id.
--
-- An open violation is a (resource, rule) pair whose latest evaluation among events before
-- day+1 00:00 UTC is NON_COMPLIANT (latest: greatest event_time, recorded_time, event_id), read
-- from compliance_daily_state (partition dt = day, its latest build; see daily_state), which the
-- report builds before it runs this query. New and resolved violations are distinct
-- events (by event_id) of the day, as in daily_report. The score is the account's compliance
-- score at the end of the day. Only accounts with at least one open violation are listed.
--
-- @param day date  UTC day, YYYY-MM-DD
-- @param day date
--
-- @column account_rank bigint  1 to 10
-- @column account varchar  AWS account id
-- @column open_violations bigint  (resource, rule) pairs NON_COMPLIANT at the end of the day
-- @column compliant bigint  pairs COMPLIANT at the end of the day
-- @column compliance_score double  the account's score at the end of the day (2 decimals)
-- @column new_violations bigint  new violations in the account during the day
-- @column resolved_violations bigint  resolved violations in the account during the day
--
-- Ordered by account_rank.

with

end_builds as (
    select
        account,
        status,
        resources,
        built_at
    from compliance_daily_state
    where
        dt = ?
),

end_build as (
    select max(built_at) as built_at
    from end_builds
),

account_states as (
    select
        end_builds.account,
        cast(coalesce(sum(case when end_builds.status = 'NON_COMPLIANT' then end_builds.resources end), 0) as bigint)
            as open_violations,
        cast(coalesce(sum(case when end_builds.status = 'COMPLIANT' then end_builds.resources end), 0) as bigint)
            as compliant
    from end_builds
    inner join end_build
        on end_builds.built_at = end_build.built_at
    group by end_builds.account
),

day_events as (
    select
        event_id,
        arbitrary(account) as account,
        arbitrary(old_status) as old_status,
        arbitrary(new_status) as new_status
    from compliance_events
    where
        dt = ?
    group by event_id
),

day_counts as (
    select
        account,
        count_if(
            new_status = 'NON_COMPLIANT'
            and (old_status is null or old_status <> 'NON_COMPLIANT')
        ) as new_violations,
        count_if(
            old_status = 'NON_COMPLIANT'
            and new_status in ('COMPLIANT', 'NOT_APPLICABLE')
        ) as resolved_violations
    from day_events
    group by account
),

ranked as (
    select
        account_states.account,
        account_states.open_violations,
        account_states.compliant,
        round(
            10000 * cast(account_states.compliant as double)
            / (account_states.compliant + account_states.open_violations)
        ) / 100 as compliance_score,
        coalesce(day_counts.new_violations, 0) as new_violations,
        coalesce(day_counts.resolved_violations, 0) as resolved_violations,
        row_number() over (
            order by account_states.open_violations desc, account_states.account
        ) as account_rank
    from account_states
    left join day_counts
        on account_states.account = day_counts.account
    where
        account_states.open_violations > 0
)

select
    account_rank,
    account,
    open_violations,
    compliant,
    compliance_score,
    new_violations,
    resolved_violations
from ranked
where
    account_rank <= 10
order by account_rank
