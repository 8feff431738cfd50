/**
 * Bot mode in the embedded stack (issue 11, item 4): a configuration whose default destination is a
 * bot channel. With the token in SLACK_BOT_TOKEN the stack posts through the Web API (a local
 * stand-in here) and a violation's resolution updates its message and replies in its thread; without
 * one, the destination's outbox sub-folder plays the channel (made-up ts, replies with thread_ts,
 * update files).
 */
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { type EmbeddedStack, startEmbeddedStack } from '../../pipeline/embedded/stack.js';
import { parseLocalConfigFile, type RoutingConfig } from '../../src/domain/routing-config.js';
import { fixture } from '../helpers/fixtures.js';
import { type SlackApiServer, startSlackApiServer } from '../helpers/slack-api-server.js';

const CHANNEL = 'C0SECURITY1';
const silentLogger = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };

function routing(): RoutingConfig {
  const parsed = parseLocalConfigFile({
    routing: {
      destinations: { security: { type: 'bot', channel: CHANNEL } },
      defaultDestination: 'security',
    },
  });
  if (!parsed.ok) throw new Error(parsed.problems.join('\n'));
  return parsed.config;
}

/** The same pair non-compliant at 10:00, compliant at 13:12. */
function violationAndResolution(): Record<string, unknown>[] {
  const base = fixture<Record<string, any>>('compliance-change', 'first-evaluation');
  const at = (id: string, type: string, ordering: string, time: string) => ({
    ...base,
    id,
    time,
    detail: {
      ...base.detail,
      newEvaluationResult: {
        ...base.detail.newEvaluationResult,
        evaluationResultIdentifier: {
          ...base.detail.newEvaluationResult.evaluationResultIdentifier,
          orderingTimestamp: ordering,
        },
        complianceType: type,
        resultRecordedTime: time,
      },
      ...(type === 'COMPLIANT' ? { oldEvaluationResult: base.detail.newEvaluationResult } : {}),
    },
  });
  return [
    at('bot-violation', 'NON_COMPLIANT', '2026-11-21T10:00:00.000Z', '2026-11-21T10:00:05Z'),
    at('bot-resolution', 'COMPLIANT', '2026-11-21T13:12:00.000Z', '2026-11-21T13:12:05Z'),
  ];
}

async function publishOneByOne(stack: EmbeddedStack, events: readonly Record<string, unknown>[]) {
  const results = [];
  for (const event of events) {
    await stack.publish([event]);
    await stack.waitUntilProcessed();
    results.push(await stack.deliverAlerts());
  }
  return results;
}

describe('bot mode in the embedded stack', () => {
  let stack: EmbeddedStack | undefined;
  let slack: SlackApiServer | undefined;
  afterEach(async () => {
    vi.unstubAllEnvs();
    await stack?.close();
    await slack?.close();
    stack = undefined;
    slack = undefined;
  });

  it('with SLACK_BOT_TOKEN: the violation is posted, its resolution updates it and replies in its thread', async () => {
    // Prepare
    slack = await startSlackApiServer({ channels: [CHANNEL] });
    vi.stubEnv('SLACK_BOT_TOKEN', slack.token);
    stack = await startEmbeddedStack({
      dataDir: mkdtempSync(join(tmpdir(), 'bot-mode-')),
      routing: routing(),
      slackApiUrl: slack.apiUrl,
      minPostIntervalMs: 0,
      messageLog: () => {},
      logger: silentLogger,
    });

    // Act
    const [posted, resolved] = await publishOneByOne(stack, violationAndResolution());

    // Assess
    expect(stack.destinations.security).toMatchObject({
      kind: 'bot',
      channel: CHANNEL,
      env: 'SLACK_BOT_TOKEN',
    });
    expect(posted).toMatchObject({ violations: 1, pending: 0 });
    expect(resolved).toMatchObject({ resolutions: 1, pending: 0 });
    const [original, ...others] = slack.messages(CHANNEL);
    expect(others).toHaveLength(0);
    expect(original?.edits).toBe(1);
    expect(original?.blocks[0]).toMatchObject({
      text: { text: ':white_check_mark: Resolved after 3 h 12 min' },
    });
    expect(slack.replies(CHANNEL, original?.ts as string)).toHaveLength(1);
  });

  it('without a token: the outbox sub-folder shows the post, the update of the same ts and the reply in its thread', async () => {
    // Prepare
    vi.stubEnv('SLACK_BOT_TOKEN', '');
    const dataDir = mkdtempSync(join(tmpdir(), 'bot-folder-'));
    stack = await startEmbeddedStack({
      dataDir,
      routing: routing(),
      messageLog: () => {},
      logger: silentLogger,
    });

    // Act
    await publishOneByOne(stack, violationAndResolution());

    // Assess
    const dir = join(dataDir, 'outbox', 'security');
    expect(stack.destinations.security).toMatchObject({ kind: 'folder', dir, channel: CHANNEL });
    const files = readdirSync(dir).sort();
    const read = files.map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as Record<string, unknown>);
    expect(files).toHaveLength(3);
    const [violation, update, reply] = read;
    expect(violation).toMatchObject({ channel: CHANNEL, ts: expect.stringMatching(/^\d+\.\d{6}$/) });
    expect(violation?.thread_ts).toBeUndefined();
    expect(files[1]).toMatch(/-update\.json$/);
    expect(update).toMatchObject({ channel: CHANNEL, ts: violation?.ts });
    expect(reply).toMatchObject({ channel: CHANNEL, thread_ts: violation?.ts });
    expect(String(reply?.text)).toMatch(/^Config violation resolved/);
  });
});
