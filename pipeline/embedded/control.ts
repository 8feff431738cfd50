/**
 * The control endpoint of a running `config-monitor up`: lets `config-monitor ingest` run its
 * ingest inside the `up` process, which holds the data directory (LevelDB allows one process).
 *
 * `POST /ingest`, body: one record per line (JSON Lines). Response: JSON Lines, `{"type":"progress",…}`
 * while it runs, then exactly one `{"type":"report","report":…}` or `{"type":"error","message":…}`.
 * Bound to 127.0.0.1 and guarded by a bearer token that only `<data-dir>/endpoints.json` (mode
 * 0600) carries: a web page the user visits cannot forge the header, and other local users cannot
 * read the file.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, request, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { EmbeddedError } from './errors.js';
import type { EmbeddedStack, IngestProgress, IngestRecord, IngestReport, StackEndpoints } from './stack.js';

export interface ControlServer {
  readonly url: string;
  readonly token: string;
  close(): Promise<void>;
}

/** Splits a byte stream into lines (records); blank lines are ignored. */
export async function* splitLines(chunks: AsyncIterable<Buffer | string>): AsyncGenerator<string> {
  const decoder = new TextDecoder('utf-8');
  let rest = '';
  for await (const chunk of chunks) {
    rest += typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
    // Walk with an index and cut the buffer once per chunk, not once per line.
    let start = 0;
    let newline = rest.indexOf('\n');
    while (newline !== -1) {
      const line = rest.slice(start, newline).replace(/\r$/, '');
      if (line.trim() !== '') yield line;
      start = newline + 1;
      newline = rest.indexOf('\n', start);
    }
    rest = rest.slice(start);
  }
  rest += decoder.decode();
  if (rest.trim() !== '') yield rest.replace(/\r$/, '');
}

async function* asRecords(lines: AsyncIterable<string>): AsyncGenerator<IngestRecord> {
  for await (const text of lines) yield { text };
}

function authorized(req: IncomingMessage, token: string): boolean {
  const header = req.headers.authorization ?? '';
  const expected = Buffer.from(`Bearer ${token}`);
  const given = Buffer.from(header);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** Serves the control endpoint for `stack` on a free port of 127.0.0.1. */
export async function startControlServer(stack: EmbeddedStack): Promise<ControlServer> {
  const token = randomBytes(24).toString('hex');
  const server: Server = createServer((req, res) => {
    handle(stack, token, req, res).catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
      res.end(
        `${JSON.stringify({ type: 'error', message: err instanceof Error ? err.message : String(err) })}\n`,
      );
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    token,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function handle(stack: EmbeddedStack, token: string, req: IncomingMessage, res: ServerResponse) {
  if (!authorized(req, token)) {
    res.writeHead(401, { 'content-type': 'application/json' });
    res.end(`${JSON.stringify({ type: 'error', message: 'missing or wrong control token' })}\n`);
    req.resume();
    return;
  }
  if (req.method !== 'POST' || req.url !== '/ingest') {
    res.writeHead(404, { 'content-type': 'application/json' });
    res.end(`${JSON.stringify({ type: 'error', message: 'only POST /ingest exists' })}\n`);
    req.resume();
    return;
  }
  res.writeHead(200, { 'content-type': 'application/x-ndjson' });
  const abort = new AbortController();
  res.on('close', () => {
    if (!res.writableFinished) abort.abort(new EmbeddedError('the ingest client went away'));
  });
  let lastProgress = 0;
  try {
    const report = await stack.ingest(asRecords(splitLines(req)), {
      signal: abort.signal,
      onProgress: (progress) => {
        const now = Date.now();
        if (progress.phase === 'processing' && now - lastProgress < 200) return;
        lastProgress = now;
        res.write(`${JSON.stringify({ type: 'progress', progress })}\n`);
      },
    });
    res.end(`${JSON.stringify({ type: 'report', report })}\n`);
  } catch (err) {
    res.end(
      `${JSON.stringify({ type: 'error', message: err instanceof Error ? err.message : String(err) })}\n`,
    );
  }
}

/**
 * Runs an ingest in the running `up` (see {@link StackEndpoints}): streams the records as JSON
 * Lines and returns its report. Progress events are passed on as they arrive.
 */
export async function ingestThroughRunningStack(
  endpoints: StackEndpoints,
  records: AsyncIterable<IngestRecord>,
  onProgress?: (progress: IngestProgress) => void,
): Promise<IngestReport> {
  if (!endpoints.control || !endpoints.token) {
    throw new EmbeddedError(`the running config-monitor (pid ${endpoints.pid}) has no control endpoint`);
  }
  const url = new URL('/ingest', endpoints.control);
  return new Promise<IngestReport>((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'POST',
        headers: { authorization: `Bearer ${endpoints.token}`, 'content-type': 'application/x-ndjson' },
      },
      (res) => {
        let settled = false;
        (async () => {
          for await (const line of splitLines(res)) {
            const message = JSON.parse(line) as
              | { type: 'progress'; progress: IngestProgress }
              | { type: 'report'; report: IngestReport }
              | { type: 'error'; message: string };
            if (message.type === 'progress') onProgress?.(message.progress);
            else if (message.type === 'report') {
              settled = true;
              resolve(message.report);
            } else {
              settled = true;
              reject(
                new EmbeddedError(
                  `the running config-monitor (pid ${endpoints.pid}) failed: ${message.message}`,
                ),
              );
            }
          }
          if (!settled) {
            reject(
              new EmbeddedError(
                `the running config-monitor (pid ${endpoints.pid}) ended the ingest without a report`,
              ),
            );
          }
        })().catch(reject);
      },
    );
    req.on('error', (err) =>
      reject(
        new EmbeddedError(`cannot reach the running config-monitor (pid ${endpoints.pid}): ${err.message}`),
      ),
    );
    (async () => {
      for await (const record of records) {
        const line = 'text' in record ? record.text : JSON.stringify(record.value);
        if (!req.write(`${line}\n`)) await new Promise((r) => req.once('drain', r));
      }
      req.end();
    })().catch((err: unknown) => {
      req.destroy(err as Error);
      reject(err);
    });
  });
}
