import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AlertOutboxRepository } from '../../src/adapters/dynamodb/alert-outbox.repository.js';
import { OUTBOX_TABLE, tableName } from '../../src/adapters/dynamodb/table-definitions.js';
import { makeAlert } from '../helpers/alerts.js';
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
});
