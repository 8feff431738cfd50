-- name: daily_top_accounts
-- description: The daily report's 10 accounts with the most open violations at the end of one UTC day, ties by account id.
--
-- An open violation is a (resource, rule) pair whose latest evaluation among events before
-- day+1 00:00 UTC is NON_COMPLIANT (latest: greatest ordering_time, recorded_time, event_id), read
-- from compliance_daily_state (partition dt = day, its latest complete build; see daily_state), which the
-- report builds before it runs this query, as are the new and resolved violations: distinct
-- events (by event_id) of the day, as in daily_report (a baseline record of the reconciler sets
-- the state, so it counts among the open violations, but is no new or resolved violation). The
-- score is the account's compliance score at the end of the day. Only accounts with at least one
-- open violation are listed.
--
-- @param day date  UTC day, YYYY-MM-DD
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
        new_violations,
        resolved_violations,
        build_rows,
        built_at
    from compliance_daily_state
    where
        dt = ?
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

account_counts as (
    select
        end_builds.account,
        cast(coalesce(sum(case when end_builds.status = 'NON_COMPLIANT' then end_builds.resources end), 0) as bigint)
            as open_violations,
        cast(coalesce(sum(case when end_builds.status = 'COMPLIANT' then end_builds.resources end), 0) as bigint)
            as compliant,
        cast(sum(end_builds.new_violations) as bigint) as new_violations,
        cast(sum(end_builds.resolved_violations) as bigint) as resolved_violations
    from end_builds
    inner join end_build
        on end_builds.built_at = end_build.built_at
    group by end_builds.account
),

ranked as (
    select
        account,
        open_violations,
        compliant,
        round(10000 * cast(compliant as double) / (compliant + open_violations)) / 100 as compliance_score,
        new_violations,
        resolved_violations,
        row_number() over (
            order by open_violations desc, account
        ) as account_rank
    from account_counts
    where
        open_violations > 0
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
