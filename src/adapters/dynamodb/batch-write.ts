/**
 * BatchWriteItem / BatchGetItem over any number of items, with DynamoDB's leftovers retried.
 *
 * DynamoDB answers a throttled batch with `UnprocessedItems` / `UnprocessedKeys` instead of an
 * error; the SDK does not retry those. We resend only the leftovers, with capped exponential
 * backoff and full jitter (AWS Architecture Blog, "Exponential Backoff And Jitter"), a bounded
 * number of times, so a throttled table slows a batch down but never hangs it.
 */
import {
  BatchGetCommand,
  type BatchGetCommandInput,
  BatchWriteCommand,
  type BatchWriteCommandInput,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import { backoffDelay as exponentialBackoff } from '../../domain/backoff.js';
import { UnprocessedKeysError } from './errors.js';

/** DynamoDB's per-call limits. */
export const BATCH_WRITE_LIMIT = 25;
export const BATCH_GET_LIMIT = 100;

/** One `PutRequest` or `DeleteRequest` of a BatchWriteItem, plain JS values (document client). */
export type WriteRequest = NonNullable<BatchWriteCommandInput['RequestItems']>[string][number];
/** One key of a BatchGetItem, plain JS values. */
export type ItemKey = Record<string, unknown>;

/** The only client method these helpers use, so tests can hand in a fake. */
export interface DocumentSender {
  send: DynamoDBDocumentClient['send'];
}

export interface RetryOptions {
  /** Calls per chunk, the first included. @default 8 */
  readonly maxAttempts?: number;
  /** Backoff ceiling of the first retry, in ms; doubles each retry. @default 50 */
  readonly baseDelayMs?: number;
  /** Upper bound of one backoff, in ms. @default 2000 */
  readonly maxDelayMs?: number;
  /** Chunks in flight at once. @default 4 */
  readonly concurrency?: number;
  /** @default - setTimeout */
  readonly sleep?: (ms: number) => Promise<void>;
  /** @default - Math.random */
  readonly random?: () => number;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Full-jitter delay before retry number `retry` (1 = first retry): uniform in [0, min(cap, base·2^(retry-1))). */
export function backoffDelay(retry: number, options: RetryOptions = {}): number {
  return exponentialBackoff(
    retry,
    { baseMs: options.baseDelayMs ?? 50, capMs: options.maxDelayMs ?? 2_000, jitter: 'full' },
    options.random,
  );
}

/**
 * Writes every request to `tableName`, 25 a call, resending `UnprocessedItems` with backoff.
 * Returns the requests still unprocessed after the last attempt (empty when all were written)
 * rather than throwing, so a caller can tell which items made it. Errors of the call itself
 * (after the SDK's own retries) are thrown. Puts are whole-item overwrites: safe to repeat.
 */
export async function batchWriteAll(
  doc: DocumentSender,
  tableName: string,
  requests: readonly WriteRequest[],
  options: RetryOptions = {},
): Promise<{ unprocessed: WriteRequest[] }> {
  const unprocessed: WriteRequest[] = [];
  await forEachLimited(chunk(requests, BATCH_WRITE_LIMIT), options.concurrency ?? 4, async (part) => {
    let pending: WriteRequest[] = part;
    const maxAttempts = options.maxAttempts ?? 8;
    for (let attempt = 1; pending.length > 0; attempt++) {
      if (attempt > 1) await (options.sleep ?? defaultSleep)(backoffDelay(attempt - 1, options));
      const res = await doc.send(new BatchWriteCommand({ RequestItems: { [tableName]: pending } }));
      pending = (res.UnprocessedItems?.[tableName] ?? []) as WriteRequest[];
      if (attempt >= maxAttempts) break;
    }
    unprocessed.push(...pending);
  });
  return { unprocessed };
}

export interface BatchGetOptions extends RetryOptions {
  /** Attributes to read (names only; they are passed as expression attribute names). @default - all */
  readonly attributes?: readonly string[];
  /** Strongly consistent reads (twice the read cost). @default false */
  readonly consistentRead?: boolean;
}

/**
 * Reads every key from `tableName`, 100 a call, resending `UnprocessedKeys` with backoff. Returns
 * the items found, in no particular order. Throws {@link UnprocessedKeysError} when keys are still
 * unread after the last attempt: a caller cannot decide on a partial read.
 */
export async function batchGetAll(
  doc: DocumentSender,
  tableName: string,
  keys: readonly ItemKey[],
  options: BatchGetOptions = {},
): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  const names = options.attributes?.length
    ? Object.fromEntries(options.attributes.map((name, i) => [`#a${i}`, name]))
    : undefined;
  const request = {
    ...(names
      ? { ProjectionExpression: Object.keys(names).join(', '), ExpressionAttributeNames: names }
      : {}),
    ...(options.consistentRead ? { ConsistentRead: true } : {}),
  };
  const maxAttempts = options.maxAttempts ?? 8;
  await forEachLimited(chunk(keys, BATCH_GET_LIMIT), options.concurrency ?? 4, async (part) => {
    let pending: ItemKey[] = part;
    for (let attempt = 1; pending.length > 0; attempt++) {
      if (attempt > maxAttempts) throw new UnprocessedKeysError(tableName, pending.length, maxAttempts);
      if (attempt > 1) await (options.sleep ?? defaultSleep)(backoffDelay(attempt - 1, options));
      const input: BatchGetCommandInput = { RequestItems: { [tableName]: { Keys: pending, ...request } } };
      const res = await doc.send(new BatchGetCommand(input));
      items.push(...(res.Responses?.[tableName] ?? []));
      pending = (res.UnprocessedKeys?.[tableName]?.Keys ?? []) as ItemKey[];
    }
  });
  return items;
}

/** Runs `fn` over `items` with at most `concurrency` calls in flight; rejects with the first error. */
export async function forEachLimited<T>(
  items: readonly T[],
  concurrency: number,
  fn: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      await fn(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(Math.max(1, concurrency), items.length) }, worker));
}

function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
