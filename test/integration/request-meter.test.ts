/**
 * The bench's request meters (bench/request-meter.ts) count what the SDK clients send, and dynalite
 * answers the ConsumedCapacity they ask for.
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { CreateStreamCommand, PutRecordsCommand, waitUntilStreamExists } from '@aws-sdk/client-kinesis';
import { BatchWriteCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  billedWcu,
  createDynamoMeter,
  createKinesisMeter,
  IndexTracker,
  indexWriteUnits,
  itemSize,
} from '../../bench/request-meter.js';
import { createDocumentClient } from '../../src/adapters/aws-clients.js';
import {
  EVENTS_TABLE,
  OUTBOX_TABLE,
  STATE_TABLE,
  type TableDefinition,
  tableName,
} from '../../src/adapters/dynamodb/table-definitions.js';
import {
  type LocalDynamo,
  type LocalKinesis,
  startLocalDynamo,
  startLocalKinesis,
} from '../helpers/local-aws.js';

let dynamo: LocalDynamo;
let kinesis: LocalKinesis;
beforeAll(async () => {
  [dynamo, kinesis] = await Promise.all([startLocalDynamo(), startLocalKinesis()]);
});
afterAll(async () => {
  await Promise.all([dynamo?.close(), kinesis?.close()]);
});

/** Plain values as DynamoDB attribute values (strings, numbers, booleans, null, lists, maps). */
function marshall(value: Record<string, unknown>): Record<string, AttributeValue> {
  const one = (v: unknown): AttributeValue => {
    if (typeof v === 'string') return { S: v };
    if (typeof v === 'number') return { N: String(v) };
    if (typeof v === 'boolean') return { BOOL: v };
    if (v === null) return { NULL: true };
    if (Array.isArray(v)) return { L: v.map(one) };
    return { M: marshall(v as Record<string, unknown>) };
  };
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, one(v)]));
}

describe('itemSize (DynamoDB "Item sizes and formats")', () => {
  it('counts names and values in UTF-8 bytes, numbers by significant digits, maps and lists with overhead', () => {
    expect(itemSize(marshall({ pk: 'abc' }))).toBe(5);
    expect(itemSize(marshall({ é: 'é' }))).toBe(4);
    expect(itemSize(marshall({ n: 12345 }))).toBe(1 + 4); // 5 digits → 3 bytes + 1
    expect(itemSize(marshall({ n: 0 }))).toBe(2);
    expect(itemSize(marshall({ b: true, z: null }))).toBe(4);
    expect(itemSize(marshall({ m: { a: 'x' } }))).toBe(1 + 3 + 1 + 2); // name, overhead, 1 element, a+x
    expect(itemSize(marshall({ l: ['x', 'y'] }))).toBe(1 + 3 + 2 * 2);
  });

  it('counts a GSI write per index whose keys the item has, of the projected size', () => {
    const item = marshall({ pk: 'p', gsi1pk: 'a', gsi1sk: 'b', id: 'x', big: 'y'.repeat(3000) });
    // by-account-day projects `id` but not `big`; by-day's keys are absent.
    expect(indexWriteUnits(EVENTS_TABLE, item)).toBe(1);
    expect(indexWriteUnits(STATE_TABLE as TableDefinition, item)).toBe(0);
    expect(
      indexWriteUnits(
        OUTBOX_TABLE,
        marshall({ pk: 'p', pending_pk: 'd', pending_sk: 's', big: 'y'.repeat(3000) }),
      ),
    ).toBe(3);
  });
});

describe('IndexTracker (DynamoDB "GSI throughput considerations", writes)', () => {
  it('bills an index as it changes: new entry, same key, changed key, removed entry', () => {
    const tracker = new IndexTracker();
    const outbox = (extra: Record<string, unknown>) => marshall({ pk: 'ALERT#1', ...extra });
    // A new entry: one write of the projected (ALL) size, 2 KB here.
    expect(
      tracker.put('o', OUTBOX_TABLE, outbox({ pending_pk: 'd', pending_sk: 'a', big: 'y'.repeat(1500) })),
    ).toBe(2);
    // Same key, rewritten: one write.
    expect(tracker.put('o', OUTBOX_TABLE, outbox({ pending_pk: 'd', pending_sk: 'a' }))).toBe(1);
    // Changed key: delete the old entry, put the new one.
    expect(tracker.put('o', OUTBOX_TABLE, outbox({ pending_pk: 'd', pending_sk: 'b' }))).toBe(2);
    // An update of a projected attribute only (ALL): one write; of a new key by value: two.
    const update = (expression: string, values: Record<string, unknown> = {}) =>
      tracker.update('o', OUTBOX_TABLE, {
        Key: marshall({ pk: 'ALERT#1' }),
        UpdateExpression: expression,
        ExpressionAttributeValues: marshall(values),
      });
    expect(update('SET last_error = :e ADD attempts :one', { ':e': 'x', ':one': 1 })).toBe(1);
    expect(update('SET pending_sk = :s', { ':s': 'c' })).toBe(2);
    // Removed from the index: one write; then updates cost the index nothing.
    expect(update('SET delivered_at = :t REMOVE pending_pk, pending_sk', { ':t': 'now' })).toBe(1);
    expect(update('SET message_ref = :r', { ':r': 'm' })).toBe(0);
    // A put without the index keys of an item that has none: nothing; a delete of an entry: one.
    expect(tracker.put('o', OUTBOX_TABLE, outbox({}))).toBe(0);
    tracker.put('o', OUTBOX_TABLE, outbox({ pending_pk: 'd', pending_sk: 'z' }));
    expect(tracker.delete('o', OUTBOX_TABLE, marshall({ pk: 'ALERT#1' }))).toBe(1);
    expect(tracker.delete('o', OUTBOX_TABLE, marshall({ pk: 'ALERT#1' }))).toBe(0);
  });
});

describe('createDynamoMeter', () => {
  it('counts calls per operation and sums the ConsumedCapacity dynalite returns', async () => {
    // Prepare
    const prefix = await dynamo.newPrefix();
    const doc = createDocumentClient({ endpoint: dynamo.endpoint });
    const tables = new Map<string, TableDefinition>(
      [EVENTS_TABLE, STATE_TABLE, OUTBOX_TABLE].map((t) => [tableName(prefix, t), t as TableDefinition]),
    );
    const meter = createDynamoMeter((name) => tables.get(name));
    meter.attach(doc);
    const state = tableName(prefix, STATE_TABLE);
    const outbox = tableName(prefix, OUTBOX_TABLE);

    // Act
    await doc.send(
      new BatchWriteCommand({
        RequestItems: {
          [state]: [
            { PutRequest: { Item: { pk: 'a', sk: '1', text: 'x'.repeat(1500) } } }, // 2 WCU
            { PutRequest: { Item: { pk: 'b', sk: '1' } } }, // 1 WCU
          ],
        },
      }),
    );
    const conditional = {
      TableName: state,
      Item: { pk: 'a', sk: '1', text: 'y'.repeat(1500) },
      ConditionExpression: 'attribute_not_exists(pk)',
    };
    await expect(doc.send(new PutCommand(conditional))).rejects.toThrow();
    await doc.send(
      new PutCommand({ TableName: outbox, Item: { pk: 'ALERT#1', pending_pk: 'default', pending_sk: 's' } }),
    );
    await doc.send(
      new UpdateCommand({
        TableName: outbox,
        Key: { pk: 'ALERT#1' },
        UpdateExpression: 'REMOVE pending_pk, pending_sk SET #a = :a',
        ExpressionAttributeNames: { '#a': 'attempts' },
        ExpressionAttributeValues: { ':a': 1 },
      }),
    );
    doc.destroy();

    // Assess
    const counts = meter.snapshot();
    expect(counts.operations.BatchWriteItem).toMatchObject({ calls: 1, attempts: 1 });
    expect(counts.operations.PutItem).toMatchObject({
      calls: 2,
      attempts: 2,
      errors: { ConditionalCheckFailedException: 1 },
    });
    expect(counts.operations.UpdateItem).toMatchObject({ calls: 1, attempts: 1 });
    expect(counts.requests).toBe(4);
    expect(counts.missingCapacity).toBe(0);
    // dynalite: 2 + 1 (batch) + 1 (outbox put) + 1 (update)
    expect(counts.reportedWcu).toBe(5);
    expect(counts.failedConditionWcu).toBe(2);
    // The outbox put (1 entry in `pending`) and the update removing its keys (1 delete).
    expect(counts.indexWcu).toBe(2);
    expect(counts.ruleWcu).toBe(4); // the three successful puts
    expect(billedWcu(counts)).toBe(9);
    expect(counts.itemsWritten).toEqual({ [state]: 2, [outbox]: 2 });
  });
});

describe('createKinesisMeter', () => {
  it('counts calls, records and bytes', async () => {
    // Prepare
    const meter = createKinesisMeter();
    meter.attach(kinesis.client);
    await kinesis.client.send(new CreateStreamCommand({ StreamName: 'meter', ShardCount: 1 }));
    await waitUntilStreamExists({ client: kinesis.client, maxWaitTime: 30 }, { StreamName: 'meter' });
    meter.reset();

    // Act
    await kinesis.client.send(
      new PutRecordsCommand({
        StreamName: 'meter',
        Records: [
          { Data: Buffer.from('hello'), PartitionKey: 'k' },
          { Data: Buffer.from('world!'), PartitionKey: 'k' },
        ],
      }),
    );

    // Assess
    const counts = meter.snapshot();
    expect(counts.operations.PutRecords).toMatchObject({ calls: 1, attempts: 1 });
    expect(counts.recordsPut).toBe(2);
    expect(counts.bytesPut).toBe(13);
  });
});
