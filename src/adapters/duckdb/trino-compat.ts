/**
 * The small set of DuckDB macros that lets the saved Athena (Trino) SQL run unchanged on DuckDB.
 *
 * Only functions DuckDB lacks or spells differently are defined; everything else the queries use
 * (`arbitrary`, `row(...)`, `date_diff('millisecond', …)`, `greatest`,
 * `substr`, `ceiling`, `unnest … as t (c)`) means the same in both engines. The engine sets the
 * session time zone to UTC, so timestamp-with-zone values convert to UTC wall-clock time as in Athena.
 *
 * Known differences, kept out of the saved queries: `date_add` on a DATE returns a TIMESTAMP here
 * (Trino keeps DATE); `sequence` takes dates with a one-day default step only; DuckDB's
 * `date_diff('second', …)` counts boundaries crossed where Trino truncates elapsed time, so the
 * queries use milliseconds, where both agree for the archive's millisecond timestamps.
 */

/** Trino `date_format` (MySQL specifiers) → DuckDB `strftime` specifiers. Order matters: `%M` first. */
const DATE_FORMAT_TRANSLATION = [
  ['%M', '%B'],
  ['%i', '%M'],
  ['%s', '%S'],
  ['%T', '%H:%M:%S'],
  ['%W', '%A'],
  ['%c', '%-m'],
  ['%e', '%-d'],
  ['%h', '%I'],
] as const;

const translatedFormat = DATE_FORMAT_TRANSLATION.reduce(
  (expr, [from, to]) => `replace(${expr}, '${from}', '${to}')`,
  'format',
);

/** `create or replace macro` statements, one per function. */
export const TRINO_COMPAT_MACROS: readonly string[] = [
  // Trino returns timestamp(3) with time zone; the queries cast it to timestamp (UTC in Athena).
  `create or replace macro from_iso8601_timestamp(text) as cast(text as timestamptz)`,
  `create or replace macro from_iso8601_date(text) as cast(text as date)`,
  `create or replace macro to_iso8601(value) as strftime(value, '%Y-%m-%dT%H:%M:%S.%g')`,
  // Trino's (unit, amount, value); the 2-argument overload keeps DuckDB's own date_add(value, interval).
  `create or replace macro date_add(unit, amount, value) as
    case lower(unit)
      when 'millisecond' then value + to_milliseconds(amount)
      when 'second' then value + to_seconds(amount)
      when 'minute' then value + to_minutes(amount)
      when 'hour' then value + to_hours(amount)
      when 'day' then value + to_days(amount)
      when 'week' then value + to_weeks(amount)
      when 'month' then value + to_months(amount)
      when 'quarter' then value + to_months(3 * amount)
      when 'year' then value + to_years(amount)
      else error('date_add: unsupported unit ' || unit)
    end,
    (value, step) as value + step`,
  `create or replace macro date_format(value, format) as strftime(value, ${translatedFormat})`,
  `create or replace macro from_unixtime(seconds) as cast(to_timestamp(seconds) as timestamp)`,
  `create or replace macro to_unixtime(value) as epoch(value)`,
  // Trino's max_by/min_by return the value of the max/min row even when that value is NULL, and
  // skip rows whose key is NULL; DuckDB's max_by skips NULL values too, its *_null variant does not.
  `create or replace macro max_by(value, key) as arg_max_null(value, key)`,
  `create or replace macro min_by(value, key) as arg_min_null(value, key)`,
  // DuckDB's count_if returns NULL over no rows; Trino's returns 0 (a count).
  `create or replace macro count_if(condition) as count(case when condition then 1 end)`,
  `create or replace macro approx_distinct(value) as approx_count_distinct(value)`,
  `create or replace macro approx_percentile(value, percentage) as approx_quantile(value, percentage)`,
  // Trino's sequence(start_date, stop_date[, step]) → array of dates.
  `create or replace macro sequence(first_value, last_value) as
      list_transform(generate_series(first_value, last_value, interval 1 day), d -> cast(d as date)),
    (first_value, last_value, step) as generate_series(first_value, last_value, step)`,
];
