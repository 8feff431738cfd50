-- name: compliance_trend
-- description: Compliance score per UTC day and per account over a range, from the latest state of every (resource, rule) at the end of each day.
--
-- Days run from the UTC date of start to the UTC date of the last instant before end, within the
-- days that have a state: from the first day with an event, to the last one when end is null, and
-- never past the current UTC date (the future has no state yet). A day's counts are the latest states
-- (greatest ordering_time, recorded_time, event_id) of every (account, region, rule_name,
-- resource_type, resource_id) among events before the end of that day, or before end for a last,
-- partial day; states set before start carry into the range. Score as in compliance_score.
-- Copies of an event tie on the max_by order, so they cannot change a state. Every record sets a
-- state, baseline records of the reconciler (reconciliation = 'baseline') included: the trend
-- counts states, not changes.
-- How: the state of each key at the end of each day it changed, as an interval until its next
-- change; +1/-1 deltas per account, day and status; a running sum over a dense calendar. The
-- calendar is generated from the data and cut by the range in a WHERE clause, because Athena
-- accepts execution parameters only there.
-- Rows where the account has no state yet are left out.
--
-- @param account varchar optional  AWS account id
-- @param account varchar optional
-- @param region varchar optional  AWS region
-- @param region varchar optional
-- @param severity varchar optional  severities, comma-separated (CRITICAL,HIGH): records of those only
-- @param severity varchar optional
-- @param end timestamp optional  exclusive upper bound of event_time
-- @param end timestamp optional
-- @param end timestamp optional
-- @param start timestamp optional  first day = its UTC date
-- @param start timestamp optional
-- @param end timestamp optional
-- @param end timestamp optional
--
-- @column day varchar  UTC day, YYYY-MM-DD
-- @column account varchar  AWS account id
-- @column compliant bigint  (resource, rule) pairs COMPLIANT at the end of the day
-- @column non_compliant bigint  ... NON_COMPLIANT
-- @column not_applicable bigint  ... NOT_APPLICABLE
-- @column insufficient_data bigint  ... INSUFFICIENT_DATA
-- @column compliance_score double  0-100 with 2 decimals; null when nothing is scored
--
-- Ordered by day, account.

with

history as (
    select
        account,
        region,
        rule_name,
        resource_type,
        resource_id,
        event_id,
        event_time,
        ordering_time,
        recorded_time,
        new_status,
        dt
    from compliance_events
    where
        (? = '' or account = ?)
        and (? = '' or region = ?)
        and (? = '' or strpos(',' || ? || ',', ',' || severity || ',') > 0)
        and (? = '' or (dt <= substr(?, 1, 10) and event_time < cast(from_iso8601_timestamp(nullif(?, '')) as timestamp)))
),

daily_states as (
    select
        account,
        region,
        rule_name,
        resource_type,
        resource_id,
        dt as changed_day,
        max(row(ordering_time, recorded_time, event_id)) as day_order,
        max_by(new_status, row(ordering_time, recorded_time, event_id)) as status
    from history
    group by
        account,
        region,
        rule_name,
        resource_type,
        resource_id,
        dt
),

-- A day changes a key's state only when its latest event is newer, by order, than every event of
-- the days before, that is when it is the running maximum (two days never tie: copies of an event
-- share its time and so its day). A late evaluation with an old orderingTimestamp is stale on the
-- day it arrives.
running_orders as (
    select
        account,
        region,
        rule_name,
        resource_type,
        resource_id,
        changed_day,
        day_order,
        status,
        max(day_order) over (
            partition by account, region, rule_name, resource_type, resource_id
            order by changed_day
        ) as running_order
    from daily_states
),

state_intervals as (
    select
        account,
        status,
        changed_day as valid_from,
        lead(changed_day) over (
            partition by account, region, rule_name, resource_type, resource_id
            order by changed_day
        ) as valid_until
    from running_orders
    where
        day_order = running_order
),

event_days as (
    select
        min(changed_day) as first_event_day,
        max(changed_day) as last_event_day
    from daily_states
),

calendar as (
    select
        substr(cast(days.calendar_day as varchar), 1, 10) as calendar_day
    from event_days
    cross join unnest(
        sequence(
            from_iso8601_date(event_days.first_event_day),
            greatest(from_iso8601_date(event_days.last_event_day), current_date)
        )
    ) as days (calendar_day)
    where
        (? = '' or substr(cast(days.calendar_day as varchar), 1, 10) >= substr(?, 1, 10))
        and (
            (? = '' and substr(cast(days.calendar_day as varchar), 1, 10) <= event_days.last_event_day)
            or substr(cast(days.calendar_day as varchar), 1, 10)
            <= substr(cast(date_add('millisecond', -1, cast(from_iso8601_timestamp(nullif(?, '')) as timestamp)) as varchar), 1, 10)
        )
),

bounds as (
    select
        min(calendar_day) as first_day,
        max(calendar_day) as last_day
    from calendar
),

deltas as (
    select
        state_intervals.account,
        state_intervals.status,
        greatest(state_intervals.valid_from, bounds.first_day) as delta_day,
        1 as delta
    from state_intervals
    cross join bounds
    where
        state_intervals.valid_from <= bounds.last_day
    union all
    select
        state_intervals.account,
        state_intervals.status,
        greatest(state_intervals.valid_until, bounds.first_day) as delta_day,
        -1 as delta
    from state_intervals
    cross join bounds
    where
        state_intervals.valid_until <= bounds.last_day
),

delta_totals as (
    select
        account,
        delta_day,
        sum(case when status = 'COMPLIANT' then delta else 0 end) as compliant_delta,
        sum(case when status = 'NON_COMPLIANT' then delta else 0 end) as non_compliant_delta,
        sum(case when status = 'NOT_APPLICABLE' then delta else 0 end) as not_applicable_delta,
        sum(case when status = 'INSUFFICIENT_DATA' then delta else 0 end) as insufficient_data_delta
    from deltas
    group by
        account,
        delta_day
),

accounts as (
    select distinct
        account
    from daily_states
),

grid as (
    select
        accounts.account,
        calendar.calendar_day
    from accounts
    cross join calendar
),

running as (
    select
        grid.calendar_day,
        grid.account,
        sum(coalesce(delta_totals.compliant_delta, 0)) over (
            partition by grid.account
            order by grid.calendar_day
            rows between unbounded preceding and current row
        ) as compliant,
        sum(coalesce(delta_totals.non_compliant_delta, 0)) over (
            partition by grid.account
            order by grid.calendar_day
            rows between unbounded preceding and current row
        ) as non_compliant,
        sum(coalesce(delta_totals.not_applicable_delta, 0)) over (
            partition by grid.account
            order by grid.calendar_day
            rows between unbounded preceding and current row
        ) as not_applicable,
        sum(coalesce(delta_totals.insufficient_data_delta, 0)) over (
            partition by grid.account
            order by grid.calendar_day
            rows between unbounded preceding and current row
        ) as insufficient_data
    from grid
    left join delta_totals
        on
            grid.account = delta_totals.account
            and grid.calendar_day = delta_totals.delta_day
)

select
    calendar_day as day,
    account,
    compliant,
    non_compliant,
    not_applicable,
    insufficient_data,
    round(10000 * cast(compliant as double) / nullif(compliant + non_compliant, 0)) / 100 as compliance_score
from running
where
    compliant + non_compliant + not_applicable + insufficient_data > 0
order by
    day,
    account
