/**
 * The rule of each single API parameter, as an arktype type that describes itself in the 400's
 * message: ids and names, limits, the violations sort, and the date spellings the API accepts.
 *
 * Dates are ISO 8601 dates (`2024-03-01`, midnight UTC), ISO 8601 date-times with a zone
 * (`2024-03-01T12:00:00Z`, `…+02:00`) or epoch seconds; they are normalized to
 * `YYYY-MM-DDTHH:mm:ss.sssZ`.
 */
import { type } from 'arktype';
import {
  ACCOUNT_ID_PATTERN,
  REGION_PATTERN,
  RULE_NAME_DESCRIPTION,
  RULE_NAME_PATTERN,
} from '../domain/aws-names.js';
import { SEVERITIES, type Severity } from '../domain/managed-rules.js';

export const DEFAULT_LIMIT = 100;
export const MAX_LIMIT = 500;
/** Epoch seconds of 9999-12-31T23:59:59Z: the last instant an ISO string with a 4-digit year can hold. */
const MAX_EPOCH_SECONDS = 253_402_300_799;

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

/** The event schema's rule names (src/domain/aws-names.ts). */
export const ruleParam = type(RULE_NAME_PATTERN).describe(RULE_NAME_DESCRIPTION);

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
export const sortParam = type(/^-?(open_since|severity|account|region|rule|resource)$/)
  .describe(`one of ${VIOLATION_SORTS.join(', ')}`)
  .pipe((text) => text as ViolationSort);

export const formatParam = type("'json' | 'csv'").describe('json or csv');

export const mutedParam = type("'true' | 'false'")
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
