import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AlertOutboxRepository } from '../../src/adapters/dynamodb/alert-outbox.repository.js';
import { OUTBOX_TABLE, tableName } from '../../src/adapters/dynamodb/table-definitions.js';
import { allTexts } from '../../src/adapters/slack/block-kit.js';
import { createSlackMessageRenderer } from '../../src/adapters/slack/slack-messages.js';
import { createSlackWebhookClient } from '../../src/adapters/slack/slack-webhook.client.js';
import { createNotifier } from '../../src/use-cases/deliver-alerts.js';
import { makeAlert } from '../helpers/alerts.js';
import { type LocalDynamo, startLocalDynamo } from '../helpers/local-aws.js';
import { type SlackServer, startSlackServer } from '../helpers/slack-server.js';

let dynamo: LocalDynamo;
let slack: SlackServer;

beforeAll(async () => {
  [dynamo, slack] = await Promise.all([startLocalDynamo(), startSlackServer()]);
});
afterAll(async () => {
  await Promise.all([dynamo?.close(), slack?.close()]);
});

/** Two notifiers, as two Lambda instances would be: separate processes' state, one outbox table. */
async function setup() {
  slack.requests.length = 0;
  const table = tableName(await dynamo.newPrefix(), OUTBOX_TABLE);
  const instance = () => {
    const outbox = new AlertOutboxRepository(dynamo.doc, table);
    return createNotifier({
      renderer: createSlackMessageRenderer(),
      outbox,
      lease: outbox,
      sink: createSlackWebhookClient({ url: slack.url, timeoutMs: 1000, maxAttempts: 1 }),
      minIntervalMs: 20,
      timeBudgetMs: 30_000,
    });
  };
  return { table, outbox: new AlertOutboxRepository(dynamo.doc, table), a: instance(), b: instance() };
}

function deliveriesOf(ids: readonly string[]): number[] {
  const texts = slack.delivered().map((body) => allTexts(JSON.parse(body)).join('\n'));
  return ids.map((id) => texts.filter((t) => t.includes(`\`${id}\``)).length);
}

describe('drain lease on the alert outbox (no reserved concurrency)', () => {
  it('lets only one of two concurrent drains deliver, and posts each alert once', async () => {
    // Prepare
    const { a, b, outbox, table } = await setup();
    const alerts = [makeAlert(), makeAlert({ kind: 'resolution' }), makeAlert()];
    await outbox.enqueue(alerts);

    // Act
    const [ra, rb] = await Promise.all([a.drain({ holder: 'a' }), b.drain({ holder: 'b' })]);

    // Assert
    const delivering = [ra, rb].filter((r) => r.messages > 0);
    const refused = [ra, rb].filter((r) => r.leaseHeldBy);
    expect(delivering).toHaveLength(1);
    expect(refused).toHaveLength(1);
    expect(delivering[0]?.messages).toBe(3);
    expect(refused[0]?.messages).toBe(0);
    expect(refused[0]?.leaseHeldBy?.holder).toMatch(/^[ab]#/);
    expect(deliveriesOf(alerts.map((x) => x.eventId))).toEqual([1, 1, 1]);
    expect(slack.delivered()).toHaveLength(3);
    // Released at the end: the next drain takes it (and finds nothing to send).
    const lease = await dynamo.doc.send(new GetCommand({ TableName: table, Key: { pk: 'LEASE#default' } }));
    expect(lease.Item?.lease_owner).toBeUndefined();
    expect((await b.drain({ holder: 'b' })).leaseHeldBy).toBeUndefined();
  });

  it('leaves the alerts pending while another drain holds the lease, and takes over an expired one', async () => {
    // Prepare: a drain that crashed holding the lease (never released)
    const { a, outbox } = await setup();
    const alerts = [makeAlert(), makeAlert()];
    await outbox.enqueue(alerts);
    const now = new Date();
    const held = await outbox.acquireDrainLease('crashed#1', new Date(now.getTime() + 60_000), now);
    expect(held.acquired).toBe(true);

    // Act: while the lease is live
    const blocked = await a.drain({ holder: 'a' });

    // Assert
    expect(blocked).toMatchObject({ messages: 0, pending: 2, leaseHeldBy: { holder: 'crashed#1' } });
    expect(slack.delivered()).toHaveLength(0);

    // Act: the crashed holder's lease has expired
    const later = new Date(now.getTime() + 61_000);
    const takeover = await outbox.acquireDrainLease('next#2', new Date(later.getTime() + 60_000), later);
    expect(takeover.acquired).toBe(true);
    expect(await outbox.renewDrainLease('crashed#1', new Date(later.getTime() + 60_000), later)).toBe(false);
    await outbox.releaseDrainLease('crashed#1', later); // a stale holder never frees a successor's lease
    const refused = await outbox.acquireDrainLease('other#3', new Date(later.getTime() + 60_000), later);
    expect(refused).toEqual({ acquired: false, holder: 'next#2', until: expect.any(String) });
    await outbox.releaseDrainLease('next#2', later);

    // Expired in real time: a drain takes an expired lease over and delivers
    const past = new Date(Date.now() - 120_000);
    await outbox.acquireDrainLease('crashed#4', new Date(past.getTime() + 60_000), past);
    const delivered = await a.drain({ holder: 'a' });
    expect(delivered.leaseHeldBy).toBeUndefined();
    expect(delivered.messages).toBe(2);
    expect(deliveriesOf(alerts.map((x) => x.eventId))).toEqual([1, 1]);
  });
});
