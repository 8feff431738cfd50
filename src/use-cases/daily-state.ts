/**
 * Keeps the `compliance_daily_state` rollup current for the daily report (see
 * src/domain/archive-schema.ts and queries/daily_state.sql). The report reads the state at the end
 * of its day and of the day before from the rollup, so both partitions are built before it reads.
 *
 * Staleness. A partition of day D is stale once an event with dt <= D is archived after it was
 * built (at-least-once redelivery, or an event that Config delivers late):
 * - locally, the embedded archiver deletes every partition from the earliest dt it writes onwards,
 *   so a partition that exists is current and the DuckDB engine builds only the missing ones;
 * - in AWS, nothing tells when Firehose delivered a late event, so the Athena engine rebuilds
 *   every day it is given, and the report gives it the last `refreshDays` days up to its day (and
 *   the day before): Config delivers within minutes to hours, so the recent partitions absorb the
 *   late events. An event later than that still counts in every report run afterwards through its
 *   own day, and in any day rebuilt again, but the already-posted reports and the rollup
 *   partitions older than the window keep the figures of their build.
 */
import { previousUtcDay } from '../domain/archive-schema.js';
import type { MaterializeOutcome, QueryEngine } from '../ports/query-engine.js';
import { UseCaseError } from './errors.js';

/** Days the report rebuilds up to its own day (Athena; locally stale partitions are deleted). */
export const DEFAULT_DAILY_STATE_REFRESH_DAYS = 3;

/** A refresh window that is not a whole number of days from 1 to 366. */
export class InvalidRefreshDaysError extends UseCaseError {
  constructor(readonly refreshDays: number) {
    super(`daily state refresh window is ${refreshDays} days; expected a whole number from 1 to 366`);
    this.name = 'InvalidRefreshDaysError';
  }
}

export interface EnsureDailyStateOptions {
  /** The last N days up to `day` are rebuilt by engines that rebuild. @default 3 */
  readonly refreshDays?: number;
}

/** The days to (re)build for the report of `day`, oldest first: the refresh window and the day before. */
export function dailyStateDays(
  day: string,
  refreshDays: number = DEFAULT_DAILY_STATE_REFRESH_DAYS,
): string[] {
  if (!Number.isInteger(refreshDays) || refreshDays < 1 || refreshDays > 366) {
    throw new InvalidRefreshDaysError(refreshDays);
  }
  const days = [day];
  for (let i = 1; i < Math.max(refreshDays, 2); i++) days.unshift(previousUtcDay(days[0] as string));
  return days;
}

/**
 * Makes the rollup partitions the report of `day` reads current: those of `day` and the day
 * before, and the refresh window (see the module comment for what each engine rebuilds). Engines
 * without a rollup (test fakes) are left alone. Idempotent: a repeated call builds nothing locally,
 * and adds builds that readers pick over older ones on Athena.
 */
export async function ensureDailyState(
  engine: QueryEngine,
  day: string,
  options: EnsureDailyStateOptions = {},
): Promise<MaterializeOutcome> {
  const days = dailyStateDays(day, options.refreshDays);
  if (!engine.materializeDailyState) return { built: [] };
  return engine.materializeDailyState(days);
}
