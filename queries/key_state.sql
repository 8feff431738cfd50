-- name: key_state
-- description: The rows of compliance_key_state for one UTC day: the latest evaluation of every (account, region, rule, resource type, resource id) among the records whose event_time is before the next day, built as merge(the day before's state, the day's events).
--
-- The state as of the end of day D is, per key, the latest evaluation by the order key
-- (greatest ordering_time, then recorded_time, then event_id) among the events with dt <= D. The
-- latest of a union is the latest of the latests, so the state of D is the latest per key among
-- the rows of the state of D - 1 and the events with dt = D: a build reads one day of events and
-- one day of state, whatever the length of the history. Copies of an event tie on the order and
-- cannot change the winner.
--
-- The state of the day before is its greatest complete build (a build whose build_rows equals the
-- rows stored with its built_at; a failed INSERT INTO can leave part of a build behind). When it
-- has none (the first build, or a gap of days without builds) the caller passes since =
-- '0000-01-01', a sentinel that reads every event up to the day: a full pass, once. Otherwise
-- since = day.
-- Athena accepts execution parameters only in WHERE clauses: the dt column comes from a calendar
-- cut by the last parameter (9,000 days before today to 900 after: a Trino sequence holds at most
-- 10,000 entries), and build_rows and built_at are computed.
-- The columns are the table's, in its order (src/domain/archive-schema.ts), as INSERT INTO
-- matches them by position.
--
-- @param previous_day date  the day before day: its complete build is the starting state
-- @param since date  first dt of compliance_events to read: day, or 0000-01-01 without a previous state
-- @param day date  UTC day, YYYY-MM-DD
-- @param day date
--
-- @column account varchar  AWS account id
-- @column region varchar  AWS region
-- @column rule_name varchar  Config rule name as deployed
-- @column base_rule_name varchar  rule name without the conformance-pack suffix
-- @column resource_type varchar  resource type
-- @column resource_id varchar  resource id
-- @column status varchar  new_status of the latest evaluation at the end of the day
-- @column ordering_time timestamp  its orderingTimestamp
-- @column recorded_time timestamp  its resultRecordedTime
-- @column event_id varchar  its event id
-- @column build_rows bigint  rows of this build
-- @column built_at timestamp  when this build ran (UTC)
-- @column dt varchar  the day, YYYY-MM-DD (the partition)
--
-- Ordered by account, region, rule_name, resource_type, resource_id.

with

previous_rows as (
    select
        account,
        region,
        rule_name,
        base_rule_name,
        resource_type,
        resource_id,
        status,
        ordering_time,
        recorded_time,
        event_id,
        build_rows,
        built_at
    from compliance_key_state
    where
        dt = ?
),

previous_build as (
    select max(builds.built_at) as built_at
    from (
        select
            built_at,
            max(build_rows) as build_rows,
            count(*) as stored_rows
        from previous_rows
        group by built_at
    ) as builds
    where
        builds.stored_rows = builds.build_rows
),

candidates as (
    select
        previous_rows.account,
        previous_rows.region,
        previous_rows.rule_name,
        previous_rows.base_rule_name,
        previous_rows.resource_type,
        previous_rows.resource_id,
        previous_rows.status,
        previous_rows.ordering_time,
        previous_rows.recorded_time,
        previous_rows.event_id
    from previous_rows
    inner join previous_build
        on previous_rows.built_at = previous_build.built_at
    union all
    select
        account,
        region,
        rule_name,
        base_rule_name,
        resource_type,
        resource_id,
        new_status as status,
        ordering_time,
        recorded_time,
        event_id
    from compliance_events
    where
        dt >= ?
        and dt <= ?
),

states as (
    select
        account,
        region,
        rule_name,
        base_rule_name,
        resource_type,
        resource_id,
        max_by(status, row(ordering_time, recorded_time, event_id)) as status,
        max_by(ordering_time, row(ordering_time, recorded_time, event_id)) as ordering_time,
        max_by(recorded_time, row(ordering_time, recorded_time, event_id)) as recorded_time,
        max_by(event_id, row(ordering_time, recorded_time, event_id)) as event_id
    from candidates
    group by
        account,
        region,
        rule_name,
        base_rule_name,
        resource_type,
        resource_id
),

build as (
    select count(*) as build_rows
    from states
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
    states.account,
    states.region,
    states.rule_name,
    states.base_rule_name,
    states.resource_type,
    states.resource_id,
    states.status,
    states.ordering_time,
    states.recorded_time,
    states.event_id,
    cast(build.build_rows as bigint) as build_rows,
    cast(current_timestamp as timestamp) as built_at,
    report_day.dt
from states
cross join build
cross join report_day
order by
    states.account,
    states.region,
    states.rule_name,
    states.resource_type,
    states.resource_id
