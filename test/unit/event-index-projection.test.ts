/**
 * The events indexes project only what `GET /events` reads: the repository's projection expression
 * names nothing the index lacks (a GSI returns no attribute it does not project), a view built from
 * an index item equals the view of the whole item, and create-tables (dynalite) builds the same
 * projection as the CDK construct (checked against the template in test/infra/master-stack.test.ts).
 */
import { CreateTableCommand, type DynamoDBClient, ResourceInUseException } from '@aws-sdk/client-dynamodb';
import type { QueryCommand, QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import type { DocumentSender } from '../../src/adapters/dynamodb/batch-write.js';
import { ensureTables } from '../../src/adapters/dynamodb/create-tables.js';
import { EventQueryRepository } from '../../src/adapters/dynamodb/event-query.repository.js';
import { toEventItem } from '../../src/adapters/dynamodb/event-store.repository.js';
import {
  EVENT_INDEX_ATTRIBUTES,
  EVENTS_TABLE,
  type IndexDefinition,
  indexProjection,
  TABLES,
} from '../../src/adapters/dynamodb/table-definitions.js';
import { type ConfigEvent, parseConfigEvent } from '../../src/domain/config-event.js';
import { complianceEvent } from '../helpers/archive-events.js';

const NOW = new Date('2024-03-10T12:00:00Z');

function sampleEvent(): ConfigEvent {
  const outcome = parseConfigEvent(
    complianceEvent({
      id: 'evt-1',
      account: '111111111111',
      newStatus: 'NON_COMPLIANT',
      at: '2024-03-10T10:00:00.000Z',
    }),
  );
  if (outcome.status !== 'accepted') throw new Error('fixture not accepted');
  return outcome.event;
}

/** Every attribute an index item carries: the table's and the index's keys, then the projection. */
function projectedAttributes(index: IndexDefinition): Set<string> | 'ALL' {
  const projection = indexProjection(EVENTS_TABLE, index);
  if (projection.ProjectionType === 'ALL') return 'ALL';
  return new Set([
    EVENTS_TABLE.partitionKey,
    index.partitionKey,
    index.sortKey,
    ...projection.NonKeyAttributes,
  ]);
}

/** The attribute names of a ProjectionExpression, placeholders resolved. */
function namesOf(input: QueryCommandInput): string[] {
  return String(input.ProjectionExpression)
    .split(',')
    .map((part) => part.trim())
    .map((name) => input.ExpressionAttributeNames?.[name] ?? name);
}

/**
 * A DocumentSender that answers each Query as DynamoDB would from an index: the item reduced to
 * what the index projects, then to the ProjectionExpression. Records every Query input.
 */
function indexSender(item: Record<string, unknown>, inputs: QueryCommandInput[]): DocumentSender {
  return {
    send: (async (command: QueryCommand) => {
      const input = command.input;
      inputs.push(input);
      const index = EVENTS_TABLE.indexes.find((i) => i.indexName === input.IndexName);
      if (!index) throw new Error(`unexpected index ${input.IndexName}`);
      const projected = projectedAttributes(index);
      const wanted = namesOf(input);
      const out = Object.fromEntries(
        Object.entries(item).filter(
          ([name]) => wanted.includes(name) && (projected === 'ALL' || projected.has(name)),
        ),
      );
      // One shard (or the account's day) holds the item; every other partition is empty.
      const holds = input.ExpressionAttributeValues?.[':pk'] === item[index.partitionKey];
      return { Items: holds ? [out] : [], LastEvaluatedKey: undefined };
    }) as DocumentSender['send'],
  };
}

async function readBack(account: string | null): Promise<{ items: unknown[]; inputs: QueryCommandInput[] }> {
  const item = toEventItem(sampleEvent(), NOW) as unknown as Record<string, unknown>;
  const inputs: QueryCommandInput[] = [];
  const repository = new EventQueryRepository(indexSender(item, inputs), 'events');
  const page = await repository.page({
    account,
    region: null,
    start: '2024-03-10T00:00:00.000Z',
    end: '2024-03-11T00:00:00.000Z',
    limit: 10,
    after: null,
    now: NOW,
  });
  return { items: page.items, inputs };
}

describe('events index projection', () => {
  it('is INCLUDE of EVENT_INDEX_ATTRIBUTES, not ALL, on both events indexes', () => {
    for (const index of EVENTS_TABLE.indexes) {
      const projection = indexProjection(EVENTS_TABLE, index);
      expect(projection.ProjectionType).toBe('INCLUDE');
      const keys = new Set<string>([EVENTS_TABLE.partitionKey, index.partitionKey, index.sortKey]);
      expect(projection).toEqual({
        ProjectionType: 'INCLUDE',
        NonKeyAttributes: EVENT_INDEX_ATTRIBUTES.filter((a) => !keys.has(a)),
      });
    }
  });

  it.each([
    ['by-account-day', '111111111111'],
    ['by-day', null],
  ])('projects exactly the attributes GET /events reads on %s', async (indexName, account) => {
    const { inputs } = await readBack(account);
    expect(inputs.length).toBeGreaterThan(0);
    const index = EVENTS_TABLE.indexes.find((i) => i.indexName === indexName) as IndexDefinition;
    for (const input of inputs) {
      expect(input.IndexName).toBe(indexName);
      const read = namesOf(input);
      // Nothing read is missing from the index…
      const projected = projectedAttributes(index);
      expect(projected).not.toBe('ALL');
      for (const name of read) expect(projected, name).toContain(name);
      // …and nothing projected beyond the keys goes unread.
      expect([...EVENT_INDEX_ATTRIBUTES].sort()).toEqual([...new Set(read)].sort());
    }
  });

  it.each([
    ['one account', '111111111111'],
    ['all accounts', null],
  ])('builds the full API view from an index item (%s)', async (_name, account) => {
    const event = sampleEvent();
    const stored = toEventItem(event, NOW);
    const { items } = await readBack(account);
    expect(items).toEqual([
      {
        id: stored.id,
        account: stored.account,
        region: stored.region,
        source: stored.source,
        detail_type: stored.detail_type,
        published_at: stored.published_at,
        expired_at: stored.expired_at,
        detail: event,
      },
    ]);
  });

  it('is what create-tables asks dynalite for, index by index', async () => {
    const created: CreateTableCommand['input'][] = [];
    const client = {
      send: async (command: unknown) => {
        if (!(command instanceof CreateTableCommand)) throw new Error('unexpected command');
        created.push(command.input);
        // Pretend the table exists, so ensureTables stops before waiting for it.
        throw new ResourceInUseException({ message: 'exists', $metadata: {} });
      },
    } as unknown as DynamoDBClient;
    await ensureTables(client, 'p');
    for (const table of TABLES) {
      const input = created.find((c) => c.TableName === `p-${table.logicalName}`);
      expect(input, table.logicalName).toBeDefined();
      expect((input?.GlobalSecondaryIndexes ?? []).map((gsi) => [gsi.IndexName, gsi.Projection])).toEqual(
        table.indexes.map((index) => [index.indexName, indexProjection(table, index)]),
      );
    }
  });
});
