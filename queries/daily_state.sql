-- name: daily_state
-- description: The rows of compliance_daily_state for one UTC day: (resource, rule) pairs per latest status at the end of the day, per account, region, rule and resource type.
--
-- The state at the end of the day is the latest evaluation per (account, region, rule_name,
-- resource_type, resource_id) among events before day+1 00:00 UTC, that is dt <= day (latest:
-- greatest event_time, recorded_time, event_id; copies of an event tie on that order and cannot
-- change it). This is the expensive part of the daily report, a pass over the whole history: it is
-- run once per day to build the day's partition of compliance_daily_state (INSERT INTO on Athena,
-- a Parquet file locally), and the report queries read that partition instead.
-- The dt column is the day itself, taken from a calendar built from the data and cut in a WHERE
-- clause, because Athena accepts execution parameters only there. No rows when no event is on or
-- before the day. built_at is the time of the build (the same for every row of one run); readers of
-- compliance_daily_state take the greatest built_at of a partition.
--
-- @param day date  UTC day, YYYY-MM-DD
-- @param day date
--
-- @column account varchar  AWS account id
-- @column region varchar  AWS region
-- @column rule_name varchar  Config rule name as deployed
-- @column base_rule_name varchar  rule name without the conformance-pack suffix
-- @column resource_type varchar  resource type
-- @column status varchar  latest status at the end of the day
-- @column resources bigint  (resource, rule) pairs with that latest status
-- @column built_at timestamp  when this build ran (UTC)
-- @column dt varchar  the day, YYYY-MM-DD (the partition)
--
-- Ordered by account, region, rule_name, resource_type, status.

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
        new_status,
        dt
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

event_days as (
    select
        min(dt) as first_event_day,
        max(dt) as last_event_day
    from history
),

report_day as (
    select
        substr(cast(days.calendar_day as varchar), 1, 10) as dt
    from event_days
    cross join unnest(
        sequence(
            from_iso8601_date(event_days.first_event_day),
            greatest(from_iso8601_date(event_days.last_event_day), current_date)
        )
    ) as days (calendar_day)
    where
        substr(cast(days.calendar_day as varchar), 1, 10) = ?
),

counts as (
    select
        states.account,
        states.region,
        states.rule_name,
        states.base_rule_name,
        states.resource_type,
        states.status,
        count(*) as resources,
        report_day.dt
    from states
    cross join report_day
    group by
        states.account,
        states.region,
        states.rule_name,
        states.base_rule_name,
        states.resource_type,
        states.status,
        report_day.dt
)

select
    account,
    region,
    rule_name,
    base_rule_name,
    resource_type,
    status,
    resources,
    cast(current_timestamp as timestamp) as built_at,
    dt
from counts
order by
    account,
    region,
    rule_name,
    resource_type,
    status
