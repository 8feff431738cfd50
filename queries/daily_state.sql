-- name: daily_state
-- description: The rows of compliance_daily_state for one UTC day: per account, region, rule, resource type and status, the (resource, rule) pairs with that latest status at the end of the day and the day's events.
--
-- The state at the end of the day is read from compliance_key_state of the same day (built just
-- before by the saved query key_state: per key, the latest evaluation among events before day+1
-- 00:00 UTC, by the order key), its greatest complete build. The day's events are
-- [day 00:00, day+1 00:00) UTC, dt = day, each event_id once, counted under its new_status:
-- evaluations, new violations (new_status NON_COMPLIANT and old_status null or not NON_COMPLIANT)
-- and resolved violations (old_status NON_COMPLIANT and new_status COMPLIANT or NOT_APPLICABLE).
-- Baseline records (reconciliation = 'baseline': the first sync of an account and region) are not
-- among the day's events: each is the first sighting of a state that may be years old, not a
-- change of the day, so it counts in no evaluation, new or resolved violation. It does set the
-- state (compliance_key_state holds it), so it counts in resources. Drift and gone records are
-- real transitions found late and count like live events; a NULL reconciliation (a file written
-- before the column existed) is a live event.
-- A row exists when either count is not 0. A build reads one partition of each table, never the
-- history: its cost does not grow with the archive.
-- It is run once per day to build the day's partition of compliance_daily_state (INSERT INTO on
-- Athena, a Parquet file locally), and the report queries read that partition instead. The columns
-- are the table's, in its order (src/domain/archive-schema.ts), as INSERT INTO matches them by
-- position.
-- The dt column is the day itself, taken from a calendar cut in a WHERE clause, because Athena
-- accepts execution parameters only there. No rows when no event is on or before the day.
-- build_rows is the number of rows of the build and built_at its time (the same for every row of
-- one run); readers of compliance_daily_state take the greatest complete built_at of a partition.
--
-- @param day date  UTC day, YYYY-MM-DD
-- @param day date
-- @param day date
--
-- @column account varchar  AWS account id
-- @column region varchar  AWS region
-- @column rule_name varchar  Config rule name as deployed
-- @column base_rule_name varchar  rule name without the conformance-pack suffix
-- @column resource_type varchar  resource type
-- @column status varchar  latest status at the end of the day
-- @column resources bigint  (resource, rule) pairs with that latest status at the end of the day
-- @column evaluations bigint  distinct events of the day with that new status, baseline records excepted
-- @column new_violations bigint  new violations among them
-- @column resolved_violations bigint  resolved violations among them
-- @column build_rows bigint  rows of this build
-- @column built_at timestamp  when this build ran (UTC)
-- @column dt varchar  the day, YYYY-MM-DD (the partition)
--
-- Ordered by account, region, rule_name, resource_type, status.

with

key_rows as (
    select
        account,
        region,
        rule_name,
        base_rule_name,
        resource_type,
        status,
        build_rows,
        built_at
    from compliance_key_state
    where
        dt = ?
),

key_build as (
    select max(builds.built_at) as built_at
    from (
        select
            built_at,
            max(build_rows) as build_rows,
            count(*) as stored_rows
        from key_rows
        group by built_at
    ) as builds
    where
        builds.stored_rows = builds.build_rows
),

state_counts as (
    select
        key_rows.account,
        key_rows.region,
        key_rows.rule_name,
        key_rows.base_rule_name,
        key_rows.resource_type,
        key_rows.status,
        count(*) as resources
    from key_rows
    inner join key_build
        on key_rows.built_at = key_build.built_at
    group by
        key_rows.account,
        key_rows.region,
        key_rows.rule_name,
        key_rows.base_rule_name,
        key_rows.resource_type,
        key_rows.status
),

day_events as (
    select
        event_id,
        arbitrary(account) as account,
        arbitrary(region) as region,
        arbitrary(rule_name) as rule_name,
        arbitrary(base_rule_name) as base_rule_name,
        arbitrary(resource_type) as resource_type,
        arbitrary(old_status) as old_status,
        arbitrary(new_status) as new_status
    from compliance_events
    where
        dt = ?
        and coalesce(reconciliation, '') <> 'baseline'
    group by event_id
),

day_counts as (
    select
        account,
        region,
        rule_name,
        base_rule_name,
        resource_type,
        new_status as status,
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
    group by
        account,
        region,
        rule_name,
        base_rule_name,
        resource_type,
        new_status
),

counts as (
    select
        coalesce(state_counts.account, day_counts.account) as account,
        coalesce(state_counts.region, day_counts.region) as region,
        coalesce(state_counts.rule_name, day_counts.rule_name) as rule_name,
        coalesce(state_counts.base_rule_name, day_counts.base_rule_name) as base_rule_name,
        coalesce(state_counts.resource_type, day_counts.resource_type) as resource_type,
        coalesce(state_counts.status, day_counts.status) as status,
        coalesce(state_counts.resources, 0) as resources,
        coalesce(day_counts.evaluations, 0) as evaluations,
        coalesce(day_counts.new_violations, 0) as new_violations,
        coalesce(day_counts.resolved_violations, 0) as resolved_violations
    from state_counts
    full outer join day_counts
        on
            state_counts.account = day_counts.account
            and state_counts.region = day_counts.region
            and state_counts.rule_name = day_counts.rule_name
            and state_counts.resource_type = day_counts.resource_type
            and state_counts.status = day_counts.status
),

build as (
    select count(*) as build_rows
    from counts
),

report_day as (
    select
        substr(cast(days.calendar_day as varchar), 1, 10) as dt
    from unnest(
        sequence(date_add('day', -9000, current_date), date_add('day', 900, current_date))
    ) as days (calendar_day)
    where
        substr(cast(days.calendar_day as varchar), 1, 10) = ?
)

select
    counts.account,
    counts.region,
    counts.rule_name,
    counts.base_rule_name,
    counts.resource_type,
    counts.status,
    cast(counts.resources as bigint) as resources,
    cast(counts.evaluations as bigint) as evaluations,
    cast(counts.new_violations as bigint) as new_violations,
    cast(counts.resolved_violations as bigint) as resolved_violations,
    cast(build.build_rows as bigint) as build_rows,
    cast(current_timestamp as timestamp) as built_at,
    report_day.dt
from counts
cross join build
cross join report_day
order by
    counts.account,
    counts.region,
    counts.rule_name,
    counts.resource_type,
    counts.status
