/**
 * The Kinesis partition key of an event. Hashing needs `node:crypto`, which the domain may not
 * import, so the key rule lives beside the adapters that put records: the embedded ingest and the
 * cloud stream redrive (see the design note in src/domain/stream-routes.ts).
 */
import { createHash } from 'node:crypto';
import { routedPartitionKey } from '../../domain/stream-routes.js';

type Json = Readonly<Record<string, unknown>>;

/** Kinesis partition keys are 1 to 256 Unicode characters (API_PutRecordsRequestEntry). */
export const PARTITION_KEY_MAX = 256;

/** Prefix of a hashed partition key (a raw id never starts with it, so the two cannot collide). */
export const HASHED_KEY_PREFIX = 'sha256:';

/**
 * The Kinesis partition key of an event, shared by the embedded ingest and the cloud stream
 * redrive: the routed resource id ({@link routedPartitionKey}) when it fits in
 * {@link PARTITION_KEY_MAX} characters, else `sha256:` + the hex SHA-256 of its UTF-8 bytes (the same
 * resource still maps to one shard); for routes keyed by event id (or a path holding no string),
 * the event id under the same rule; for data that is no event at all, the hash of the data.
 */
export function partitionKeyFor(event: unknown, data: string): string {
  const record = (typeof event === 'object' && event !== null ? event : {}) as Json;
  let key = routedPartitionKey(record);
  if (key === undefined && typeof record.id === 'string' && record.id !== '') key = record.id;
  if (key === undefined) return hashedKey(data);
  return fitsPartitionKey(key) ? key : hashedKey(key);
}

/** Whether a key is within Kinesis' limit, counted in Unicode characters (code points). */
export function fitsPartitionKey(key: string): boolean {
  // String length counts UTF-16 units; an astral character is one character for Kinesis. Short
  // strings cannot exceed the limit either way, so only long ones are counted by code point.
  return key.length <= PARTITION_KEY_MAX || [...key].length <= PARTITION_KEY_MAX;
}

function hashedKey(text: string): string {
  return `${HASHED_KEY_PREFIX}${createHash('sha256').update(text, 'utf8').digest('hex')}`;
}
