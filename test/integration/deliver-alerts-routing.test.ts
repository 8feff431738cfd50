/**
 * Routing at delivery with two destinations, each a local Slack webhook stand-in: in one storm each
 * destination is paced on its own (~1 message/s) and digested on its own, and the counts per
 * destination add up to the decisions; one destination's outage pauses only it. In-memory outbox
 * with the repository's semantics (as the other storm tests: dynalite is too slow for 5,000 puts),
 * the real webhook client, the real renderer, the real routing and context lookups.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { accountsMapOus } from '../../src/adapters/organizations/accounts-map.account-ous.js';
import { createSlackMessageRenderer } from '../../src/adapters/slack/slack-messages.js';
import { createSlackWebhookClient } from '../../src/adapters/slack/slack-webhook.client.js';
import type { AlertContext } from '../../src/domain/alert-context.js';
import type { Alert } from '../../src/domain/compliance-state.js';
import { parseLocalConfigFile, type RoutingConfig } from '../../src/domain/routing-config.js';
import type { MessageSink, SlackMessage } from '../../src/ports/message-sink.js';
import { createAlertContexts } from '../../src/use-cases/alert-contexts.js';
import { createNotifier, type MessageRenderer } from '../../src/use-cases/deliver-alerts.js';
import { makeAlert } from '../helpers/alerts.js';
import { InMemoryOutbox } from '../helpers/in-memory-outbox.js';
import { countDigestAlerts, reply, type SlackServer, startSlackServer } from '../helpers/slack-server.js';

const PROD_OU = 'ou-ab12-prod0001';
/** The account whose alerts go to security whatever their severity (by its OU). */
const PROD_ACCOUNT = '100000000003';

let security: SlackServer;
let general: SlackServer;

beforeAll(async () => {
  [security, general] = await Promise.all([startSlackServer(), startSlackServer()]);
});
afterAll(async () => {
  await Promise.all([security?.close(), general?.close()]);
});
beforeEach(() => {
  for (const s of [security, general]) {
    s.requests.length = 0;
    s.setDefault(reply.ok);
  }
});

function routing(): RoutingConfig {
  const parsed = parseLocalConfigFile({
    routing: {
      destinations: {
        default: { type: 'webhook' },
        security: { type: 'webhook', env: 'SLACK_WEBHOOK_URL_SECURITY' },
      },
      routes: [
        { name: 'critical-and-high', severities: ['CRITICAL', 'HIGH'], destination: 'security' },
        { name: 'prod-ou', ous: [PROD_OU], destination: 'security' },
      ],
      // 25 of the storm's 200 rules are CRITICAL; the rest are custom rules (MEDIUM).
      severityOverrides: Object.fromEntries(
        Array.from({ length: 25 }, (_, r) => [`storm-rule-${r}`, 'CRITICAL']),
      ),
      accounts: { [PROD_ACCOUNT]: { name: 'payments-prod', ou: PROD_OU, owner: 'team-payments' } },
    },
  });
  if (!parsed.ok) throw new Error(parsed.problems.join('\n'));
  return parsed.config;
}

/** The routing rule restated independently: which destination an alert of the storm must reach. */
function expectedDestination(alert: Alert): 'security' | 'default' {
  const rule = Number(/storm-rule-(\d+)/.exec(alert.ruleName)?.[1]);
  return rule < 25 || alert.account === PROD_ACCOUNT ? 'security' : 'default';
}

/** `n` violations over 23 accounts × 200 rules (a conformance-pack rollout). */
function storm(n: number): Alert[] {
  return Array.from({ length: n }, (_, i) =>
    makeAlert({
      eventId: `r-${i.toString().padStart(6, '0')}`,
      account: (100000000000 + (i % 23)).toString(),
      ruleName: `storm-rule-${(i * 7) % 200}-conformance-pack-x1y2`,
      resourceId: `arn:aws:ec2:eu-west-1:1:instance/i-${i.toString(16).padStart(17, '0')}`,
    }),
  );
}

function setup(renderer?: MessageRenderer) {
  const outbox = new InMemoryOutbox();
  const time = { now: Date.parse('2024-05-01T10:00:00.000Z') };
  const posts: { destination: string; at: number }[] = [];
  const timed = (destination: string, sink: MessageSink): MessageSink => ({
    async post(message) {
      posts.push({ destination, at: time.now });
      return sink.post(message);
    },
  });
  const config = routing();
  const notifier = createNotifier({
    outbox,
    destinations: {
      default: {
        sink: timed(
          'default',
          createSlackWebhookClient({ url: general.url, timeoutMs: 1000, maxAttempts: 1 }),
        ),
      },
      security: {
        sink: timed(
          'security',
          createSlackWebhookClient({ url: security.url, timeoutMs: 1000, maxAttempts: 1 }),
        ),
      },
    },
    contexts: createAlertContexts({ routing: config, ous: accountsMapOus(config) }),
    renderer: renderer ?? createSlackMessageRenderer(),
    clock: () => new Date(time.now),
    sleep: async (ms) => {
      time.now += ms;
    },
    minIntervalMs: 1000,
    timeBudgetMs: 10 * 60_000,
  });
  return { outbox, notifier, time, posts };
}

const bodies = (server: SlackServer): SlackMessage[] =>
  server.delivered().map((b) => JSON.parse(b) as SlackMessage);

describe('routing to two destinations', () => {
  it('in one storm: each destination digested and paced on its own, counts adding up to the decisions', async () => {
    // Prepare
    const { outbox, notifier, time, posts } = setup();
    const alerts = storm(5000);
    const toSecurity = alerts.filter((a) => expectedDestination(a) === 'security').length;
    await outbox.enqueue(alerts, new Date(time.now));
    const started = time.now;

    // Act
    const result = await notifier.drain();

    // Assess: every alert counted once, in the channel its route names
    expect(toSecurity).toBeGreaterThan(500);
    expect(toSecurity).toBeLessThan(4500);
    expect(countDigestAlerts(bodies(security))).toBe(toSecurity);
    expect(countDigestAlerts(bodies(general))).toBe(5000 - toSecurity);
    expect(result).toMatchObject({ violations: 5000, pending: 0, failed: 0 });
    const by = result.byDestination ?? {};
    expect(by.security?.violations).toBe(toSecurity);
    expect(by.default?.violations).toBe(5000 - toSecurity);
    expect((by.security?.messages ?? 0) + (by.default?.messages ?? 0)).toBe(result.messages);
    expect(by.security?.messages).toBe(security.delivered().length);
    expect(by.default?.messages).toBe(general.delivered().length);
    // Paced per destination: ≥ 1 s between two posts to one webhook, but the two interleave
    for (const d of ['security', 'default']) {
      const at = posts.filter((p) => p.destination === d).map((p) => p.at);
      for (let i = 1; i < at.length; i++)
        expect((at[i] as number) - (at[i - 1] as number)).toBeGreaterThanOrEqual(1000);
    }
    const longest = Math.max(by.security?.messages ?? 0, by.default?.messages ?? 0);
    expect(by.security?.messages).toBeGreaterThan(2);
    expect(by.default?.messages).toBeGreaterThan(2);
    expect(time.now - started).toBeLessThan((result.messages - 1) * 1000);
    expect(time.now - started).toBeGreaterThanOrEqual((longest - 1) * 1000);
    console.log(
      `routing storm: 5,000 violations → security ${by.security?.messages} messages (${toSecurity} alerts), default ${by.default?.messages} (${5000 - toSecurity}), ${(time.now - started) / 1000} s of Slack time`,
    );
  });

  it('below the threshold: single messages, each with its route in the context, in the right channel', async () => {
    // Prepare: 4 alerts, one a minute apart of storms
    const seen: { id: string; context: AlertContext }[] = [];
    const real = createSlackMessageRenderer();
    const spy: MessageRenderer = {
      alert(alert, context) {
        seen.push({ id: alert.eventId, context });
        return real.alert(alert, context);
      },
      digest: (digest, threshold, contexts) => real.digest(digest, threshold, contexts),
      threadUpdate: (original, change) => real.threadUpdate(original, change),
    };
    const { outbox, notifier, time } = setup(spy);
    const alerts = [
      makeAlert({ eventId: 'critical', ruleName: 'storm-rule-1', account: '100000000001' }),
      makeAlert({ eventId: 'prod', ruleName: 'storm-rule-120', account: PROD_ACCOUNT }),
      makeAlert({ eventId: 'plain', ruleName: 'storm-rule-120', account: '100000000001' }),
      makeAlert({
        eventId: 'resolved',
        kind: 'resolution',
        ruleName: 'storm-rule-121',
        account: '100000000001',
      }),
    ];
    await outbox.enqueue(alerts, new Date(time.now));

    // Act
    const result = await notifier.drain();

    // Assess
    expect(result.byDestination?.security).toMatchObject({ messages: 2, violations: 2 });
    expect(result.byDestination?.default).toMatchObject({ messages: 2, violations: 1, resolutions: 1 });
    expect(security.delivered()).toHaveLength(2);
    expect(general.delivered()).toHaveLength(2);
    const routeOf = Object.fromEntries(seen.map((s) => [s.id, s.context.route]));
    expect(routeOf).toEqual({
      critical: { destination: 'security', rule: 'critical-and-high' },
      prod: { destination: 'security', rule: 'prod-ou' },
      plain: { destination: 'default', rule: null },
      resolved: { destination: 'default', rule: null },
    });
    const prod = seen.find((s) => s.id === 'prod')?.context;
    expect(prod).toMatchObject({ accountName: 'payments-prod', owner: 'team-payments', severity: 'MEDIUM' });
  });

  it('one destination down: it pauses alone, the other is delivered, and it catches up after its gate reopens', async () => {
    // Prepare
    const { outbox, notifier, time } = setup();
    const alerts = storm(2000);
    const toSecurity = alerts.filter((a) => expectedDestination(a) === 'security').length;
    await outbox.enqueue(alerts, new Date(time.now));
    security.setDefault(reply.serverError(503));

    // Act
    const during = await notifier.drain();
    const gates = { security: outbox.gates.get('security'), default: outbox.gates.get('default') };
    security.setDefault(reply.ok);
    const stillPaused = await notifier.drain();
    time.now += 10 * 60_000;
    const after = await notifier.drain();

    // Assess
    expect(during.byDestination?.security).toMatchObject({ messages: 0, paused: true });
    expect(during.byDestination?.default).toMatchObject({ violations: 2000 - toSecurity, paused: false });
    expect(during.pending).toBe(toSecurity);
    expect(gates.security?.blockedUntil).not.toBeNull();
    expect(gates.default?.blockedUntil ?? null).toBeNull();
    expect(outbox.gates.get('security')?.consecutiveFailures).toBe(0);
    expect(stillPaused).toMatchObject({ messages: 0, pending: toSecurity });
    expect(after.byDestination?.security).toMatchObject({ violations: toSecurity, paused: false });
    expect(after.pending).toBe(0);
    expect(countDigestAlerts(bodies(security))).toBe(toSecurity);
    expect(countDigestAlerts(bodies(general))).toBe(2000 - toSecurity);
  });
});
