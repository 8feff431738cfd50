/**
 * Gives the state table of a data directory made before the `open` index existed that index, in
 * the embedded stack only.
 *
 * DynamoDB adds a global secondary index to a live table (CloudFormation does it at the next
 * deploy); dynalite cannot (its UpdateTable changes throughput only). So at start-up, while this
 * process holds the data directory, a state table without the index is copied into a staging
 * table, dropped, created again from its one definition and filled back, each NON_COMPLIANT item
 * with the index keys (`openAttributes`; opened at its last evaluation, the best the item knows).
 * Every other attribute is kept as it was, the TTL included.
 *
 * Safe against a kill at any point: the staging table gets a marker item only once the copy is
 * complete. Staging without the marker: the state table is untouched, the copy starts over.
 * Staging with it: the state table (gone, or without the index, or partly filled back) is made
 * from the staging copy again, puts being whole-item overwrites. The staging table goes last.
 */
import {
  CreateTableCommand,
  DeleteTableCommand,
  DescribeTableCommand,
  type DynamoDBClient,
  ResourceNotFoundException,
  waitUntilTableExists,
  waitUntilTableNotExists,
} from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { DocumentSender, WriteRequest } from '../../src/adapters/dynamodb/batch-write.js';
import { batchWriteAll } from '../../src/adapters/dynamodb/batch-write.js';
import { fromStateItem, openAttributes } from '../../src/adapters/dynamodb/compliance-state.repository.js';
import { ensureTables } from '../../src/adapters/dynamodb/create-tables.js';
import { STATE_TABLE, tableName } from '../../src/adapters/dynamodb/table-definitions.js';

const MARKER = { pk: '#migration', sk: 'copy-complete' } as const;
const WAIT = { maxWaitTime: 60, minDelay: 0.05, maxDelay: 0.5 } as const;

/** Indexes of a table, or null when there is no such table. */
async function indexesOf(client: DynamoDBClient, name: string): Promise<string[] | null> {
  try {
    const res = await client.send(new DescribeTableCommand({ TableName: name }));
    return (res.Table?.GlobalSecondaryIndexes ?? []).map((index) => index.IndexName ?? '');
  } catch (err) {
    if (err instanceof ResourceNotFoundException) return null;
    throw err;
  }
}

async function dropTable(client: DynamoDBClient, name: string): Promise<void> {
  try {
    await client.send(new DeleteTableCommand({ TableName: name }));
  } catch (err) {
    if (err instanceof ResourceNotFoundException) return;
    throw err;
  }
  await waitUntilTableNotExists({ client, ...WAIT }, { TableName: name });
}

/** Copies every item of `from` to `to` through `map` (null skips an item); returns how many. */
async function copy(
  doc: DocumentSender,
  from: string,
  to: string,
  map: (item: Record<string, unknown>) => Record<string, unknown> | null,
): Promise<number> {
  let copied = 0;
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await doc.send(
      new ScanCommand({ TableName: from, ConsistentRead: true, ExclusiveStartKey: startKey }),
    );
    const requests: WriteRequest[] = [];
    for (const item of page.Items ?? []) {
      const mapped = map(item);
      if (mapped) requests.push({ PutRequest: { Item: mapped } });
    }
    const { unprocessed } = await batchWriteAll(doc, to, requests);
    if (unprocessed.length > 0) throw new Error(`could not copy ${unprocessed.length} state items to ${to}`);
    copied += requests.length;
    startKey = page.LastEvaluatedKey as Record<string, unknown> | undefined;
  } while (startKey);
  return copied;
}

/** A state item with the `open` index keys its status calls for. */
function withOpenKeys(item: Record<string, unknown>): Record<string, unknown> | null {
  if (item.pk === MARKER.pk && item.sk === MARKER.sk) return null;
  const keys = { pk: String(item.pk), sk: String(item.sk) };
  return { ...item, ...openAttributes(fromStateItem(item), keys) };
}

/**
 * Migrates the state table of `prefix` when it lacks the `open` index (or a migration was
 * interrupted); returns the states copied, or null when there was nothing to do.
 */
export async function migrateStateIndex(
  client: DynamoDBClient,
  doc: DocumentSender,
  prefix: string,
): Promise<number | null> {
  const name = tableName(prefix, STATE_TABLE);
  const staging = `${name}-migrating`;
  const wanted = STATE_TABLE.indexes.map((index) => index.indexName);
  const [indexes, stagingIndexes] = await Promise.all([indexesOf(client, name), indexesOf(client, staging)]);
  const current = indexes !== null && wanted.every((index) => indexes.includes(index));
  if (current && stagingIndexes === null) return null;

  const complete =
    stagingIndexes !== null &&
    (await doc.send(new GetCommand({ TableName: staging, Key: MARKER, ConsistentRead: true }))).Item !==
      undefined;
  if (!complete) {
    // The state table is as it was: (re)make the staging copy of it.
    await dropTable(client, staging);
    await client.send(
      new CreateTableCommand({
        TableName: staging,
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
    await waitUntilTableExists({ client, ...WAIT }, { TableName: staging });
    if (indexes !== null) await copy(doc, name, staging, (item) => item);
    await doc.send(new PutCommand({ TableName: staging, Item: { ...MARKER } }));
  }
  if (!current) await dropTable(client, name);
  await ensureTables(client, prefix);
  const copied = await copy(doc, staging, name, withOpenKeys);
  await dropTable(client, staging);
  return copied;
}
