-- name: daily_top_rules
-- description: The daily report's top 5 rules by (resource, rule) pairs non-compliant at the end of one UTC day, ties by name.
--
-- Rules are grouped by base_rule_name (the rule name without the conformance-pack suffix), so a
-- rule deployed in many accounts counts once. The state at the end of the day is the latest
-- evaluation per (account, region, rule_name, resource_type, resource_id) among events before
-- day+1 00:00 UTC, read from compliance_daily_state (partition dt = day, its latest build; see
-- daily_state), as are the new and resolved violations: distinct events (by event_id) of the day,
-- as in daily_report (a baseline record of the reconciler sets the state, so it counts among the
-- non-compliant pairs, but is no new or resolved violation).
-- Only rules with at least one non-compliant pair are listed.
--
-- @param day date  UTC day, YYYY-MM-DD
--
-- @column rule_rank bigint  1 to 5
-- @column base_rule_name varchar  rule name without the conformance-pack suffix
-- @column non_compliant_resources bigint  (resource, rule) pairs NON_COMPLIANT at the end of the day
-- @column affected_accounts bigint  distinct accounts among them
-- @column new_violations bigint  new violations of the rule during the day
-- @column resolved_violations bigint  resolved violations of the rule during the day
--
-- Ordered by rule_rank.

with

end_builds as (
    select
        account,
        base_rule_name,
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

rule_counts as (
    select
        end_builds.base_rule_name,
        cast(coalesce(sum(case when end_builds.status = 'NON_COMPLIANT' then end_builds.resources end), 0) as bigint)
            as non_compliant_resources,
        count(distinct case when end_builds.status = 'NON_COMPLIANT' and end_builds.resources > 0 then end_builds.account end)
            as affected_accounts,
        cast(sum(end_builds.new_violations) as bigint) as new_violations,
        cast(sum(end_builds.resolved_violations) as bigint) as resolved_violations
    from end_builds
    inner join end_build
        on end_builds.built_at = end_build.built_at
    group by end_builds.base_rule_name
),

ranked as (
    select
        base_rule_name,
        non_compliant_resources,
        affected_accounts,
        new_violations,
        resolved_violations,
        row_number() over (
            order by non_compliant_resources desc, base_rule_name
        ) as rule_rank
    from rule_counts
    where
        non_compliant_resources > 0
)

select
    rule_rank,
    base_rule_name,
    non_compliant_resources,
    affected_accounts,
    new_violations,
    resolved_violations
from ranked
where
    rule_rank <= 5
order by rule_rank
