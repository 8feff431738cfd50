/**
 * Validation of every API parameter, before anything else runs.
 *
 * Each route has one arktype schema that lists the parameters it accepts; anything else (an unknown
 * name, a repeated name, a value that breaks its rule) is an {@link InvalidParameterError} naming the
 * parameter, the rule and the value seen, so no query starts on bad input. Values that pass are the
 * only thing the handlers see: the raw query string never reaches DynamoDB or the query engine.
 *
 * Dates are ISO 8601 dates (`2024-03-01`, midnight UTC), ISO 8601 date-times with a zone
 * (`2024-03-01T12:00:00Z`, `…+02:00`) or epoch seconds; they are normalized to
 * `YYYY-MM-DDTHH:mm:ss.sssZ`. Ranges are half-open: `start_date ≤ t < end_date`.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { type } from 'arktype';
import { fitsUtf8, MAX_EVENT_ID_BYTES } from '../adapters/dynamodb/keys.js';
import { ACCOUNT_ID_PATTERN, REGION_PATTERN } from '../domain/aws-names.js';
import { SEVERITIES, type Severity } from '../domain/managed-rules.js';
import { InvalidParameterError } from './errors.js';

/** The query string after repeated names were rejected: one value per name. */
export type RawQuery = Readonly<Record<string, string>>;

export const DEFAULT_LIMIT = 100;
export const MAX_LIMIT = 500;
/** Longest range `/compliance/trends` draws, in days (one point per day and account). */
export const MAX_TREND_DAYS = 366;
const DAY_MS = 86_400_000;
/** Epoch seconds of 9999-12-31T23:59:59Z: the last instant an ISO string with a 4-digit year can hold. */
const MAX_EPOCH_SECONDS = 253_402_300_799;

// ---------------------------------------------------------------------------------------------
// Single parameters

/** Exactly 12 ASCII digits (src/domain/aws-names.ts, the same rule as ingestion). */
export const accountParam = type(ACCOUNT_ID_PATTERN).describe('exactly 12 ASCII digits');

/** An AWS region name, by the rule ingestion applies (src/domain/aws-names.ts). */
export const regionParam = type(REGION_PATTERN).describe('an AWS region such as us-east-1');

export const sourceParam = type('"aws.config"').describe('exactly "aws.config"');

export const limitParam = type(/^[0-9]{1,3}$/)
  .describe(`an integer from 1 to ${MAX_LIMIT}`)
  .pipe((text) => Number(text))
  .to(`1 <= number.integer <= ${MAX_LIMIT}`);

/** `AWS::S3::Bucket`, and `AWS::::Account` whose middle part is empty. */
export const resourceTypeParam = type(/^[A-Za-z0-9]{1,64}::[A-Za-z0-9]{0,64}::[A-Za-z0-9]{1,64}$/).describe(
  'a resource type such as AWS::S3::Bucket',
);

/** Config resource ids are up to 768 characters; control characters never occur in them. */
export const resourceIdParam = type(/^[^\u0000-\u001f\u007f]{1,768}$/).describe(
  '1 to 768 characters without control characters',
);

/** Rule names are at most 256 characters in the event schema (AWS allows 128). */
export const ruleParam = type(/^[^\u0000-\u001f\u007f]{1,256}$/).describe(
  'a Config rule name of 1 to 256 characters without control characters',
);

const SEVERITY_RULE = `one or more of ${SEVERITIES.join(', ')}, comma-separated, each once`;

/** `CRITICAL` or `CRITICAL,HIGH`: severities, each at most once. */
export const severityListParam = type('string').pipe((text, ctx) => {
  const parts = text.split(',');
  const known = new Set<string>(SEVERITIES);
  if (parts.some((part) => !known.has(part)) || new Set(parts).size !== parts.length) {
    return ctx.error(SEVERITY_RULE);
  }
  return parts as Severity[];
});

/**
 * How `GET /violations` orders its items: by a field, ascending, or descending with a leading
 * `-`. `open_since` and `-open_since` follow the index; the others sort in memory (violations.ts).
 */
export const VIOLATION_SORTS = [
  '-open_since',
  'open_since',
  'severity',
  '-severity',
  'account',
  '-account',
  'region',
  '-region',
  'rule',
  '-rule',
  'resource',
  '-resource',
] as const;
export type ViolationSort = (typeof VIOLATION_SORTS)[number];
const sortParam = type(/^-?(open_since|severity|account|region|rule|resource)$/)
  .describe(`one of ${VIOLATION_SORTS.join(', ')}`)
  .pipe((text) => text as ViolationSort);

const formatParam = type("'json' | 'csv'").describe('json or csv');

const mutedParam = type("'true' | 'false'")
  .describe('true or false')
  .pipe((text) => text === 'true');

const DATE = /^([0-9]{4})-([0-9]{2})-([0-9]{2})$/;
// A `+` left unencoded in a query string decodes to a space; accept that spelling of a positive offset.
const DATE_TIME =
  /^([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2})(?::([0-9]{2})(\.[0-9]{1,9})?)?(Z|[+\- ][0-9]{2}:[0-9]{2})$/;
const EPOCH_SECONDS = /^[0-9]{1,12}$/;
const DATE_RULE =
  'an ISO 8601 date (2024-03-01), date-time with zone (2024-03-01T12:00:00Z) or epoch seconds';

/** Parses one accepted date spelling to epoch milliseconds, or null when it is not one. */
export function parseInstant(text: string): number | null {
  if (EPOCH_SECONDS.test(text)) {
    const seconds = Number(text);
    return seconds <= MAX_EPOCH_SECONDS ? seconds * 1000 : null;
  }
  const date = DATE.exec(text);
  if (date) return utc(date[1], date[2], date[3], '00', '00', '00', undefined);
  const dateTime = DATE_TIME.exec(text);
  if (!dateTime) return null;
  const [, y, mo, d, h, mi, s, fraction, zone] = dateTime;
  const local = utc(y, mo, d, h, mi, s ?? '00', fraction);
  if (local === null || zone === undefined) return null;
  if (zone === 'Z') return local;
  const offsetHours = Number(zone.slice(1, 3));
  const offsetMinutes = Number(zone.slice(4, 6));
  if (offsetHours > 23 || offsetMinutes > 59) return null;
  const sign = zone.startsWith('-') ? -1 : 1;
  const instant = local - sign * (offsetHours * 60 + offsetMinutes) * 60_000;
  return instant >= 0 && instant <= MAX_EPOCH_SECONDS * 1000 ? instant : null;
}

function utc(
  y: string | undefined,
  mo: string | undefined,
  d: string | undefined,
  h: string | undefined,
  mi: string | undefined,
  s: string | undefined,
  fraction: string | undefined,
): number | null {
  const [year, month, day, hour, minute, second] = [y, mo, d, h, mi, s].map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  if (year < 1970 || month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59)
    return null;
  const ms = fraction ? Math.floor(Number(`0${fraction}`) * 1000) : 0;
  const instant = Date.UTC(year, month - 1, day, hour, minute, second, ms);
  // Date.UTC rolls 2024-02-30 over to March; a real calendar date maps back to itself.
  return new Date(instant).getUTCDate() === day ? instant : null;
}

/** A date parameter, normalized to `YYYY-MM-DDTHH:mm:ss.sssZ`. */
export const dateParam = type('string').pipe((text, ctx) => {
  const instant = parseInstant(text);
  return instant === null ? ctx.error(DATE_RULE) : new Date(instant).toISOString();
});

/** The `next` cursor's outer shape; its content is checked by {@link decodeCursor}. */
const cursorParam = type(/^[A-Za-z0-9_-]{1,4000}\.[A-Za-z0-9_-]{22}$/).describe(
  'a cursor returned by this API',
);

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
  'source?': sourceParam,
  'limit?': limitParam,
  'next?': cursorParam,
  '+': 'reject',
});
const rangeSchema = type({ ...rangeShape, '+': 'reject' });
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
  events: ['account', 'region', 'start_date', 'end_date', 'source', 'limit', 'next'],
  range: ['account', 'region', 'start_date', 'end_date'],
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

/** Values are echoed in messages; keep a hostile 10 kB value from echoing in full. */
function clip(value: string): string {
  return value.length > 80 ? `${value.slice(0, 80)}…` : value;
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
}): RangeFilter {
  return {
    account: p.account ?? null,
    region: p.region ?? null,
    start: p.start_date ?? null,
    end: p.end_date ?? null,
  };
}

/** `GET /compliance/summary`: all optional; the score is as of `end` (now when absent). */
export function parseSummaryParams(query: RawQuery): RangeFilter {
  const p = validate(rangeSchema, query, ALLOWED.range);
  checkRange(p.start_date, p.end_date);
  return rangeOf(p);
}

/** Start of the UTC day after `instantMs`: the exclusive end of "up to and including today". */
export function nextUtcMidnight(instantMs: number): string {
  return new Date(Math.floor(instantMs / DAY_MS) * DAY_MS + DAY_MS).toISOString();
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

/** Where a page of `/events` ends: strictly older events follow, starting in day `day`. */
export interface EventsPosition {
  /** UTC day `YYYY-MM-DD` of the last item returned. */
  readonly day: string;
  /** The index sort key of the last item returned (`<ISO time>#<event id>`). */
  readonly sortKey: string;
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

// ---------------------------------------------------------------------------------------------
// Opaque tokens: the events cursor and the poll id of a slow query

/**
 * Both tokens are `base64url(JSON).base64url(HMAC-SHA256(context + JSON))[0..16 bytes]`. The MAC
 * detects any edit (and a cursor replayed with other filters); the strict shape check after it
 * keeps even a correctly signed token from carrying anything but a day and a sort key. The key
 * need not be secret for that: the API is IAM-authenticated and a forged cursor could only page
 * through data the caller may read anyway.
 */
function sign(payload: string, context: string, key: string): string {
  return createHmac('sha256', key)
    .update(context)
    .update('\n')
    .update(payload)
    .digest()
    .subarray(0, 16)
    .toString('base64url');
}

function seal(value: unknown, context: string, key: string): string {
  const payload = Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
  return `${payload}.${sign(payload, context, key)}`;
}

/** Returns the parsed JSON of a sealed token, or null when the MAC or the encoding is wrong. */
function unseal(token: string, context: string, key: string): unknown {
  const dot = token.indexOf('.');
  if (dot < 1) return null;
  const payload = token.slice(0, dot);
  const mac = Buffer.from(token.slice(dot + 1), 'base64url');
  const expected = Buffer.from(sign(payload, context, key), 'base64url');
  if (mac.length !== expected.length || !timingSafeEqual(mac, expected)) return null;
  try {
    return JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    return null;
  }
}

const DAY = /^[0-9]{4}-[0-9]{2}-[0-9]{2}$/;
/**
 * `<YYYY-MM-DDTHH:mm:ss.sssZ>#<event id>` (src/adapters/dynamodb/keys.ts). The id part is any text
 * the hot store holds, control characters included (an event id is only checked for length, at
 * most 512 UTF-8 bytes): before, a cursor ending at an id with a control character was refused
 * by the API that issued it. It is only ever a DynamoDB key value, never text in a query.
 */
const SORT_KEY = /^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z#[\s\S]{1,512}$/;
const cursorPayload = type({ d: DAY, k: SORT_KEY, '+': 'reject' }).narrow((value) =>
  fitsUtf8(value.k.slice(25), MAX_EVENT_ID_BYTES),
);

function filterContext(kind: string, filter: RangeFilter): string {
  return JSON.stringify([kind, filter.account, filter.region, filter.start, filter.end]);
}

/** The `next` cursor for a page of `/events` that ended at `position`. */
export function encodeCursor(position: EventsPosition, filter: RangeFilter, key: string): string {
  return seal({ d: position.day, k: position.sortKey }, filterContext('events', filter), key);
}

function decodeCursor(token: string, filter: RangeFilter, key: string): EventsPosition {
  const value = cursorPayload(unseal(token, filterContext('events', filter), key));
  if (value instanceof type.errors || value.k.slice(0, 10) !== value.d) {
    throw new InvalidParameterError(
      'next',
      `next must be a cursor returned by this API for the same account, region, start_date and end_date (was ${JSON.stringify(clip(token))})`,
    );
  }
  return { day: value.d, sortKey: value.k };
}

/** An `open_sk` of the state table's `open` index (keys.ts): `<opened at>#<32 hex digits>`. */
const OPEN_SORT_KEY = /^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z#[0-9a-f]{32}$/;
/** `[open_sk]` for the index's orders, `[value, open_sk]` for the others (a resource: type and id). */
const violationsCursorPayload = type({ k: 'string[]', '+': 'reject' }).narrow(
  (value) =>
    value.k.length >= 1 &&
    value.k.length <= 2 &&
    OPEN_SORT_KEY.test(value.k[value.k.length - 1] as string) &&
    value.k.every((part) => part.length <= 2_000),
);

function violationsContext(filter: ViolationsFilter): string {
  return JSON.stringify([
    'violations',
    filter.account,
    filter.region,
    filter.rule,
    filter.severities,
    filter.muted,
    filter.sort,
  ]);
}

/** The `next` cursor of a page of `/violations` whose last item sorts at `position`. */
export function encodeViolationsCursor(
  position: readonly string[],
  filter: ViolationsFilter,
  key: string,
): string {
  return seal({ k: position }, violationsContext(filter), key);
}

function decodeViolationsCursor(token: string, filter: ViolationsFilter, key: string): readonly string[] {
  const value = violationsCursorPayload(unseal(token, violationsContext(filter), key));
  const indexOrder = filter.sort === 'open_since' || filter.sort === '-open_since';
  if (value instanceof type.errors || (value.k.length === 1) !== indexOrder) {
    throw new InvalidParameterError(
      'next',
      `next must be a cursor returned by this API for the same account, region, rule, severity, muted and sort (was ${JSON.stringify(clip(token))})`,
    );
  }
  return value.k;
}

/** The saved-query results a poll id stands for, and how to shape them once they are all done. */
export interface PendingQueries {
  /** Which route's response shape to build. */
  readonly route: 'summary' | 'trends' | 'remediation' | 'timeline' | 'muted';
  /** Engine query id per saved-query role (for example `summary`, `score`). */
  readonly queries: Readonly<Record<string, string>>;
  /** The validated parameters the route ran with (needed to shape the response). */
  readonly params: Readonly<Record<string, string | null>>;
}

/** Athena execution ids are UUIDs, DuckDB's too; empty marks a query that had finished (query-runner.ts). */
const ENGINE_QUERY_ID = /^[A-Za-z0-9_-]{0,128}$/;
const pendingSchema = type({
  r: "'summary' | 'trends' | 'remediation' | 'timeline' | 'muted'",
  q: { '[string]': ENGINE_QUERY_ID },
  p: { '[string]': type(/^[^\u0000-\u001f\u007f]{0,800}$/).or('null') },
  '+': 'reject',
});

/** The opaque id of `GET /queries/:id` for queries that did not finish in time. */
export function encodePollId(pending: PendingQueries, key: string): string {
  return seal({ r: pending.route, q: pending.queries, p: pending.params }, 'poll', key);
}

/** Validates a poll id; any edit is a 400 naming `id`. */
export function decodePollId(token: string, key: string): PendingQueries {
  const invalid = () =>
    new InvalidParameterError(
      'id',
      `id must be a query id returned by this API (was ${JSON.stringify(clip(token))})`,
    );
  if (!/^[A-Za-z0-9_-]{1,4000}\.[A-Za-z0-9_-]{22}$/.test(token)) throw invalid();
  const value = pendingSchema(unseal(token, 'poll', key));
  if (value instanceof type.errors) throw invalid();
  const roles = Object.keys(value.q);
  if (roles.length === 0 || roles.length > 4 || Object.keys(value.p).length > 8) throw invalid();
  return { route: value.r, queries: value.q, params: value.p };
}
