/**
 * The consumer's resource records on dynalite: configuration item changes through the real consumer
 * handler (the Lambda's event shape) into the events table, under redelivery, reordering across
 * batches and two writers racing on one resource.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AlertOutboxRepository } from '../../src/adapters/dynamodb/alert-outbox.repository.js';
import { ResourceRecordRepository } from '../../src/adapters/dynamodb/resource-record.repository.js';
import {
  EVENTS_TABLE,
  OUTBOX_TABLE,
  STATE_TABLE,
  tableName,
} from '../../src/adapters/dynamodb/table-definitions.js';
import { FileQuarantine } from '../../src/adapters/file/file.quarantine.js';
import { parseConfigEvent } from '../../src/domain/config-event.js';
import type { ResourceObservation } from '../../src/domain/resource-record.js';
import { createConsumerHandler } from '../../src/handlers/consumer.handler.js';
import { fixture } from '../helpers/fixtures.js';
import { kinesisEvent } from '../helpers/kinesis-event.js';
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

async function setup() {
  const prefix = await dynamo.newPrefix();
  const dataDir = mkdtempSync(join(tmpdir(), 'resources-'));
  dirs.push(dataDir);
  const tables = { events: tableName(prefix, EVENTS_TABLE), state: tableName(prefix, STATE_TABLE) };
  const handler = createConsumerHandler({
    doc: dynamo.doc,
    tables,
    outbox: new AlertOutboxRepository(dynamo.doc, tableName(prefix, OUTBOX_TABLE)),
    quarantine: new FileQuarantine(dataDir),
    retry: { baseDelayMs: 1, maxDelayMs: 5 },
  });
  return { handler, store: new ResourceRecordRepository(dynamo.doc, tables.events) };
}

const KEY = {
  account: '111122223333',
  region: 'eu-west-1',
  resourceType: 'AWS::EC2::SecurityGroup',
  resourceId: 'sg-0123456789abcdef0',
};

/** An item change of the security group captured at minute `m`, tagged `version = m`. */
function itemChange(m: number): string {
  const raw = fixture<Record<string, any>>('configuration-item', 'inline-item-tags-diff');
  raw.id = `item-${m.toString().padStart(2, '0')}`;
  raw.detail.configurationItem.configurationItemCaptureTime = `2026-11-20T10:${m.toString().padStart(2, '0')}:00.000Z`;
  raw.detail.configurationItem.tags = { team: 'payments', version: String(m) };
  raw.detail.configurationItem.relatedEvents = [`trail-${m}`];
  return JSON.stringify(raw);
}

function shuffled<T>(items: readonly T[], seed: number): T[] {
  const out = [...items];
  let s = seed;
  for (let i = out.length - 1; i > 0; i--) {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

describe('resource records (consumer, dynalite)', () => {
  it('keeps the newest tags and the last 5 changes by capture time, in order', async () => {
    // Prepare
    const { handler, store } = await setup();

    // Act: 8 changes in capture order, one batch
    await handler(kinesisEvent(Array.from({ length: 8 }, (_, m) => itemChange(m))));

    // Assess
    const [record] = await store.getMany([KEY]);
    expect(record?.tags).toEqual({ team: 'payments', version: '7' });
    expect(record?.changes.map((c) => c.change.captureTime.slice(11, 16))).toEqual([
      '10:07',
      '10:06',
      '10:05',
      '10:04',
      '10:03',
    ]);
    expect(record?.changes[0]?.change).toMatchObject({
      changeType: 'UPDATE',
      relatedEvents: ['trail-7'],
      changedProperties: [{ path: 'Configuration.IpPermissions.0', changeType: 'CREATE' }, {}],
    });
  });

  it('gives the same record under redelivery and reordering across batches', async () => {
    // Prepare: the same 8 changes in 3 shuffled orders, in batches of 3, each batch delivered twice
    const texts = Array.from({ length: 8 }, (_, m) => itemChange(m));
    const records = [];

    // Act
    for (const seed of [1, 2, 3]) {
      const { handler, store } = await setup();
      const order = shuffled(texts, seed);
      for (let i = 0; i < order.length; i += 3) {
        const batch = kinesisEvent(order.slice(i, i + 3));
        expect((await handler(batch)).batchItemFailures).toEqual([]);
        expect((await handler(batch)).batchItemFailures).toEqual([]);
      }
      records.push((await store.getMany([KEY]))[0]);
    }

    // Assess
    for (const record of records) {
      expect(record?.tags).toEqual({ team: 'payments', version: '7' });
      expect(record?.changes.map((c) => c.eventId)).toEqual([
        'item-07',
        'item-06',
        'item-05',
        'item-04',
        'item-03',
      ]);
    }
    expect(records[1]).toEqual(records[0]);
    expect(records[2]).toEqual(records[0]);
  });

  it('loses no change when two writers race on one resource (conditional writes)', async () => {
    // Prepare: two stores on one table, 10 changes split between them, written concurrently
    const { store } = await setup();
    const other = new ResourceRecordRepository(dynamo.doc, store.tableName);
    const observations: ResourceObservation[] = Array.from({ length: 10 }, (_, m) => {
      const outcome = parseConfigEvent(itemChange(m + 10));
      if (outcome.status !== 'accepted' || outcome.event.kind !== 'configuration-item-change')
        throw new Error('bad');
      const e = outcome.event;
      return { ...KEY, eventId: e.eventId, tags: e.tags, change: e.change as NonNullable<typeof e.change> };
    });

    // Act
    const results = await Promise.all(observations.map((o, i) => (i % 2 === 0 ? store : other).record([o])));

    // Assess: the newest 5 of all 10 are there, whoever wrote them
    expect(results.every((r) => r.failed.size === 0)).toBe(true);
    const [record] = await store.getMany([KEY]);
    expect(record?.changes.map((c) => c.eventId)).toEqual([
      'item-19',
      'item-18',
      'item-17',
      'item-16',
      'item-15',
    ]);
    expect(record?.tags?.version).toBe('19');
  });

  it('keeps hostile tag keys as plain keys and returns undefined for an unseen resource', async () => {
    const { store } = await setup();
    const outcome = parseConfigEvent(itemChange(30));
    if (outcome.status !== 'accepted' || outcome.event.kind !== 'configuration-item-change')
      throw new Error('bad');
    const e = outcome.event;
    const tags = JSON.parse('{"__proto__":"x","constructor":"y","<!channel>":"z"}') as Record<string, string>;
    await store.record([
      { ...KEY, eventId: e.eventId, tags, change: e.change as NonNullable<typeof e.change> },
    ]);
    const [record, unseen] = await store.getMany([KEY, { ...KEY, resourceId: 'sg-unseen' }]);
    expect(Object.keys(record?.tags ?? {}).sort()).toEqual(['<!channel>', '__proto__', 'constructor']);
    expect(unseen).toBeUndefined();
  });
});
