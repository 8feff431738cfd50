/**
 * Timestamps of AWS Config events: the one place they are read, checked and normalized.
 *
 * Accepted: ISO 8601 date-time with a zone, `YYYY-MM-DDTHH:mm:ss`, an optional fraction of 1 to 9
 * digits (kept to the millisecond, truncated, as V8 does), and `Z`, `±HH:MM` or `±HHMM`. Rejected,
 * never rolled over: a day the month lacks (`2026-02-30`, `2026-02-29`), hour 24, minute or second
 * 60 (AWS does not send leap seconds), an offset past ±23:59; and an instant outside
 * [{@link EARLIEST_INSTANT}, now + {@link MAX_AHEAD_MS}].
 *
 * Why that range. The lower bound: AWS Config exists since November 2014, so no capture, evaluation
 * or notification predates it; 2000 leaves room for odd clocks and still refuses the year-0 and
 * epoch placeholders. The upper bound: AWS stamps these times with its own clock, so a time more
 * than a day ahead of ours is forged or broken, and it would do harm: a far-future
 * `orderingTimestamp` would order after every real evaluation of its key for ever (each later
 * change judged stale, never alerted), a far-future `time` files the row under a `dt` the Athena
 * projection (`NOW-…,NOW+1DAYS`) does not reach, and a year past 9999 has no 4-digit form that the
 * archive's Parquet writers read (`+010000-01-01…` stopped the embedded archiver for good). A day
 * absorbs any clock skew between AWS and this machine. The bound only widens as time passes, so a
 * record accepted once (by the consumer, the archive transform, a redelivery) is accepted again.
 */

/** The earliest instant accepted (inclusive). */
export const EARLIEST_INSTANT = '2000-01-01T00:00:00.000Z';
const EARLIEST_MS = Date.parse(EARLIEST_INSTANT);
const LAST_FOUR_DIGIT_YEAR_MS = Date.parse('9999-12-31T23:59:59.999Z');

/** How far ahead of this machine's clock an instant may be. */
export const MAX_AHEAD_MS = 86_400_000;

/**
 * A UTC timestamp that is already canonical (or lacks only the milliseconds): what AWS sends. With
 * a day the month has ({@link isCanonicalUtc}), such a string is valid once its instant is in
 * range, which for it is a text comparison.
 */
const CANONICAL_UTC =
  /^\d{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])T(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d(?:\.\d{3})?Z$/;

/** The number of two ASCII digits of `text` at `at`. */
function twoDigits(text: string, at: number): number {
  return (text.charCodeAt(at) - 48) * 10 + text.charCodeAt(at + 1) - 48;
}

/**
 * Whether `text` is {@link CANONICAL_UTC} from the year 2000 on, on a day its month has. Days 29–31
 * (a tenth of all) are checked here rather than by the general reading (a regex match, `Date.UTC`
 * and, to normalize, a `Date` back to text).
 */
function isCanonicalUtc(text: string): boolean {
  if (!CANONICAL_UTC.test(text) || text < '2000') return false;
  const day = twoDigits(text, 8);
  if (day <= 28) return true;
  const year = twoDigits(text, 0) * 100 + twoDigits(text, 2);
  return day <= daysInMonth(year, twoDigits(text, 5));
}

const ISO_DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:Z|([+-])(\d{2}):?(\d{2}))$/;

const FORMAT_PROBLEM =
  'is not an ISO 8601 date-time with a zone (YYYY-MM-DDTHH:mm:ss[.fff] then Z or ±HH:MM)';

/** The days of a month of the proleptic Gregorian calendar (`month` 1–12). */
function daysInMonth(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/**
 * Why a calendar date and wall-clock time do not exist, or null when they do. Shared with the
 * archive's own timestamp format (src/use-cases/archive-transform.ts).
 */
export function calendarProblem(
  year: number,
  month: number,
  day: number,
  hour: number,
  minute: number,
  second: number,
): string | null {
  const mm = String(month).padStart(2, '0');
  if (month < 1 || month > 12) return `is not a real date (there is no month ${mm})`;
  const days = daysInMonth(year, month);
  if (day < 1 || day > days) {
    return `is not a real date (${String(year).padStart(4, '0')}-${mm} has ${days} days)`;
  }
  if (hour > 23) return `is not a real time (hour ${hour}: hours are 00 to 23)`;
  if (minute > 59) return `is not a real time (minute ${minute}: minutes are 00 to 59)`;
  if (second > 59) return `is not a real time (second ${second}: seconds are 00 to 59)`;
  return null;
}

type Reading = { readonly ms: number; readonly problem?: undefined } | { readonly problem: string };

/** The instant of an ISO 8601 date-time with a zone, or why it has none. No range check. */
function readInstant(text: string): Reading {
  const m = ISO_DATE_TIME.exec(text);
  if (!m) return { problem: FORMAT_PROBLEM };
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  const hour = Number(m[4]);
  const minute = Number(m[5]);
  const second = Number(m[6]);
  const calendar = calendarProblem(year, month, day, hour, minute, second);
  if (calendar) return { problem: calendar };
  let offsetMinutes = 0;
  if (m[8] !== undefined) {
    const offsetHours = Number(m[9]);
    const offsetMins = Number(m[10]);
    if (offsetHours > 23 || offsetMins > 59) {
      return { problem: `has no real UTC offset (${m[8]}${m[9]}:${m[10]})` };
    }
    offsetMinutes = (m[8] === '-' ? -1 : 1) * (offsetHours * 60 + offsetMins);
  }
  // Before any offset could bring it into range; and Date.UTC reads years 0–99 as 1900–1999.
  if (year < 1999) return { problem: `is before ${EARLIEST_INSTANT}` };
  const millis = m[7] === undefined ? 0 : Number(m[7].padEnd(3, '0').slice(0, 3));
  const ms = Date.UTC(year, month - 1, day, hour, minute, second, millis) - offsetMinutes * 60_000;
  return { ms };
}

/**
 * Why `text` is not an accepted timestamp (a phrase to follow the value, such as `is not a real
 * date (2026-02 has 28 days)`), or null when it is one.
 */
export function timestampProblem(text: string, nowMs: number = Date.now()): string | null {
  const reading = readInstant(text);
  if (reading.problem !== undefined) return reading.problem;
  if (reading.ms < EARLIEST_MS) {
    return `is before ${EARLIEST_INSTANT} (it is ${new Date(reading.ms).toISOString()})`;
  }
  if (reading.ms > nowMs + MAX_AHEAD_MS) {
    return `is more than a day ahead of this machine's clock (it is ${new Date(reading.ms).toISOString()}, the clock says ${new Date(nowMs).toISOString()})`;
  }
  return null;
}

/**
 * The latest reading of the clock, as canonical text: a canonical UTC timestamp that sorts before
 * it is in range without parsing it, or reading the clock (~30 ns, six times an event). The clock is
 * read again only for a timestamp that does not sort before it (a live event newer than the last
 * reading, or one to reject). A clock set back keeps the later reading until it catches up: the
 * bound is then at most one day past a time the clock did show.
 */
let clockText = '';
function inRangeByText(text: string): boolean {
  if (text < clockText) return true;
  const now = new Date().toISOString();
  if (now > clockText) clockText = now;
  return text < clockText;
}

/**
 * Whether `text` is an accepted timestamp (see the module comment). About six an event: a
 * canonical UTC timestamp in the past is checked by its text alone.
 */
export function isTimestamp(text: string): boolean {
  if (isCanonicalUtc(text) && inRangeByText(text)) return true;
  return timestampProblem(text) === null;
}

/**
 * Normalizes an accepted timestamp to `YYYY-MM-DDTHH:mm:ss.sssZ` (UTC, milliseconds, sorts as
 * text). Throws on a string {@link isTimestamp} refuses: validate first.
 */
export function normalizeTimestamp(text: string): string {
  // Fast path for what AWS sends: no Date round trip.
  if (isCanonicalUtc(text)) {
    return text.length === 24 ? text : `${text.slice(0, 19)}.000Z`;
  }
  const reading = readInstant(text);
  if (reading.problem !== undefined)
    throw new RangeError(`timestamp ${JSON.stringify(text)} ${reading.problem}`);
  // Whatever the clock: the normal form has a 4-digit year, which every archive writer reads.
  if (reading.ms < EARLIEST_MS || reading.ms > LAST_FOUR_DIGIT_YEAR_MS) {
    throw new RangeError(`timestamp ${JSON.stringify(text)} is out of range`);
  }
  return new Date(reading.ms).toISOString();
}
