/**
 * The embedded stack's migration of a state table made before the `open` index (dynalite cannot
 * add an index): real dynalite, a table created the old way, items kept attribute for attribute,
 * and a kill at each step recovered by the next start.
 */
import {
  CreateTableCommand,
  DeleteTableCommand,
  DescribeTableCommand,
  ListTablesCommand,
  waitUntilTableExists,
  waitUntilTableNotExists,
} from '@aws-sdk/client-dynamodb';
import { PutCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrateStateIndex } from '../../pipeline/embedded/state-index-migration.js';
import { openPk, openSk } from '../../src/adapters/dynamodb/keys.js';
import { OpenViolationRepository } from '../../src/adapters/dynamodb/open-violation.repository.js';
import { STATE_TABLE, tableName } from '../../src/adapters/dynamodb/table-definitions.js';
import { type LocalDynamo, startLocalDynamo } from '../helpers/local-aws.js';

const NOW = new Date('2024-03-10T12:00:00Z');
let dynamo: LocalDynamo;

/** A state item as written before the index: no opened_at, no index keys. */
function oldItem(n: number, status: string): Record<string, unknown> {
  return {
    pk: `111111111111#eu-west-1#rule-${n}`,
    sk: `AWS::S3::Bucket#bucket-${n}`,
    account: '111111111111',
    region: 'eu-west-1',
    rule_name: `rule-${n}`,
    resource_type: 'AWS::S3::Bucket',
    resource_id: `bucket-${n}`,
    status,
    order: `2024-03-0${n}T00:00:00.000Z|2024-03-0${n}T00:00:01.000Z|evt-${n}`,
    event_id: `evt-${n}`,
    ordering_timestamp: `2024-03-0${n}T00:00:00.000Z`,
    annotation: null,
    updated_at: '2024-03-09T00:00:00.000Z',
    expired_at: 1_800_000_000 + n,
  };
}

const WAIT = { maxWaitTime: 30, minDelay: 0.05, maxDelay: 0.2 } as const;

/** Creates a table with the state table's keys and no index (the old definition), and waits for it. */
async function createPlain(name: string): Promise<void> {
  await dynamo.client.send(
    new CreateTableCommand({
      TableName: name,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'sk', AttributeType: 'S' },
      ],
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
    }),
  );
  await waitUntilTableExists({ client: dynamo.client, ...WAIT }, { TableName: name });
}

/** A prefix whose state table is the old one (no index), with 3 NON_COMPLIANT and 2 other items. */
async function oldTable(): Promise<{ prefix: string; items: Record<string, unknown>[] }> {
  const prefix = `old${Math.random().toString(36).slice(2, 8)}`;
  const name = tableName(prefix, STATE_TABLE);
  await createPlain(name);
  const items = [1, 2, 3, 4, 5].map((n) => oldItem(n, n <= 3 ? 'NON_COMPLIANT' : 'COMPLIANT'));
  for (const item of items) await dynamo.doc.send(new PutCommand({ TableName: name, Item: item }));
  return { prefix, items };
}

async function scan(name: string): Promise<Record<string, unknown>[]> {
  const res = await dynamo.doc.send(new ScanCommand({ TableName: name, ConsistentRead: true }));
  return (res.Items ?? []).sort((a, b) => String(a.pk).localeCompare(String(b.pk)));
}

async function tables(): Promise<string[]> {
  return (await dynamo.client.send(new ListTablesCommand({}))).TableNames ?? [];
}

/** What the migration must leave: the same items, the open ones with their index keys. */
function expected(items: Record<string, unknown>[]): Record<string, unknown>[] {
  return items.map((item) => {
    if (item.status !== 'NON_COMPLIANT') return item;
    const keys = { pk: String(item.pk), sk: String(item.sk) };
    const openedAt = String(item.ordering_timestamp);
    return { ...item, opened_at: openedAt, open_pk: openPk(keys), open_sk: openSk(openedAt, keys) };
  });
}

beforeAll(async () => {
  dynamo = await startLocalDynamo();
}, 60_000);

afterAll(async () => {
  await dynamo?.close();
});

describe('migrateStateIndex', () => {
  it('adds the open index to an old state table, keeping every item and attribute, once', async () => {
    // Prepare
    const { prefix, items } = await oldTable();
    const name = tableName(prefix, STATE_TABLE);
    // Act
    const copied = await migrateStateIndex(dynamo.client, dynamo.doc, prefix);
    const again = await migrateStateIndex(dynamo.client, dynamo.doc, prefix);
    // Assess
    expect(copied).toBe(5);
    expect(again).toBeNull();
    const described = await dynamo.client.send(new DescribeTableCommand({ TableName: name }));
    expect(described.Table?.GlobalSecondaryIndexes?.map((i) => i.IndexName)).toEqual(['open']);
    expect(await scan(name)).toEqual(expected(items));
    expect(await tables()).not.toContain(`${name}-migrating`);
    const open = await new OpenViolationRepository(dynamo.doc, name).page({
      account: null,
      region: null,
      rule: null,
      now: NOW,
      descending: false,
      after: null,
      limit: 10,
    });
    expect(open.items.map((v) => v.resourceId)).toEqual(['bucket-1', 'bucket-2', 'bucket-3']);
  });

  it('leaves a table that has the index alone', async () => {
    const prefix = await dynamo.newPrefix();
    expect(await migrateStateIndex(dynamo.client, dynamo.doc, prefix)).toBeNull();
  });

  it('starts the copy over when killed during it (staging without its marker)', async () => {
    // Prepare: a staging table holding part of a copy, no marker.
    const { prefix, items } = await oldTable();
    const name = tableName(prefix, STATE_TABLE);
    await createPlain(`${name}-migrating`);
    await dynamo.doc.send(
      new PutCommand({ TableName: `${name}-migrating`, Item: { ...oldItem(9, 'NON_COMPLIANT') } }),
    );
    // Act
    expect(await migrateStateIndex(dynamo.client, dynamo.doc, prefix)).toBe(5);
    // Assess: the partial copy's stray item is gone with it.
    expect(await scan(name)).toEqual(expected(items));
  });

  it('fills the new table from the staging copy when killed after the state table was dropped', async () => {
    // Prepare: a complete migration's first half, then the state table dropped.
    const { prefix, items } = await oldTable();
    const name = tableName(prefix, STATE_TABLE);
    const first = await migrateStateIndex(dynamo.client, dynamo.doc, prefix);
    expect(first).toBe(5);
    // Re-create the half-done situation: staging with its marker, no state table.
    const { prefix: other, items: otherItems } = await oldTable();
    const otherName = tableName(other, STATE_TABLE);
    await createPlain(`${otherName}-migrating`);
    for (const item of [...otherItems, { pk: '#migration', sk: 'copy-complete' }]) {
      await dynamo.doc.send(new PutCommand({ TableName: `${otherName}-migrating`, Item: item }));
    }
    await dynamo.client.send(new DeleteTableCommand({ TableName: otherName }));
    await waitUntilTableNotExists({ client: dynamo.client, ...WAIT }, { TableName: otherName });
    // Act
    const copied = await migrateStateIndex(dynamo.client, dynamo.doc, other);
    // Assess
    expect(copied).toBe(5);
    expect(await scan(otherName)).toEqual(expected(otherItems));
    expect(await scan(name)).toEqual(expected(items));
    expect(await tables()).not.toContain(`${otherName}-migrating`);
  });
});
