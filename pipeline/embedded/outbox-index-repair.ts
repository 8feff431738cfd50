/**
 * Repairs the outbox's `pending` index after a kill, in the embedded stack only.
 *
 * dynalite writes an update in two steps: the index entries first, then the item
 * (node_modules/dynalite/db/index.js, updateIndexes, then itemDb.put). A process killed between
 * the two while the notifier marks alerts delivered leaves items that are still pending (the
 * item keeps `pending_pk`) but that the index no longer lists, so no drain ever posted them
 * (4 of 28 kill -9 runs). DynamoDB itself updates a GSI after the item, and an index entry always
 * catches up (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/GSI.html#GSI.Writes),
 * so this repair has no cloud counterpart.
 *
 * At start-up, while this process holds the data directory: every item still pending by its own
 * attributes that the index does not list is written again with the same keys, which makes
 * dynalite index it again. Conditional on the item being unchanged, so a delivery that won
 * meanwhile is kept. Idempotent: a second run finds nothing.
 */
import { QueryCommand, ScanCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { DocumentSender } from '../../src/adapters/dynamodb/batch-write.js';
import { OUTBOX_TABLE } from '../../src/adapters/dynamodb/table-definitions.js';

const INDEX = OUTBOX_TABLE.indexes[0];

interface Pending {
  readonly pk: string;
  readonly route: string;
  readonly sortKey: string;
}

/** Re-indexes the pending alerts the index lost; returns how many. */
export async function repairPendingIndex(doc: DocumentSender, tableName: string): Promise<number> {
  const pending = await pendingByItem(doc, tableName);
  if (pending.length === 0) return 0;
  const listed = new Set<string>();
  for (const route of new Set(pending.map((p) => p.route))) {
    for (const pk of await listedInIndex(doc, tableName, route)) listed.add(pk);
  }
  let repaired = 0;
  for (const item of pending) {
    if (listed.has(item.pk)) continue;
    try {
      await doc.send(
        new UpdateCommand({
          TableName: tableName,
          Key: { [OUTBOX_TABLE.partitionKey]: item.pk },
          UpdateExpression: 'SET #pk = :route, #sk = :sk',
          ConditionExpression: '#pk = :route AND #sk = :sk',
          ExpressionAttributeNames: { '#pk': INDEX.partitionKey, '#sk': INDEX.sortKey },
          ExpressionAttributeValues: { ':route': item.route, ':sk': item.sortKey },
        }),
      );
      repaired += 1;
    } catch (err) {
      // Delivered or parked meanwhile: nothing to repair.
      if ((err as Error).name !== 'ConditionalCheckFailedException') throw err;
    }
  }
  return repaired;
}

async function pendingByItem(doc: DocumentSender, tableName: string): Promise<Pending[]> {
  const out: Pending[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await doc.send(
      new ScanCommand({
        TableName: tableName,
        FilterExpression: 'attribute_exists(#pk) AND attribute_exists(#sk)',
        ProjectionExpression: '#key, #pk, #sk',
        ExpressionAttributeNames: {
          '#key': OUTBOX_TABLE.partitionKey,
          '#pk': INDEX.partitionKey,
          '#sk': INDEX.sortKey,
        },
        ConsistentRead: true,
        ExclusiveStartKey: startKey,
      }),
    );
    for (const item of page.Items ?? []) {
      out.push({
        pk: String(item[OUTBOX_TABLE.partitionKey]),
        route: String(item[INDEX.partitionKey]),
        sortKey: String(item[INDEX.sortKey]),
      });
    }
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return out;
}

async function listedInIndex(doc: DocumentSender, tableName: string, route: string): Promise<string[]> {
  const out: string[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await doc.send(
      new QueryCommand({
        TableName: tableName,
        IndexName: INDEX.indexName,
        KeyConditionExpression: '#pk = :route',
        ProjectionExpression: '#key',
        ExpressionAttributeNames: { '#pk': INDEX.partitionKey, '#key': OUTBOX_TABLE.partitionKey },
        ExpressionAttributeValues: { ':route': route },
        ExclusiveStartKey: startKey,
      }),
    );
    for (const item of page.Items ?? []) out.push(String(item[OUTBOX_TABLE.partitionKey]));
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return out;
}
