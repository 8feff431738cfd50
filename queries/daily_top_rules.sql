-- name: daily_top_rules
-- description: The daily report's top 5 rules by (resource, rule) pairs non-compliant at the end of one UTC day, ties by name.
--
-- Rules are grouped by base_rule_name (the rule name without the conformance-pack suffix), so a
-- rule deployed in many accounts counts once. The state at the end of the day is the latest
-- evaluation per (account, region, rule_name, resource_type, resource_id) among events before
-- day+1 00:00 UTC; copies of an event tie on the max_by order and cannot change it. New and
-- resolved violations are distinct events (by event_id) of the day, as in daily_report.
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

history as (
    select
        account,
        region,
        rule_name,
        base_rule_name,
        resource_type,
        resource_id,
        event_id,
        event_time,
        recorded_time,
        new_status
    from compliance_events
    where
        dt <= ?
),

states as (
    select
        account,
        region,
        rule_name,
        base_rule_name,
        resource_type,
        resource_id,
        max_by(new_status, row(event_time, recorded_time, event_id)) as status
    from history
    group by
        account,
        region,
        rule_name,
        base_rule_name,
        resource_type,
        resource_id
),

open_counts as (
    select
        base_rule_name,
        count(*) as non_compliant_resources,
        count(distinct account) as affected_accounts
    from states
    where
        status = 'NON_COMPLIANT'
    group by base_rule_name
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
