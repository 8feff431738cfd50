/**
 * A local stand-in for a Slack incoming webhook on 127.0.0.1, scriptable per request: answer
 * 200 "ok", 429 with Retry-After, 5xx, 4xx (or 200) with Slack's error text, hang past the
 * client's timeout, accept the post but answer late or never, or reset the connection once the
 * request has arrived. Records every request body. Reusable by any test that posts to Slack.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type SlackReply =
  | { readonly kind: 'ok' }
  | { readonly kind: 'rate-limited'; readonly retryAfter: string }
  | { readonly kind: 'error'; readonly status: number; readonly body: string }
  | { readonly kind: 'hang' }
  /** Slack posted the message but its answer (200 ok) comes `delayMs` later, or never (`null`). */
  | { readonly kind: 'late'; readonly delayMs: number | null }
  /** The whole request arrived, then the connection is reset without an answer (not posted). */
  | { readonly kind: 'reset' };

/** Ready-made replies, named after what Slack does. */
export const reply = {
  ok: { kind: 'ok' } as SlackReply,
  rateLimited: (retryAfterSeconds: number): SlackReply => ({
    kind: 'rate-limited',
    retryAfter: String(retryAfterSeconds),
  }),
  serverError: (status = 500): SlackReply => ({ kind: 'error', status, body: 'internal_error' }),
  /** Never answers, and did not post. */
  hang: { kind: 'hang' } as SlackReply,
  /** Posted (counted in `delivered()`), answered 200 ok after `delayMs`: past the client's timeout. */
  lateOk: (delayMs: number): SlackReply => ({ kind: 'late', delayMs }),
  /** Posted (counted in `delivered()`), never answered. */
  postedNoAnswer: { kind: 'late', delayMs: null } as SlackReply,
  reset: { kind: 'reset' } as SlackReply,
  /** HTTP 200 whose body is an error code, not `ok` (Slack posted nothing). */
  okStatusError: (body: string): SlackReply => ({ kind: 'error', status: 200, body }),
  channelNotFound: { kind: 'error', status: 404, body: 'channel_not_found' } as SlackReply,
  noService: { kind: 'error', status: 404, body: 'no_service' } as SlackReply,
  channelArchived: { kind: 'error', status: 410, body: 'channel_is_archived' } as SlackReply,
  invalidPayload: { kind: 'error', status: 400, body: 'invalid_payload' } as SlackReply,
} as const;

export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly contentType: string | undefined;
  readonly body: string;
  readonly reply: SlackReply['kind'];
  /** Status sent back (0 for a hang or a reset; 200 for a late answer, even one never sent). */
  readonly status: number;
}

export interface SlackServer {
  /** Webhook URL (with a fake secret path, like Slack's). */
  readonly url: string;
  /** Every request, in arrival order. */
  readonly requests: RecordedRequest[];
  /** Bodies of the requests Slack posted (answered 200 "ok", late or not at all) — what reached the channel. */
  delivered(): string[];
  /** Queues replies for the next requests, in order; after them, the default reply is used. */
  script(...replies: SlackReply[]): void;
  /** Reply used when the script is empty. @default reply.ok */
  setDefault(reply: SlackReply): void;
  close(): Promise<void>;
}

/** Starts the server on a free port of 127.0.0.1. */
export async function startSlackServer(): Promise<SlackServer> {
  const requests: RecordedRequest[] = [];
  const queue: SlackReply[] = [];
  let fallback: SlackReply = reply.ok;
  const hanging = new Set<ServerResponse>();

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const next = queue.shift() ?? fallback;
      const status =
        next.kind === 'ok'
          ? 200
          : next.kind === 'rate-limited'
            ? 429
            : next.kind === 'error'
              ? next.status
              : next.kind === 'late'
                ? 200
                : 0;
      requests.push({
        method: req.method ?? '',
        path: req.url ?? '',
        contentType: req.headers['content-type'],
        body: Buffer.concat(chunks).toString('utf8'),
        reply: next.kind,
        status,
      });
      switch (next.kind) {
        case 'ok':
          res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
          return;
        case 'rate-limited':
          res
            .writeHead(429, { 'content-type': 'text/plain', 'retry-after': next.retryAfter })
            .end('rate_limited');
          return;
        case 'error':
          res.writeHead(next.status, { 'content-type': 'text/plain' }).end(next.body);
          return;
        case 'hang':
          hanging.add(res);
          res.on('close', () => hanging.delete(res));
          return;
        case 'late': {
          hanging.add(res);
          res.on('close', () => hanging.delete(res));
          if (next.delayMs === null) return;
          const timer = setTimeout(() => {
            if (!res.destroyed) res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
          }, next.delayMs);
          res.on('close', () => clearTimeout(timer));
          return;
        }
        case 'reset':
          req.socket.destroy();
          return;
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX`,
    requests,
    delivered: () => requests.filter((r) => r.reply === 'ok' || r.reply === 'late').map((r) => r.body),
    script: (...replies) => {
      queue.push(...replies);
    },
    setDefault: (r) => {
      fallback = r;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const res of hanging) res.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * Alerts counted by digest messages: the sum of the `*N violations*` / `*N resolved*` group lines
 * of digest.liquid (single-alert messages count nothing).
 */
export function countDigestAlerts(messages: readonly { blocks: readonly unknown[] }[]): number {
  let total = 0;
  for (const message of messages) {
    for (const match of JSON.stringify(message.blocks).matchAll(
      /\\n\*([\d,]+) (?:violations?|resolved)\*/g,
    )) {
      total += Number(match[1]!.replace(/,/g, ''));
    }
  }
  return total;
}
