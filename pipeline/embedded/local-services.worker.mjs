// Runs kinesalite or dynalite in a worker thread (see service-threads.ts): the LevelDB work and the
// servers' request handling then use a second core instead of competing with the consumer on the
// main thread. Plain JavaScript so that the worker needs no TypeScript loader.
import { mkdirSync } from 'node:fs';
import { request } from 'node:http';
import { createRequire } from 'node:module';
import { parentPort, workerData } from 'node:worker_threads';
import dynalite from 'dynalite';
import kinesalite from 'kinesalite';
import { boundLevelDb } from './leveldb-bounds.mjs';

const { kind, path } = workerData;
// LevelDB's errors do not survive the structured clone of a worker 'error' event (they arrive as
// {}), so report the message and code explicitly, then end the thread.
const report = (err) => {
  parentPort.postMessage({ type: 'error', message: String(err?.message ?? err), code: err?.code ?? null });
  process.exit(1);
};
process.on('uncaughtException', report);

/**
 * Opens and closes the LevelDB store with the library the server uses, so that an open failure
 * arrives with LevelDB's own reason (Corruption, a held LOCK, an I/O error): dynalite opens lazily
 * and would only answer "Iterator is not open".
 */
async function probeStore() {
  const require = createRequire(import.meta.url);
  if (kind === 'dynalite') {
    const { Level } = createRequire(require.resolve('dynalite'))('level');
    const db = new Level(path);
    try {
      await db.open();
    } catch (err) {
      // abstract-level wraps the reason in LEVEL_DATABASE_NOT_OPEN.
      throw err?.cause ?? err;
    }
    await db.close();
    return;
  }
  const leveldown = createRequire(require.resolve('kinesalite'))('leveldown');
  const db = leveldown(path);
  await new Promise((resolve, reject) => db.open((err) => (err ? reject(err) : resolve())));
  await new Promise((resolve, reject) => db.close((err) => (err ? reject(err) : resolve())));
}

// Before the servers open their stores: see leveldb-bounds.mjs.
boundLevelDb();
let opened = true;
if (path) {
  mkdirSync(path, { recursive: true });
  try {
    await probeStore();
  } catch (err) {
    opened = false;
    report(err);
  }
}
if (opened) start();

function start() {
  const server =
    kind === 'dynalite'
      ? dynalite({ ...(path ? { path } : {}), createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 })
      : kinesalite({
          ...(path ? { path } : {}),
          createStreamMs: 0,
          deleteStreamMs: 0,
          updateStreamMs: 0,
          shardLimit: 100,
        });

  server.once('error', (err) => {
    throw err;
  });
  injectFault(server);
  // LevelDB opens after listen; a lock taken in between only shows on the first request.
  // So probe with a cheap read before announcing the port: if the open fails, the worker dies with
  // that error and the main thread reports it.
  const PROBE =
    kind === 'dynalite'
      ? { target: 'DynamoDB_20120810.ListTables', type: 'application/x-amz-json-1.0', service: 'dynamodb' }
      : { target: 'Kinesis_20131202.ListStreams', type: 'application/x-amz-json-1.1', service: 'kinesis' };

  server.listen(0, '127.0.0.1', () => {
    const { port } = server.address();
    const probe = request(
      {
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: '/',
        headers: {
          'content-type': PROBE.type,
          'x-amz-target': PROBE.target,
          'x-amz-date': '20200101T000000Z',
          authorization: `AWS4-HMAC-SHA256 Credential=local/20200101/us-east-1/${PROBE.service}/aws4_request, SignedHeaders=host;x-amz-date, Signature=0`,
        },
      },
      (response) => {
        response.resume();
        response.on('end', () => parentPort.postMessage({ type: 'listening', port }));
      },
    );
    probe.on('error', (err) => {
      throw err;
    });
    probe.end('{}');
  });
  parentPort.on('message', (message) => {
    if (message?.type !== 'close') return;
    server.closeAllConnections?.();
    server.close(() => {
      parentPort.postMessage({ type: 'closed' });
      parentPort.close();
    });
  });
}

/**
 * Fault injection for tests only (test/integration/service-stopped.test.ts): with
 * CONFIG_MONITOR_FAULT=<kind>:no-space, the first write request makes the thread fail the way a
 * LevelDB write fails on a full disk. Inert unless the variable names this service.
 */
function injectFault(server) {
  if (process.env.CONFIG_MONITOR_FAULT !== `${kind}:no-space`) return;
  server.prependListener('request', (req) => {
    const target = String(req.headers['x-amz-target'] ?? '');
    if (!/\.(BatchWriteItem|PutItem|UpdateItem|TransactWriteItems|PutRecords?)$/.test(target)) return;
    setImmediate(() => {
      throw Object.assign(new Error(`IO error: ${path}/000005.log: No space left on device`), {
        code: 'LEVEL_IO_ERROR',
      });
    });
  });
}
