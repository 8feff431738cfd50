/**
 * A local stand-in for Slack's Web API on 127.0.0.1: `chat.postMessage` and `chat.update` as
 * https://docs.slack.dev/reference/methods/chat.postMessage and …/chat.update describe them — a
 * bearer token, JSON bodies, `{"ok":true,"channel","ts","message"}` or `{"ok":false,"error"}` with
 * HTTP 200, 429 with `Retry-After` when posting faster than the channel allows. Keeps every
 * channel's messages and threads, so a test can read what a person would see. Scriptable per
 * request like the webhook stand-in (test/helpers/slack-server.ts).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type ApiReply =
  | { readonly kind: 'normal' }
  | { readonly kind: 'rate-limited'; readonly retryAfter: string }
  /** `{"ok":false,"error":code}` with `status` (Slack answers most errors with 200). */
  | { readonly kind: 'error'; readonly code: string; readonly status: number }
  | { readonly kind: 'server-error'; readonly status: number }
  /** Never answers; did nothing. */
  | { readonly kind: 'hang' }
  /** Does the call, never answers. */
  | { readonly kind: 'done-no-answer' };

export const apiReply = {
  normal: { kind: 'normal' } as ApiReply,
  rateLimited: (seconds: number): ApiReply => ({ kind: 'rate-limited', retryAfter: String(seconds) }),
  error: (code: string, status = 200): ApiReply => ({ kind: 'error', code, status }),
  serverError: (status = 503): ApiReply => ({ kind: 'server-error', status }),
  hang: { kind: 'hang' } as ApiReply,
  doneNoAnswer: { kind: 'done-no-answer' } as ApiReply,
} as const;

export interface ApiMessage {
  readonly channel: string;
  readonly ts: string;
  /** The parent's ts for a thread reply. */
  readonly threadTs: string | null;
  text: string;
  blocks: unknown[];
  /** How many times chat.update rewrote it. */
  edits: number;
}

export interface ApiRequest {
  readonly method: string;
  readonly authorization: string | undefined;
  readonly body: Record<string, unknown>;
  readonly reply: ApiReply['kind'];
}

export interface SlackApiServer {
  /** The API base URL to give the client (`http://127.0.0.1:port/api/`). */
  readonly apiUrl: string;
  readonly token: string;
  readonly requests: ApiRequest[];
  /** Top-level messages of a channel, in posting order. */
  messages(channel: string): ApiMessage[];
  /** Replies in the thread of `ts`, in order. */
  replies(channel: string, ts: string): ApiMessage[];
  script(...replies: ApiReply[]): void;
  close(): Promise<void>;
}

export interface SlackApiServerOptions {
  /** @default xoxb-0000000000-test-token */
  readonly token?: string;
  /** Channels that exist (the bot is a member). @default ['C0ALERTS'] */
  readonly channels?: readonly string[];
  /**
   * Posts a channel takes per second before 429 (a token bucket of `burst`). @default - no limit
   */
  readonly perChannelPerSecond?: number;
  /** @default 3 */
  readonly burst?: number;
}

export async function startSlackApiServer(options: SlackApiServerOptions = {}): Promise<SlackApiServer> {
  const token = options.token ?? 'xoxb-0000000000-test-token';
  const channels = new Set(options.channels ?? ['C0ALERTS']);
  const requests: ApiRequest[] = [];
  const queue: ApiReply[] = [];
  const byChannel = new Map<string, ApiMessage[]>();
  const hanging = new Set<ServerResponse>();
  const buckets = new Map<string, { tokens: number; at: number }>();
  let seq = 0;

  const allowed = (channel: string): boolean => {
    const rate = options.perChannelPerSecond;
    if (!rate) return true;
    const burst = options.burst ?? 3;
    const now = Date.now();
    const bucket = buckets.get(channel) ?? { tokens: burst, at: now };
    bucket.tokens = Math.min(burst, bucket.tokens + ((now - bucket.at) / 1000) * rate);
    bucket.at = now;
    buckets.set(channel, bucket);
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  };

  const perform = (method: string, body: Record<string, unknown>): Record<string, unknown> => {
    const channel = typeof body.channel === 'string' ? body.channel : '';
    if (!channels.has(channel)) return { ok: false, error: 'channel_not_found' };
    const list = byChannel.get(channel) ?? [];
    byChannel.set(channel, list);
    if (typeof body.text !== 'string' && !Array.isArray(body.blocks)) return { ok: false, error: 'no_text' };
    if (method === 'chat.postMessage') {
      const threadTs = typeof body.thread_ts === 'string' ? body.thread_ts : null;
      if (threadTs && !list.some((m) => m.ts === threadTs))
        return { ok: false, error: 'thread_reply_not_found' };
      seq += 1;
      const ts = `${Math.floor(Date.now() / 1000)}.${String(seq).padStart(6, '0')}`;
      const message: ApiMessage = {
        channel,
        ts,
        threadTs,
        text: String(body.text ?? ''),
        blocks: Array.isArray(body.blocks) ? body.blocks : [],
        edits: 0,
      };
      list.push(message);
      return { ok: true, channel, ts, message: { text: message.text, ts } };
    }
    if (method === 'chat.update') {
      const message = list.find((m) => m.ts === body.ts);
      if (!message) return { ok: false, error: 'message_not_found' };
      message.text = String(body.text ?? '');
      message.blocks = Array.isArray(body.blocks) ? body.blocks : [];
      message.edits += 1;
      return { ok: true, channel, ts: message.ts, text: message.text };
    }
    return { ok: false, error: 'unknown_method' };
  };

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const method = (req.url ?? '').replace(/^\/api\//, '');
      let body: Record<string, unknown> = {};
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
      } catch {
        body = {};
      }
      const next = queue.shift() ?? apiReply.normal;
      requests.push({ method, authorization: req.headers.authorization, body, reply: next.kind });
      const json = (status: number, value: unknown, headers: Record<string, string> = {}) =>
        res
          .writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers })
          .end(JSON.stringify(value));
      switch (next.kind) {
        case 'rate-limited':
          json(429, { ok: false, error: 'ratelimited' }, { 'retry-after': next.retryAfter });
          return;
        case 'error':
          json(next.status, { ok: false, error: next.code });
          return;
        case 'server-error':
          res.writeHead(next.status, { 'content-type': 'text/html' }).end('<html>upstream error</html>');
          return;
        case 'hang':
          hanging.add(res);
          res.on('close', () => hanging.delete(res));
          return;
        case 'done-no-answer':
        case 'normal': {
          if (req.headers.authorization !== `Bearer ${token}`) {
            json(200, { ok: false, error: 'invalid_auth' });
            return;
          }
          const channel = typeof body.channel === 'string' ? body.channel : '';
          if (method === 'chat.postMessage' && !allowed(channel)) {
            json(429, { ok: false, error: 'ratelimited' }, { 'retry-after': '1' });
            return;
          }
          const result = perform(method, body);
          if (next.kind === 'done-no-answer') {
            hanging.add(res);
            res.on('close', () => hanging.delete(res));
            return;
          }
          json(200, result);
          return;
        }
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    apiUrl: `http://127.0.0.1:${port}/api/`,
    token,
    requests,
    messages: (channel) => (byChannel.get(channel) ?? []).filter((m) => m.threadTs === null),
    replies: (channel, ts) => (byChannel.get(channel) ?? []).filter((m) => m.threadTs === ts),
    script: (...replies) => {
      queue.push(...replies);
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const res of hanging) res.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
