import { GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AlertOutboxRepository } from '../../src/adapters/dynamodb/alert-outbox.repository.js';
import { OUTBOX_TABLE, tableName } from '../../src/adapters/dynamodb/table-definitions.js';
import { processBatch } from '../../src/use-cases/process-batch.js';
import { makeAlert } from '../helpers/alerts.js';
import { complianceEvent } from '../helpers/archive-events.js';
import { inMemoryDeps } from '../helpers/in-memory-hot-store.js';
import { type LocalDynamo, startLocalDynamo } from '../helpers/local-aws.js';

let dynamo: LocalDynamo;

beforeAll(async () => {
  dynamo = await startLocalDynamo();
});
afterAll(async () => {
  await dynamo?.close();
});

async function newOutbox(): Promise<AlertOutboxRepository> {
  const prefix = await dynamo.newPrefix();
  return new AlertOutboxRepository(dynamo.doc, tableName(prefix, OUTBOX_TABLE));
}

async function rawItem(outbox: AlertOutboxRepository, eventId: string) {
  const res = await dynamo.doc.send(
    new GetCommand({ TableName: outbox.tableName, Key: { pk: `ALERT#${eventId}` } }),
  );
  return res.Item;
}

describe('AlertOutboxRepository', () => {
  it('enqueues each event id once, however often it is redelivered', async () => {
    // Prepare
    const outbox = await newOutbox();
    const alerts = [makeAlert(), makeAlert(), makeAlert({ kind: 'resolution' })];
    const now = new Date('2024-05-01T10:00:00.000Z');

    // Act
    const first = await outbox.enqueue(alerts, now);
    const again = await outbox.enqueue([...alerts, alerts[0]!], now);

    // Assess
    expect(first).toEqual({ enqueued: 3 });
    expect(again).toEqual({ enqueued: 0 });
    expect(await outbox.countPending()).toBe(3);
    const item = await rawItem(outbox, alerts[0]!.eventId);
    expect(item).toMatchObject({
      pending_pk: 'default',
      pending_sk: `2024-05-01T10:00:00.000Z#${alerts[0]!.eventId}`,
      attempts: 0,
      expired_at: Math.floor(now.getTime() / 1000) + 90 * 86_400,
    });
    expect(item?.alert).toEqual(alerts[0]);
  });

  it('lists pending alerts oldest first, up to the limit, across pages', async () => {
    // Prepare
    const outbox = await newOutbox();
    const older = makeAlert();
    const newer = Array.from({ length: 30 }, () => makeAlert());
    await outbox.enqueue(newer, new Date('2024-05-01T10:05:00.000Z'));
    await outbox.enqueue([older], new Date('2024-05-01T10:00:00.000Z'));

    // Act
    const firstTwo = await outbox.listPending(2);
    const all = await outbox.listPending(1000);

    // Assess
    expect(firstTwo.map((p) => p.id)).toEqual([older.eventId, newer[0]!.eventId]);
    expect(all).toHaveLength(31);
    expect(all[0]).toMatchObject({ id: older.eventId, alert: older, attempts: 0, lastError: null });
  });

  it('removes delivered alerts from the pending index and a redelivery does not bring them back', async () => {
    // Prepare
    const outbox = await newOutbox();
    const alerts = [makeAlert(), makeAlert()];
    await outbox.enqueue(alerts);

    // Act
    await outbox.markDelivered([alerts[0]!.eventId, 'never-enqueued'], 'msg-1');
    await outbox.enqueue(alerts);

    // Assess
    expect((await outbox.listPending(10)).map((p) => p.id)).toEqual([alerts[1]!.eventId]);
    const item = await rawItem(outbox, alerts[0]!.eventId);
    expect(item?.pending_pk).toBeUndefined();
    expect(item?.pending_sk).toBeUndefined();
    expect(item).toMatchObject({ message_ref: 'msg-1' });
    expect(typeof item?.delivered_at).toBe('string');
    expect(await rawItem(outbox, 'never-enqueued')).toBeUndefined();
  });

  it("marks a digest's alerts delivered in batches, keeping everything else of each item", async () => {
    // Prepare: 60 alerts, one with a failed attempt and a retry time, and an id never enqueued
    const outbox = await newOutbox();
    const alerts = Array.from({ length: 60 }, () => makeAlert());
    const now = new Date('2024-05-01T10:00:00.000Z');
    await outbox.enqueue(alerts, now);
    await outbox.recordFailure([alerts[7]!.eventId], 'invalid_blocks', {
      now,
      retryAt: new Date('2024-05-01T10:01:00.000Z'),
    });
    const before = await rawItem(outbox, alerts[7]!.eventId);
    let requests = 0;
    const counting = new AlertOutboxRepository(
      {
        send: (command: Parameters<typeof dynamo.doc.send>[0]) => {
          requests += 1;
          return dynamo.doc.send(command);
        },
      } as typeof dynamo.doc,
      outbox.tableName,
    );

    // Act
    await counting.markDelivered([...alerts.map((a) => a.eventId), 'never-enqueued'], 'digest-1', now);

    // Assess: 1 read of 61 keys and 3 writes of 25, not 61 updates
    expect(requests).toBe(4);
    expect(await outbox.countPending()).toBe(0);
    expect(await outbox.listPending(100, new Date('2024-05-02T00:00:00.000Z'))).toEqual([]);
    const after = await rawItem(outbox, alerts[7]!.eventId);
    const { pending_pk: _pk, pending_sk: _sk, retry_at: _retry, ...kept } = before ?? {};
    expect(after).toEqual({ ...kept, delivered_at: now.toISOString(), message_ref: 'digest-1' });
    expect(await rawItem(outbox, 'never-enqueued')).toBeUndefined();
    // A redelivery of the same alerts does not queue them again.
    expect(await outbox.enqueue(alerts, now)).toEqual({ enqueued: 0 });
  });

  it('never lists an alert the table already has delivered, even when the pending index (a GSI) lags', async () => {
    // Prepare: a doc client whose index queries answer what the index held before the delivery,
    // as an eventually consistent GSI may right after another drainer marked it delivered.
    const prefix = await dynamo.newPrefix();
    const table = tableName(prefix, OUTBOX_TABLE);
    const alerts = [makeAlert(), makeAlert()];
    await new AlertOutboxRepository(dynamo.doc, table).enqueue(alerts);
    const staleQuery = await dynamo.doc.send(
      new QueryCommand({
        TableName: table,
        IndexName: 'pending',
        KeyConditionExpression: 'pending_pk = :route',
        ExpressionAttributeValues: { ':route': 'default' },
      }),
    );
    expect(staleQuery.Items).toHaveLength(2);
    await new AlertOutboxRepository(dynamo.doc, table).markDelivered([alerts[0]!.eventId], 'msg-1');
    const lagging = {
      send: (command: { constructor: { name: string } }) =>
        command instanceof QueryCommand ? Promise.resolve(staleQuery) : dynamo.doc.send(command as never),
    } as unknown as typeof dynamo.doc;

    // Act
    const listed = await new AlertOutboxRepository(lagging, table).listPending(10);

    // Assess
    expect(listed.map((p) => p.id)).toEqual([alerts[1]!.eventId]);
  });

  it('records failures without losing the alert, and skips it until its retry time', async () => {
    // Prepare
    const outbox = await newOutbox();
    const [a, b] = [makeAlert(), makeAlert()];
    await outbox.enqueue([a!, b!]);
    const now = new Date();

    // Act
    await outbox.recordFailure([a!.eventId], 'HTTP 500');
    await outbox.recordFailure([a!.eventId, b!.eventId], 'HTTP 400 invalid_payload', {
      now,
      retryAt: new Date(now.getTime() + 60_000),
    });

    // Assess
    expect(await outbox.countPending()).toBe(2);
    expect(await outbox.listPending(10, now)).toEqual([]);
    const later = await outbox.listPending(10, new Date(now.getTime() + 61_000));
    expect(later.map((p) => [p.id, p.attempts, p.lastError])).toEqual([
      [a!.eventId, 2, 'HTTP 400 invalid_payload'],
      [b!.eventId, 1, 'HTTP 400 invalid_payload'],
    ]);
  });

  it('records an unanswered post on the alert, keeps it pending, and lists its count read consistently even when the index lags', async () => {
    // Prepare: the index as it was before the unanswered post was recorded
    const prefix = await dynamo.newPrefix();
    const table = tableName(prefix, OUTBOX_TABLE);
    const outbox = new AlertOutboxRepository(dynamo.doc, table);
    const [a, b] = [makeAlert(), makeAlert()];
    await outbox.enqueue([a!, b!]);
    const staleQuery = await dynamo.doc.send(
      new QueryCommand({
        TableName: table,
        IndexName: 'pending',
        KeyConditionExpression: 'pending_pk = :route',
        ExpressionAttributeValues: { ':route': 'default' },
      }),
    );
    const lagging = {
      send: (command: { constructor: { name: string } }) =>
        command instanceof QueryCommand ? Promise.resolve(staleQuery) : dynamo.doc.send(command as never),
    } as unknown as typeof dynamo.doc;

    // Act
    await outbox.recordUnconfirmed([a!.eventId], 'no answer within 4000 ms');
    const listed = await new AlertOutboxRepository(lagging, table).listPending(10);

    // Assess
    expect(await outbox.countPending()).toBe(2);
    expect(listed.map((p) => [p.id, p.unconfirmedPosts])).toEqual([
      [a!.eventId, 1],
      [b!.eventId, 0],
    ]);
    expect(await rawItem(outbox, a!.eventId)).toMatchObject({
      unconfirmed_posts: 1,
      attempts: 1,
      last_error: 'no answer within 4000 ms',
    });
    expect((await rawItem(outbox, a!.eventId))?.last_unconfirmed_at).toBeDefined();
  });

  it('parks an alert out of the pending index but keeps it in the table', async () => {
    // Prepare
    const outbox = await newOutbox();
    const alert = makeAlert();
    await outbox.enqueue([alert]);

    // Act
    await outbox.park([alert.eventId], 'HTTP 400 invalid_blocks');

    // Assess
    expect(await outbox.countPending()).toBe(0);
    expect(await rawItem(outbox, alert.eventId)).toMatchObject({ last_error: 'HTTP 400 invalid_blocks' });
  });

  it('keeps a route gate with a consecutive-failure count', async () => {
    // Prepare
    const outbox = await newOutbox();
    const until = new Date('2030-01-01T00:00:00.000Z');

    // Act
    const initial = await outbox.getRouteGate();
    await outbox.blockRoute(until, 'HTTP 404 no_service');
    await outbox.blockRoute(until, 'HTTP 404 no_service');
    const blocked = await outbox.getRouteGate();
    await outbox.clearRouteGate();
    const cleared = await outbox.getRouteGate();

    // Assess
    expect(initial).toEqual({ blockedUntil: null, consecutiveFailures: 0, lastError: null });
    expect(blocked).toEqual({
      blockedUntil: until.toISOString(),
      consecutiveFailures: 2,
      lastError: 'HTTP 404 no_service',
    });
    expect(cleared).toEqual({ blockedUntil: null, consecutiveFailures: 0, lastError: null });
    expect(await outbox.countPending()).toBe(0);
  });

  it('counts the alerts one call queued before another of its puts failed, so each is counted once', async () => {
    // Prepare: the put of one violation is throttled once; the other two go through.
    const prefix = await dynamo.newPrefix();
    const throttledId = 'evt-throttled-2';
    let throttled = false;
    const doc = {
      send: (async (command: unknown) => {
        if (command instanceof PutCommand && command.input.Item?.event_id === throttledId && !throttled) {
          throttled = true;
          const error = new Error('Rate of requests exceeds the allowed throughput.');
          error.name = 'ThrottlingException';
          throw error;
        }
        return dynamo.doc.send(command as PutCommand);
      }) as typeof dynamo.doc.send,
    } as typeof dynamo.doc;
    const deps = {
      ...inMemoryDeps(),
      outbox: new AlertOutboxRepository(doc, tableName(prefix, OUTBOX_TABLE)),
    };
    const texts = ['evt-throttled-1', throttledId, 'evt-throttled-3'].map((id, i) =>
      JSON.stringify(
        complianceEvent({
          id,
          newStatus: 'NON_COMPLIANT',
          at: '2026-11-20T10:00:00Z',
          resourceId: `bucket-${i}`,
        }),
      ),
    );
    const records = texts.map((text, i) => ({ text, sequenceNumber: String(100 + i), partitionKey: 'pk' }));

    // Act: the failed batch, then its redelivery from the first unfinished record.
    const first = await processBatch(records, deps);
    const retry = await processBatch(records.slice(first.firstFailed ?? records.length), deps);

    // Assess
    expect(first.firstFailed).toBe(0);
    expect(retry.firstFailed).toBeNull();
    expect(await deps.outbox.countPending()).toBe(3);
    expect(first.summary.violations + retry.summary.violations).toBe(3);
  });
});
