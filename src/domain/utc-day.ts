/**
 * The UTC day, `YYYY-MM-DD`: the unit of the archive's `dt` partitions, of the hot store's day
 * buckets, of the trends and of the daily report. Its length and the steps between days are
 * defined here once.
 */

/** One day in milliseconds (UTC days have no daylight saving and AWS sends no leap seconds). */
export const DAY_MS = 86_400_000;

/** The UTC day of an instant in epoch milliseconds. */
export function utcDayOf(instantMs: number): string {
  return new Date(instantMs).toISOString().slice(0, 10);
}

/** The UTC day before `day` (`YYYY-MM-DD` → `YYYY-MM-DD`). */
export function previousUtcDay(day: string): string {
  return utcDayOf(Date.parse(`${day}T00:00:00.000Z`) - DAY_MS);
}

/** The UTC day after `day` (`YYYY-MM-DD` → `YYYY-MM-DD`). */
export function nextUtcDay(day: string): string {
  return utcDayOf(Date.parse(`${day}T00:00:00.000Z`) + DAY_MS);
}

/** Yesterday in UTC, `YYYY-MM-DD`: the day a morning report covers and the demo history ends. */
export function yesterdayUtc(now: Date = new Date()): string {
  return previousUtcDay(now.toISOString().slice(0, 10));
}

/** Start of the UTC day after `instantMs`: the exclusive end of "up to and including today". */
export function nextUtcMidnight(instantMs: number): string {
  return new Date(Math.floor(instantMs / DAY_MS) * DAY_MS + DAY_MS).toISOString();
}

/** Every UTC day `YYYY-MM-DD` that overlaps the half-open range `[start, end)` of ISO instants. */
export function utcDaysOverlapping(start: string, end: string): string[] {
  const days: string[] = [];
  const last = Date.parse(end) - 1;
  for (let t = Date.parse(start.slice(0, 10)); t <= last; t += DAY_MS) {
    days.push(utcDayOf(t));
  }
  return days;
}
