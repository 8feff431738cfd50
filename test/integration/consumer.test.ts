/**
 * The consumer handler end to end on real dynalite: the same `KinesisStreamEvent` Lambda would
 * get, the DynamoDB repositories, the real alert outbox and the file quarantine. Redelivery is
 * simulated exactly as Lambda does it: the batch again, or the records from the reported
 * sequence number on.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BatchWriteCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AlertOutboxRepository } from '../../src/adapters/dynamodb/alert-outbox.repository.js';
import type { DocumentSender } from '../../src/adapters/dynamodb/batch-write.js';
import { ComplianceStateRepository } from '../../src/adapters/dynamodb/compliance-state.repository.js';
import { EventStoreRepository } from '../../src/adapters/dynamodb/event-store.repository.js';
import {
  EVENTS_TABLE,
  OUTBOX_TABLE,
  STATE_TABLE,
  tableName,
} from '../../src/adapters/dynamodb/table-definitions.js';
import { FileQuarantine } from '../../src/adapters/file/file.quarantine.js';
import { type BatchSummary, createConsumerHandler } from '../../src/handlers/consumer.handler.js';
import { type ComplianceEventSpec, complianceEvent, type Status } from '../helpers/archive-events.js';
import { fixtureText } from '../helpers/fixtures.js';
import { kinesisEvent, redeliveryFrom, sequenceAfter, sequenceNumbers } from '../helpers/kinesis-event.js';
import { type LocalDynamo, startLocalDynamo } from '../helpers/local-aws.js';

let dynamo: LocalDynamo;
const dirs: string[] = [];

beforeAll(async () => {
  dynamo = await startLocalDynamo();
});
afterAll(async () => {
  await dynamo?.close();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const KEY = {
  account: '111122223333',
  region: 'eu-west-1',
  ruleName: 's3-bucket-versioning-enabled',
  resourceType: 'AWS::S3::Bucket',
  resourceId: 'my-data-bucket',
};

/** A fresh consumer on fresh tables; `doc` can wrap the client to inject failures. */
async function newConsumer(wrap: (doc: DocumentSender) => DocumentSender = (doc) => doc) {
  const prefix = await dynamo.newPrefix();
  const dataDir = mkdtempSync(join(tmpdir(), 'consumer-'));
  dirs.push(dataDir);
  const tables = { events: tableName(prefix, EVENTS_TABLE), state: tableName(prefix, STATE_TABLE) };
  const outbox = new AlertOutboxRepository(dynamo.doc, tableName(prefix, OUTBOX_TABLE));
  const quarantine = new FileQuarantine(dataDir);
  const summaries: BatchSummary[] = [];
  const handler = createConsumerHandler({
    doc: wrap(dynamo.doc),
    tables,
    outbox,
    quarantine,
    retry: { baseDelayMs: 1, maxDelayMs: 5 },
    onBatch: (summary) => summaries.push(summary),
  });
  return {
    handler,
    summaries,
    outbox,
    quarantine,
    states: new ComplianceStateRepository(dynamo.doc, tables.state),
    events: new EventStoreRepository(dynamo.doc, tables.events),
    /** Alerts in the outbox, by kind, across every run so far. */
    async pending() {
      return (await outbox.listPending(1000)).map((p) => `${p.alert.kind}:${p.id}`).sort();
    },
  };
}

let counter = 0;
function change(spec: Partial<ComplianceEventSpec> & { newStatus: Status; at: string }): string {
  counter += 1;
  return JSON.stringify(complianceEvent({ id: `it-${counter}`, ...spec }));
}

describe('consumer on dynalite', () => {
  it('is idempotent: the same batch twice stores nothing new and queues no second alert', async () => {
    // Prepare
    const consumer = await newConsumer();
    const batch = kinesisEvent([
      change({ newStatus: 'NON_COMPLIANT', at: '2026-11-20T10:00:00Z' }),
      change({ newStatus: 'NON_COMPLIANT', at: '2026-11-20T10:00:00Z', resourceId: 'other' }),
      fixtureText('configuration-item', 'inline-item-account-inside'),
      fixtureText('other', 'config-snapshot-delivery'),
    ]);

    // Act
    const first = await consumer.handler(batch);
    const pendingAfterFirst = await consumer.pending();
    const second = await consumer.handler(batch);

    // Assess
    expect(first.batchItemFailures).toEqual([]);
    expect(second.batchItemFailures).toEqual([]);
    expect(consumer.summaries).toEqual([
      {
        received: 4,
        accepted: 3,
        duplicates: 0,
        stale: 0,
        skipped: 1,
        rejected: 0,
        violations: 2,
        resolutions: 0,
        flapping: 0,
        failed: 0,
      },
      {
        received: 4,
        accepted: 0,
        duplicates: 3,
        stale: 0,
        skipped: 1,
        rejected: 0,
        violations: 0,
        resolutions: 0,
        flapping: 0,
        failed: 0,
      },
    ]);
    expect(pendingAfterFirst).toHaveLength(2);
    expect(await consumer.pending()).toEqual(pendingAfterFirst);
    expect(await consumer.states.get(KEY)).toMatchObject({ status: 'NON_COMPLIANT' });
  });

  it('handles a redelivery that overlaps the previous batch: only new records count', async () => {
    // Prepare
    const consumer = await newConsumer();
    const a = change({ newStatus: 'NON_COMPLIANT', at: '2026-11-20T10:00:00Z' });
    const b = change({ newStatus: 'COMPLIANT', oldStatus: 'NON_COMPLIANT', at: '2026-11-20T11:00:00Z' });
    const c = change({ newStatus: 'NON_COMPLIANT', oldStatus: 'COMPLIANT', at: '2026-11-20T12:00:00Z' });
    const first = kinesisEvent([a, b]);

    // Act
    await consumer.handler(first);
    await consumer.handler(kinesisEvent([b, c], { firstSequence: sequenceAfter(first) }));

    // Assess
    expect(consumer.summaries[1]).toMatchObject({
      accepted: 1,
      duplicates: 1,
      violations: 1,
      resolutions: 0,
    });
    expect((await consumer.pending()).map((p) => p.split(':')[0])).toEqual([
      'resolution',
      'violation',
      'violation',
    ]);
    expect(await consumer.states.get(KEY)).toMatchObject({ status: 'NON_COMPLIANT' });
  });

  it('keeps the newest state when a key’s events arrive out of order, and a late older one does not alert', async () => {
    // Prepare
    const consumer = await newConsumer();
    const newer = change({
      newStatus: 'COMPLIANT',
      oldStatus: 'NON_COMPLIANT',
      at: '2026-11-20T12:00:00Z',
      annotation: 'fixed',
    });
    const late = change({
      newStatus: 'NON_COMPLIANT',
      oldStatus: 'COMPLIANT',
      at: '2026-11-20T11:00:00Z',
      annotation: 'old',
    });

    // Act
    await consumer.handler(kinesisEvent([newer]));
    const pendingBefore = await consumer.pending();
    await consumer.handler(kinesisEvent([late], { firstSequence: '2' }));

    // Assess
    expect(consumer.summaries[1]).toMatchObject({ accepted: 1, stale: 1, violations: 0, resolutions: 0 });
    expect(await consumer.pending()).toEqual(pendingBefore);
    expect(await consumer.states.get(KEY)).toMatchObject({ status: 'COMPLIANT', annotation: 'fixed' });
    // The late event is kept in history.
    expect(await consumer.events.get(JSON.parse(late).id)).toMatchObject({
      done: true,
      kind: 'compliance-change',
    });
  });

  it('stores the TTL as the receipt + 90 days, in epoch seconds, for an event of any age', async () => {
    // Prepare
    const consumer = await newConsumer();
    const text = fixtureText('compliance-change', 'first-evaluation');

    // Act
    const before = Math.floor(Date.now() / 1000);
    await consumer.handler(kinesisEvent([text]));
    const after = Math.ceil(Date.now() / 1000);

    // Assess: published_at is the EventBridge time; the TTL counts from when it was stored.
    const item = await consumer.events.get('5b9aa2a5-4c0b-0b1b-0b4b-4e8a1f4d3d21');
    expect(item?.published_at).toBe(Date.parse('2026-11-20T10:15:31Z') / 1000);
    expect(item?.expired_at).toBeGreaterThanOrEqual(before + 90 * 86_400);
    expect(item?.expired_at).toBeLessThanOrEqual(after + 90 * 86_400);
  });

  it('round-trips a 768-character multi-byte resource id through the whole consumer', async () => {
    // Prepare
    const consumer = await newConsumer();
    const resourceId = `arn:aws:s3:::${'\u00fc\u20ac'.repeat(377)}`;
    const key = { ...KEY, resourceId, ruleName: 'r'.repeat(128) };

    // Act
    const res = await consumer.handler(
      kinesisEvent([
        change({ newStatus: 'NON_COMPLIANT', at: '2026-11-20T10:00:00Z', resourceId, rule: key.ruleName }),
      ]),
    );

    // Assess
    expect(resourceId).toHaveLength(767);
    expect(res.batchItemFailures).toEqual([]);
    expect(await consumer.states.get(key)).toMatchObject({
      resourceId,
      ruleName: key.ruleName,
      status: 'NON_COMPLIANT',
    });
    expect((await consumer.outbox.listPending(10))[0]?.alert.resourceId).toBe(resourceId);
  });

  it('quarantines a poison record with its reason and goes on with the rest of the batch', async () => {
    // Prepare
    const consumer = await newConsumer();
    const poison =
      '{"id": "x", "source": "aws.config", "detail-type": "Config Rules Compliance Change", "detail": {}}';
    const batch = kinesisEvent([
      change({ newStatus: 'NON_COMPLIANT', at: '2026-11-20T10:00:00Z' }),
      poison,
      fixtureText('other', 'sns-envelope'),
      change({ newStatus: 'NON_COMPLIANT', at: '2026-11-20T10:00:00Z', resourceId: 'after-poison' }),
    ]);

    // Act
    const res = await consumer.handler(batch);

    // Assess
    expect(res.batchItemFailures).toEqual([]);
    expect(consumer.summaries[0]).toMatchObject({
      received: 4,
      accepted: 2,
      rejected: 2,
      violations: 2,
      failed: 0,
    });
    const [file] = readdirSync(consumer.quarantine.dir);
    const lines = readFileSync(join(consumer.quarantine.dir, file as string), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => [l.sequenceNumber, l.data])).toEqual([
      [sequenceNumbers(batch)[1], poison],
      [sequenceNumbers(batch)[2], fixtureText('other', 'sns-envelope')],
    ]);
    expect(lines[0].reason).toMatch(/^account must be a string \(was missing\)/);
    expect(lines[1].reason).toBe('not an EventBridge event: looks like an SNS envelope');
  });

  it('after a crash before the final write, the redelivery queues no second alert', async () => {
    // Prepare: the events BatchWriteItem (step 6) fails once, after alerts and state are written.
    let failures = 1;
    const consumer = await newConsumer((doc) => ({
      send: ((command: unknown) => {
        if (command instanceof BatchWriteCommand && failures > 0) {
          failures -= 1;
          return Promise.reject(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));
        }
        return doc.send(command as never);
      }) as DocumentSender['send'],
    }));
    const batch = kinesisEvent([
      fixtureText('other', 'ec2-state-change'),
      change({ newStatus: 'NON_COMPLIANT', at: '2026-11-20T10:00:00Z' }),
      change({ newStatus: 'COMPLIANT', oldStatus: 'NON_COMPLIANT', at: '2026-11-20T11:00:00Z' }),
    ]);

    // Act
    const first = await consumer.handler(batch);
    const queuedByFirst = await consumer.pending();
    const firstFailed = first.batchItemFailures[0]?.itemIdentifier as string;
    const second = await consumer.handler(redeliveryFrom(batch, firstFailed));

    // Assess
    expect(firstFailed).toBe(sequenceNumbers(batch)[1]);
    expect(queuedByFirst.map((p) => p.split(':')[0])).toEqual(['resolution', 'violation']);
    expect(second.batchItemFailures).toEqual([]);
    expect(await consumer.pending()).toEqual(queuedByFirst);
    // Alerts count once, when queued; records once, when done. The first change is stale on
    // redelivery (the state moved before the crash): its alert was queued before the state moved.
    expect(consumer.summaries).toEqual([
      {
        received: 3,
        accepted: 0,
        duplicates: 0,
        stale: 0,
        skipped: 1,
        rejected: 0,
        violations: 1,
        resolutions: 1,
        flapping: 0,
        failed: 2,
      },
      {
        received: 2,
        accepted: 2,
        duplicates: 0,
        stale: 1,
        skipped: 0,
        rejected: 0,
        violations: 0,
        resolutions: 0,
        flapping: 0,
        failed: 0,
      },
    ]);
    expect(await consumer.states.get(KEY)).toMatchObject({ status: 'COMPLIANT' });
  });

  it('reports the first record when DynamoDB cannot be read, and completes on redelivery', async () => {
    // Prepare
    let down = true;
    const consumer = await newConsumer((doc) => ({
      send: ((command: unknown) =>
        down
          ? Promise.reject(Object.assign(new Error('connect ECONNREFUSED'), { name: 'TimeoutError' }))
          : doc.send(command as never)) as DocumentSender['send'],
    }));
    const batch = kinesisEvent([change({ newStatus: 'NON_COMPLIANT', at: '2026-11-20T10:00:00Z' })]);

    // Act
    const first = await consumer.handler(batch);
    down = false;
    const second = await consumer.handler(batch);

    // Assess
    expect(first.batchItemFailures).toEqual([{ itemIdentifier: sequenceNumbers(batch)[0] }]);
    expect(second.batchItemFailures).toEqual([]);
    expect(consumer.summaries.map((s) => [s.accepted, s.failed, s.violations])).toEqual([
      [0, 1, 0],
      [1, 0, 1],
    ]);
  });
});
