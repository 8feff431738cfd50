/**
 * `GET /coverage` through `createApiApp` on real dynalite: the `SYNC#latest` item that the
 * reconciler saves with `SyncStatusRepository`, read back by the same repository the Lambda and
 * the local server use. Each test has its own table prefix.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SyncStatusRepository } from '../../src/adapters/dynamodb/sync-status.repository.js';
import { EVENTS_TABLE, tableName } from '../../src/adapters/dynamodb/table-definitions.js';
import { createApiApp } from '../../src/api/app.js';
import { FakeQueryEngine } from '../helpers/fake-query-engine.js';
import { type LocalDynamo, startLocalDynamo } from '../helpers/local-aws.js';
import { syncStatus, unhealthySource } from '../helpers/sync-status.js';

let dynamo: LocalDynamo;

beforeAll(async () => {
  dynamo = await startLocalDynamo();
});

afterAll(async () => {
  await dynamo?.close();
});

async function setup() {
  const table = tableName(await dynamo.newPrefix(), EVENTS_TABLE);
  const repository = new SyncStatusRepository(dynamo.doc, table);
  const app = createApiApp({
    events: { page: async () => ({ items: [], last: null }) },
    syncStatus: repository,
    queryEngine: new FakeQueryEngine(),
    logger: { info: () => {}, error: () => {} },
  });
  const get = async (path: string) => {
    const res = await app.request(path);
    return { status: res.status, body: (await res.json()) as any };
  };
  return { repository, get };
}

describe('GET /coverage on dynalite', () => {
  it('answers the hint on an events table without a sync item', async () => {
    // Prepare
    const { get } = await setup();
    // Act
    const res = await get('/coverage');
    // Assess
    expect(res.status).toBe(200);
    expect(res.body.last_sync).toBeNull();
    expect(res.body.hint).toBe('no sync yet: run config-monitor sync --aggregator NAME');
  });

  it('reads the last saved sync, and a newer sync replaces it', async () => {
    // Prepare
    const { repository, get } = await setup();
    await repository.save(syncStatus());
    const first = await get('/coverage');
    // Act
    await repository.save(
      syncStatus({
        syncId: 'sync-2',
        syncTime: '2024-03-11T06:00:00.000Z',
        sources: { ok: 11, failed: 1 },
        coverage: {
          unhealthySources: [unhealthySource({ error: '<!channel> *bold* <https://evil.example|x>' })],
          withoutRules: [],
        },
      }),
    );
    const second = await get('/coverage');
    // Assess
    expect(first.body.last_sync).toBe('2024-03-10T06:00:00.000Z');
    expect(first.body.summary).toEqual([
      '2 aggregator sources failed or are outdated',
      '2 accounts in 2 regions report no rules',
    ]);
    expect(second.body).toMatchObject({
      last_sync: '2024-03-11T06:00:00.000Z',
      sources: { ok: 11, failed: 1 },
      without_rules: [],
      summary: ['1 aggregator source failed or is outdated'],
      hint: null,
    });
    // Data, not markup: the API returns the error as it was reported; each reader escapes it.
    expect(second.body.unhealthy_sources[0].error).toBe('<!channel> *bold* <https://evil.example|x>');
  });
});
