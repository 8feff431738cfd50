/**
 * The LevelDB stores under dynalite keep only what they use (issue 10, item 3): every iterator a
 * Query or Scan opens is closed when it ends or stops early, so none pins its memtable, version
 * and tables until the store closes (before: a 40 s drain of a large outbox left 600 open and
 * 330 tables mapped). The stream's store (kinesalite) writes small tables, so the 64 it keeps
 * open (and mapped) are a few tens of MB whatever the stream holds.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateTableCommand,
  type DynamoDBClient,
  PutItemCommand,
  QueryCommand,
  ScanCommand,
} from '@aws-sdk/client-dynamodb';
import { CreateStreamCommand, PutRecordsCommand, waitUntilStreamExists } from '@aws-sdk/client-kinesis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STREAM_LEVELDB_OPEN_OPTIONS } from '../../pipeline/embedded/leveldb-bounds.mjs';
import { type LocalService, startDynalite, startKinesalite } from '../../pipeline/embedded/local-services.js';
import { createDynamoClient, createKinesisClient } from '../../src/adapters/aws-clients.js';

interface Closable {
  _close(...args: unknown[]): Promise<void>;
}
type IteratorFactory = (this: unknown, ...args: unknown[]) => Closable;

/** Counts the iterators dynalite's stores open and close (the classes of classic-level and memory-level). */
function countIterators() {
  const fromDynalite = createRequire(createRequire(import.meta.url).resolve('dynalite'));
  const stores = [
    createRequire(fromDynalite.resolve('level'))('classic-level').ClassicLevel,
    createRequire(fromDynalite.resolve('memory-level'))('memory-level').MemoryLevel,
  ] as Array<{ prototype: Record<string, IteratorFactory> }>;
  const counts = { opened: 0, closed: 0 };
  for (const Store of stores) {
    for (const method of ['iterator', 'keys', 'values']) {
      const original = Store.prototype[method]!;
      Store.prototype[method] = function (this: unknown, ...args: unknown[]) {
        const iterator = original.apply(this, args);
        counts.opened++;
        const close = iterator._close.bind(iterator);
        iterator._close = (...closeArgs: unknown[]) => {
          counts.closed++;
          return close(...closeArgs);
        };
        return iterator;
      };
    }
  }
  return counts;
}

describe.each([
  ['on disk (classic-level)', true],
  ['in memory (memory-level)', false],
])('dynalite %s', (_name, onDisk) => {
  const counts = countIterators();
  let service: LocalService;
  let client: DynamoDBClient;

  beforeAll(async () => {
    service = await startDynalite(onDisk ? { path: mkdtempSync(join(tmpdir(), 'leveldb-bounds-')) } : {});
    client = createDynamoClient({ endpoint: service.endpoint });
    await client.send(
      new CreateTableCommand({
        TableName: 'items',
        AttributeDefinitions: [
          { AttributeName: 'pk', AttributeType: 'S' },
          { AttributeName: 'sk', AttributeType: 'N' },
        ],
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
    for (let i = 0; i < 30; i++) {
      await client.send(
        new PutItemCommand({ TableName: 'items', Item: { pk: { S: 'a' }, sk: { N: String(i) } } }),
      );
    }
  });

  afterAll(async () => {
    client?.destroy();
    await service?.close();
  });

  it('closes the iterator of every Query and Scan, whole or stopped early by Limit', async () => {
    // Act
    const before = { ...counts };
    const query = (Limit?: number) =>
      client.send(
        new QueryCommand({
          TableName: 'items',
          KeyConditionExpression: 'pk = :a',
          ExpressionAttributeValues: { ':a': { S: 'a' } },
          ...(Limit ? { Limit } : {}),
        }),
      );
    const pages = [];
    for (let i = 0; i < 10; i++) pages.push(await query(5));
    pages.push(await query());
    pages.push(await client.send(new ScanCommand({ TableName: 'items', Limit: 3 })));
    pages.push(await client.send(new ScanCommand({ TableName: 'items' })));
    await new Promise((resolve) => setTimeout(resolve, 100));
    // Assess
    expect(pages.map((p) => p.Count)).toEqual([5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 30, 3, 30]);
    const opened = counts.opened - before.opened;
    expect(opened).toBeGreaterThanOrEqual(13);
    expect(counts.closed - before.closed).toBe(opened);
  });
});

describe('kinesalite on disk (leveldown)', () => {
  it('writes tables of at most the 1 MiB write buffer (level 0) or 512 KiB (compacted)', async () => {
    // Prepare
    const path = mkdtempSync(join(tmpdir(), 'leveldb-bounds-stream-'));
    const service = await startKinesalite({ path });
    const client = createKinesisClient({ endpoint: service.endpoint });
    try {
      await client.send(new CreateStreamCommand({ StreamName: 's', ShardCount: 1 }));
      await waitUntilStreamExists(
        { client, maxWaitTime: 30, minDelay: 0.05, maxDelay: 0.2 },
        { StreamName: 's' },
      );
      // Act: 6 MiB of incompressible records, 100 KB a call.
      for (let call = 0; call < 60; call++) {
        await client.send(
          new PutRecordsCommand({
            StreamName: 's',
            Records: Array.from({ length: 10 }, (_, i) => ({
              Data: randomBytes(10_000),
              PartitionKey: `k${i}`,
            })),
          }),
        );
      }
    } finally {
      client.destroy();
      await service.close();
    }
    // Assess: LevelDB's defaults (4 MiB buffer, 2 MiB tables) would have written one table or none.
    const tables = readdirSync(path)
      .filter((f) => f.endsWith('.ldb'))
      .map((f) => statSync(join(path, f)).size);
    expect(tables.length).toBeGreaterThanOrEqual(3);
    const slack = 200 * 1024; // the last write batch, block and index overhead
    for (const size of tables)
      expect(size).toBeLessThanOrEqual(STREAM_LEVELDB_OPEN_OPTIONS.writeBufferSize + slack);
  });
});
