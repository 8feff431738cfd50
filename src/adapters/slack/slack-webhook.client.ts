/**
 * Posts messages to a Slack incoming webhook with global `fetch`.
 *
 * - Every attempt has a finite timeout (`AbortSignal.timeout`), the response body included.
 * - 429: waits `Retry-After` when it is short enough, else reports a retryable failure carrying it.
 * - 5xx, timeouts and network errors: retried with exponential backoff and full jitter, bounded.
 * - 4xx: never retried here; reported with Slack's error text (`channel_not_found`…) and whether the
 *   webhook itself is broken or only this message was refused.
 * - The URL is a secret (it is the credential): it is never logged nor put into a reason.
 */
import type { MessageSink, PostResult, SlackMessage } from '../../ports/message-sink.js';
import { WebhookUrlError } from './errors.js';

/** Slack error codes that reject one message rather than the webhook (the next message may pass). */
const MESSAGE_ERRORS = new Set([
  'invalid_payload',
  'invalid_blocks',
  'invalid_blocks_format',
  'invalid_attachments',
  'too_many_attachments',
  'no_text',
  'msg_too_long',
]);

export interface SlackWebhookClientOptions {
  /** The webhook URL, or a function resolving it (Secrets Manager, cached). */
  readonly url: string | (() => Promise<string>);
  /** Called when Slack says the webhook is gone (404/410/403): lets a cached secret be re-read. */
  readonly onWebhookRejected?: () => void;
  /** Per attempt, response body included. @default 5000 */
  readonly timeoutMs?: number;
  /** Attempts per post, the first included. @default 3 */
  readonly maxAttempts?: number;
  /** @default 250 */
  readonly baseBackoffMs?: number;
  /** @default 4000 */
  readonly maxBackoffMs?: number;
  /** Longest Retry-After waited in place; longer ones are returned to the caller. @default 10000 */
  readonly maxRetryAfterMs?: number;
  readonly sleep?: (ms: number) => Promise<void>;
  /** In [0, 1); the jitter source. @default Math.random */
  readonly random?: () => number;
  readonly logger?: { warn(message: string, ...extra: Record<string, unknown>[]): void };
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
  const timeoutMs = options.timeoutMs ?? 5000;
  const maxAttempts = Math.max(options.maxAttempts ?? 3, 1);
  const baseBackoffMs = options.baseBackoffMs ?? 250;
  const maxBackoffMs = options.maxBackoffMs ?? 4000;
  const maxRetryAfterMs = options.maxRetryAfterMs ?? 10_000;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const random = options.random ?? Math.random;
  const resolveUrl = typeof options.url === 'string' ? async () => options.url as string : options.url;

  async function attempt(url: string, body: string): Promise<PostResult & { retryInMs?: number }> {
    let response: Response;
    let text: string;
    try {
      const signal = AbortSignal.timeout(timeoutMs);
      response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json; charset=utf-8' },
        body,
        signal,
        redirect: 'error',
      });
      text = (await response.text()).slice(0, 200);
    } catch (err) {
      return { ok: false, retryable: true, reason: describeFetchError(err, timeoutMs) };
    }
    if (response.ok) return { ok: true };
    const code = slackCode(text);
    const reason = `Slack webhook answered HTTP ${response.status}${code ? ` ${code}` : ''}`;
    if (response.status === 429) {
      const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'));
      return { ok: false, retryable: true, reason, retryAfterMs: retryAfterMs ?? 1000 };
    }
    if (response.status >= 500) return { ok: false, retryable: true, reason };
    const scope =
      MESSAGE_ERRORS.has(code) || response.status === 413 || (response.status === 400 && code === '')
        ? 'message'
        : 'webhook';
    if (scope === 'webhook') options.onWebhookRejected?.();
    return { ok: false, retryable: false, scope, reason };
  }

  return {
    maxPostDurationMs: maxAttempts * timeoutMs + (maxAttempts - 1) * Math.max(maxBackoffMs, maxRetryAfterMs),
    async post(message: SlackMessage): Promise<PostResult> {
      let url: string;
      try {
        url = parseWebhookUrl(await resolveUrl(), 'the Slack webhook URL').toString();
      } catch (err) {
        const reason =
          err instanceof WebhookUrlError ? err.message : `could not read the Slack webhook URL: ${name(err)}`;
        return { ok: false, retryable: false, scope: 'webhook', reason };
      }
      const body = JSON.stringify(message);
      let last: PostResult = { ok: false, retryable: true, reason: 'not attempted' };
      for (let n = 1; n <= maxAttempts; n++) {
        last = await attempt(url, body);
        if (last.ok || !last.retryable) return redact(last, url);
        if (n === maxAttempts) break;
        let wait: number;
        if (last.retryAfterMs !== undefined) {
          if (last.retryAfterMs > maxRetryAfterMs) break;
          wait = last.retryAfterMs;
        } else {
          wait = Math.floor(random() * Math.min(maxBackoffMs, baseBackoffMs * 2 ** (n - 1)));
        }
        options.logger?.warn('Slack post failed; retrying', {
          attempt: n,
          reason: last.reason,
          waitMs: wait,
        });
        await sleep(wait);
      }
      return redact(last, url);
    },
  };
}

/** Slack's error text is a short snake_case code; keep only that, never echo arbitrary bodies. */
function slackCode(text: string): string {
  const match = /^[a-z0-9_]{1,60}$/.exec(text.trim());
  return match ? match[0] : '';
}

/** Retry-After in seconds or as an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null, now: number = Date.now()): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(at - now, 0);
}

function describeFetchError(err: unknown, timeoutMs: number): string {
  if (err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError')) {
    return `Slack webhook did not answer within ${timeoutMs} ms`;
  }
  const cause = err instanceof Error ? (err.cause as { code?: unknown } | undefined) : undefined;
  const code = typeof cause?.code === 'string' ? cause.code : name(err);
  return `Slack webhook unreachable (${code})`;
}

function name(err: unknown): string {
  return err instanceof Error ? err.name : typeof err;
}

/** Belt and braces: no reason ever carries the URL, whatever produced it. */
function redact(result: PostResult, url: string): PostResult {
  if (result.ok || !result.reason.includes(url)) return result;
  return { ...result, reason: result.reason.split(url).join('<webhook>') };
}
