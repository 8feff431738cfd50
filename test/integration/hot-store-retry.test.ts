/**
 * DynamoDB's throttled leftovers (`UnprocessedItems`, `UnprocessedKeys`), which dynalite never
 * returns: a scripted client stands in for a throttled table, so the retry helpers are checked
 * for what they resend, how long they wait and when they give up.
 */
import { type BatchGetCommand, BatchWriteCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import {
  backoffDelay,
  batchGetAll,
  batchWriteAll,
  type DocumentSender,
  type RetryOptions,
  type WriteRequest,
} from '../../src/adapters/dynamodb/batch-write.js';
import { UnprocessedKeysError } from '../../src/adapters/dynamodb/errors.js';
import { EventStoreRepository } from '../../src/adapters/dynamodb/event-store.repository.js';
import { parseConfigEvent } from '../../src/domain/config-event.js';
import { complianceEvent } from '../helpers/archive-events.js';

const TABLE = 'throttled';

/** A client that leaves the last `leave(call)` items of each call unprocessed and records every call. */
function throttledClient(leave: (call: number, size: number) => number) {
  const calls: number[] = [];
  const written: unknown[] = [];
  const client: DocumentSender = {
    send: (async (command: BatchWriteCommand | BatchGetCommand) => {
      calls.push(calls.length);
      const call = calls.length;
      if (command instanceof BatchWriteCommand) {
        const requests = command.input.RequestItems?.[TABLE] ?? [];
        const kept = leave(call, requests.length);
        written.push(...requests.slice(0, requests.length - kept));
        return { UnprocessedItems: kept > 0 ? { [TABLE]: requests.slice(requests.length - kept) } : {} };
      }
      const keys = command.input.RequestItems?.[TABLE]?.Keys ?? [];
      const kept = leave(call, keys.length);
      return {
        Responses: {
          [TABLE]: keys.slice(0, keys.length - kept).map((k) => ({ ...k, done: true, id: k.pk })),
        },
        UnprocessedKeys: kept > 0 ? { [TABLE]: { Keys: keys.slice(keys.length - kept) } } : {},
      };
    }) as DocumentSender['send'],
  };
  return { client, calls, written };
}

function sleeps(): RetryOptions & { waited: number[] } {
  const waited: number[] = [];
  return { waited, sleep: async (ms) => void waited.push(ms), random: () => 0.999 };
}

const puts = (n: number): WriteRequest[] =>
  Array.from({ length: n }, (_, i) => ({ PutRequest: { Item: { pk: `p${i}` } } }));

describe('batchWriteAll', () => {
  it('resends only the unprocessed items, with growing jittered waits, until all are written', async () => {
    // Prepare: 10 of 25 left on the first call, 3 on the second, none after.
    const { client, calls, written } = throttledClient((call) => [10, 3, 0][call - 1] ?? 0);
    const options = sleeps();

    // Act
    const { unprocessed } = await batchWriteAll(client, TABLE, puts(25), options);

    // Assess
    expect(unprocessed).toEqual([]);
    expect(calls.length).toBe(3);
    expect(written).toHaveLength(25);
    expect(new Set(written.map((r) => (r as WriteRequest).PutRequest?.Item?.pk)).size).toBe(25);
    expect(options.waited).toEqual([49, 99]); // full jitter under 50 ms, then under 100 ms
  });

  it('gives up after maxAttempts and returns the leftovers instead of throwing', async () => {
    // Prepare
    const { client, calls } = throttledClient(() => 2);
    const options = { ...sleeps(), maxAttempts: 4 };

    // Act
    const { unprocessed } = await batchWriteAll(client, TABLE, puts(5), options);

    // Assess
    expect(calls.length).toBe(4);
    expect(unprocessed.map((r) => r.PutRequest?.Item?.pk)).toEqual(['p3', 'p4']);
  });

  it('splits into calls of at most 25 requests', async () => {
    // Prepare
    const sizes: number[] = [];
    const client: DocumentSender = {
      send: (async (command: BatchWriteCommand) => {
        sizes.push(command.input.RequestItems?.[TABLE]?.length ?? 0);
        return {};
      }) as DocumentSender['send'],
    };

    // Act
    await batchWriteAll(client, TABLE, puts(60));

    // Assess
    expect(sizes.sort((a, b) => b - a)).toEqual([25, 25, 10]);
  });
});

describe('batchGetAll', () => {
  it('resends unprocessed keys and returns every item', async () => {
    // Prepare
    const { client, calls } = throttledClient((call, size) => (call === 1 ? Math.floor(size / 2) : 0));
    const keys = Array.from({ length: 150 }, (_, i) => ({ pk: `k${i}` }));

    // Act
    const items = await batchGetAll(client, TABLE, keys, sleeps());

    // Assess
    expect(items).toHaveLength(150);
    expect(calls.length).toBe(3); // 100 + 50, then the unprocessed half of the first call
  });

  it('throws UnprocessedKeysError when keys stay unread: no decision on a partial read', async () => {
    // Prepare
    const { client } = throttledClient(() => 1);

    // Act
    const read = batchGetAll(client, TABLE, [{ pk: 'a' }, { pk: 'b' }], { ...sleeps(), maxAttempts: 3 });

    // Assess
    await expect(read).rejects.toBeInstanceOf(UnprocessedKeysError);
    await expect(read).rejects.toThrow(
      'BatchGetItem on throttled left 1 key(s) unprocessed after 3 attempts',
    );
  });
});

describe('backoffDelay', () => {
  it.each([
    [1, 50],
    [2, 100],
    [3, 200],
    [6, 1600],
    [7, 2000],
    [30, 2000],
  ])('retry %i waits less than %i ms', (retry, ceiling) => {
    expect(backoffDelay(retry, { random: () => 0.999999 })).toBe(ceiling - 1);
    expect(backoffDelay(retry, { random: () => 0 })).toBe(0);
  });
});

describe('EventStoreRepository.markDone', () => {
  it('names the events left unprocessed after the retries', async () => {
    // Prepare
    const { client } = throttledClient(() => 1);
    const repository = new EventStoreRepository(client, TABLE, { ...sleeps(), maxAttempts: 2 });
    const batch = ['e1', 'e2', 'e3'].map((id) => {
      const outcome = parseConfigEvent(
        complianceEvent({ id, newStatus: 'COMPLIANT', at: '2026-11-20T10:00:00Z' }),
      );
      if (outcome.status !== 'accepted') throw new Error('fixture');
      return outcome.event;
    });

    // Act
    const { failed } = await repository.markDone(batch);

    // Assess
    expect(failed).toEqual(new Set(['e3']));
  });
});
