import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createSlackWebhookClient, parseRetryAfter } from '../../src/adapters/slack/slack-webhook.client.js';
import type { SlackMessage } from '../../src/ports/message-sink.js';
import { reply, type SlackServer, startSlackServer } from '../helpers/slack-server.js';

const MESSAGE: SlackMessage = {
  text: 'hello "world"\n',
  blocks: [{ type: 'section', text: { type: 'mrkdwn', text: 'x' } }],
};

let server: SlackServer;
const sleeps: number[] = [];
const warnings: string[] = [];

function client(overrides: Partial<Parameters<typeof createSlackWebhookClient>[0]> = {}) {
  return createSlackWebhookClient({
    url: server.url,
    timeoutMs: 300,
    maxAttempts: 3,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    random: () => 0.5,
    logger: { warn: (message, extra) => warnings.push(`${message} ${JSON.stringify(extra)}`) },
    ...overrides,
  });
}

beforeAll(async () => {
  server = await startSlackServer();
});
afterAll(async () => {
  await server?.close();
});
beforeEach(() => {
  server.requests.length = 0;
  server.setDefault(reply.ok);
  sleeps.length = 0;
  warnings.length = 0;
});

describe('Slack webhook client against a local webhook', () => {
  it('posts the message as JSON and succeeds on 200 ok', async () => {
    // Act
    const result = await client().post(MESSAGE);

    // Assess
    expect(result).toEqual({ ok: true });
    expect(server.requests).toHaveLength(1);
    expect(server.requests[0]?.method).toBe('POST');
    expect(server.requests[0]?.contentType).toMatch(/^application\/json/);
    expect(JSON.parse(server.requests[0]!.body)).toEqual(MESSAGE);
  });

  it('honours 429 Retry-After, then succeeds', async () => {
    // Prepare
    server.script(reply.rateLimited(2));

    // Act
    const result = await client().post(MESSAGE);

    // Assess
    expect(result).toEqual({ ok: true });
    expect(server.requests.map((r) => r.status)).toEqual([429, 200]);
    expect(sleeps).toEqual([2000]);
  });

  it('hands a Retry-After longer than it may wait back to the caller, without waiting', async () => {
    // Prepare
    server.script(reply.rateLimited(120));

    // Act
    const result = await client().post(MESSAGE);

    // Assess
    expect(result).toEqual({
      ok: false,
      retryable: true,
      reason: 'Slack webhook answered HTTP 429 rate_limited',
      retryAfterMs: 120_000,
    });
    expect(server.requests).toHaveLength(1);
    expect(sleeps).toEqual([]);
  });

  it('retries 500 with bounded, jittered exponential backoff and reports a retryable failure', async () => {
    // Prepare
    server.setDefault(reply.serverError(500));

    // Act
    const result = await client({ baseBackoffMs: 1000, maxBackoffMs: 1500 }).post(MESSAGE);

    // Assess
    expect(result).toEqual({
      ok: false,
      retryable: true,
      reason: 'Slack webhook answered HTTP 500 internal_error',
    });
    expect(server.requests).toHaveLength(3);
    expect(sleeps).toEqual([500, 750]); // random 0.5 × min(1500, 1000·2^(n-1))
  });

  it('recovers when a 5xx is followed by success', async () => {
    // Prepare
    server.script(reply.serverError(503));

    // Act
    const result = await client().post(MESSAGE);

    // Assess
    expect(result).toEqual({ ok: true });
    expect(server.requests.map((r) => r.status)).toEqual([503, 200]);
  });

  it('gives up on a webhook that hangs past the timeout without re-posting: the outcome is unknown', async () => {
    // Prepare
    server.setDefault(reply.hang);
    const started = Date.now();

    // Act
    const result = await client({ timeoutMs: 200, maxAttempts: 2 }).post(MESSAGE);

    // Assess
    expect(result).toEqual({
      ok: false,
      retryable: true,
      ambiguous: true,
      reason: 'Slack webhook did not answer within 200 ms of receiving the message (it may have posted it)',
    });
    expect(server.requests).toHaveLength(1);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  describe.each([
    { name: 'accepts the post and answers after the timeout', answer: reply.lateOk(600) },
    { name: 'accepts the post and never answers', answer: reply.postedNoAnswer },
  ])('a webhook that $name', ({ answer }) => {
    it('gets the message once: a timeout after the request was sent is not retried', async () => {
      // Prepare
      server.setDefault(answer);

      // Act
      const result = await client({ timeoutMs: 200, maxAttempts: 3 }).post(MESSAGE);
      await new Promise((r) => setTimeout(r, 700)); // the late answer arrives; nothing else does

      // Assess
      expect(result).toMatchObject({ ok: false, retryable: true, ambiguous: true });
      expect(server.requests).toHaveLength(1);
      expect(server.delivered()).toHaveLength(1);
      expect(sleeps).toEqual([]);
    });
  });

  it('does not retry a post whose connection is reset after the request was sent', async () => {
    // Prepare
    server.setDefault(reply.reset);

    // Act
    const result = await client({ maxAttempts: 3 }).post(MESSAGE);

    // Assess
    expect(result).toEqual({
      ok: false,
      retryable: true,
      ambiguous: true,
      reason:
        'Slack webhook connection failed after the message was sent (ECONNRESET; it may have posted it)',
    });
    expect(server.requests).toHaveLength(1);
  });

  describe.each([
    { body: 'invalid_blocks', scope: 'message' },
    { body: 'invalid_payload', scope: 'message' },
    { body: 'no_text', scope: 'message' },
    { body: 'too_many_attachments', scope: 'message' },
    { body: 'channel_not_found', scope: 'webhook' },
    { body: 'no_service', scope: 'webhook' },
  ])('HTTP 200 with body $body', ({ body, scope }) => {
    it('is the error it names, not a delivery', async () => {
      // Prepare
      server.setDefault(reply.okStatusError(body));

      // Act
      const result = await client().post(MESSAGE);

      // Assess
      expect(result).toEqual({
        ok: false,
        retryable: false,
        scope,
        reason: `Slack webhook answered HTTP 200 ${body}`,
      });
      expect(server.requests).toHaveLength(1);
    });
  });

  it('treats HTTP 200 rate_limited as a 429', async () => {
    // Prepare
    server.setDefault(reply.okStatusError('rate_limited'));

    // Act
    const result = await client({ maxAttempts: 2 }).post(MESSAGE);

    // Assess
    expect(result).toEqual({
      ok: false,
      retryable: true,
      reason: 'Slack webhook answered HTTP 200 rate_limited',
      retryAfterMs: 1000,
    });
    expect(sleeps).toEqual([1000]);
    expect(server.requests).toHaveLength(2);
  });

  it('treats an HTTP 200 whose body is neither ok nor an error code as a refused message, without echoing it', async () => {
    // Prepare
    server.setDefault(reply.okStatusError('<html>https://hooks.slack.com/services/SECRET</html>'));

    // Act
    const result = await client().post(MESSAGE);

    // Assess
    expect(result).toEqual({
      ok: false,
      retryable: false,
      scope: 'message',
      reason: 'Slack webhook answered HTTP 200 with a body other than "ok"',
    });
  });

  it('accepts a JSON {"ok":true} answer (workflow webhooks) and names a JSON error', async () => {
    // Prepare
    server.script(
      reply.okStatusError('{"ok":true}'),
      reply.okStatusError('{"ok":false,"error":"invalid_blocks"}'),
    );

    // Act
    const first = await client().post(MESSAGE);
    const second = await client().post(MESSAGE);

    // Assess
    expect(first).toEqual({ ok: true });
    expect(second).toMatchObject({
      ok: false,
      scope: 'message',
      reason: 'Slack webhook answered HTTP 200 invalid_blocks',
    });
  });

  describe.each([
    {
      name: '404 channel_not_found',
      answer: reply.channelNotFound,
      scope: 'webhook',
      text: 'HTTP 404 channel_not_found',
    },
    { name: '404 no_service', answer: reply.noService, scope: 'webhook', text: 'HTTP 404 no_service' },
    {
      name: '410 channel_is_archived',
      answer: reply.channelArchived,
      scope: 'webhook',
      text: 'HTTP 410 channel_is_archived',
    },
    {
      name: '403 action_prohibited',
      answer: { kind: 'error', status: 403, body: 'action_prohibited' } as const,
      scope: 'webhook',
      text: 'HTTP 403 action_prohibited',
    },
    {
      name: '400 invalid_payload',
      answer: reply.invalidPayload,
      scope: 'message',
      text: 'HTTP 400 invalid_payload',
    },
  ])('$name', ({ answer, scope, text }) => {
    it('is reported with Slack’s error text and not retried', async () => {
      // Prepare
      server.setDefault(answer);
      let rejected = 0;

      // Act
      const result = await client({ onWebhookRejected: () => rejected++ }).post(MESSAGE);

      // Assess
      expect(result).toEqual({
        ok: false,
        retryable: false,
        scope,
        reason: `Slack webhook answered ${text}`,
      });
      expect(server.requests).toHaveLength(1);
      expect(rejected).toBe(scope === 'webhook' ? 1 : 0);
    });
  });

  it('retries an unreachable webhook (nothing was sent), and never mentions the URL', async () => {
    // Prepare: a closed port
    const dead = await startSlackServer();
    const url = dead.url;
    await dead.close();

    // Act
    const result = await client({ url, maxAttempts: 2 }).post(MESSAGE);

    // Assess: nothing was sent, so the client's own retry is safe (and made)
    expect(result).toMatchObject({ ok: false, retryable: true });
    expect(result).not.toHaveProperty('ambiguous');
    expect(warnings).toHaveLength(1);
    expect(JSON.stringify(result)).toMatch(/unreachable \(ECONNREFUSED\)/);
    expect(JSON.stringify(result)).not.toContain('XXXXXXXX');
    expect(warnings.join('\n')).not.toContain('XXXXXXXX');
    expect(warnings.join('\n')).not.toContain('127.0.0.1');
  });

  it('refuses a non-https URL without quoting it', async () => {
    // Act
    const result = await client({ url: 'ftp://hooks.example/services/SECRETPATH' }).post(MESSAGE);

    // Assess
    expect(result).toMatchObject({ ok: false, retryable: false, scope: 'webhook' });
    expect(JSON.stringify(result)).not.toContain('SECRETPATH');
  });

  it('never echoes an arbitrary error body', async () => {
    // Prepare
    server.setDefault({
      kind: 'error',
      status: 404,
      body: '<html>secret page with https://hooks.slack.com/x</html>',
    });

    // Act
    const result = await client().post(MESSAGE);

    // Assess
    expect(result).toEqual({
      ok: false,
      retryable: false,
      scope: 'webhook',
      reason: 'Slack webhook answered HTTP 404',
    });
  });

  it('states its worst-case post duration for the Lambda budget', () => {
    expect(client({ timeoutMs: 5000, maxAttempts: 3, maxRetryAfterMs: 10_000 }).maxPostDurationMs).toBe(
      35_000,
    );
  });
});

describe('parseRetryAfter', () => {
  it.each([
    ['3', 3000],
    ['0.5', 500],
    ['Wed, 21 Oct 2015 07:28:10 GMT', 10_000],
    ['soon', undefined],
    [null, undefined],
  ])('%s → %s ms', (value, expected) => {
    expect(parseRetryAfter(value, Date.parse('Wed, 21 Oct 2015 07:28:00 GMT'))).toBe(expected);
  });
});
