import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { classifyWebApiAnswer, createSlackBotClient } from '../../src/adapters/slack/slack-bot.client.js';
import type { SlackMessage } from '../../src/ports/message-sink.js';
import { apiReply, type SlackApiServer, startSlackApiServer } from '../helpers/slack-api-server.js';

const message = (text: string): SlackMessage => ({
  text,
  blocks: [{ type: 'section', text: { type: 'mrkdwn', text } }],
});

describe('the Slack bot client against a chat.postMessage / chat.update stand-in', () => {
  let slack: SlackApiServer;
  const waits: number[] = [];

  beforeEach(async () => {
    slack = await startSlackApiServer();
    waits.length = 0;
  });
  afterEach(async () => {
    await slack.close();
  });

  const client = (overrides: Partial<Parameters<typeof createSlackBotClient>[0]> = {}) =>
    createSlackBotClient({
      token: slack.token,
      channel: 'C0ALERTS',
      apiUrl: slack.apiUrl,
      timeoutMs: 500,
      sleep: async (ms) => {
        waits.push(ms);
      },
      random: () => 0.5,
      ...overrides,
    });

  it('posts with the token as a bearer and returns the ts, which a thread reply and an update use', async () => {
    const bot = client();
    const first = await bot.post(message('violation'));
    expect(first.ok).toBe(true);
    const posted = first.ok ? first.posted : undefined;
    expect(posted?.channel).toBe('C0ALERTS');
    expect(posted?.ts).toMatch(/^\d+\.\d{6}$/);
    expect(slack.requests[0]?.authorization).toBe(`Bearer ${slack.token}`);
    expect(slack.requests[0]?.body).toMatchObject({
      channel: 'C0ALERTS',
      unfurl_links: false,
      unfurl_media: false,
    });

    const reply = await bot.post(message('resolved'), { threadOf: posted! });
    expect(reply.ok).toBe(true);
    const updated = await bot.update!(posted!, message('violation, resolved'));
    expect(updated).toEqual({ ok: true, posted });

    expect(slack.messages('C0ALERTS').map((m) => [m.text, m.edits])).toEqual([['violation, resolved', 1]]);
    expect(slack.replies('C0ALERTS', posted!.ts).map((m) => m.text)).toEqual(['resolved']);
  });

  it('waits a short Retry-After in place, and returns a long one to the caller', async () => {
    slack.script(apiReply.rateLimited(2));
    expect((await client().post(message('a'))).ok).toBe(true);
    expect(waits).toEqual([2000]);
    expect(slack.messages('C0ALERTS')).toHaveLength(1);

    slack.script(apiReply.rateLimited(60));
    const result = await client().post(message('b'));
    expect(result).toMatchObject({ ok: false, retryable: true, retryAfterMs: 60_000 });
    expect(slack.messages('C0ALERTS')).toHaveLength(1);
  });

  it('paces nothing itself, but a channel posted to faster than it allows answers 429 and the client waits', async () => {
    await slack.close();
    slack = await startSlackApiServer({ perChannelPerSecond: 1, burst: 1 });
    const bot = createSlackBotClient({ token: slack.token, channel: 'C0ALERTS', apiUrl: slack.apiUrl });
    const results = [await bot.post(message('1')), await bot.post(message('2'))];
    expect(results.every((r) => r.ok)).toBe(true);
    expect(slack.requests.filter((r) => r.reply === 'normal')).toHaveLength(3);
    expect(slack.messages('C0ALERTS')).toHaveLength(2);
  });

  it.each([
    ['channel_not_found', 'webhook'],
    ['not_in_channel', 'webhook'],
    ['invalid_auth', 'webhook'],
    ['missing_scope', 'webhook'],
    ['invalid_blocks', 'message'],
    ['msg_too_long', 'message'],
    ['message_not_found', 'message'],
    ['cant_update_message', 'message'],
  ])('treats %s as a %s-level refusal, never retried in place', async (code, scope) => {
    slack.script(apiReply.error(code));
    const result = await client().post(message('x'));
    expect(result).toMatchObject({ ok: false, retryable: false, scope });
    expect(result.ok ? '' : result.reason).toContain(code);
    expect(slack.requests).toHaveLength(1);
  });

  it('retries 5xx and internal_error with bounded backoff', async () => {
    slack.script(apiReply.serverError(503), apiReply.error('internal_error'));
    expect((await client().post(message('x'))).ok).toBe(true);
    expect(slack.requests).toHaveLength(3);
    expect(waits).toEqual([125, 250]);
  });

  it('never re-sends a call that went out unanswered, nor a fatal_error (it may have posted)', async () => {
    slack.script(apiReply.doneNoAnswer);
    const unanswered = await client().post(message('x'));
    expect(unanswered).toMatchObject({ ok: false, retryable: true, ambiguous: true });
    expect(slack.messages('C0ALERTS')).toHaveLength(1);

    slack.script(apiReply.error('fatal_error'));
    expect(await client().post(message('y'))).toMatchObject({ ok: false, ambiguous: true });
    expect(slack.requests).toHaveLength(2);
  });

  it('refuses a token of the wrong shape without sending it or quoting it', async () => {
    const result = await client({ token: 'not-a-token-secret-value' }).post(message('x'));
    expect(result).toMatchObject({ ok: false, retryable: false, scope: 'webhook' });
    expect(JSON.stringify(result)).not.toContain('secret-value');
    expect(slack.requests).toHaveLength(0);
  });

  it('retries a refused connection before anything was sent, then reports it without the token', async () => {
    const closed = createSlackBotClient({
      token: slack.token,
      channel: 'C0ALERTS',
      apiUrl: 'http://127.0.0.1:9/api/',
      timeoutMs: 300,
      sleep: async () => {},
    });
    const result = await closed.post(message('x'));
    expect(result).toMatchObject({ ok: false, retryable: true });
    expect(JSON.stringify(result)).not.toContain(slack.token);
  });
});

describe('classifyWebApiAnswer', () => {
  it('needs ok:true with a 2xx; an HTML 200 is a message-level refusal, not success', () => {
    expect(
      classifyWebApiAnswer('Slack chat.postMessage', 200, '{"ok":true,"channel":"C1","ts":"1.2"}', null),
    ).toEqual({
      ok: true,
      posted: { channel: 'C1', ts: '1.2' },
    });
    expect(classifyWebApiAnswer('Slack chat.postMessage', 200, '<html>', null)).toMatchObject({
      ok: false,
      scope: 'message',
    });
  });

  it('keeps only a snake_case code from the answer, never other text', () => {
    const result = classifyWebApiAnswer(
      'Slack chat.postMessage',
      400,
      '{"ok":false,"error":"<b>hi</b> https://x"}',
      null,
    );
    expect(result.ok ? '' : result.reason).toBe('Slack chat.postMessage answered HTTP 400');
  });
});
