/**
 * Posts to one Slack channel through the Web API with a bot token (`chat:write`): `chat.postMessage`
 * answers the message's `ts`, which lets a later message reply in its thread (`thread_ts`) and
 * `chat.update` rewrite it — the lifecycle that webhook mode cannot have.
 *
 * The same rules as the webhook client (slack-webhook.client.ts), for the Web API's answers:
 * - Success is HTTP 2xx with a JSON body whose `ok` is true; it carries `channel` and `ts`
 *   (https://docs.slack.dev/reference/methods/chat.postMessage). Any other answer is the error it
 *   names (`{"ok":false,"error":"channel_not_found"}`), whatever the status.
 * - Rate limits: HTTP 429 with `Retry-After` in seconds; chat.postMessage allows about one message
 *   a second per channel, with short bursts (https://docs.slack.dev/apis/web-api/rate-limits). A
 *   short Retry-After is waited in place; a longer one is returned to the caller, which closes the
 *   destination's gate.
 * - A failure before the request was sent, a 5xx, `internal_error` or `service_unavailable`:
 *   retried with exponential backoff and full jitter, bounded. A timeout or reset after the request
 *   went out, or `fatal_error` (Slack: "it's possible some aspect of the operation succeeded"), is
 *   ambiguous: never retried here.
 * - The token is a secret: it travels only in the `authorization` header, never in a reason or a log.
 */

import type {
  MessageSink,
  PostedMessage,
  PostOptions,
  PostResult,
  SlackMessage,
} from '../../ports/message-sink.js';
import { type AttemptOptions, attemptPolicyOf, parseRetryAfter, send, withRetries } from './slack-http.js';

/*
 * chat.postMessage's and chat.update's documented errors, by what they say: the token or the channel
 * is unusable (every message will fail until the configuration is fixed), or only this message.
 * https://docs.slack.dev/reference/methods/chat.postMessage#errors,
 * https://docs.slack.dev/reference/methods/chat.update#errors
 */
const DESTINATION_ERRORS = new Set([
  'not_authed',
  'invalid_auth',
  'account_inactive',
  'token_revoked',
  'token_expired',
  'no_permission',
  'missing_scope',
  'not_allowed_token_type',
  'team_access_not_granted',
  'ekm_access_denied',
  'org_login_required',
  'channel_not_found',
  'not_in_channel',
  'is_archived',
  'restricted_action',
  'restricted_action_read_only_channel',
  'restricted_action_non_threadable_channel',
  'restricted_action_thread_locked',
  'team_not_found',
  'access_denied',
]);

const MESSAGE_ERRORS = new Set([
  'invalid_blocks',
  'invalid_blocks_format',
  'invalid_arguments',
  'invalid_attachments',
  'too_many_attachments',
  'msg_too_long',
  'no_text',
  'invalid_metadata_format',
  'invalid_metadata_schema',
  'metadata_too_large',
  'duplicate_message_not_found',
  'message_limit_exceeded',
  'thread_reply_not_found',
  // chat.update: the original is gone or can no longer be edited; the caller posts instead.
  'message_not_found',
  'cant_update_message',
  'edit_window_closed',
  'update_failed',
]);

const RETRYABLE_ERRORS = new Set(['internal_error', 'service_unavailable', 'request_timeout', 'ratelimited']);

/** Slack: the operation may have succeeded in part. */
const AMBIGUOUS_ERRORS = new Set(['fatal_error']);

export interface SlackBotClientOptions extends AttemptOptions {
  /** The bot token (`xoxb-…`), or a function resolving it (Secrets Manager, cached). */
  readonly token: string | (() => Promise<string>);
  /** The channel id (`C0123456789`) or name the messages go to. */
  readonly channel: string;
  /** The Web API's base URL; a local stand-in in tests. @default https://slack.com/api/ */
  readonly apiUrl?: string;
  /** Called when Slack says the token itself is unusable: lets a cached secret be re-read. */
  readonly onTokenRejected?: () => void;
}

export interface SlackBotClient extends MessageSink {
  readonly maxPostDurationMs: number;
  /** Rewrites a message this bot posted (`chat.update`). */
  update(ref: PostedMessage, message: SlackMessage): Promise<PostResult>;
}

const TOKEN_SHAPE = /^xox[a-z]-[A-Za-z0-9-]{10,250}$/;

/** Validates a bot token's shape without quoting it. */
export function checkBotToken(token: string, source: string): string | null {
  const trimmed = token.trim();
  if (!TOKEN_SHAPE.test(trimmed)) {
    return `${source} is not a Slack bot token (a string of ${trimmed.length} characters); expected xoxb-…`;
  }
  return null;
}

/** A {@link MessageSink} posting to one channel with a bot token. */
export function createSlackBotClient(options: SlackBotClientOptions): SlackBotClient {
  const policy = attemptPolicyOf(options);
  const { timeoutMs } = policy;
  const resolveToken =
    typeof options.token === 'string' ? async () => options.token as string : options.token;
  const apiUrl = new URL(options.apiUrl ?? 'https://slack.com/api/');
  const local = apiUrl.hostname === '127.0.0.1' || apiUrl.hostname === 'localhost';
  if (apiUrl.protocol !== 'https:' && !(apiUrl.protocol === 'http:' && local)) {
    throw new Error(`the Slack API URL must be https, got a ${apiUrl.protocol} URL`);
  }

  async function call(method: string, payload: Record<string, unknown>): Promise<BotResult> {
    let token: string;
    try {
      token = (await resolveToken()).trim();
    } catch (err) {
      return {
        ok: false,
        retryable: false,
        scope: 'webhook',
        reason: `could not read the Slack bot token: ${name(err)}`,
      };
    }
    const shape = checkBotToken(token, 'the Slack bot token');
    if (shape) return { ok: false, retryable: false, scope: 'webhook', reason: shape };
    const url = new URL(method, apiUrl);
    const body = JSON.stringify(payload);
    const peer = `Slack ${method}`;
    const once = async (): Promise<BotResult> => {
      const answer = await send(url, body, {
        timeoutMs,
        peer,
        headers: { authorization: `Bearer ${token}` },
        maxAnswerBytes: 1 << 20,
      });
      if (answer.kind === 'unsent') return { ok: false, retryable: true, reason: answer.reason };
      if (answer.kind === 'unanswered')
        return { ok: false, retryable: true, ambiguous: true, reason: answer.reason };
      const result = classifyWebApiAnswer(peer, answer.status, answer.text, answer.retryAfter);
      if (!result.ok && !result.retryable && result.scope === 'webhook') options.onTokenRejected?.();
      return result;
    };
    const last = await withRetries(once, policy, {
      message: 'Slack call failed; retrying',
      fields: { method },
    });
    return redact(last, token);
  }

  return {
    maxPostDurationMs: policy.maxCallDurationMs,
    async post(message: SlackMessage, postOptions: PostOptions = {}): Promise<PostResult> {
      return call('chat.postMessage', {
        channel: postOptions.threadOf?.channel ?? options.channel,
        text: message.text,
        blocks: message.blocks,
        ...(postOptions.threadOf ? { thread_ts: postOptions.threadOf.ts } : {}),
        // Links in untrusted text never unfurl into previews.
        unfurl_links: false,
        unfurl_media: false,
      });
    },
    async update(ref: PostedMessage, message: SlackMessage): Promise<PostResult> {
      return call('chat.update', {
        channel: ref.channel,
        ts: ref.ts,
        text: message.text,
        blocks: message.blocks,
      });
    },
  };
}

type BotResult = PostResult & { retryAfterMs?: number };

/** Slack's Web API answer: success only for 2xx and `{"ok":true, "channel", "ts"}`. */
export function classifyWebApiAnswer(
  peer: string,
  status: number,
  text: string,
  retryAfterHeader: string | null,
): BotResult {
  const json = parseJson(text);
  const success = status >= 200 && status <= 299;
  if (success && json?.ok === true) {
    const channel = typeof json.channel === 'string' ? json.channel : null;
    const ts = typeof json.ts === 'string' ? json.ts : null;
    return channel && ts ? { ok: true, posted: { channel, ts } } : { ok: true };
  }
  const code = typeof json?.error === 'string' ? slackCode(json.error) : '';
  const reason = `${peer} answered HTTP ${status}${code ? ` ${code}` : success ? ' without ok' : ''}`;
  const named = code ? { code } : {};
  if (status === 429 || code === 'rate_limited' || code === 'ratelimited') {
    return {
      ok: false,
      retryable: true,
      reason,
      retryAfterMs: parseRetryAfter(retryAfterHeader) ?? 1000,
      ...named,
    };
  }
  if (AMBIGUOUS_ERRORS.has(code)) return { ok: false, retryable: true, ambiguous: true, reason, ...named };
  if (status >= 500 || RETRYABLE_ERRORS.has(code)) return { ok: false, retryable: true, reason, ...named };
  if (DESTINATION_ERRORS.has(code) || status === 401 || status === 403 || status === 404) {
    return { ok: false, retryable: false, scope: 'webhook', reason, ...named };
  }
  // A known refusal of this message, or any other answer a working API gave with 2xx; an unknown
  // code with a 4xx is taken as the destination's problem (bounded retries, then an operator).
  const scope = MESSAGE_ERRORS.has(code) || success ? 'message' : 'webhook';
  return { ok: false, retryable: false, scope, reason, ...named };
}

function parseJson(text: string): { ok?: unknown; error?: unknown; channel?: unknown; ts?: unknown } | null {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** Slack's error is a short snake_case code; keep only that, never echo arbitrary bodies. */
function slackCode(text: string): string {
  const match = /^[a-z0-9_]{1,60}$/.exec(text.trim());
  return match ? match[0] : '';
}

function name(err: unknown): string {
  return err instanceof Error ? err.name : typeof err;
}

/** Belt and braces: no reason ever carries the token, whatever produced it. */
function redact<T extends PostResult>(result: T, token: string): T {
  if (result.ok || !result.reason.includes(token)) return result;
  return { ...result, reason: result.reason.split(token).join('<token>') };
}
