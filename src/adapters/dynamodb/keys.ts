/**
 * Key builders of the hot-store tables: the one place that knows how an event or a state key
 * becomes a DynamoDB key. The consumer writes with them and the API queries with them.
 * docs/hot-store.md lists each access pattern next to the key that serves it.
 *
 * DynamoDB limits: partition key ≤ 2048 UTF-8 bytes, sort key ≤ 1024 UTF-8 bytes (GSI keys alike).
 */
import { createHash } from 'node:crypto';
import type { StateKey } from '../../domain/compliance-state.js';

export const MAX_PARTITION_KEY_BYTES = 2048;
export const MAX_SORT_KEY_BYTES = 1024;

/**
 * Longest event id the hot store accepts. EventBridge ids are 36-character UUIDs; the bound keeps
 * `gsi1sk = <24-char time>#<id>` under 1024 bytes with room to spare, so a hostile id is
 * rejected (quarantined) instead of failing the batch write for ever.
 */
export const MAX_EVENT_ID_BYTES = 512;

/** Number of write shards of one day in the `by-day` index: spreads a storm over 8 partitions. */
export const DAY_SHARDS = 8;

const EVENT_PK_PREFIX = 'EVT#';
/** Marks a hashed resource id in a state sort key (`<resourceType>#H#<sha256 hex>`). */
const HASHED_MARKER = 'H#';

/** UTF-8 length of a text (DynamoDB measures key sizes in UTF-8 bytes). */
export function utf8Length(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

/** Whether a text fits in `limit` UTF-8 bytes; a UTF-16 code unit is at most 3 UTF-8 bytes. */
export function fitsUtf8(text: string, limit: number): boolean {
  return text.length * 3 <= limit || utf8Length(text) <= limit;
}

// ---------------------------------------------------------------------------------------------
// events table
// ---------------------------------------------------------------------------------------------

/** Table key of an event: `EVT#<eventId>` (one item per event id: the idempotency key). */
export function eventPk(eventId: string): string {
  return EVENT_PK_PREFIX + eventId;
}

/** `YYYY-MM-DD` of a normalized ISO timestamp (UTC). */
export function dayOf(isoTimestamp: string): string {
  return isoTimestamp.slice(0, 10);
}

/**
 * Sort key of both event indexes: `<eventTimeISO>#<eventId>`. Normalized times sort as text,
 * so a half-open range `[start, end)` is `gsi1sk >= :start AND gsi1sk < :end` with bare ISO
 * bounds (`#` makes `<t>#id` sort after `<t>` and before any later time).
 */
export function eventTimeSortKey(eventTime: string, eventId: string): string {
  return `${eventTime}#${eventId}`;
}

/** Partition key of the `by-account-day` index (`gsi1pk`): `<account>#<YYYY-MM-DD>`. */
export function accountDayKey(account: string, day: string): string {
  return `${account}#${day}`;
}

/**
 * Stable write shard of an event in `0 … DAY_SHARDS-1`: FNV-1a (32 bit) over the id's UTF-16
 * code units. Any reader can recompute it, but readers of a whole day simply query every shard.
 */
export function dayShardOf(eventId: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < eventId.length; i++) {
    hash ^= eventId.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % DAY_SHARDS;
}

/** Partition key of the `by-day` index (`gsi2pk`): `<YYYY-MM-DD>#<two-digit shard>`. */
export function dayShardKey(day: string, shard: number): string {
  return `${day}#${shard < 10 ? '0' : ''}${shard}`;
}

/** Every `by-day` partition of a day: a reader of one day queries these and merges by sort key. */
export function dayShardKeys(day: string): string[] {
  return Array.from({ length: DAY_SHARDS }, (_, shard) => dayShardKey(day, shard));
}

/** Reason an event id cannot be stored, or null when it can. */
export function eventIdProblem(eventId: string): string | null {
  if (fitsUtf8(eventId, MAX_EVENT_ID_BYTES)) return null;
  return `id is ${utf8Length(eventId)} UTF-8 bytes; at most ${MAX_EVENT_ID_BYTES} allowed`;
}

// ---------------------------------------------------------------------------------------------
// state table
// ---------------------------------------------------------------------------------------------

/**
 * State partition key: `<account>#<region>#<ruleName>`. Account (12 digits) and region are
 * validated at the edge and rule names are at most 256 characters (AWS allows 128), so this is
 * at most ~800 bytes: always under 2048.
 */
export function statePk(key: Pick<StateKey, 'account' | 'region' | 'ruleName'>): string {
  return `${key.account}#${key.region}#${key.ruleName}`;
}

/**
 * State sort key: `<type>#<id>` when it fits in 1024 UTF-8 bytes, else `<type>#H#<sha256 hex of
 * resourceId>` (Config resource ids reach 768 characters, up to 3 bytes each). The item keeps the
 * full fields as attributes, so nothing is lost; every form is deterministic, so every writer and
 * reader computes the same key. A resource type too long even for that (never seen from AWS)
 * hashes type and id together: `%H#<sha256 hex>`.
 *
 * No two keys collide, whatever the input (hostile records can carry any text):
 * - `<type>` is the resource type with `%` and `#` percent-encoded, so the first `#` of a key
 *   always ends the type (`A#B` + `C` and `A` + `B#C` were one key before);
 * - `<id>` is the resource id, with one `%` put before an id that starts with `H#` or `%`, so a
 *   plain id never reads as the hashed form (`H#<hex>`);
 * - the last form starts with `%H`, which no encoded type can (a `%` in a type is `%25`).
 * Real types (`AWS::S3::Bucket`) and ids contain neither, so their keys are unchanged.
 */
export function stateSk(key: Pick<StateKey, 'resourceType' | 'resourceId'>): string {
  const type = encodeKeyPart(key.resourceType);
  const id = /^(H#|%)/.test(key.resourceId) ? `%${key.resourceId}` : key.resourceId;
  const plain = `${type}#${id}`;
  if (fitsUtf8(plain, MAX_SORT_KEY_BYTES)) return plain;
  const hashed = `${type}#${HASHED_MARKER}${sha256Hex(key.resourceId)}`;
  if (fitsUtf8(hashed, MAX_SORT_KEY_BYTES)) return hashed;
  return `%${HASHED_MARKER}${sha256Hex(`${key.resourceType}\u001f${key.resourceId}`)}`;
}

/** `%` and `#` percent-encoded: the text can then sit before a `#` separator unambiguously. */
function encodeKeyPart(text: string): string {
  return text.includes('%') || text.includes('#') ? text.replaceAll('%', '%25').replaceAll('#', '%23') : text;
}

/** Both key attributes of a state item. */
export function stateKeyAttributes(key: StateKey): { pk: string; sk: string } {
  return { pk: statePk(key), sk: stateSk(key) };
}

function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

// ---------------------------------------------------------------------------------------------
// state table, `open` index (sparse: NON_COMPLIANT states only)
// ---------------------------------------------------------------------------------------------

/** Write shards of the `open` index: a storm of new violations spreads over 8 partitions. */
export const OPEN_SHARDS = 8;

/**
 * Partition key of the `open` index (`open_pk`): `OPEN#<two-digit shard>`, the shard an FNV-1a
 * hash of the state's table keys, so every writer puts a pair in the same shard. Readers query
 * all {@link OPEN_SHARDS} and merge by sort key, as the `by-day` index of the events table.
 */
export function openPk(key: { pk: string; sk: string }): string {
  return openShardKey(fnv1a(`${key.pk}\u0000${key.sk}`) % OPEN_SHARDS);
}

export function openShardKey(shard: number): string {
  return `OPEN#${shard < 10 ? '0' : ''}${shard}`;
}

/** Every partition of the `open` index. */
export function openShardKeys(): string[] {
  return Array.from({ length: OPEN_SHARDS }, (_, shard) => openShardKey(shard));
}

/**
 * Sort key of the `open` index (`open_sk`): `<opened at, normalized ISO>#<32 hex digits of
 * SHA-256 over the table keys>`. Times sort as text, so the index lists violations by when they
 * opened; the hash makes every key unique (keyset pagination needs it) in 57 bytes, whatever the
 * length of the resource id.
 */
export function openSk(openedAt: string, key: { pk: string; sk: string }): string {
  return `${openedAt}#${sha256Hex(`${key.pk}\u0000${key.sk}`).slice(0, 32)}`;
}

function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

// ---------------------------------------------------------------------------------------------
// outbox table, Slack threads (bot mode)
// ---------------------------------------------------------------------------------------------

/**
 * Key of a pair's Slack thread in the outbox table: `THREAD#<64 hex digits of SHA-256 over the state
 * table keys>` (`<statePk>\u0000<stateSk>`, as the `open` index hashes them). The state keys
 * themselves cannot simply be joined: a rule name may contain `#`, so `<pk>#<sk>` of two pairs
 * could be one text, and together they can reach ~1.8 KB. The hash is 71 bytes and the same for
 * every writer and reader; the item keeps the pair's fields as attributes.
 */
export function threadPk(key: StateKey): string {
  const { pk, sk } = stateKeyAttributes(key);
  return `THREAD#${sha256Hex(`${pk}\u0000${sk}`)}`;
}
