/**
 * Posts messages to a Slack incoming webhook with `node:http(s)`, which, unlike `fetch`, tells
 * whether the request had been sent when an attempt fails.
 *
 * - Every attempt has a finite timeout, the response body included.
 * - Success is HTTP 2xx with the body `ok` (or a JSON `{"ok":true}`, as workflow webhooks answer).
 *   Any other body is the error it names, whatever the status: Slack answers some refusals
 *   (`invalid_blocks`, `no_text`…) with HTTP 200 and posts nothing.
 * - A failure before the whole request was written (refused, DNS, TLS, connect timeout) is
 *   retried with exponential backoff and full jitter, bounded: Slack cannot have posted it.
 * - A timeout or a reset after the request was sent is ambiguous (Slack may have posted it and
 *   answered late, or never): never retried here, reported `ambiguous` for the caller to decide.
 *   One connection per post (no keep-alive), so a reset is never the race of a stale idle socket.
 * - 429 (or a `rate_limited` body): waits `Retry-After` when it is short enough, else reports a
 *   retryable failure carrying it. 5xx: retried like a failure before sending (an answer came).
 * - 4xx and non-`ok` 200s: never retried here; reported with Slack's error text
 *   (`channel_not_found`…) and whether the webhook itself is broken or only this message was refused.
 * - The URL is a secret (it is the credential): it is never logged nor put into a reason.
 */

import type { MessageSink, PostResult, SlackMessage } from '../../ports/message-sink.js';
import { WebhookUrlError } from './errors.js';
import { type AttemptOptions, attemptPolicyOf, parseRetryAfter, send, withRetries } from './slack-http.js';

export { parseRetryAfter } from './slack-http.js';

/*
 * Slack's incoming-webhook errors, as Slack documents them: "Handling errors" in
 * https://docs.slack.dev/messaging/sending-messages-using-incoming-webhooks (invalid_payload,
 * user_not_found, channel_not_found, channel_is_archived, action_prohibited,
 * posting_to_general_channel_denied, too_many_attachments, no_service, no_active_hooks,
 * invalid_token, team_disabled…) and the status codes they come with in
 * https://api.slack.com/changelog/2016-05-17-changes-to-errors-for-incoming-webhooks
 * (400 invalid_payload/user_not_found, 403 action_prohibited, 404 channel_not_found,
 * 410 channel_is_archived, 500 rollup_error). Block Kit refusals (invalid_blocks, no_text…) can
 * come with HTTP 200: the status alone never means posted.
 */

/** Slack error codes that reject one message rather than the webhook (the next message may pass). */
const MESSAGE_ERRORS = new Set([
  'invalid_payload',
  'invalid_blocks',
  'invalid_blocks_format',
  'invalid_attachments',
  'too_many_attachments',
  'no_text',
  'missing_text_or_fallback_or_attachments',
  'msg_too_long',
  'user_not_found',
]);

/** Slack error codes that say the webhook itself is unusable (every message will fail). */
const WEBHOOK_ERRORS = new Set([
  'no_service',
  'no_active_hooks',
  'no_team',
  'invalid_token',
  'team_disabled',
  'channel_not_found',
  'channel_is_archived',
  'action_prohibited',
  'posting_to_general_channel_denied',
]);

/** Slack error codes that mean "too fast": the 429 path. */
const RATE_LIMIT_ERRORS = new Set(['rate_limited', 'ratelimited']);

export interface SlackWebhookClientOptions extends AttemptOptions {
  /** The webhook URL, or a function resolving it (Secrets Manager, cached). */
  readonly url: string | (() => Promise<string>);
  /** Called when Slack says the webhook is gone (404/410/403): lets a cached secret be re-read. */
  readonly onWebhookRejected?: () => void;
}

export interface SlackWebhookClient extends MessageSink {
  /** Worst-case duration of one `post` (all attempts, waits and timeouts): budget the Lambda with it. */
  readonly maxPostDurationMs: number;
}

/**
 * Validates a webhook URL: https, or http on 127.0.0.1/localhost (the local test server). Throws a
 * {@link WebhookUrlError} that describes the problem without quoting the URL.
 */
export function parseWebhookUrl(value: string, source: string): URL {
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    throw new WebhookUrlError(
      `${source} is not a URL (a string of ${value.length} characters); expected https://hooks.slack.com/…`,
    );
  }
  const local = url.hostname === '127.0.0.1' || url.hostname === 'localhost';
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && local)) {
    throw new WebhookUrlError(`${source} must be an https URL, got a ${url.protocol} URL`);
  }
  return url;
}

/** A {@link MessageSink} posting to one Slack incoming webhook. */
export function createSlackWebhookClient(options: SlackWebhookClientOptions): SlackWebhookClient {
  const policy = attemptPolicyOf(options);
  const { timeoutMs } = policy;
  const resolveUrl = typeof options.url === 'string' ? async () => options.url as string : options.url;

  async function attempt(url: URL, body: string): Promise<PostResult & { retryAfterMs?: number }> {
    const answer = await send(url, body, { timeoutMs, peer: 'Slack webhook' });
    if (answer.kind === 'unsent') return { ok: false, retryable: true, reason: answer.reason };
    if (answer.kind === 'unanswered') {
      return { ok: false, retryable: true, ambiguous: true, reason: answer.reason };
    }
    const result = classifyAnswer(answer.status, answer.text, answer.retryAfter);
    if (!result.ok && !result.retryable && result.scope === 'webhook') options.onWebhookRejected?.();
    return result;
  }

  return {
    maxPostDurationMs: policy.maxCallDurationMs,
    async post(message: SlackMessage): Promise<PostResult> {
      let url: URL;
      try {
        url = parseWebhookUrl(await resolveUrl(), 'the Slack webhook URL');
      } catch (err) {
        const reason =
          err instanceof WebhookUrlError ? err.message : `could not read the Slack webhook URL: ${name(err)}`;
        return { ok: false, retryable: false, scope: 'webhook', reason };
      }
      const body = JSON.stringify(message);
      const last = await withRetries(() => attempt(url, body), policy, {
        message: 'Slack post failed; retrying',
      });
      return redact(last, url.toString());
    },
  };
}

/**
 * Slack's answer to a post that went through: success only for 2xx with `ok`; any other body is
 * the error it names (see the error lists above), whatever the status.
 */
export function classifyAnswer(
  status: number,
  text: string,
  retryAfterHeader: string | null,
): PostResult & { retryAfterMs?: number } {
  const success = status >= 200 && status <= 299;
  const answer = parseAnswer(text);
  if (success && answer.ok) return { ok: true };
  const code = answer.code;
  const reason =
    success && !code
      ? `Slack webhook answered HTTP ${status} with a body other than "ok"`
      : `Slack webhook answered HTTP ${status}${code ? ` ${code}` : ''}`;
  if (status === 429 || RATE_LIMIT_ERRORS.has(code)) {
    const retryAfterMs = parseRetryAfter(retryAfterHeader);
    return { ok: false, retryable: true, reason, retryAfterMs: retryAfterMs ?? 1000 };
  }
  if (status >= 500) return { ok: false, retryable: true, reason };
  let scope: 'webhook' | 'message';
  if (WEBHOOK_ERRORS.has(code)) scope = 'webhook';
  else if (success || MESSAGE_ERRORS.has(code) || status === 413 || (status === 400 && code === '')) {
    // A 2xx that is not `ok` reached the webhook, so the webhook works: this message was refused.
    scope = 'message';
  } else scope = 'webhook';
  return { ok: false, retryable: false, scope, reason };
}

/**
 * `ok`, a JSON `{"ok":true}`, or Slack's error text: a short snake_case code, alone or as the JSON
 * `error`. Only such a code is kept; an arbitrary body is never echoed.
 */
function parseAnswer(text: string): { ok: boolean; code: string } {
  const trimmed = text.trim();
  if (trimmed === 'ok') return { ok: true, code: '' };
  if (trimmed.startsWith('{')) {
    try {
      const json = JSON.parse(trimmed) as { ok?: unknown; error?: unknown };
      if (json.ok === true) return { ok: true, code: '' };
      return { ok: false, code: typeof json.error === 'string' ? slackCode(json.error) : '' };
    } catch {
      return { ok: false, code: '' };
    }
  }
  return { ok: false, code: slackCode(trimmed) };
}

/** Slack's error text is a short snake_case code; keep only that, never echo arbitrary bodies. */
function slackCode(text: string): string {
  const match = /^[a-z0-9_]{1,60}$/.exec(text.trim());
  return match ? match[0] : '';
}

function name(err: unknown): string {
  return err instanceof Error ? err.name : typeof err;
}

/** Belt and braces: no reason ever carries the URL, whatever produced it. */
function redact(result: PostResult, url: string): PostResult {
  if (result.ok || !result.reason.includes(url)) return result;
  return { ...result, reason: result.reason.split(url).join('<webhook>') };
}
