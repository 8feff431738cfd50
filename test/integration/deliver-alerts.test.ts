import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AlertOutboxRepository } from '../../src/adapters/dynamodb/alert-outbox.repository.js';
import { OUTBOX_TABLE, tableName } from '../../src/adapters/dynamodb/table-definitions.js';
import { allTexts, limitViolations } from '../../src/adapters/slack/block-kit.js';
import { createSlackMessageRenderer } from '../../src/adapters/slack/slack-messages.js';
import { createSlackWebhookClient } from '../../src/adapters/slack/slack-webhook.client.js';
import type { Alert } from '../../src/domain/compliance-state.js';
import type { SlackMessage } from '../../src/ports/message-sink.js';
import { createNotifier, type DeliveryLogger } from '../../src/use-cases/deliver-alerts.js';
import { HOSTILE, makeAlert } from '../helpers/alerts.js';
import { type LocalDynamo, startLocalDynamo } from '../helpers/local-aws.js';
import { countDigestAlerts, reply, type SlackServer, startSlackServer } from '../helpers/slack-server.js';

const START = Date.parse('2024-05-01T10:00:00.000Z');
/** A drain that delivered nothing and found nothing pending. */
const NOTHING = {
  messages: 0,
  violations: 0,
  resolutions: 0,
  pending: 0,
  failed: 0,
  unconfirmed: 0,
  possibleDuplicates: 0,
};

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

/** A notifier on a fresh outbox, a fake clock that sleeps instantly, and a log capture. */
async function setup(options: { timeoutMs?: number; maxMessageAttempts?: number } = {}) {
  const prefix = await dynamo.newPrefix();
  const outbox = new AlertOutboxRepository(dynamo.doc, tableName(prefix, OUTBOX_TABLE));
  const time = { now: START, sleeps: [] as number[] };
  const logs: string[] = [];
  const log =
    (level: string) =>
    (message: string, ...extra: Record<string, unknown>[]) =>
      logs.push(`${level} ${message} ${JSON.stringify(extra)}`);
  const logger: DeliveryLogger = { info: log('info'), warn: log('warn'), error: log('error') };
  const sink = createSlackWebhookClient({
    url: slack.url,
    timeoutMs: options.timeoutMs ?? 1000,
    maxAttempts: 2,
    sleep: async () => {},
    logger,
  });
  const notifier = createNotifier({
    renderer: createSlackMessageRenderer(),
    outbox,
    sink,
    clock: () => new Date(time.now),
    sleep: async (ms) => {
      time.sleeps.push(ms);
      time.now += ms;
    },
    minIntervalMs: 1000,
    timeBudgetMs: 10 * 60_000,
    maxMessageAttempts: options.maxMessageAttempts ?? 5,
    logger,
  });
  const enqueue = (alerts: Alert[]) => outbox.enqueue(alerts, new Date(time.now));
  return { outbox, notifier, time, logs, enqueue };
}

const posted = (): SlackMessage[] => slack.delivered().map((body) => JSON.parse(body) as SlackMessage);

/** How many times each event id reached the channel (single messages name it in the context). */
function deliveriesOf(ids: readonly string[]): number[] {
  const texts = posted().map((m) => allTexts(m).join('\n'));
  return ids.map((id) => texts.filter((t) => t.includes(`\`${id}\``)).length);
}

describe('deliver alerts from the outbox to a local Slack webhook', () => {
  it('posts one message per alert, paced one a second, and marks them delivered once', async () => {
    // Prepare
    const { notifier, time, enqueue, outbox } = await setup();
    const alerts = [makeAlert(), makeAlert({ kind: 'resolution' }), makeAlert()];
    await enqueue(alerts);

    // Act
    const first = await notifier.drain();
    const second = await notifier.drain();

    // Assess
    expect(first).toEqual({ ...NOTHING, messages: 3, violations: 2, resolutions: 1 });
    expect(second).toEqual(NOTHING);
    expect(time.sleeps).toEqual([1000, 1000]);
    expect(deliveriesOf(alerts.map((a) => a.eventId))).toEqual([1, 1, 1]);
    const item = await dynamo.doc.send(
      new GetCommand({ TableName: outbox.tableName, Key: { pk: `ALERT#${alerts[0]!.eventId}` } }),
    );
    expect(item.Item?.delivered_at).toBeDefined();
  });

  it('survives a Slack outage (500): alerts stay pending, the webhook pauses, then each is delivered exactly once', async () => {
    // Prepare
    const { notifier, time, enqueue, outbox, logs } = await setup();
    const alerts = [makeAlert(), makeAlert(), makeAlert()];
    await enqueue(alerts);
    slack.setDefault(reply.serverError(500));

    // Act: the outage
    const during = await notifier.drain();
    const requestsDuringOutage = slack.requests.length;
    time.now += 10_000;
    const paused = await notifier.drain();
    const requestsAfterPause = slack.requests.length;
    // Act: Slack recovers; the next scheduled drain after the pause delivers
    slack.setDefault(reply.ok);
    time.now += 60_000;
    const after = await notifier.drain();

    // Assess
    expect(during).toEqual({ ...NOTHING, pending: 3, failed: 1 });
    expect(requestsDuringOutage).toBe(2); // one message, the client's 2 attempts, then the drain stops
    expect(paused).toMatchObject({ messages: 0, pending: 3, failed: 0 });
    expect(requestsAfterPause).toBe(requestsDuringOutage);
    expect(after).toEqual({ ...NOTHING, messages: 3, violations: 3 });
    expect(deliveriesOf(alerts.map((a) => a.eventId))).toEqual([1, 1, 1]);
    expect(await outbox.getRouteGate()).toEqual({
      blockedUntil: null,
      consecutiveFailures: 0,
      lastError: null,
    });
    expect(logs.some((l) => l.startsWith('warn Slack unavailable') && l.includes('HTTP 500'))).toBe(true);
  });

  it('honours a long 429 Retry-After across drains', async () => {
    // Prepare
    const { notifier, time, enqueue } = await setup();
    const [alert] = [makeAlert()];
    await enqueue([alert!]);
    slack.script(reply.rateLimited(120));

    // Act
    const limited = await notifier.drain();
    time.now += 60_000;
    const tooEarly = await notifier.drain();
    time.now += 61_000;
    const later = await notifier.drain();

    // Assess
    expect(limited).toMatchObject({ messages: 0, pending: 1, failed: 1 });
    expect(tooEarly).toMatchObject({ messages: 0, pending: 1 });
    expect(later).toMatchObject({ messages: 1, pending: 0 });
    expect(slack.requests.map((r) => r.status)).toEqual([429, 200]);
  });

  it('treats a webhook that hangs past the timeout as an outage, does not re-post within the drain, and loses nothing', async () => {
    // Prepare
    const { notifier, time, enqueue, logs } = await setup({ timeoutMs: 150 });
    const alerts = [makeAlert(), makeAlert()];
    await enqueue(alerts);
    slack.setDefault(reply.hang);

    // Act
    const hung = await notifier.drain();
    const requestsWhileHung = slack.requests.length;
    slack.setDefault(reply.ok);
    time.now += 5 * 60_000;
    const recovered = await notifier.drain();

    // Assess
    expect(hung).toMatchObject({ messages: 0, unconfirmed: 1, pending: 2, failed: 0 });
    expect(requestsWhileHung).toBe(1);
    expect(recovered).toMatchObject({ messages: 2, possibleDuplicates: 1, pending: 0, failed: 0 });
    expect(deliveriesOf(alerts.map((a) => a.eventId))).toEqual([1, 1]);
    expect(logs.some((l) => l.startsWith('warn') && l.includes('possible duplicate'))).toBe(true);
  });

  it('posts each message at most twice when Slack accepts posts but answers after the timeout: once in a drain, at most once more in the next', async () => {
    // Prepare: Slack posts every message but answers after the client has given up
    const { notifier, time, enqueue, outbox, logs } = await setup({ timeoutMs: 150 });
    const alerts = [makeAlert(), makeAlert(), makeAlert()];
    await enqueue(alerts);
    slack.setDefault(reply.lateOk(400));

    // Act: a drain every minute for 10 minutes
    const results = [];
    for (let minute = 0; minute < 10; minute++) {
      results.push(await notifier.drain());
      time.now += 60_000;
    }
    await new Promise((r) => setTimeout(r, 500)); // let the last late answer arrive

    // Assess: nothing reached the channel more than twice, nothing is marked delivered unconfirmed
    const counts = deliveriesOf(alerts.map((a) => a.eventId));
    expect(counts.every((n) => n >= 1 && n <= 2)).toBe(true);
    expect(counts[0]).toBe(2);
    expect(slack.requests.length).toBe(counts.reduce((a, b) => a + b, 0));
    expect(results[0]).toMatchObject({ messages: 0, unconfirmed: 1, possibleDuplicates: 0, failed: 0 });
    const unconfirmed = results.reduce((n, r) => n + r.unconfirmed, 0);
    expect(unconfirmed).toBe(slack.requests.length);
    const first = await dynamo.doc.send(
      new GetCommand({ TableName: outbox.tableName, Key: { pk: `ALERT#${alerts[0]!.eventId}` } }),
    );
    expect(first.Item?.delivered_at).toBeUndefined();
    expect(first.Item).toMatchObject({ unconfirmed_posts: 2 });
    expect(first.Item?.parked_at).toBeDefined();
    expect(String(first.Item?.last_error)).toMatch(/unconfirmed/);
    expect(logs.some((l) => l.startsWith('warn') && l.includes('possible duplicate'))).toBe(true);
    expect(logs.some((l) => l.startsWith('error') && l.includes('parked'))).toBe(true);
    expect(logs.join('\n')).not.toContain('XXXXXXXX');
  });

  it('re-posts a message Slack answered late exactly once when Slack recovers, logged as a possible duplicate', async () => {
    // Prepare
    const { notifier, time, enqueue, logs } = await setup({ timeoutMs: 150 });
    const alerts = [makeAlert(), makeAlert(), makeAlert()];
    await enqueue(alerts);
    slack.script(reply.lateOk(300));

    // Act
    const late = await notifier.drain();
    time.now += 60_000;
    const next = await notifier.drain();
    time.now += 60_000;
    const idle = await notifier.drain();

    // Assess
    expect(late).toMatchObject({ messages: 0, unconfirmed: 1, pending: 3, failed: 0 });
    expect(next).toMatchObject({ messages: 3, unconfirmed: 0, possibleDuplicates: 1, pending: 0 });
    expect(idle).toMatchObject({ messages: 0, pending: 0 });
    expect(deliveriesOf(alerts.map((a) => a.eventId))).toEqual([2, 1, 1]);
    const duplicates = logs.filter((l) => l.startsWith('warn Re-posted') && l.includes('possible duplicate'));
    expect(duplicates).toHaveLength(1);
    expect(duplicates[0]).toContain(alerts[0]!.eventId);
  });

  it('does not mark alerts delivered on an HTTP 200 whose body is invalid_blocks, and reports the error without the URL', async () => {
    // Prepare
    const { notifier, enqueue, outbox, logs } = await setup();
    const [bad, good] = [makeAlert(), makeAlert()];
    await enqueue([bad!, good!]);
    slack.script(reply.okStatusError('invalid_blocks'));

    // Act
    const result = await notifier.drain();

    // Assess
    expect(result).toMatchObject({ messages: 1, violations: 1, failed: 1, pending: 1 });
    const item = await dynamo.doc.send(
      new GetCommand({ TableName: outbox.tableName, Key: { pk: `ALERT#${bad!.eventId}` } }),
    );
    expect(item.Item?.delivered_at).toBeUndefined();
    expect(item.Item).toMatchObject({
      attempts: 1,
      last_error: 'Slack webhook answered HTTP 200 invalid_blocks',
    });
    const reported = logs.filter((l) => l.startsWith('error Slack refused a message'));
    expect(reported).toHaveLength(1);
    expect(reported[0]).toContain('invalid_blocks');
    expect(logs.join('\n')).not.toContain(slack.url);
    expect(logs.join('\n')).not.toContain('XXXXXXXX');
    expect(deliveriesOf([bad!.eventId, good!.eventId])).toEqual([0, 1]);
  });

  it('reports 404 channel_not_found clearly, does not retry in a loop, and delivers after the fix', async () => {
    // Prepare
    const { notifier, time, enqueue, logs, outbox } = await setup();
    const alerts = [makeAlert(), makeAlert()];
    await enqueue(alerts);
    slack.setDefault(reply.channelNotFound);

    // Act: the broken webhook, then stream/schedule triggers within the pause
    const broken = await notifier.drain();
    for (let i = 0; i < 4; i++) {
      time.now += 60_000;
      await notifier.drain();
    }
    const requestsWhileBroken = slack.requests.length;
    const gate = await outbox.getRouteGate();
    // Act: the channel is fixed; the pause (5 min after the first failure) ends
    slack.setDefault(reply.ok);
    time.now += 60_000;
    const fixed = await notifier.drain();

    // Assess
    expect(broken).toMatchObject({ messages: 0, pending: 2, failed: 1 });
    expect(requestsWhileBroken).toBe(1);
    expect(gate).toMatchObject({
      consecutiveFailures: 1,
      lastError: 'Slack webhook answered HTTP 404 channel_not_found',
    });
    const reported = logs.filter((l) => l.startsWith('error Slack webhook rejected the message'));
    expect(reported).toHaveLength(1);
    expect(reported[0]).toContain('channel_not_found');
    expect(logs.join('\n')).not.toContain(slack.url);
    expect(logs.join('\n')).not.toContain('XXXXXXXX');
    expect(fixed).toMatchObject({ messages: 2, pending: 0, failed: 0 });
    expect(deliveriesOf(alerts.map((a) => a.eventId))).toEqual([1, 1]);
  });

  it('backs off a still-broken webhook: 5, 10, 20 minutes between attempts', async () => {
    // Prepare
    const { notifier, time, enqueue } = await setup();
    await enqueue([makeAlert()]);
    slack.setDefault(reply.noService);
    const attemptsAt: number[] = [];

    // Act: a drain every minute for 40 minutes
    for (let minute = 0; minute <= 40; minute++) {
      const before = slack.requests.length;
      await notifier.drain();
      if (slack.requests.length > before) attemptsAt.push(minute);
      time.now += 60_000;
    }

    // Assess
    expect(attemptsAt).toEqual([0, 5, 15, 35]);
  });

  it('retries a message Slack refuses (400 invalid_payload) later without blocking the others, then parks it', async () => {
    // Prepare
    const { notifier, time, enqueue, outbox } = await setup({ maxMessageAttempts: 2 });
    const [bad, good] = [makeAlert(), makeAlert()];
    await enqueue([bad!, good!]);
    slack.script(reply.invalidPayload);

    // Act
    const first = await notifier.drain();
    slack.script(reply.invalidPayload);
    time.now += 61_000;
    const second = await notifier.drain();

    // Assess
    expect(first).toMatchObject({ messages: 1, failed: 1, pending: 1 });
    expect(deliveriesOf([bad!.eventId, good!.eventId])).toEqual([0, 1]);
    expect(second).toMatchObject({ messages: 0, failed: 1, pending: 0 });
    const parked = await dynamo.doc.send(
      new GetCommand({ TableName: outbox.tableName, Key: { pk: `ALERT#${bad!.eventId}` } }),
    );
    expect(parked.Item).toMatchObject({
      attempts: 1,
      last_error: 'Slack webhook answered HTTP 400 invalid_payload',
    });
    expect(parked.Item?.parked_at).toBeDefined();
  });

  it('posts hostile alerts as valid JSON, within limits, mentioning nobody', async () => {
    // Prepare
    const { notifier, enqueue } = await setup();
    const long = HOSTILE.repeat(80).slice(0, 10_000);
    const alerts = [
      makeAlert({ annotation: '<!channel> <@U123> <!here|x> "q" \\ \n \u202E' }),
      makeAlert({ annotation: long, resourceId: long, ruleName: long }),
      makeAlert({ kind: 'resolution', resourceId: HOSTILE, ruleName: HOSTILE, account: HOSTILE }),
    ];
    await enqueue(alerts);

    // Act
    const result = await notifier.drain();

    // Assess
    expect(result).toMatchObject({ messages: 3, failed: 0 });
    for (const body of slack.delivered()) {
      const message = JSON.parse(body) as SlackMessage;
      expect(limitViolations(message)).toEqual([]);
      expect(Buffer.byteLength(body)).toBeLessThan(13_000);
      for (const text of allTexts(message)) expect(text).not.toMatch(/<[!@#]/);
    }
  });

  it('turns a storm in the real outbox into a few digests that count every alert, each delivered once', async () => {
    // Prepare: 400 violations (the 20,000 case is deliver-alerts-storm.test.ts: dynalite takes ~2 ms a write)
    const { notifier, enqueue, outbox } = await setup();
    const alerts = Array.from({ length: 400 }, (_, i) =>
      makeAlert({
        account: (100000000000 + (i % 10)).toString(),
        ruleName: i % 37 === 0 ? HOSTILE : `conformance-rule-${i % 15}`,
        resourceId: i % 41 === 0 ? HOSTILE : `i-${i.toString(16).padStart(17, '0')}`,
      }),
    );
    await enqueue(alerts);

    // Act
    const result = await notifier.drain();

    // Assess
    const messages = posted();
    expect(result).toMatchObject({ violations: 400, pending: 0, failed: 0, messages: messages.length });
    expect(messages.length).toBeLessThanOrEqual(10);
    expect(countDigestAlerts(messages)).toBe(400);
    for (const m of messages) expect(limitViolations(m)).toEqual([]);
    expect(await outbox.countPending()).toBe(0);
  });
});
