/**
 * Creates the hot-store tables from their one definition. Used by the embedded stack (dynalite)
 * and the integration tests; in AWS the CDK master stack builds the same tables.
 */
import {
  CreateTableCommand,
  type DynamoDBClient,
  ResourceInUseException,
  UpdateTimeToLiveCommand,
  waitUntilTableExists,
} from '@aws-sdk/client-dynamodb';
import { indexProjection, TABLES, type TableDefinition, tableName } from './table-definitions.js';

/** Creates every table under `prefix` if it does not exist yet. Idempotent. */
export async function ensureTables(client: DynamoDBClient, prefix: string): Promise<void> {
  await Promise.all(TABLES.map((table) => ensureTable(client, prefix, table)));
}

function projectionInput(
  table: TableDefinition,
  index: TableDefinition['indexes'][number],
): { ProjectionType: 'ALL' | 'INCLUDE'; NonKeyAttributes?: string[] } {
  const projection = indexProjection(table, index);
  return projection.ProjectionType === 'ALL'
    ? { ProjectionType: 'ALL' }
    : { ProjectionType: 'INCLUDE', NonKeyAttributes: [...projection.NonKeyAttributes] };
}

async function ensureTable(client: DynamoDBClient, prefix: string, table: TableDefinition): Promise<void> {
  const name = tableName(prefix, table);
  const attributes = new Set<string>([table.partitionKey]);
  if (table.sortKey) attributes.add(table.sortKey);
  for (const index of table.indexes) {
    attributes.add(index.partitionKey);
    attributes.add(index.sortKey);
  }
  try {
    await client.send(
      new CreateTableCommand({
        TableName: name,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [...attributes].map((AttributeName) => ({ AttributeName, AttributeType: 'S' })),
        KeySchema: [
          { AttributeName: table.partitionKey, KeyType: 'HASH' },
          ...(table.sortKey ? [{ AttributeName: table.sortKey, KeyType: 'RANGE' as const }] : []),
        ],
        ...(table.indexes.length > 0
          ? {
              GlobalSecondaryIndexes: table.indexes.map((index) => ({
                IndexName: index.indexName,
                KeySchema: [
                  { AttributeName: index.partitionKey, KeyType: 'HASH' as const },
                  { AttributeName: index.sortKey, KeyType: 'RANGE' as const },
                ],
                Projection: projectionInput(table, index),
              })),
            }
          : {}),
      }),
    );
  } catch (err) {
    if (!(err instanceof ResourceInUseException)) throw err;
    return;
  }
  await waitUntilTableExists({ client, maxWaitTime: 60, minDelay: 0.05, maxDelay: 0.5 }, { TableName: name });
  await client
    .send(
      new UpdateTimeToLiveCommand({
        TableName: name,
        TimeToLiveSpecification: { AttributeName: table.ttlAttribute, Enabled: true },
      }),
    )
    .catch(() => {
      // dynalite does not implement UpdateTimeToLive; TTL is a deletion lag, readers filter expired items anyway.
    });
}
