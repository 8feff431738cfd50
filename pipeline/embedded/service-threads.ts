/**
 * kinesalite and dynalite, each in its own worker thread, bound to 127.0.0.1.
 *
 * The same servers as local-services.ts, but off the main thread: in the embedded stack the
 * consumer (SDK calls, validation) and the servers (LevelDB, request parsing) would otherwise share
 * one core. A LevelDB lock held by another process arrives as the worker's error, so it is
 * reported as a clear {@link EmbeddedError} rather than an uncaught exception.
 */
import { Worker } from 'node:worker_threads';
import { EmbeddedError } from './errors.js';
import type { LocalService } from './local-services.js';

const WORKER_URL = new URL('./local-services.worker.mjs', import.meta.url);

/** Starts `kind` in a worker; `path` is its LevelDB directory (created if missing). */
export function startServiceThread(kind: 'dynalite' | 'kinesalite', path: string): Promise<LocalService> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(WORKER_URL, { workerData: { kind, path } });
    let listening = false;
    const fail = (err: Error) => {
      const locked = /LOCK|IO error|not open|LEVEL_/.test(
        `${err.message} ${(err as { code?: string }).code ?? ''}`,
      );
      reject(
        new EmbeddedError(
          locked
            ? `the data directory of ${kind} (${path}) is in use by another config-monitor process ` +
                `(${err.message}); wait for it to finish or use a different --data-dir`
            : `${kind} failed to start: ${err.message}`,
          { cause: err },
        ),
      );
      void worker.terminate();
    };
    worker.once('error', (err) => {
      if (!listening) fail(err);
    });
    worker.on(
      'message',
      (message: { type: string; port?: number; message?: string; code?: string | null }) => {
        if (message.type === 'error' && !listening) {
          fail(Object.assign(new Error(message.message), { code: message.code ?? undefined }));
          return;
        }
        if (message.type !== 'listening' || listening) return;
        listening = true;
        const endpoint = `http://127.0.0.1:${message.port}`;
        resolve({
          endpoint,
          close: () =>
            new Promise<void>((done) => {
              const timer = setTimeout(() => void worker.terminate().then(() => done()), 5000);
              worker.once('exit', () => {
                clearTimeout(timer);
                done();
              });
              worker.postMessage({ type: 'close' });
            }),
        });
      },
    );
    worker.once('exit', (code) => {
      if (!listening) fail(new Error(`worker exited with code ${code} before listening`));
    });
  });
}
