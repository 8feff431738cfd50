/**
 * The control endpoint of a running `config-monitor up`: lets `config-monitor ingest` and
 * `config-monitor sync` run inside the `up` process, which holds the data directory (LevelDB
 * allows one process).
 *
 * `POST /ingest`, body: the input as `config-monitor ingest` got it (JSON Lines, a JSON array, one
 * or more JSON values), read as it arrives by the same reader ({@link readIngestRecords}).
 * Response: JSON Lines, `{"type":"progress",…}` while it runs, then exactly one
 * `{"type":"report","report":…}` or `{"type":"error","message":…}`.
 *
 * `POST /sync`, body: `{"aggregatorName":…,"region"?:…}`. The sync runs in the `up` process with
 * its environment (credential chain, `AWS_REGION`, `AWS_ENDPOINT_URL_CONFIG_SERVICE`). Response:
 * JSON Lines, `{"type":"progress","rulesDone","rulesTotal"}` while it runs, then exactly one
 * `{"type":"report","summary":<SyncSummary>}` or `{"type":"error","message":…}`.
 *
 * One ingest or sync runs at a time (others wait their turn): the stack attributes the consumer's
 * batch counts to the ingest running, so a sync's records must not land in an ingest's counts.
 *
 * Bound to 127.0.0.1 and guarded by a bearer token that only `<data-dir>/endpoints.json` (mode
 * 0600) carries: a web page the user visits cannot forge the header, and other local users cannot
 * read the file.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import {
  type ClientRequest,
  createServer,
  type IncomingMessage,
  request,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { EmbeddedError } from './errors.js';
import { readIngestRecords } from './ingest-input.js';
import type { EmbeddedStack, IngestProgress, IngestReport, StackEndpoints } from './stack.js';
import type { SyncSummary } from './sync.js';

export interface ControlServer {
  readonly url: string;
  readonly token: string;
  /**
   * Runs `work` when no ingest or sync of the control endpoint runs, and holds them off until it
   * ends (the demo load of `up --demo` goes through it).
   */
  exclusive<T>(work: () => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** What `POST /sync` takes. */
export interface SyncRequest {
  readonly aggregatorName: string;
  readonly region?: string;
}

export interface SyncProgress {
  readonly rulesDone: number;
  readonly rulesTotal: number;
}

/** One at a time, in arrival order. */
function createExclusive(): <T>(work: () => Promise<T>) => Promise<T> {
  let tail: Promise<unknown> = Promise.resolve();
  return <T>(work: () => Promise<T>): Promise<T> => {
    const run = tail.then(work, work);
    tail = run.catch(() => undefined);
    return run;
  };
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

function authorized(req: IncomingMessage, token: string): boolean {
  const header = req.headers.authorization ?? '';
  const expected = Buffer.from(`Bearer ${token}`);
  const given = Buffer.from(header);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** Serves the control endpoint for `stack` on a free port of 127.0.0.1. */
export async function startControlServer(stack: EmbeddedStack): Promise<ControlServer> {
  const token = randomBytes(24).toString('hex');
  const exclusive = createExclusive();
  const server: Server = createServer((req, res) => {
    handle(stack, token, exclusive, req, res).catch((err: unknown) => {
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
    exclusive,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

type Exclusive = <T>(work: () => Promise<T>) => Promise<T>;

const errorLine = (err: unknown) =>
  `${JSON.stringify({ type: 'error', message: err instanceof Error ? err.message : String(err) })}\n`;

function refuse(req: IncomingMessage, res: ServerResponse, status: number, message: string): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(`${JSON.stringify({ type: 'error', message })}\n`);
  req.resume();
}

async function handle(
  stack: EmbeddedStack,
  token: string,
  exclusive: Exclusive,
  req: IncomingMessage,
  res: ServerResponse,
) {
  if (!authorized(req, token)) {
    refuse(req, res, 401, 'missing or wrong control token');
    return;
  }
  if (req.method === 'POST' && req.url === '/ingest') return handleIngest(stack, exclusive, req, res);
  if (req.method === 'POST' && req.url === '/sync') return handleSync(stack, exclusive, req, res);
  refuse(req, res, 404, 'only POST /ingest and POST /sync exist');
}

async function handleIngest(
  stack: EmbeddedStack,
  exclusive: Exclusive,
  req: IncomingMessage,
  res: ServerResponse,
) {
  res.writeHead(200, { 'content-type': 'application/x-ndjson' });
  const abort = new AbortController();
  res.on('close', () => {
    if (!res.writableFinished) abort.abort(new EmbeddedError('the ingest client went away'));
  });
  let lastProgress = 0;
  try {
    const report = await exclusive(() =>
      stack.ingest(readIngestRecords(req), {
        signal: abort.signal,
        onProgress: (progress) => {
          const now = Date.now();
          if (progress.phase === 'processing' && now - lastProgress < 200) return;
          lastProgress = now;
          res.write(`${JSON.stringify({ type: 'progress', progress })}\n`);
        },
      }),
    );
    res.end(`${JSON.stringify({ type: 'report', report })}\n`);
  } catch (err) {
    res.end(errorLine(err));
  }
}

/** The body of `POST /sync` (at most 16 KiB of JSON), or the reason it is refused. */
async function readSyncRequest(req: IncomingMessage): Promise<SyncRequest | string> {
  const { AGGREGATOR_NAME, REGION_NAME } = await import('./sync.js');
  let text = '';
  for await (const chunk of req) {
    text += typeof chunk === 'string' ? chunk : (chunk as Buffer).toString('utf8');
    if (text.length > 16_384) return 'the body is larger than 16 KiB';
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return 'the body is not JSON';
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    return 'the body is not a JSON object';
  const { aggregatorName, region } = body as Record<string, unknown>;
  if (typeof aggregatorName !== 'string' || !AGGREGATOR_NAME.test(aggregatorName)) {
    return 'aggregatorName must be an aggregator name (1-256 letters, digits, . _ -)';
  }
  if (region !== undefined && (typeof region !== 'string' || !REGION_NAME.test(region))) {
    return 'region must be an AWS region name';
  }
  return region === undefined ? { aggregatorName } : { aggregatorName, region };
}

async function handleSync(
  stack: EmbeddedStack,
  exclusive: Exclusive,
  req: IncomingMessage,
  res: ServerResponse,
) {
  const request = await readSyncRequest(req);
  if (typeof request === 'string') {
    refuse(req, res, 400, request);
    return;
  }
  // Loaded here, not by `ingest`'s client: the Config SDK is only needed where the sync runs.
  const { syncIntoStack } = await import('./sync.js');
  res.writeHead(200, { 'content-type': 'application/x-ndjson' });
  // A client that goes away does not stop the sync (the reconciler has no cancel): it finishes,
  // and a re-run is idempotent anyway.
  const write = (line: unknown) => {
    if (!res.writableEnded && !res.destroyed) res.write(`${JSON.stringify(line)}\n`);
  };
  let lastProgress = 0;
  try {
    const { summary } = await exclusive(() =>
      syncIntoStack(stack, {
        aggregatorName: request.aggregatorName,
        ...(request.region ? { region: request.region } : {}),
        onProgress: ({ rulesDone, rulesTotal }) => {
          const now = Date.now();
          if (rulesDone < rulesTotal && now - lastProgress < 200) return;
          lastProgress = now;
          write({ type: 'progress', rulesDone, rulesTotal });
        },
      }),
    );
    res.end(`${JSON.stringify({ type: 'report', summary })}\n`);
  } catch (err) {
    res.end(errorLine(err));
  }
}

/**
 * Runs an ingest in the running `up` (see {@link StackEndpoints}): streams the input as it is
 * (any format {@link readIngestRecords} reads, which the running stack applies to it) and returns
 * its report. Progress events are passed on as they arrive.
 */
export async function ingestThroughRunningStack(
  endpoints: StackEndpoints,
  input: AsyncIterable<Buffer | string>,
  onProgress?: (progress: IngestProgress) => void,
): Promise<IngestReport> {
  return postToRunningStack<IngestReport>(
    endpoints,
    '/ingest',
    'ingest',
    async (req) => {
      for await (const chunk of input) {
        if (!req.write(chunk)) await new Promise((r) => req.once('drain', r));
      }
    },
    (message) => {
      if (message.type === 'progress') onProgress?.(message.progress as IngestProgress);
      return message.type === 'report' ? { result: message.report as IngestReport } : undefined;
    },
  );
}

/**
 * Runs `config-monitor sync` in the running `up`: the sync reads the aggregator with the `up`
 * process's credentials and endpoint settings. Returns its summary; progress is passed on.
 */
export async function syncThroughRunningStack(
  endpoints: StackEndpoints,
  request: SyncRequest,
  onProgress?: (progress: SyncProgress) => void,
): Promise<SyncSummary> {
  return postToRunningStack<SyncSummary>(
    endpoints,
    '/sync',
    'sync',
    async (req) => {
      req.write(JSON.stringify(request));
    },
    (message) => {
      if (message.type === 'progress') {
        onProgress?.({ rulesDone: Number(message.rulesDone), rulesTotal: Number(message.rulesTotal) });
      }
      return message.type === 'report' ? { result: message.summary as SyncSummary } : undefined;
    },
  );
}

type ControlMessage = { readonly type: string; readonly message?: string } & Record<string, unknown>;

/**
 * POST to the control endpoint: `writeBody` sends the body, then every JSON line of the answer
 * goes to `onMessage` until one gives the result (`{"type":"error"}` rejects with its message).
 */
function postToRunningStack<T>(
  endpoints: StackEndpoints,
  path: '/ingest' | '/sync',
  what: string,
  writeBody: (req: ClientRequest) => Promise<void>,
  onMessage: (message: ControlMessage) => { result: T } | undefined,
): Promise<T> {
  if (!endpoints.control || !endpoints.token) {
    return Promise.reject(
      new EmbeddedError(`the running config-monitor (pid ${endpoints.pid}) has no control endpoint`),
    );
  }
  const url = new URL(path, endpoints.control);
  const failed = (message: string) =>
    new EmbeddedError(`the running config-monitor (pid ${endpoints.pid}) failed: ${message}`);
  return new Promise<T>((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'POST',
        headers: {
          authorization: `Bearer ${endpoints.token}`,
          'content-type': path === '/sync' ? 'application/json' : 'application/x-ndjson',
        },
      },
      (res) => {
        let settled = false;
        (async () => {
          for await (const line of splitLines(res)) {
            const message = JSON.parse(line) as ControlMessage;
            if (message.type === 'error') {
              settled = true;
              reject(failed(String(message.message)));
              continue;
            }
            const outcome = onMessage(message);
            if (outcome) {
              settled = true;
              resolve(outcome.result);
            }
          }
          if (!settled) {
            reject(
              new EmbeddedError(
                `the running config-monitor (pid ${endpoints.pid}) ended the ${what} without a report` +
                  (res.statusCode && res.statusCode !== 200 ? ` (HTTP ${res.statusCode})` : ''),
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
    writeBody(req)
      .then(() => req.end())
      .catch((err: unknown) => {
        req.destroy(err as Error);
        reject(err);
      });
  });
}
