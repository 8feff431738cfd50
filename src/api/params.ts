/**
 * Validation of every API parameter, before anything else runs.
 *
 * Each route has one arktype schema that lists the parameters it accepts; anything else (an unknown
 * name, a repeated name, a value that breaks its rule) is an {@link InvalidParameterError} naming the
 * parameter, the rule and the value seen, so no query starts on bad input. Values that pass are the
 * only thing the handlers see: the raw query string never reaches DynamoDB or the query engine.
 *
 * The rule of each parameter is in param-rules.ts, the cursors in cursors.ts, the poll id in
 * poll-id.ts. Ranges are half-open: `start_date ≤ t < end_date`.
 */
import { type } from 'arktype';
import type { Severity } from '../domain/managed-rules.js';
import { DAY_MS, nextUtcMidnight } from '../domain/utc-day.js';
import { cursorParam, decodeCursor, decodeViolationsCursor, type EventsPosition } from './cursors.js';
import { clip, InvalidParameterError } from './errors.js';
import {
  accountParam,
  DEFAULT_LIMIT,
  dateParam,
  formatParam,
  limitParam,
  mutedParam,
  regionParam,
  resourceIdParam,
  resourceTypeParam,
  ruleParam,
  severityListParam,
  sortParam,
  sourceParam,
  type ViolationSort,
} from './param-rules.js';

/** The query string after repeated names were rejected: one value per name. */
export type RawQuery = Readonly<Record<string, string>>;

/** Longest range `/compliance/trends` draws, in days (one point per day and account). */
export const MAX_TREND_DAYS = 366;

// ---------------------------------------------------------------------------------------------
// Route schemas

const rangeShape = {
  'account?': accountParam,
  'region?': regionParam,
  'start_date?': dateParam,
  'end_date?': dateParam,
} as const;

const eventsSchema = type({
  ...rangeShape,
  'severity?': severityListParam,
  'source?': sourceParam,
  'limit?': limitParam,
  'next?': cursorParam,
  '+': 'reject',
});
const rangeSchema = type({ ...rangeShape, 'severity?': severityListParam, '+': 'reject' });
const timelineSchema = type({
  account: accountParam,
  region: regionParam,
  resource_type: resourceTypeParam,
  resource_id: resourceIdParam,
  'start_date?': dateParam,
  'end_date?': dateParam,
  '+': 'reject',
});
const noParamsSchema = type({ '+': 'reject' });
const violationsSchema = type({
  'account?': accountParam,
  'region?': regionParam,
  'rule?': ruleParam,
  'severity?': severityListParam,
  'muted?': mutedParam,
  'sort?': sortParam,
  'limit?': limitParam,
  'next?': cursorParam,
  'format?': formatParam,
  '+': 'reject',
});

const ALLOWED = {
  events: ['account', 'region', 'start_date', 'end_date', 'severity', 'source', 'limit', 'next'],
  range: ['account', 'region', 'start_date', 'end_date', 'severity'],
  timeline: ['account', 'region', 'resource_type', 'resource_id', 'start_date', 'end_date'],
  violations: ['account', 'region', 'rule', 'severity', 'muted', 'sort', 'limit', 'next', 'format'],
  none: [],
} as const;

/** Runs a route schema and turns the first failure into an {@link InvalidParameterError}. */
export function validate<T>(
  schema: (input: unknown) => T | InstanceType<typeof type.errors>,
  query: RawQuery,
  allowed: readonly string[],
): T {
  const result = schema(query);
  if (!(result instanceof type.errors)) return result;
  // Report in a stable order: unknown names first, then the schema's own order.
  const sorted = [...result].sort((a, b) => rank(a.path[0], allowed) - rank(b.path[0], allowed));
  const first = sorted[0];
  const name = String(first?.path[0] ?? 'query');
  if (!allowed.includes(name)) {
    throw new InvalidParameterError(
      name,
      `unknown parameter ${JSON.stringify(clip(name))}; allowed: ${allowed.length > 0 ? allowed.join(', ') : 'none'}`,
    );
  }
  const value = query[name];
  throw new InvalidParameterError(
    name,
    value === undefined
      ? `${name} is required (${first?.expected ?? 'see docs/api.md'})`
      : `${name} must be ${first?.expected ?? 'valid'} (was ${JSON.stringify(clip(value))})`,
  );
}

function rank(key: PropertyKey | undefined, allowed: readonly string[]): number {
  const index = allowed.indexOf(String(key));
  return index === -1 ? -1 : index;
}

/**
 * Flattens `URLSearchParams`-style multi-values (Hono's `c.req.queries()`) into one value per
 * name. A repeated name is ambiguous (`account=1&account=2`), so it is a 400, not "first wins".
 */
export function singleValued(queries: Readonly<Record<string, readonly string[]>>): RawQuery {
  const out: Record<string, string> = Object.create(null);
  for (const [name, values] of Object.entries(queries)) {
    if (values.length !== 1) {
      throw new InvalidParameterError(
        name,
        `${clip(name)} must be given once (was given ${values.length} times)`,
      );
    }
    out[name] = values[0] as string;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Parsed parameters per route

/** Filters shared by the range routes; null means "any". Instants are normalized ISO strings. */
export interface RangeFilter {
  readonly account: string | null;
  readonly region: string | null;
  readonly start: string | null;
  readonly end: string | null;
  /** The rules' severities, in the order given (`severity=CRITICAL,HIGH`); null or absent: any. */
  readonly severities?: readonly Severity[] | null;
}

/** Fails with `end_date` when the half-open range is empty or reversed. */
function checkRange(start: string | undefined, end: string | undefined, maxDays?: number): void {
  if (start === undefined || end === undefined) return;
  if (end <= start) {
    throw new InvalidParameterError(
      'end_date',
      `end_date must be later than start_date (ranges are half-open; was start_date ${start}, end_date ${end})`,
    );
  }
  if (maxDays !== undefined && Date.parse(end) - Date.parse(start) > maxDays * DAY_MS) {
    throw new InvalidParameterError(
      'end_date',
      `the range must span at most ${maxDays} days (was start_date ${start}, end_date ${end})`,
    );
  }
}

function rangeOf(p: {
  account?: string;
  region?: string;
  start_date?: string;
  end_date?: string;
  severity?: readonly Severity[];
}): RangeFilter {
  return {
    account: p.account ?? null,
    region: p.region ?? null,
    start: p.start_date ?? null,
    end: p.end_date ?? null,
    severities: p.severity ?? null,
  };
}

/** `GET /compliance/summary`: all optional; the score is as of `end` (now when absent). */
export function parseSummaryParams(query: RawQuery): RangeFilter {
  const p = validate(rangeSchema, query, ALLOWED.range);
  checkRange(p.start_date, p.end_date);
  return rangeOf(p);
}

/**
 * `GET /compliance/trends`: defaults to the 30 days up to and including today (UTC); at most
 * {@link MAX_TREND_DAYS} days.
 */
export function parseTrendParams(query: RawQuery, now: Date): RangeFilter & { start: string; end: string } {
  const p = validate(rangeSchema, query, ALLOWED.range);
  const end =
    p.end_date ?? nextUtcMidnight(Math.max(now.getTime(), p.start_date ? Date.parse(p.start_date) : 0));
  const start = p.start_date ?? new Date(Date.parse(end) - 30 * DAY_MS).toISOString();
  checkRange(start, end, MAX_TREND_DAYS);
  return { ...rangeOf(p), start, end };
}

/** `GET /compliance/remediation`: all optional (null = any time). */
export function parseRemediationParams(query: RawQuery): RangeFilter {
  const p = validate(rangeSchema, query, ALLOWED.range);
  checkRange(p.start_date, p.end_date);
  return rangeOf(p);
}

export interface TimelineParams {
  readonly account: string;
  readonly region: string;
  readonly resourceType: string;
  readonly resourceId: string;
  readonly start: string | null;
  readonly end: string | null;
}

/** `GET /resources/timeline`: the resource's four key fields are required, the range optional. */
export function parseTimelineParams(query: RawQuery): TimelineParams {
  const p = validate(timelineSchema, query, ALLOWED.timeline);
  checkRange(p.start_date, p.end_date);
  return {
    account: p.account,
    region: p.region,
    resourceType: p.resource_type,
    resourceId: p.resource_id,
    start: p.start_date ?? null,
    end: p.end_date ?? null,
  };
}

/** Routes without parameters (`/healthz`, `/queries/:id`) still reject unknown ones. */
export function parseNoParams(query: RawQuery): void {
  validate(noParamsSchema, query, ALLOWED.none);
}

export interface EventsParams extends RangeFilter {
  readonly source: 'aws.config';
  readonly limit: number;
  readonly after: EventsPosition | null;
}

/**
 * `GET /events`. The cursor is bound to the filters it was issued for: reusing it with other
 * filters, or altering it, is a 400 naming `next`.
 */
export function parseEventsParams(query: RawQuery, cursorKey: string): EventsParams {
  const p = validate(eventsSchema, query, ALLOWED.events);
  checkRange(p.start_date, p.end_date);
  const range = rangeOf(p);
  return {
    ...range,
    source: 'aws.config',
    limit: p.limit ?? DEFAULT_LIMIT,
    after: p.next === undefined ? null : decodeCursor(p.next, range, cursorKey),
  };
}

/** The filters of `GET /violations` (null = any): what its cursor is bound to. */
export interface ViolationsFilter {
  readonly account: string | null;
  readonly region: string | null;
  readonly rule: string | null;
  /** In the order given. */
  readonly severities: readonly Severity[] | null;
  /** Only the violations a mute in force covers (true) or only the others (false). */
  readonly muted: boolean | null;
  readonly sort: ViolationSort;
}

export interface ViolationsParams extends ViolationsFilter {
  readonly limit: number;
  /** The sort values of the last item of the previous page (see {@link encodeViolationsCursor}). */
  readonly after: readonly string[] | null;
  /** null: as the `Accept` header asks. */
  readonly format: 'json' | 'csv' | null;
}

/**
 * `GET /violations`: every parameter optional; `sort` defaults to `-open_since` (newest first).
 * The cursor is bound to the filters and the sort it was issued for, like the one of `/events`.
 */
export function parseViolationsParams(query: RawQuery, cursorKey: string): ViolationsParams {
  const p = validate(violationsSchema, query, ALLOWED.violations);
  const filter: ViolationsFilter = {
    account: p.account ?? null,
    region: p.region ?? null,
    rule: p.rule ?? null,
    severities: p.severity ?? null,
    muted: p.muted ?? null,
    sort: p.sort ?? '-open_since',
  };
  return {
    ...filter,
    limit: p.limit ?? DEFAULT_LIMIT,
    after: p.next === undefined ? null : decodeViolationsCursor(p.next, filter, cursorKey),
    format: p.format ?? null,
  };
}
