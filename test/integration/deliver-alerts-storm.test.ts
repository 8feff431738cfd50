import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { allTexts, limitViolations } from '../../src/adapters/slack/block-kit.js';
import { createSlackMessageRenderer } from '../../src/adapters/slack/slack-messages.js';
import { createSlackWebhookClient } from '../../src/adapters/slack/slack-webhook.client.js';
import type { Alert } from '../../src/domain/compliance-state.js';
import type { SlackMessage } from '../../src/ports/message-sink.js';
import { createNotifier } from '../../src/use-cases/deliver-alerts.js';
import { HOSTILE, makeAlert } from '../helpers/alerts.js';
import { InMemoryOutbox } from '../helpers/in-memory-outbox.js';
import { countDigestAlerts, reply, type SlackServer, startSlackServer } from '../helpers/slack-server.js';

let slack: SlackServer;

beforeAll(async () => {
  slack = await startSlackServer();
});
afterAll(async () => {
  await slack?.close();
});
beforeEach(() => {
  slack.requests.length = 0;
  slack.setDefault(reply.ok);
});

function setup() {
  const outbox = new InMemoryOutbox();
  const time = { now: Date.parse('2024-05-01T10:00:00.000Z'), slept: 0 };
  const notifier = createNotifier({
    renderer: createSlackMessageRenderer(),
    outbox,
    sink: createSlackWebhookClient({ url: slack.url, timeoutMs: 1000, maxAttempts: 1 }),
    clock: () => new Date(time.now),
    sleep: async (ms) => {
      time.slept += ms;
      time.now += ms;
    },
    minIntervalMs: 1000,
    timeBudgetMs: 10 * 60_000,
  });
  return { outbox, notifier, time };
}

/** A conformance-pack rollout: `n` alerts over 25 accounts × 40 rules, some with hostile text. */
function storm(n: number, kind: Alert['kind'] = 'violation'): Alert[] {
  return Array.from({ length: n }, (_, i) =>
    makeAlert({
      kind,
      eventId: `${kind}-${i.toString().padStart(6, '0')}`,
      account: (100000000000 + (i % 25)).toString(),
      region: i % 3 ? 'eu-west-1' : 'us-east-1',
      ruleName: i % 1999 === 0 ? `${HOSTILE}${i}` : `conformance-rule-${(i * 7) % 40}-conformance-pack-x1y2`,
      resourceId:
        i % 777 === 0
          ? HOSTILE.repeat(20)
          : `arn:aws:ec2:eu-west-1:1:instance/i-${i.toString(16).padStart(17, '0')}`,
    }),
  );
}

const posted = (): SlackMessage[] => slack.delivered().map((body) => JSON.parse(body) as SlackMessage);

describe('alert storms', () => {
  it('delivers 20,000 pending violations in at most 60 messages, counting every alert once', async () => {
    // Prepare
    const { outbox, notifier, time } = setup();
    await outbox.enqueue(storm(20_000), new Date(time.now));
    const started = time.now;

    // Act
    const result = await notifier.drain();

    // Assess
    const messages = posted();
    expect(messages.length).toBeLessThanOrEqual(60);
    expect(result).toEqual({
      messages: messages.length,
      violations: 20_000,
      resolutions: 0,
      pending: 0,
      failed: 0,
      unconfirmed: 0,
      possibleDuplicates: 0,
    });
    expect(countDigestAlerts(messages)).toBe(20_000);
    const refs = new Set([...outbox.items.values()].map((i) => i.deliveredIn));
    expect(refs.size).toBe(messages.length);
    expect(refs.has(null)).toBe(false);
    for (const body of slack.delivered()) expect(Buffer.byteLength(body)).toBeLessThan(13_000);
    for (const m of messages) {
      expect(limitViolations(m)).toEqual([]);
      for (const text of allTexts(m)) expect(text).not.toMatch(/<[!@#]/);
    }
    // Paced: one post a second at most
    expect(time.now - started).toBeGreaterThanOrEqual((messages.length - 1) * 1000);
    console.log(
      `storm: 20,000 violations → ${messages.length} messages, ${(time.now - started) / 1000} s of Slack time`,
    );
  });

  it('digests a mass remediation (resolutions) the same way', async () => {
    // Prepare
    const { outbox, notifier, time } = setup();
    await outbox.enqueue(storm(5000, 'resolution'), new Date(time.now));

    // Act
    const result = await notifier.drain();

    // Assess
    expect(result).toMatchObject({ resolutions: 5000, violations: 0, pending: 0 });
    expect(result.messages).toBeLessThanOrEqual(15);
    expect(countDigestAlerts(posted())).toBe(5000);
  });

  it('loses nothing when Slack fails in the middle of a storm, and sends nothing twice after it recovers', async () => {
    // Prepare
    const { outbox, notifier, time } = setup();
    await outbox.enqueue(storm(20_000), new Date(time.now));
    slack.script(reply.ok, reply.ok, reply.ok);
    slack.setDefault(reply.serverError(503));

    // Act
    const during = await notifier.drain();
    slack.setDefault(reply.ok);
    time.now += 10 * 60_000;
    const after = await notifier.drain();

    // Assess
    expect(during.messages).toBe(3);
    expect(during.pending).toBe(20_000 - during.violations);
    expect(during.failed).toBeGreaterThan(0);
    expect(during.violations + after.violations).toBe(20_000);
    expect(after.pending).toBe(0);
    expect(countDigestAlerts(posted())).toBe(20_000);
  });

  it('posts a 1,000-alert digest at most twice when Slack accepts it but answers after the timeout', async () => {
    // Prepare: the client allows 3 attempts, as the one that turned 1,000 alerts into 3,000
    const outbox = new InMemoryOutbox();
    const time = { now: Date.parse('2024-05-01T10:00:00.000Z') };
    const notifier = createNotifier({
      renderer: createSlackMessageRenderer(),
      outbox,
      sink: createSlackWebhookClient({
        url: slack.url,
        timeoutMs: 150,
        maxAttempts: 3,
        sleep: async () => {},
      }),
      clock: () => new Date(time.now),
      sleep: async (ms) => {
        time.now += ms;
      },
      minIntervalMs: 1000,
      timeBudgetMs: 10 * 60_000,
    });
    await outbox.enqueue(storm(1000), new Date(time.now));
    slack.setDefault(reply.lateOk(300));

    // Act: a drain every minute for 10 minutes
    const results = [];
    const requests: number[] = [];
    for (let minute = 0; minute < 10; minute++) {
      results.push(await notifier.drain());
      requests.push(slack.requests.length);
      time.now += 60_000;
    }
    await new Promise((r) => setTimeout(r, 400));

    // Assess: no alert reached the channel more than twice; the first drain sent it once
    expect(countDigestAlerts(posted())).toBeLessThanOrEqual(2000);
    expect(countDigestAlerts(posted())).toBeGreaterThanOrEqual(1000);
    expect(results[0]).toMatchObject({ messages: 0, unconfirmed: 1, pending: 1000 });
    expect(requests[0]).toBe(1);
    expect([...outbox.items.values()].every((i) => i.deliveredIn === null)).toBe(true);
  });

  it('keeps grouping while alerts keep arriving within the minute, then returns to single messages', async () => {
    // Prepare
    const { outbox, notifier, time } = setup();
    await outbox.enqueue(storm(500), new Date(time.now));
    await notifier.drain();
    const afterStorm = slack.requests.length;

    // Act: 3 more violations 10 s later (still within the storm's minute), then 3 after a quiet period
    time.now += 10_000;
    await outbox.enqueue([makeAlert(), makeAlert(), makeAlert()], new Date(time.now));
    const tail = await notifier.drain();
    time.now += 2 * 60_000;
    await outbox.enqueue([makeAlert(), makeAlert(), makeAlert()], new Date(time.now));
    const quiet = await notifier.drain();

    // Assess
    expect(afterStorm).toBeLessThanOrEqual(3);
    expect(tail).toMatchObject({ messages: 1, violations: 3 });
    expect(quiet).toMatchObject({ messages: 3, violations: 3 });
    expect(countDigestAlerts(posted())).toBe(503);
  });

  it('stops starting posts when the time budget is spent and leaves the rest pending', async () => {
    // Prepare: 10 single alerts (at the threshold), a 3.5 s budget at one post a second
    const { outbox, time } = setup();
    const notifier = createNotifier({
      renderer: createSlackMessageRenderer(),
      outbox,
      sink: createSlackWebhookClient({ url: slack.url }),
      clock: () => new Date(time.now),
      sleep: async (ms) => {
        time.now += ms;
      },
      timeBudgetMs: 3500,
    });
    await outbox.enqueue(
      Array.from({ length: 10 }, () => makeAlert()),
      new Date(time.now),
    );

    // Act
    const first = await notifier.drain();
    const second = await notifier.drain({ timeBudgetMs: 60_000 });

    // Assess
    expect(first).toMatchObject({ messages: 4, pending: 6 });
    expect(second).toMatchObject({ messages: 6, pending: 0 });
  });
});
