/**
 * The mute store on dynalite: mutes, the audit log (who, when, why, append-only), removal, the
 * end marker, and what mutes held back; through the use cases that validate requests.
 */
import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MUTE_KEEP_DAYS, MuteRepository } from '../../src/adapters/dynamodb/mute.repository.js';
import { MUTES_TABLE, tableName } from '../../src/adapters/dynamodb/table-definitions.js';
import { InvalidMuteError } from '../../src/domain/mute.js';
import { MuteEndedError, MuteNotFoundError } from '../../src/ports/mutes.js';
import { addMute, listMutes, removeMute } from '../../src/use-cases/mutes.js';
import { makeAlert } from '../helpers/alerts.js';
import { type LocalDynamo, startLocalDynamo } from '../helpers/local-aws.js';

const NOW = new Date('2024-05-01T12:00:00.000Z');
const DAY = 86_400_000;
const ALICE = 'arn:aws:sts::123456789012:assumed-role/Admin/alice';

let dynamo: LocalDynamo;

beforeAll(async () => {
  dynamo = await startLocalDynamo();
});

afterAll(async () => {
  await dynamo?.close();
});

async function newStore(): Promise<{ store: MuteRepository; table: string }> {
  const table = tableName(await dynamo.newPrefix(), MUTES_TABLE);
  return { store: new MuteRepository(dynamo.doc, table), table };
}

const request = {
  account: '123456789012',
  region: 'eu-west-1',
  rule: 's3-bucket-versioning-enabled',
  untilMs: NOW.getTime() + 10 * DAY,
  reason: 'legacy bucket, replaced in June <!channel>',
};

describe('MuteRepository', () => {
  it('stores a mute with its expiry as TTL (plus the days kept after it) and an audit entry', async () => {
    // Prepare
    const { store, table } = await newStore();

    // Act
    const mute = await addMute(store, request, ALICE, NOW);

    // Assess
    expect(await store.get(mute.id)).toEqual(mute);
    expect(mute).toMatchObject({
      account: '123456789012',
      region: 'eu-west-1',
      rule: 's3-bucket-versioning-enabled',
      resource: null,
      until: '2024-05-11T12:00:00.000Z',
      createdAt: NOW.toISOString(),
      createdBy: ALICE,
      removedAt: null,
      endHandledAt: null,
    });
    const item = await dynamo.doc.send(
      new GetCommand({ TableName: table, Key: { pk: 'MUTE', sk: mute.id } }),
    );
    expect(item.Item?.expired_at).toBe(Date.parse(mute.until) / 1000 + MUTE_KEEP_DAYS * 86_400);
    expect(await store.audit()).toEqual([
      {
        at: NOW.toISOString(),
        muteId: mute.id,
        action: 'add',
        actor: ALICE,
        reason: request.reason,
        mute,
        applied: true,
      },
    ]);
  });

  it('refuses a mute without an expiry or a reason, and stores nothing', async () => {
    // Prepare
    const { store } = await newStore();

    // Act / Assess
    await expect(addMute(store, { ...request, untilMs: undefined }, ALICE, NOW)).rejects.toMatchObject({
      name: 'InvalidMuteError',
      field: 'until',
    });
    await expect(addMute(store, { ...request, reason: ' ' }, ALICE, NOW)).rejects.toBeInstanceOf(
      InvalidMuteError,
    );
    expect(await store.list()).toEqual([]);
    expect(await store.audit()).toEqual([]);
  });

  it('removes a mute in force, once, recording who and why; lists in force or all', async () => {
    // Prepare
    const { store } = await newStore();
    const kept = await addMute(store, { ...request, region: null }, ALICE, NOW);
    const mute = await addMute(store, request, ALICE, new Date(NOW.getTime() + 1));
    const later = new Date(NOW.getTime() + DAY);

    // Act
    const removed = await removeMute(store, mute.id, 'local:bob', '  fixed  ', later);

    // Assess
    expect(removed).toMatchObject({
      removedAt: later.toISOString(),
      removedBy: 'local:bob',
      removalReason: 'fixed',
    });
    expect(await store.get(mute.id)).toEqual(removed);
    expect((await listMutes(store, { now: later })).map((m) => m.id)).toEqual([kept.id]);
    expect((await listMutes(store, { all: true, now: later })).map((m) => m.id)).toEqual([kept.id, mute.id]);
    await expect(removeMute(store, mute.id, 'local:bob', null, later)).rejects.toBeInstanceOf(MuteEndedError);
    await expect(removeMute(store, 'm-000000000000', 'local:bob', null, later)).rejects.toBeInstanceOf(
      MuteNotFoundError,
    );
    await expect(removeMute(store, 'not-an-id', 'local:bob', null, later)).rejects.toMatchObject({
      field: 'id',
    });
    const audit = await store.audit();
    expect(audit.map((e) => [e.action, e.actor, e.reason, e.applied])).toEqual([
      ['remove', 'local:bob', 'fixed', true],
      ['add', ALICE, request.reason, true],
      ['add', ALICE, request.reason, true],
    ]);
    expect((await store.audit({ muteId: mute.id })).map((e) => e.action)).toEqual(['remove', 'add']);
  });

  it('cannot remove an expired mute', async () => {
    const { store } = await newStore();
    const mute = await addMute(store, request, ALICE, NOW);
    await expect(
      removeMute(store, mute.id, ALICE, null, new Date(Date.parse(mute.until))),
    ).rejects.toBeInstanceOf(MuteEndedError);
  });

  it('marks an end handled once, with an expiry entry by config-monitor', async () => {
    // Prepare
    const { store } = await newStore();
    const mute = await addMute(store, request, ALICE, NOW);
    const after = new Date(Date.parse(mute.until) + 60_000);

    // Act
    const first = await store.markEndHandled(mute, '2 pairs still non-compliant alerted again', after);
    const second = await store.markEndHandled(mute, 'again', after);

    // Assess
    expect([first, second]).toEqual([true, false]);
    expect((await store.get(mute.id))?.endHandledAt).toBe(after.toISOString());
    const [expiry] = await store.audit();
    expect(expiry).toMatchObject({
      action: 'expire',
      actor: 'config-monitor',
      at: mute.until,
      reason: '2 pairs still non-compliant alerted again',
      applied: true,
    });
  });

  it('keeps the last held alert per pair, and the last violation for its end', async () => {
    // Prepare
    const { store, table } = await newStore();
    const mute = await addMute(store, request, ALICE, NOW);
    const violation = makeAlert({ resourceId: 'bucket-a' });
    const other = makeAlert({ resourceId: 'bucket-b' });
    const resolution = makeAlert({ kind: 'resolution', resourceId: 'bucket-b' });

    // Act
    await store.recordHeld(
      [
        { mute, alert: violation },
        { mute, alert: other },
      ],
      NOW,
    );
    await store.recordHeld([{ mute, alert: resolution }], NOW);

    // Assess
    const held = (await store.held(mute.id)).sort((a, b) => a.resourceId.localeCompare(b.resourceId));
    expect(held.map((h) => [h.resourceId, h.kind, h.violation?.eventId ?? null])).toEqual([
      ['bucket-a', 'violation', violation.eventId],
      ['bucket-b', 'resolution', null],
    ]);
    const raw = await dynamo.doc.send(
      new QueryCommand({
        TableName: table,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': `HELD#${mute.id}` },
      }),
    );
    for (const item of raw.Items ?? [])
      expect(item.expired_at).toBe(Date.parse(mute.until) / 1000 + MUTE_KEEP_DAYS * 86_400);
  });
});
