-- name: daily_top_rules
-- description: The daily report's top 5 rules by (resource, rule) pairs non-compliant at the end of one UTC day, ties by name.
--
-- Rules are grouped by base_rule_name (the rule name without the conformance-pack suffix), so a
-- rule deployed in many accounts counts once. The state at the end of the day is the latest
-- evaluation per (account, region, rule_name, resource_type, resource_id) among events before
-- day+1 00:00 UTC, read from compliance_daily_state (partition dt = day, its latest build; see
-- daily_state). New and resolved violations are distinct events (by event_id) of the day, as in
-- daily_report.
-- Only rules with at least one non-compliant pair are listed.
--
-- @param day date  UTC day, YYYY-MM-DD
-- @param day date
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
        built_at
    from compliance_daily_state
    where
        dt = ?
),

end_build as (
    select max(built_at) as built_at
    from end_builds
),

open_counts as (
    select
        end_builds.base_rule_name,
        cast(sum(end_builds.resources) as bigint) as non_compliant_resources,
        count(distinct end_builds.account) as affected_accounts
    from end_builds
    inner join end_build
        on end_builds.built_at = end_build.built_at
    where
        end_builds.status = 'NON_COMPLIANT'
    group by end_builds.base_rule_name
),

day_events as (
    select
        event_id,
        arbitrary(base_rule_name) as base_rule_name,
        arbitrary(old_status) as old_status,
        arbitrary(new_status) as new_status
    from compliance_events
    where
        dt = ?
    group by event_id
),

day_counts as (
    select
        base_rule_name,
        count_if(
            new_status = 'NON_COMPLIANT'
            and (old_status is null or old_status <> 'NON_COMPLIANT')
        ) as new_violations,
        count_if(
            old_status = 'NON_COMPLIANT'
            and new_status in ('COMPLIANT', 'NOT_APPLICABLE')
        ) as resolved_violations
    from day_events
    group by base_rule_name
),

ranked as (
    select
        open_counts.base_rule_name,
        open_counts.non_compliant_resources,
        open_counts.affected_accounts,
        coalesce(day_counts.new_violations, 0) as new_violations,
        coalesce(day_counts.resolved_violations, 0) as resolved_violations,
        row_number() over (
            order by open_counts.non_compliant_resources desc, open_counts.base_rule_name
        ) as rule_rank
    from open_counts
    left join day_counts
        on open_counts.base_rule_name = day_counts.base_rule_name
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
