/**
 * Bot mode end to end (issue 11, item 4): the real notifier, the real outbox and thread store on
 * dynalite, the real bot client and renderer, against the local Web API stand-in
 * (test/helpers/slack-api-server.ts, which keeps each channel's messages, threads and edits). What a
 * person in the channel sees is read back from the stand-in.
 */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AlertOutboxRepository } from '../../src/adapters/dynamodb/alert-outbox.repository.js';
import { AlertThreadRepository } from '../../src/adapters/dynamodb/alert-thread.repository.js';
import { threadPk } from '../../src/adapters/dynamodb/keys.js';
import { OUTBOX_TABLE, tableName } from '../../src/adapters/dynamodb/table-definitions.js';
import { allTexts } from '../../src/adapters/slack/block-kit.js';
import { createSlackBotClient } from '../../src/adapters/slack/slack-bot.client.js';
import { createSlackMessageRenderer } from '../../src/adapters/slack/slack-messages.js';
import type { Alert } from '../../src/domain/compliance-state.js';
import type { SlackMessage } from '../../src/ports/message-sink.js';
import {
  type AlertThreadStore,
  createNotifier,
  type DeliveryLogger,
} from '../../src/use-cases/deliver-alerts.js';
import { HOSTILE, makeAlert } from '../helpers/alerts.js';
import { type LocalDynamo, startLocalDynamo } from '../helpers/local-aws.js';
import {
  type ApiMessage,
  apiReply,
  type SlackApiServer,
  startSlackApiServer,
} from '../helpers/slack-api-server.js';

const CHANNEL = 'C0ALERTS01';
const START = Date.parse('2024-05-01T10:00:00.000Z');

let dynamo: LocalDynamo;
let slack: SlackApiServer;

beforeAll(async () => {
  dynamo = await startLocalDynamo();
});
afterAll(async () => {
  await dynamo?.close();
});
beforeEach(async () => {
  await slack?.close();
  slack = await startSlackApiServer({ channels: [CHANNEL] });
});
afterAll(async () => {
  await slack?.close();
});

async function setup(
  options: { channel?: string; threads?: (real: AlertThreadStore) => AlertThreadStore } = {},
) {
  const prefix = await dynamo.newPrefix();
  const table = tableName(prefix, OUTBOX_TABLE);
  const outbox = new AlertOutboxRepository(dynamo.doc, table);
  const realThreads = new AlertThreadRepository(dynamo.doc, table);
  const threads = options.threads ? options.threads(realThreads) : realThreads;
  const time = { now: START };
  const logs: string[] = [];
  const log =
    (level: string) =>
    (message: string, ...extra: Record<string, unknown>[]) =>
      logs.push(`${level} ${message} ${JSON.stringify(extra)}`);
  const logger: DeliveryLogger = { info: log('info'), warn: log('warn'), error: log('error') };
  const channel = options.channel ?? CHANNEL;
  const bot = createSlackBotClient({
    token: slack.token,
    channel,
    apiUrl: slack.apiUrl,
    timeoutMs: 500,
    maxAttempts: 2,
    sleep: async () => {},
    logger,
  });
  const notifier = createNotifier({
    renderer: createSlackMessageRenderer(),
    outbox,
    destinations: { default: { sink: bot, channel, minIntervalMs: 1000 } },
    threads,
    clock: () => new Date(time.now),
    sleep: async (ms) => {
      time.now += ms;
    },
    timeBudgetMs: 10 * 60_000,
    logger,
  });
  /** Queues alerts now; later drains see them after any storm window has passed. */
  const enqueue = async (alerts: Alert[]) => {
    time.now += 5 * 60_000;
    await outbox.enqueue(alerts, new Date(time.now));
  };
  return { outbox, threads: realThreads, table, notifier, time, logs, enqueue };
}

const text = (m: Pick<ApiMessage, 'blocks' | 'text'>) => allTexts(m as unknown as SlackMessage).join('\n');
const top = () => slack.messages(CHANNEL);
const repliesTo = (ts: string) => slack.replies(CHANNEL, ts);
const calls = (method: string) => slack.requests.filter((r) => r.method === method);

/** A pair's violation and, 3 h 12 min later, its resolution. */
function pair(resourceId = 'orders-exports', suffix = '1'): { violation: Alert; resolution: Alert } {
  return {
    violation: makeAlert({
      eventId: `v${suffix}-${resourceId}`,
      resourceId,
      eventTime: '2024-05-01T10:00:12.000Z',
    }),
    resolution: makeAlert({
      kind: 'resolution',
      eventId: `r${suffix}-${resourceId}`,
      resourceId,
      eventTime: '2024-05-01T13:12:12.000Z',
      orderingTimestamp: '2024-05-01T13:12:00.000Z',
      openedAt: '2024-05-01T10:00:12.000Z',
    }),
  };
}

describe('bot mode: the lifecycle of a violation in one Slack thread', () => {
  it('a violation then its resolution: the same ts is updated ("Resolved after 3 h 12 min") and the resolution replies in its thread', async () => {
    // Prepare
    const { notifier, enqueue, threads, table, time } = await setup();
    const { violation, resolution } = pair();

    // Act
    await enqueue([violation]);
    const first = await notifier.drain();
    const kept = await threads.getMany([violation], new Date(time.now));
    await enqueue([resolution]);
    const second = await notifier.drain();

    // Assess: one top-level message, rewritten once, with the resolution in its thread
    expect(first).toMatchObject({ messages: 1, violations: 1, pending: 0 });
    expect(second).toMatchObject({ messages: 1, resolutions: 1, pending: 0, threadUpdates: 1 });
    const [original] = top();
    expect(top()).toHaveLength(1);
    expect(kept.get([...kept.keys()][0] as string)).toMatchObject({ channel: CHANNEL, ts: original?.ts });
    expect(original?.edits).toBe(1);
    expect(original?.blocks[0]).toMatchObject({
      type: 'header',
      text: { text: ':white_check_mark: Resolved after 3 h 12 min' },
    });
    expect(text(original as ApiMessage)).toContain(`by evaluation \`${resolution.eventId}\``);
    // The violation as it was posted stays below the banner
    expect(text(original as ApiMessage)).toContain('is now *NON_COMPLIANT*');
    const replies = repliesTo(original?.ts as string);
    expect(replies).toHaveLength(1);
    expect(replies[0]?.text).toMatch(/^Config violation resolved: .*resolved after 3 h 12 min/);
    const update = calls('chat.update')[0];
    expect(update?.body).toMatchObject({ channel: CHANNEL, ts: original?.ts });
    // The thread item: in the outbox table, keyed by the pair, renewed with its last alert
    const item = await dynamo.doc.send(
      new GetCommand({ TableName: table, Key: { pk: threadPk(violation) } }),
    );
    expect(item.Item).toMatchObject({
      ts: original?.ts,
      channel: CHANNEL,
      destination: 'default',
      opened_by: violation.eventId,
      last_event_id: resolution.eventId,
      last_kind: 'resolution',
    });
    expect(item.Item?.pending_pk).toBeUndefined();
  });

  it('a re-opened violation replies in the same thread (no new message) and marks the original open again', async () => {
    // Prepare
    const { notifier, enqueue } = await setup();
    const first = pair('db-1', '1');
    const again = makeAlert({
      eventId: 'v2-db-1',
      resourceId: 'db-1',
      eventTime: '2024-05-02T09:00:00.000Z',
      orderingTimestamp: '2024-05-02T08:59:00.000Z',
    });

    // Act
    await enqueue([first.violation]);
    await notifier.drain();
    await enqueue([first.resolution]);
    await notifier.drain();
    await enqueue([again]);
    const reopened = await notifier.drain();

    // Assess
    expect(reopened).toMatchObject({ messages: 1, violations: 1, threadUpdates: 1 });
    expect(top()).toHaveLength(1);
    const original = top()[0] as ApiMessage;
    expect(original.edits).toBe(2);
    expect(original.blocks[0]).toMatchObject({ text: { text: ':rotating_light: Non-compliant again' } });
    expect(text(original)).toContain('by evaluation `v2-db-1`');
    expect(repliesTo(original.ts).map((m) => m.text.split(':')[0])).toEqual([
      'Config violation resolved',
      'Config violation',
    ]);
  });

  it('a resolution without openedAt is timed from its thread: the last violation posted or replied there', async () => {
    // Prepare: V1 10:00, R1 11:00, V2 12:00 (re-open), R2 12:45 — none carrying openedAt
    const { notifier, enqueue } = await setup();
    const at = (kind: 'violation' | 'resolution', id: string, time: string) =>
      makeAlert({ kind, eventId: id, resourceId: 'untimed', eventTime: time, orderingTimestamp: time });

    // Act
    for (const alert of [
      at('violation', 'v1', '2024-05-01T10:00:00.000Z'),
      at('resolution', 'r1', '2024-05-01T11:00:00.000Z'),
      at('violation', 'v2', '2024-05-01T12:00:00.000Z'),
      at('resolution', 'r2', '2024-05-01T12:45:00.000Z'),
    ]) {
      await enqueue([alert]);
      await notifier.drain();
    }

    // Assess
    const updates = calls('chat.update').map(
      (r) => (r.body.blocks as { text?: { text?: string } }[])[0]?.text?.text,
    );
    expect(updates).toEqual([
      ':white_check_mark: Resolved after 1 h',
      ':rotating_light: Non-compliant again',
      ':white_check_mark: Resolved after 45 min',
    ]);
  });

  it('a violation and its resolution queued together are threaded in decision order', async () => {
    // Prepare: the same enqueue time, event ids that sort the resolution first
    const { notifier, enqueue } = await setup();
    const violation = makeAlert({ eventId: 'z-violation', resourceId: 'same-batch' });
    const resolution = makeAlert({
      kind: 'resolution',
      eventId: 'a-resolution',
      resourceId: 'same-batch',
      orderingTimestamp: '2024-05-01T10:05:00.000Z',
      eventTime: '2024-05-01T10:05:12.000Z',
      openedAt: '2024-05-01T10:00:12.000Z',
    });

    // Act
    await enqueue([violation, resolution]);
    const result = await notifier.drain();

    // Assess
    expect(result).toMatchObject({ messages: 2, threadUpdates: 1 });
    expect(top()).toHaveLength(1);
    expect(top()[0]?.blocks[0]).toMatchObject({ text: { text: ':white_check_mark: Resolved after 5 min' } });
    expect(repliesTo(top()[0]?.ts as string)).toHaveLength(1);
  });

  it('message_not_found on the update: the resolution is posted as a new message and the thread forgotten', async () => {
    // Prepare
    const { notifier, enqueue, threads, logs, time } = await setup();
    const { violation, resolution } = pair('gone-1');
    await enqueue([violation]);
    await notifier.drain();

    // Act
    slack.script(apiReply.error('message_not_found'));
    await enqueue([resolution]);
    const result = await notifier.drain();

    // Assess: delivered once, as a new top-level message; nothing lost
    expect(result).toMatchObject({ messages: 1, resolutions: 1, failed: 0, pending: 0 });
    expect(result.threadUpdates ?? 0).toBe(0);
    expect(top().map((m) => m.text.split(':')[0])).toEqual(['Config violation', 'Config violation resolved']);
    expect(repliesTo(top()[0]?.ts as string)).toHaveLength(0);
    expect((await threads.getMany([violation], new Date(time.now))).size).toBe(0);
    expect(
      logs.some((l) => l.startsWith('warn Slack would not update') && l.includes('message_not_found')),
    ).toBe(true);
  });

  it.each(['cant_update_message', 'edit_window_closed'])(
    '%s on the update also falls back to a new message',
    async (code) => {
      // Prepare
      const { notifier, enqueue } = await setup();
      const { violation, resolution } = pair(`frozen-${code}`);
      await enqueue([violation]);
      await notifier.drain();

      // Act
      slack.script(apiReply.error(code));
      await enqueue([resolution]);
      const result = await notifier.drain();

      // Assess
      expect(result).toMatchObject({ messages: 1, resolutions: 1, failed: 0, pending: 0 });
      expect(top()).toHaveLength(2);
    },
  );

  it('an update left unanswered is retried later with the same content, and the reply is posted once', async () => {
    // Prepare
    const { notifier, enqueue, time } = await setup();
    const { violation, resolution } = pair('slow-1');
    await enqueue([violation]);
    await notifier.drain();

    // Act: chat.update applied but never answered
    slack.script(apiReply.doneNoAnswer);
    await enqueue([resolution]);
    const during = await notifier.drain();
    time.now += 10 * 60_000;
    const after = await notifier.drain();

    // Assess: a safe retry (not an unconfirmed post), the same rewrite twice, one reply
    expect(during).toMatchObject({ messages: 0, failed: 1, unconfirmed: 0, pending: 1 });
    expect(after).toMatchObject({ messages: 1, resolutions: 1, pending: 0, possibleDuplicates: 0 });
    const updates = calls('chat.update');
    expect(updates).toHaveLength(2);
    expect(updates[1]?.body).toEqual(updates[0]?.body);
    expect(top()).toHaveLength(1);
    expect(top()[0]?.edits).toBe(2);
    expect(repliesTo(top()[0]?.ts as string)).toHaveLength(1);
  });

  it('a thread that was not kept (a crash between the post and the thread write): the resolution is a new message', async () => {
    // Prepare: the thread write fails once
    let failPut = true;
    const { notifier, enqueue, logs } = await setup({
      threads: (real) => ({
        getMany: (keys, now) => real.getMany(keys, now),
        put: async (key, thread, now) => {
          if (failPut) throw new Error('ProvisionedThroughputExceededException');
          return real.put(key, thread, now);
        },
        touch: (key, ts, last, now) => real.touch(key, ts, last, now),
        forget: (key, ts) => real.forget(key, ts),
      }),
    });
    const { violation, resolution } = pair('lost-thread');

    // Act
    await enqueue([violation]);
    const first = await notifier.drain();
    failPut = false;
    await enqueue([resolution]);
    const second = await notifier.drain();

    // Assess: the violation was delivered all the same; its resolution is posted anew
    expect(first).toMatchObject({ messages: 1, pending: 0 });
    expect(second).toMatchObject({ messages: 1, pending: 0 });
    expect(top()).toHaveLength(2);
    expect(calls('chat.update')).toHaveLength(0);
    expect(logs.some((l) => l.startsWith('error A Slack thread was not kept'))).toBe(true);
  });

  it('a thread past its 90-day TTL (not yet deleted by DynamoDB) is not used: the resolution is a new message', async () => {
    // Prepare
    const { notifier, enqueue, time } = await setup();
    const { violation, resolution } = pair('old-1');
    await enqueue([violation]);
    await notifier.drain();

    // Act
    time.now += 91 * 86_400_000;
    await enqueue([resolution]);
    const result = await notifier.drain();

    // Assess
    expect(result).toMatchObject({ messages: 1, resolutions: 1 });
    expect(calls('chat.update')).toHaveLength(0);
    expect(top()).toHaveLength(2);
  });

  it('a pair routed to another channel than its thread is posted as a new message there', async () => {
    // Prepare: a thread kept in CHANNEL, then the destination's channel changes
    const first = await setup();
    const { violation, resolution } = pair('moved-1');
    await first.enqueue([violation]);
    await first.notifier.drain();
    const thread = (await first.threads.getMany([violation], new Date(first.time.now))).values().next().value;
    expect(thread).toBeDefined();
    const moved = await setup({ channel: CHANNEL });
    if (thread)
      await moved.threads.put(violation, { ...thread, channel: 'C0ELSEWHERE' }, new Date(moved.time.now));

    // Act
    await moved.enqueue([resolution]);
    await moved.notifier.drain();

    // Assess
    expect(calls('chat.update')).toHaveLength(0);
    expect(top()).toHaveLength(2);
  });
});

describe('bot mode: rate limits and error codes, as in webhook mode', () => {
  it('a long Retry-After (429) pauses the destination for it; the alert is delivered once after', async () => {
    // Prepare
    const { notifier, enqueue, time, outbox } = await setup();
    const alert = makeAlert({ resourceId: 'limited' });
    slack.script(apiReply.rateLimited(120));

    // Act
    await enqueue([alert]);
    const during = await notifier.drain();
    const gate = await outbox.getRouteGate('default');
    time.now += 60_000;
    const stillPaused = await notifier.drain();
    time.now += 90_000;
    const after = await notifier.drain();

    // Assess
    expect(during).toMatchObject({ messages: 0, failed: 1, pending: 1 });
    expect(Date.parse(gate.blockedUntil as string) - (time.now - 150_000)).toBeGreaterThanOrEqual(120_000);
    expect(stillPaused).toMatchObject({ messages: 0, pending: 1 });
    expect(after).toMatchObject({ messages: 1, pending: 0 });
    expect(top()).toHaveLength(1);
  });

  it('a short Retry-After is waited by the client and the post succeeds in the same drain', async () => {
    // Prepare
    const { notifier, enqueue } = await setup();
    slack.script(apiReply.rateLimited(1));

    // Act
    await enqueue([makeAlert({ resourceId: 'brief' })]);
    const result = await notifier.drain();

    // Assess
    expect(result).toMatchObject({ messages: 1, failed: 0, pending: 0 });
    expect(calls('chat.postMessage').map((r) => r.reply)).toEqual(['rate-limited', 'normal']);
  });

  it('channel_not_found closes the destination’s gate; the alerts wait for the fix', async () => {
    // Prepare: a channel the bot cannot see
    const { notifier, enqueue, outbox, logs, time } = await setup({ channel: 'C0MISSING01' });
    const alerts = [makeAlert(), makeAlert()];

    // Act
    await enqueue(alerts);
    const result = await notifier.drain();
    const gate = await outbox.getRouteGate('default');

    // Assess
    expect(result).toMatchObject({ messages: 0, failed: 1, pending: 2 });
    expect(result.byDestination?.default?.paused).toBe(true);
    expect(calls('chat.postMessage')).toHaveLength(1);
    expect(gate.lastError).toContain('channel_not_found');
    expect(Date.parse(gate.blockedUntil as string) - time.now).toBe(5 * 60_000);
    expect(logs.some((l) => l.startsWith('error') && l.includes('channel_not_found'))).toBe(true);
    expect(logs.join('\n')).not.toContain(slack.token);
  });

  it('channel_not_found on an update closes the gate too, and the resolution waits (nothing posted anew)', async () => {
    // Prepare
    const { notifier, enqueue, outbox } = await setup();
    const { violation, resolution } = pair('archived-1');
    await enqueue([violation]);
    await notifier.drain();

    // Act
    slack.script(apiReply.error('channel_not_found'));
    await enqueue([resolution]);
    const result = await notifier.drain();

    // Assess
    expect(result).toMatchObject({ messages: 0, failed: 1, pending: 1 });
    expect((await outbox.getRouteGate('default')).blockedUntil).not.toBeNull();
    expect(top()).toHaveLength(1);
  });

  it('a reply left unanswered follows the unconfirmed path: re-posted once by the next drain', async () => {
    // Prepare
    const { notifier, enqueue, time } = await setup();
    const { violation, resolution } = pair('unanswered-1');
    await enqueue([violation]);
    await notifier.drain();

    // Act: the update is answered, the reply is posted but never answered
    slack.script(apiReply.normal, apiReply.doneNoAnswer);
    await enqueue([resolution]);
    const during = await notifier.drain();
    time.now += 10 * 60_000;
    const after = await notifier.drain();

    // Assess: at most twice in the thread, as docs/slack.md promises
    expect(during).toMatchObject({ messages: 0, unconfirmed: 1, pending: 1 });
    expect(after).toMatchObject({ messages: 1, possibleDuplicates: 1, pending: 0 });
    expect(repliesTo(top()[0]?.ts as string)).toHaveLength(2);
  });
});

describe('bot mode: digests and hostile data', () => {
  it('a storm is digested as in webhook mode, outside threads; a digested pair’s resolution is a new message', async () => {
    // Prepare
    const { notifier, enqueue, threads, time } = await setup();
    const storm = Array.from({ length: 15 }, (_, i) =>
      makeAlert({ eventId: `s-${i}`, resourceId: `storm-${i}` }),
    );

    // Act
    await enqueue(storm);
    const digested = await notifier.drain();
    const kept = await threads.getMany(storm, new Date(time.now));
    await enqueue([
      makeAlert({
        kind: 'resolution',
        eventId: 'r-storm-0',
        resourceId: 'storm-0',
        openedAt: storm[0]?.eventTime,
      }),
    ]);
    const resolved = await notifier.drain();

    // Assess
    expect(digested).toMatchObject({ violations: 15, pending: 0 });
    expect(digested.messages).toBeLessThan(15);
    expect(kept.size).toBe(0);
    expect(top()[0]?.text).toMatch(/digest/i);
    expect(resolved).toMatchObject({ messages: 1, resolutions: 1 });
    expect(calls('chat.update')).toHaveLength(0);
    expect(top()).toHaveLength(digested.messages + 1);
    expect(calls('chat.postMessage').every((r) => r.body.thread_ts === undefined)).toBe(true);
  });

  it('hostile event data stays escaped in the rewrite of the original', async () => {
    // Prepare
    const { notifier, enqueue } = await setup();
    const violation = makeAlert({ eventId: 'v-hostile', resourceId: HOSTILE, annotation: HOSTILE });
    const resolution = makeAlert({
      kind: 'resolution',
      eventId: `<!channel>${'x'.repeat(200)}`,
      resourceId: HOSTILE,
      openedAt: violation.eventTime,
    });

    // Act
    await enqueue([violation]);
    await notifier.drain();
    await enqueue([resolution]);
    await notifier.drain();

    // Assess
    const original = top()[0] as ApiMessage;
    expect(original.edits).toBe(1);
    const all = text(original);
    expect(all).not.toMatch(/<!channel>|<!here|<@U123>|<https:\/\/evil/);
    expect(all).toContain('&lt;!channel&gt;');
  });
});
