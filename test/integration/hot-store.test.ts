/**
 * The hot-store repositories against real dynalite: items and TTL as documented in
 * docs/hot-store.md, the index keys that serve the API, conditional state writes, long keys, and
 * batch calls past DynamoDB's per-call limits.
 */
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { batchGetAll, batchWriteAll } from '../../src/adapters/dynamodb/batch-write.js';
import { ComplianceStateRepository } from '../../src/adapters/dynamodb/compliance-state.repository.js';
import { EventStoreRepository } from '../../src/adapters/dynamodb/event-store.repository.js';
import { accountDayKey, dayShardKeys } from '../../src/adapters/dynamodb/keys.js';
import { EVENTS_TABLE, STATE_TABLE, tableName } from '../../src/adapters/dynamodb/table-definitions.js';
import { type ComplianceState, orderOf } from '../../src/domain/compliance-state.js';
import { type ComplianceChange, parseConfigEvent } from '../../src/domain/config-event.js';
import { complianceEvent } from '../helpers/archive-events.js';
import { type LocalDynamo, startLocalDynamo } from '../helpers/local-aws.js';

let dynamo: LocalDynamo;
let events: EventStoreRepository;
let states: ComplianceStateRepository;

beforeAll(async () => {
  dynamo = await startLocalDynamo();
  const prefix = await dynamo.newPrefix();
  events = new EventStoreRepository(dynamo.doc, tableName(prefix, EVENTS_TABLE));
  states = new ComplianceStateRepository(dynamo.doc, tableName(prefix, STATE_TABLE));
});
afterAll(async () => {
  await dynamo?.close();
});

function parsed(spec: Parameters<typeof complianceEvent>[0]): ComplianceChange {
  const outcome = parseConfigEvent(complianceEvent(spec));
  if (outcome.status !== 'accepted') throw new Error(JSON.stringify(outcome));
  return outcome.event as ComplianceChange;
}

function stateOf(event: ComplianceChange): ComplianceState {
  return {
    account: event.account,
    region: event.region,
    ruleName: event.ruleName,
    resourceType: event.resourceType,
    resourceId: event.resourceId,
    status: event.newStatus,
    order: orderOf(event),
    eventId: event.eventId,
    orderingTimestamp: event.orderingTimestamp,
    annotation: event.annotation,
    // As decide() sets it: a state that is NON_COMPLIANT knows since when.
    ...(event.newStatus === 'NON_COMPLIANT' ? { openedAt: event.eventTime } : {}),
  };
}

describe('EventStoreRepository', () => {
  it('stores an event once by id, with TTL = receipt + 90 days in epoch seconds, not its own time', async () => {
    // Prepare
    const event = parsed({
      id: 'ttl-1',
      newStatus: 'NON_COMPLIANT',
      at: '2026-11-20T10:15:20.512Z',
      recordedAt: '2026-11-20T10:15:31.000Z',
    });

    // Act
    const before = Math.floor(Date.now() / 1000);
    const first = await events.markDone([event]);
    const again = await events.markDone([event]);
    const item = await events.get('ttl-1');
    const after = Math.ceil(Date.now() / 1000);

    // Assess
    expect(first.failed.size + again.failed.size).toBe(0);
    const eventTime = Date.parse('2026-11-20T10:15:31.000Z') / 1000;
    expect(item).toMatchObject({
      pk: 'EVT#ttl-1',
      id: 'ttl-1',
      done: true,
      kind: 'compliance-change',
      day: '2026-11-20',
      published_at: eventTime,
      detail_type: 'Config Rules Compliance Change',
      detail: { eventId: 'ttl-1', ruleName: 's3-bucket-versioning-enabled', newStatus: 'NON_COMPLIANT' },
    });
    // An event of 2026-11-20 replayed today must not arrive already expired.
    expect(item?.received_at).toBeGreaterThanOrEqual(before);
    expect(item?.received_at).toBeLessThanOrEqual(after);
    expect(item?.expired_at).toBe((item?.received_at ?? 0) + 90 * 86_400);
    expect(await events.findDone(['ttl-1', 'never-seen'])).toEqual(new Set(['ttl-1']));
  });

  it('serves the API access patterns: one account and day, and a whole day over its shards', async () => {
    // Prepare
    const account = '210987654321';
    const batch = Array.from({ length: 40 }, (_, i) =>
      parsed({
        id: `day-${i}`,
        account,
        newStatus: 'COMPLIANT',
        at: `2026-12-01T10:${String(i).padStart(2, '0')}:00.000Z`,
      }),
    );
    await events.markDone(batch);
    const query = async (index: string, key: string, value: string) =>
      (
        await dynamo.doc.send(
          new QueryCommand({
            TableName: events.tableName,
            IndexName: index,
            KeyConditionExpression: `${key} = :v AND ${key.replace('pk', 'sk')} BETWEEN :a AND :b`,
            ExpressionAttributeValues: { ':v': value, ':a': '2026-12-01T10:10', ':b': '2026-12-01T10:20' },
          }),
        )
      ).Items ?? [];

    // Act
    const byAccount = await query('by-account-day', 'gsi1pk', accountDayKey(account, '2026-12-01'));
    const byDay = (
      await Promise.all(dayShardKeys('2026-12-01').map((shard) => query('by-day', 'gsi2pk', shard)))
    ).flat();

    // Assess
    const ids = (items: Record<string, unknown>[]) => items.map((i) => i.id as string).sort();
    const expected = Array.from({ length: 10 }, (_, i) => `day-${i + 10}`).sort();
    expect(ids(byAccount)).toEqual(expected);
    expect(ids(byDay)).toEqual(expected);
    expect(new Set(byDay.map((i) => i.gsi2pk)).size).toBeGreaterThan(1);
  });

  it('writes and reads more items than one call allows (25 writes, 100 reads)', async () => {
    // Prepare
    const batch = Array.from({ length: 130 }, (_, i) =>
      parsed({ id: `many-${i}`, newStatus: 'COMPLIANT', at: '2026-11-20T10:00:00Z', resourceId: `b-${i}` }),
    );

    // Act
    const { failed } = await events.markDone(batch);
    const done = await events.findDone([...batch.map((e) => e.eventId), 'absent']);

    // Assess
    expect(failed.size).toBe(0);
    expect(done.size).toBe(130);
  });
});

describe('ComplianceStateRepository', () => {
  it('writes a newer state, keeps it against an older one, and rewrites an equal one', async () => {
    // Prepare
    const base = { resourceId: 'cond-bucket' };
    const t1 = stateOf(parsed({ id: 'c1', newStatus: 'NON_COMPLIANT', at: '2026-11-20T10:00:00Z', ...base }));
    const t2 = stateOf(parsed({ id: 'c2', newStatus: 'COMPLIANT', at: '2026-11-20T11:00:00Z', ...base }));

    // Act
    const first = await states.putIfNewer([t2]);
    const older = await states.putIfNewer([t1]);
    const replay = await states.putIfNewer([t2]);

    // Assess
    expect([first.written, older.written, older.superseded, replay.written]).toEqual([1, 0, 1, 1]);
    expect(await states.get(t1)).toEqual(t2);
  });

  it('sets the state TTL to 90 days after the write, even for a rollout evaluation dated a year back', async () => {
    // Prepare
    const state = stateOf(
      parsed({
        id: 'ttl-s',
        newStatus: 'COMPLIANT',
        at: '2025-11-20T10:00:00Z',
        time: '2026-11-20T10:00:05Z',
        resourceId: 'ttl-s',
      }),
    );

    // Act
    await states.putIfNewer([state], new Date('2026-11-21T00:00:00Z'));
    const { Items } = await dynamo.doc.send(
      new QueryCommand({
        TableName: states.tableName,
        KeyConditionExpression: 'pk = :pk AND sk = :sk',
        ExpressionAttributeValues: {
          ':pk': '111122223333#eu-west-1#s3-bucket-versioning-enabled',
          ':sk': 'AWS::S3::Bucket#ttl-s',
        },
      }),
    );

    // Assess
    expect(Items?.[0]).toMatchObject({
      expired_at: Date.parse('2026-11-21T00:00:00Z') / 1000 + 90 * 86_400,
      updated_at: '2026-11-21T00:00:00.000Z',
      rule_name: 's3-bucket-versioning-enabled',
      resource_id: 'ttl-s',
    });
  });

  it('round-trips 768-character multi-byte resource ids and 128-character rule names', async () => {
    // Prepare
    const prefix = '\u20ac'.repeat(700);
    const ids = [`${prefix}${'a'.repeat(68)}`, `${prefix}${'b'.repeat(68)}`, '\u{1F512}'.repeat(384)];
    const ruleName = `r${'\u00e9'.repeat(127)}`;
    const written = ids.map((resourceId, i) =>
      stateOf(
        parsed({
          id: `long-${i}`,
          newStatus: 'NON_COMPLIANT',
          at: '2026-11-20T10:00:00Z',
          resourceId,
          rule: ruleName,
        }),
      ),
    );

    // Act
    const result = await states.putIfNewer(written);
    const read = await states.getMany([...written, { ...written[0]!, resourceId: 'absent' }]);

    // Assess
    expect(result.failed.size).toBe(0);
    expect(result.written).toBe(3);
    expect(read).toEqual([...written, undefined]);
    for (const state of written) expect(await states.get(state)).toEqual(state);
  });
});

describe('ComplianceStateRepository and flapping', () => {
  it("keeps a pair's recent changes and its flapping flag, and reads a state without them as before", async () => {
    // Prepare
    const base = { resourceId: 'flapping-bucket' };
    const plain = stateOf(parsed({ id: 'f1', newStatus: 'COMPLIANT', at: '2026-11-20T10:00:00Z', ...base }));
    const flagged: ComplianceState = {
      ...stateOf(parsed({ id: 'f2', newStatus: 'NON_COMPLIANT', at: '2026-11-20T12:00:00Z', ...base })),
      flapping: {
        changes: ['2026-11-20T08:00:01.000Z', '2026-11-20T09:00:01.000Z', '2026-11-20T12:00:01.000Z'],
        flagged: { eventId: 'f2', changes: 5 },
      },
    };
    const cleared: ComplianceState = {
      ...stateOf(parsed({ id: 'f3', newStatus: 'COMPLIANT', at: '2026-11-22T12:00:00Z', ...base })),
      flapping: { changes: ['2026-11-22T12:00:01.000Z'] },
    };

    // Act / Assess
    await states.putIfNewer([plain]);
    expect(await states.get(plain)).toEqual(plain);
    await states.putIfNewer([flagged]);
    expect(await states.get(plain)).toEqual(flagged);
    await states.putIfNewer([cleared]);
    expect(await states.get(plain)).toEqual(cleared);
    expect((await states.getMany([plain]))[0]).toEqual(cleared);
  });
});

describe('ComplianceStateRepository with hostile resource types and ids', () => {
  it('keeps two resources whose type and id share their text apart (a violation is never judged stale)', async () => {
    // Before: `A#B` + `C` and `A` + `B#C` were one state key, so the newer evaluation of one made
    // the other's violation look older than the state and it was never alerted.
    const one = {
      ...stateOf(
        parsed({ id: 'h1', newStatus: 'NON_COMPLIANT', at: '2026-11-20T10:00:00Z', resourceId: 'C' }),
      ),
      resourceType: 'A#B',
    };
    const other = {
      ...stateOf(parsed({ id: 'h2', newStatus: 'COMPLIANT', at: '2026-11-20T11:00:00Z', resourceId: 'B#C' })),
      resourceType: 'A',
    };

    const result = await states.putIfNewer([other, one]);

    expect(result.written).toBe(2);
    expect(await states.getMany([one, other])).toEqual([one, other]);
  });
});

describe('batch helpers against dynalite', () => {
  it('reads back exactly what was written, projected to the asked attributes', async () => {
    // Prepare
    const items = Array.from({ length: 60 }, (_, i) => ({ pk: `raw-${i}`, n: i, extra: 'x' }));

    // Act
    const { unprocessed } = await batchWriteAll(
      dynamo.doc,
      events.tableName,
      items.map((Item) => ({ PutRequest: { Item } })),
    );
    const read = await batchGetAll(
      dynamo.doc,
      events.tableName,
      items.map(({ pk }) => ({ pk })),
      { attributes: ['pk', 'n'], consistentRead: true },
    );

    // Assess
    expect(unprocessed).toEqual([]);
    expect(read.sort((a, b) => Number(a.n) - Number(b.n))).toEqual(items.map(({ pk, n }) => ({ pk, n })));
  });
});
