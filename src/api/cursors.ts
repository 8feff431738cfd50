/**
 * The `next` cursors of the paged routes, `GET /events` and `GET /violations`: sealed tokens (see
 * tokens.ts) bound to the filters they were issued for, whose content is checked strictly.
 */
import { type } from 'arktype';
import { fitsUtf8, MAX_EVENT_ID_BYTES } from '../adapters/dynamodb/keys.js';
import { clip, InvalidParameterError } from './errors.js';
import type { RangeFilter, ViolationsFilter } from './params.js';
import { SEALED_TOKEN, seal, unseal } from './tokens.js';

/** The `next` cursor's outer shape; its content is checked by {@link decodeCursor}. */
export const cursorParam = type(SEALED_TOKEN).describe('a cursor returned by this API');

/** Where a page of `/events` ends: strictly older events follow, starting in day `day`. */
export interface EventsPosition {
  /** UTC day `YYYY-MM-DD` of the last item returned. */
  readonly day: string;
  /** The index sort key of the last item returned (`<ISO time>#<event id>`). */
  readonly sortKey: string;
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
  const base = [kind, filter.account, filter.region, filter.start, filter.end];
  // Severities only when given, so a cursor issued without them stays valid across the upgrade.
  const severities = filter.severities ?? null;
  return JSON.stringify(severities === null ? base : [...base, severities]);
}

/** The `next` cursor for a page of `/events` that ended at `position`. */
export function encodeCursor(position: EventsPosition, filter: RangeFilter, key: string): string {
  return seal({ d: position.day, k: position.sortKey }, filterContext('events', filter), key);
}

export function decodeCursor(token: string, filter: RangeFilter, key: string): EventsPosition {
  const value = cursorPayload(unseal(token, filterContext('events', filter), key));
  if (value instanceof type.errors || value.k.slice(0, 10) !== value.d) {
    throw new InvalidParameterError(
      'next',
      `next must be a cursor returned by this API for the same account, region, start_date, end_date and severity (was ${JSON.stringify(clip(token))})`,
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

export function decodeViolationsCursor(
  token: string,
  filter: ViolationsFilter,
  key: string,
): readonly string[] {
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
