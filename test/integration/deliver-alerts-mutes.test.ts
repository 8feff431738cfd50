/**
 * Muting at delivery, on dynalite and a local Slack webhook: a muted violation is decided and
 * queued as usual, held back when delivered (recorded as delivered-as-muted, counted, never posted);
 * when the mute ends on a pair still non-compliant the pair alerts again, once; a resolution after
 * the end is posted as usual.
 */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AlertOutboxRepository } from '../../src/adapters/dynamodb/alert-outbox.repository.js';
import { ComplianceStateRepository } from '../../src/adapters/dynamodb/compliance-state.repository.js';
import { MuteRepository } from '../../src/adapters/dynamodb/mute.repository.js';
import { HotStateOpenPairs } from '../../src/adapters/dynamodb/open-pairs.js';
import {
  MUTES_TABLE,
  OUTBOX_TABLE,
  STATE_TABLE,
  tableName,
} from '../../src/adapters/dynamodb/table-definitions.js';
import { allTexts } from '../../src/adapters/slack/block-kit.js';
import { createSlackMessageRenderer } from '../../src/adapters/slack/slack-messages.js';
import { createSlackWebhookClient } from '../../src/adapters/slack/slack-webhook.client.js';
import { type Alert, type ComplianceState, orderOf } from '../../src/domain/compliance-state.js';
import type { ComplianceType } from '../../src/domain/config-event.js';
import type { RawMuteRequest } from '../../src/domain/mute.js';
import type { SlackMessage } from '../../src/ports/message-sink.js';
import type { OpenPairSource } from '../../src/ports/mutes.js';
import { createNotifier } from '../../src/use-cases/deliver-alerts.js';
import { addMute, createDeliveryMutes, removeMute } from '../../src/use-cases/mutes.js';
import { makeAlert } from '../helpers/alerts.js';
import { type LocalDynamo, startLocalDynamo } from '../helpers/local-aws.js';
import { reply, type SlackServer, startSlackServer } from '../helpers/slack-server.js';

const START = Date.parse('2024-05-01T10:00:00.000Z');
const HOUR = 3_600_000;
const ACCOUNT = '123456789012';

let dynamo: LocalDynamo;
let slack: SlackServer;

beforeAll(async () => {
  [dynamo, slack] = await Promise.all([startLocalDynamo(), startSlackServer()]);
});
afterAll(async () => {
  await Promise.all([dynamo?.close(), slack?.close()]);
});
beforeEach(() => {
  slack.requests.length = 0;
  slack.setDefault(reply.ok);
});

async function setup(options: { open?: (real: OpenPairSource) => OpenPairSource } = {}) {
  const prefix = await dynamo.newPrefix();
  const time = { now: START };
  const clock = () => new Date(time.now);
  const outbox = new AlertOutboxRepository(dynamo.doc, tableName(prefix, OUTBOX_TABLE));
  const mutes = new MuteRepository(dynamo.doc, tableName(prefix, MUTES_TABLE));
  const states = new ComplianceStateRepository(dynamo.doc, tableName(prefix, STATE_TABLE));
  const notifier = createNotifier({
    renderer: createSlackMessageRenderer(),
    outbox,
    sink: createSlackWebhookClient({
      url: slack.url,
      timeoutMs: 1000,
      maxAttempts: 1,
      sleep: async () => {},
    }),
    clock,
    sleep: async (ms) => {
      time.now += ms;
    },
    minIntervalMs: 0,
    timeBudgetMs: 60_000,
    mutes: createDeliveryMutes({
      store: mutes,
      open: (options.open ?? ((real) => real))(new HotStateOpenPairs(dynamo.doc, states.tableName, clock)),
      outbox,
    }),
  });
  /** What the consumer does for an alert: the state moves, the alert is queued. */
  const decide = async (alert: Alert, status: ComplianceType = alert.newStatus) => {
    await states.putIfNewer([stateOf(alert, status, time.now)], clock());
    await outbox.enqueue([alert], clock());
  };
  const mute = (raw: Partial<RawMuteRequest> = {}) =>
    addMute(
      mutes,
      {
        account: ACCOUNT,
        untilMs: time.now + 24 * HOUR,
        reason: 'accepted until the migration <!channel> & co',
        ...raw,
      },
      'local:alice',
      clock(),
    );
  return { time, clock, outbox, mutes, states, notifier, decide, mute };
}

let order = 0;
function stateOf(alert: Alert, status: ComplianceType, at: number): ComplianceState {
  order += 1;
  const orderingTimestamp = new Date(at + order).toISOString();
  return {
    account: alert.account,
    region: alert.region,
    ruleName: alert.ruleName,
    resourceType: alert.resourceType,
    resourceId: alert.resourceId,
    status,
    order: orderOf({ orderingTimestamp, recordedTime: orderingTimestamp, eventId: alert.eventId }),
    eventId: alert.eventId,
    orderingTimestamp,
    annotation: alert.annotation,
    ...(status === 'NON_COMPLIANT' ? { openedAt: alert.eventTime } : {}),
  };
}

const posted = (): SlackMessage[] => slack.delivered().map((body) => JSON.parse(body) as SlackMessage);
const textOf = (message: SlackMessage) => allTexts(message).join('\n');

describe('muting at delivery', () => {
  it('holds back a muted violation (recorded as delivered-as-muted, counted) and posts the others', async () => {
    // Prepare: the violation is queued first, the mute added after it (before the drain).
    const { notifier, decide, mute, outbox } = await setup();
    const muted = makeAlert({
      account: ACCOUNT,
      ruleName: 's3-bucket-versioning-enabled-conformance-pack-a1',
    });
    const other = makeAlert({ account: '210987654321' });
    await decide(muted);
    await decide(other);
    const m = await mute({ rule: 's3-bucket-versioning-enabled' });

    // Act
    const first = await notifier.drain();
    const second = await notifier.drain();

    // Assess
    expect(first).toMatchObject({ messages: 1, violations: 1, muted: 1, realerts: 0, pending: 0 });
    expect(second).toMatchObject({ messages: 0, muted: 0, pending: 0 });
    expect(posted().map(textOf).join('\n')).toContain(other.eventId);
    expect(posted().map(textOf).join('\n')).not.toContain(muted.eventId);
    const item = await dynamo.doc.send(
      new GetCommand({ TableName: outbox.tableName, Key: { pk: `ALERT#${muted.eventId}` } }),
    );
    expect(item.Item).toMatchObject({ muted_by: m.id, message_ref: `muted:${m.id}`, kind: 'violation' });
    expect(item.Item?.delivered_at).toBeDefined();
    expect(item.Item?.pending_pk).toBeUndefined();
  });

  it('when the mute expires on a pair still non-compliant it alerts again, once; its resolution after that is posted', async () => {
    // Prepare
    const { notifier, decide, mute, mutes, time } = await setup();
    const m = await mute({ region: 'eu-west-1' });
    const violation = makeAlert({ account: ACCOUNT });
    await decide(violation);
    expect(await notifier.drain()).toMatchObject({ messages: 0, muted: 1 });

    // Act: the mute expires; three drains.
    time.now = Date.parse(m.until) + 1;
    const atEnd = await notifier.drain();
    const again = await notifier.drain();
    const resolution = makeAlert({
      ...violation,
      kind: 'resolution',
      eventId: 'evt-resolved-after',
      newStatus: 'COMPLIANT',
      oldStatus: 'NON_COMPLIANT',
    });
    await decide(resolution);
    const resolved = await notifier.drain();

    // Assess
    expect(atEnd).toMatchObject({ messages: 1, violations: 1, realerts: 1, muted: 0 });
    expect(again).toMatchObject({ messages: 0, realerts: 0 });
    expect(resolved).toMatchObject({ messages: 1, resolutions: 1, muted: 0 });
    const [realert, resolutionMessage] = posted().map(textOf);
    expect(posted()).toHaveLength(2);
    expect(realert).toContain(violation.resourceId);
    expect(realert).toContain(`Still non-compliant after mute \`${m.id}\` expired at ${m.until}`);
    // The reason is untrusted text: escaped, no mention.
    expect(realert).toContain('accepted until the migration &lt;!channel&gt; &amp; co');
    expect(realert).not.toContain('<!channel>');
    expect(resolutionMessage).toContain(resolution.eventId);
    expect((await mutes.get(m.id))?.endHandledAt).not.toBeNull();
    const [expiry] = await mutes.audit({ muteId: m.id });
    expect(expiry).toMatchObject({
      action: 'expire',
      actor: 'config-monitor',
      reason: '1 pair still non-compliant alerted again',
    });
  });

  it('a pair resolved while muted does not alert at the end (its resolution was held back too)', async () => {
    // Prepare
    const { notifier, decide, mute, time } = await setup();
    const m = await mute();
    const violation = makeAlert({ account: ACCOUNT });
    await decide(violation);
    await decide(
      makeAlert({
        ...violation,
        kind: 'resolution',
        eventId: 'evt-fixed',
        newStatus: 'COMPLIANT',
        oldStatus: 'NON_COMPLIANT',
      }),
    );

    // Act
    const during = await notifier.drain();
    time.now = Date.parse(m.until);
    const atEnd = await notifier.drain();

    // Assess
    expect(during).toMatchObject({ messages: 0, muted: 2 });
    expect(atEnd).toMatchObject({ messages: 0, realerts: 0 });
    expect(posted()).toEqual([]);
  });

  it('a violation posted before the mute alerts again at its end; one that aged out of the hot state is re-posted from what the mute held', async () => {
    // Prepare: `before` was posted, then muted; `aged` was held back and its state is gone.
    const { notifier, decide, mute, outbox, time } = await setup();
    const before = makeAlert({ account: ACCOUNT, resourceId: 'bucket-before' });
    await decide(before);
    expect(await notifier.drain()).toMatchObject({ messages: 1 });
    const m = await mute();
    const aged = makeAlert({ account: ACCOUNT, resourceId: 'bucket-aged' });
    await outbox.enqueue([aged], new Date(time.now)); // no state written: as after the 90-day TTL
    expect(await notifier.drain()).toMatchObject({ messages: 0, muted: 1 });
    slack.requests.length = 0;

    // Act
    time.now = Date.parse(m.until) + HOUR;
    const atEnd = await notifier.drain();

    // Assess
    expect(atEnd).toMatchObject({ messages: 2, violations: 2, realerts: 2 });
    const texts = posted().map(textOf).join('\n');
    expect(texts).toContain('bucket-before');
    expect(texts).toContain('bucket-aged');
  });

  it('a removed mute lets the next violation through and alerts its pairs still open again', async () => {
    // Prepare
    const { notifier, decide, mute, mutes, time } = await setup();
    const m = await mute({ resource: 'bucket-x' });
    await decide(makeAlert({ account: ACCOUNT, resourceId: 'bucket-x' }));
    expect(await notifier.drain()).toMatchObject({ muted: 1, messages: 0 });

    // Act
    time.now += HOUR;
    await removeMute(mutes, m.id, 'local:bob', 'fixed elsewhere', new Date(time.now));
    const next = makeAlert({ account: ACCOUNT, resourceId: 'bucket-x', eventId: 'evt-next' });
    await decide(next);
    const after = await notifier.drain();

    // Assess: the end's re-alert of the pair and the new violation both go out.
    expect(after).toMatchObject({ muted: 0, realerts: 1, violations: 2 });
    const texts = posted().map(textOf).join('\n');
    expect(texts).toContain('evt-next');
    expect(texts).toContain(`Still non-compliant after mute \`${m.id}\` removed`);
  });

  it('an end that fails (the state unreadable) does not stop delivery and is retried by the next drain', async () => {
    // Prepare
    let failures = 1;
    const { notifier, decide, mute, time } = await setup({
      open: (real) => ({
        openPairs: (account, region) => {
          if (failures-- > 0) return Promise.reject(new Error('ProvisionedThroughputExceededException'));
          return real.openPairs(account, region);
        },
        statusOf: (keys) => real.statusOf(keys),
      }),
    });
    const m = await mute({ untilMs: time.now + HOUR });
    await decide(makeAlert({ account: ACCOUNT, resourceId: 'bucket-open' }));
    expect(await notifier.drain()).toMatchObject({ muted: 1 });
    time.now = Date.parse(m.until);
    await decide(makeAlert({ account: '210987654321', eventId: 'evt-unrelated' }));

    // Act
    const failing = await notifier.drain();
    const retried = await notifier.drain();

    // Assess
    expect(failing).toMatchObject({ messages: 1, realerts: 0 });
    expect(retried).toMatchObject({ messages: 1, realerts: 1 });
    const texts = posted().map(textOf);
    expect(texts[0]).toContain('evt-unrelated');
    expect(texts[1]).toContain('bucket-open');
  });

  it('a re-alert of a pair another mute still covers is held back by that one', async () => {
    // Prepare
    const { notifier, decide, mute, time } = await setup();
    const short = await mute({ untilMs: time.now + HOUR });
    const long = await mute({ region: 'eu-west-1', untilMs: time.now + 48 * HOUR });
    await decide(makeAlert({ account: ACCOUNT }));
    expect(await notifier.drain()).toMatchObject({ muted: 1 });

    // Act
    time.now = Date.parse(short.until);
    const afterShort = await notifier.drain();
    time.now = Date.parse(long.until);
    const afterLong = await notifier.drain();

    // Assess
    expect(afterShort).toMatchObject({ realerts: 1, muted: 1, messages: 0 });
    expect(afterLong).toMatchObject({ realerts: 1, muted: 0, messages: 1 });
    expect(posted().map(textOf).join('\n')).toContain(long.id);
  });
});
