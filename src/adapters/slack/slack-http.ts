/**
 * One HTTP POST to Slack (an incoming webhook or the Web API) with `node:http(s)`, which, unlike
 * `fetch`, tells whether the request had been sent when an attempt fails: before the last byte went
 * out Slack cannot have the message; after it, a missing answer is ambiguous (it may have posted).
 * Shared by the webhook client and the bot client, which classify the answers each in its own way.
 */
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { backoffDelay } from '../../domain/backoff.js';
import type { PostResult } from '../../ports/message-sink.js';

export interface SendOptions {
  /** Covers connect, send and the whole answer. */
  readonly timeoutMs: number;
  /** Names the peer in reasons (`Slack webhook`, `Slack chat.postMessage`); never a URL. */
  readonly peer: string;
  /** Extra request headers (the bot token's `authorization`): never logged. */
  readonly headers?: Readonly<Record<string, string>>;
  /**
   * Bytes of an answer kept at most: a webhook answers a short code; the Web API echoes the posted
   * message (up to 50 blocks) after `ok`, `channel` and `ts`. @default 4096
   */
  readonly maxAnswerBytes?: number;
}

/** What came back from one attempt, as far as the client can tell. */
export type Answer =
  | {
      readonly kind: 'answered';
      readonly status: number;
      readonly text: string;
      readonly retryAfter: string | null;
    }
  /** Failed before the whole request was handed to the network: Slack cannot have posted it. */
  | { readonly kind: 'unsent'; readonly reason: string }
  /** The whole request was sent, then no complete answer came: Slack may have posted it. */
  | { readonly kind: 'unanswered'; readonly reason: string };

/**
 * One POST with a deadline covering connect, send and the whole answer. `finish` on the request
 * means its last byte was handed to the operating system: before it, Slack cannot have the whole
 * message; after it, a missing answer is ambiguous.
 */
export function send(url: URL, body: string, options: SendOptions): Promise<Answer> {
  const { timeoutMs, peer } = options;
  const maxAnswerBytes = options.maxAnswerBytes ?? 4096;
  return new Promise<Answer>((resolve) => {
    let sent = false;
    let settled = false;
    let response: IncomingMessage | undefined;
    const chunks: Buffer[] = [];
    let size = 0;
    const settle = (answer: Answer) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(answer);
    };
    const fail = (err: unknown, timedOut: boolean) => {
      // A non-2xx status already names the outcome (Slack did not post), even without its body.
      const status = response?.statusCode ?? 0;
      if (status !== 0 && (status < 200 || status > 299)) {
        settle({ kind: 'answered', status, text: '', retryAfter: header(response, 'retry-after') });
        return;
      }
      const code = timedOut ? 'timeout' : errorCode(err);
      if (!sent) {
        settle({
          kind: 'unsent',
          reason: timedOut
            ? `${peer} did not accept the message within ${timeoutMs} ms`
            : `${peer} unreachable (${code})`,
        });
        return;
      }
      settle({
        kind: 'unanswered',
        reason: timedOut
          ? `${peer} did not answer within ${timeoutMs} ms of receiving the message (it may have posted it)`
          : `${peer} connection failed after the message was sent (${code}; it may have posted it)`,
      });
    };
    const request = (url.protocol === 'https:' ? httpsRequest : httpRequest)(
      url,
      {
        method: 'POST',
        headers: {
          'content-type': 'application/json; charset=utf-8',
          'content-length': Buffer.byteLength(body),
          ...options.headers,
        },
        // A fresh connection per post: a reset can then never be a stale keep-alive socket, and
        // is ambiguous only when it happens after this message went out. One post a second
        // makes the handshake cost nothing that matters.
        agent: false,
      },
      (res) => {
        response = res;
        res.on('data', (chunk: Buffer) => {
          if (size >= maxAnswerBytes) return;
          chunks.push(chunk);
          size += chunk.length;
        });
        res.on('end', () =>
          settle({
            kind: 'answered',
            status: res.statusCode ?? 0,
            text: Buffer.concat(chunks).subarray(0, maxAnswerBytes).toString('utf8'),
            retryAfter: header(res, 'retry-after'),
          }),
        );
        res.on('error', (err) => fail(err, false));
        res.on('aborted', () => fail(new Error('aborted'), false));
      },
    );
    const timer = setTimeout(() => {
      fail(undefined, true);
      request.destroy();
    }, timeoutMs);
    request.on('finish', () => {
      sent = true;
    });
    request.on('error', (err) => fail(err, false));
    request.end(body);
  });
}

export function header(res: IncomingMessage | undefined, name: string): string | null {
  const value = res?.headers[name];
  return typeof value === 'string' ? value : null;
}

/** Retry-After in seconds or as an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null, now: number = Date.now()): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(at - now, 0);
}

/** `ECONNREFUSED`, `ENOTFOUND`, `ECONNRESET`…, else the error's name; never its message (it may hold the host). */
export function errorCode(err: unknown): string {
  const code = (err as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' && /^[A-Z0-9_]{1,40}$/.test(code) ? code : name(err);
}

function name(err: unknown): string {
  return err instanceof Error ? err.name : typeof err;
}

/** A result with the wait Slack asked for (429 `Retry-After`), as the clients classify answers. */
export type AttemptResult = PostResult & { retryAfterMs?: number };

export interface RetryPolicy {
  readonly maxAttempts: number;
  readonly baseBackoffMs: number;
  readonly maxBackoffMs: number;
  /** Longest Retry-After waited in place; a longer one ends the retries and goes to the caller. */
  readonly maxRetryAfterMs: number;
  readonly sleep: (ms: number) => Promise<void>;
  readonly random: () => number;
  readonly logger?: { warn(message: string, ...extra: Record<string, unknown>[]): void };
}

/**
 * Runs `attempt` until it succeeds, fails for good, or comes back ambiguous (sent and unanswered:
 * Slack may have posted it, so a retry could post it twice), at most `maxAttempts` times. Between
 * tries it waits Retry-After when Slack gave one (and gives up at once past `maxRetryAfterMs`),
 * else the full-jitter backoff of src/domain/backoff.ts. The webhook and the bot client share it.
 */
export async function withRetries<R extends AttemptResult>(
  attempt: () => Promise<R>,
  policy: RetryPolicy,
  log: { readonly message: string; readonly fields?: Record<string, unknown> },
): Promise<R> {
  let last = await attempt();
  for (let n = 1; n < policy.maxAttempts; n++) {
    if (last.ok || !last.retryable || last.ambiguous) return last;
    let wait: number;
    if (last.retryAfterMs !== undefined) {
      if (last.retryAfterMs > policy.maxRetryAfterMs) return last;
      wait = last.retryAfterMs;
    } else {
      wait = backoffDelay(n, { baseMs: policy.baseBackoffMs, capMs: policy.maxBackoffMs }, policy.random);
    }
    policy.logger?.warn(log.message, { ...log.fields, attempt: n, reason: last.reason, waitMs: wait });
    await policy.sleep(wait);
    last = await attempt();
  }
  return last;
}

/** The options both clients take for their attempts (each documents its defaults the same way). */
export interface AttemptOptions {
  /** Per attempt, response body included. @default 5000 */
  readonly timeoutMs?: number;
  /** Attempts per call, the first included. @default 3 */
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

/** The retry policy and per-attempt timeout of `options`, with the worst-case duration of one call. */
export function attemptPolicyOf(options: AttemptOptions): RetryPolicy & {
  readonly timeoutMs: number;
  /** All attempts, waits and timeouts of one call: budget a Lambda with it. */
  readonly maxCallDurationMs: number;
} {
  const timeoutMs = options.timeoutMs ?? 5000;
  const maxAttempts = Math.max(options.maxAttempts ?? 3, 1);
  const maxBackoffMs = options.maxBackoffMs ?? 4000;
  const maxRetryAfterMs = options.maxRetryAfterMs ?? 10_000;
  return {
    timeoutMs,
    maxAttempts,
    baseBackoffMs: options.baseBackoffMs ?? 250,
    maxBackoffMs,
    maxRetryAfterMs,
    sleep: options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms))),
    random: options.random ?? Math.random,
    ...(options.logger ? { logger: options.logger } : {}),
    maxCallDurationMs: maxAttempts * timeoutMs + (maxAttempts - 1) * Math.max(maxBackoffMs, maxRetryAfterMs),
  };
}
