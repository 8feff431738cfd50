/**
 * kinesalite and dynalite, each in its own worker thread, bound to 127.0.0.1.
 *
 * The same servers as local-services.ts, but off the main thread: in the embedded stack the
 * consumer (SDK calls, validation) and the servers (LevelDB, request parsing) would otherwise share
 * one core. The worker opens the LevelDB store first, so that why it cannot be opened arrives as
 * the worker's error with LevelDB's own reason, reported as a clear {@link EmbeddedError}: a corrupt
 * store ({@link DataStoreCorruptError}, with the way out), a `LOCK` held by a process that ignores
 * the data directory's lock, or another I/O error. (Two config-monitor processes never get this
 * far: the data directory lock of data-dir-lock.ts stops the second one before.)
 */
import { Worker } from 'node:worker_threads';
import { DataStoreCorruptError, EmbeddedError, ServiceStoppedError } from './errors.js';
import type { LocalService } from './local-services.js';

const WORKER_URL = new URL('./local-services.worker.mjs', import.meta.url);

/** Starts `kind` in a worker; `path` is its LevelDB directory (created if missing). */
export function startServiceThread(kind: 'dynalite' | 'kinesalite', path: string): Promise<LocalService> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(WORKER_URL, { workerData: { kind, path } });
    let listening = false;
    let closing = false;
    let exited = false;
    let stopped: ServiceStoppedError | null = null;
    const listeners = new Set<(error: Error) => void>();
    const fail = (err: Error) => {
      reject(classifyOpenError(kind, path, err));
      void worker.terminate();
    };
    // After start-up, a worker that dies (a LevelDB write error: a full disk) is reported to the
    // stack at once, with LevelDB's reason, instead of leaving its clients to time out.
    const stop = (reason: string) => {
      if (closing || stopped) return;
      stopped = new ServiceStoppedError(kind, path, reason);
      for (const listener of listeners) listener(stopped);
      listeners.clear();
    };
    worker.once('error', (err) => {
      if (!listening) fail(err);
      else stop(err.message || String(err));
    });
    worker.on(
      'message',
      (message: { type: string; port?: number; message?: string; code?: string | null }) => {
        if (message.type === 'error') {
          const reason = `${message.message ?? 'unknown error'}${message.code ? ` (${message.code})` : ''}`;
          if (!listening)
            fail(Object.assign(new Error(message.message), { code: message.code ?? undefined }));
          else stop(reason);
          return;
        }
        if (message.type !== 'listening' || listening) return;
        listening = true;
        const endpoint = `http://127.0.0.1:${message.port}`;
        resolve({
          endpoint,
          onStopped: (listener) => {
            if (stopped) {
              listener(stopped);
              return () => undefined;
            }
            listeners.add(listener);
            return () => listeners.delete(listener);
          },
          close: () =>
            new Promise<void>((done) => {
              closing = true;
              if (exited) {
                done();
                return;
              }
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
      exited = true;
      if (!listening) fail(new Error(`worker exited with code ${code} before listening`));
      else stop(`its thread exited with code ${code}`);
    });
  });
}

/** The error for a store that would not open, from LevelDB's reason (classic-level codes or text). */
export function classifyOpenError(kind: 'dynalite' | 'kinesalite', path: string, err: Error): EmbeddedError {
  const code = (err as { code?: string }).code ?? '';
  const text = `${err.message} ${code}`;
  const store = kind === 'dynalite' ? 'hot store' : 'stream';
  if (code === 'LEVEL_CORRUPTION' || /\bCorruption\b/i.test(err.message)) {
    return new DataStoreCorruptError(path, store, err.message);
  }
  if (code === 'LEVEL_LOCKED' || /\bLOCK\b|lock .*held|Resource temporarily unavailable/.test(text)) {
    return new EmbeddedError(
      `the ${store} in ${path} is in use by another process (${err.message}), one that does not take ` +
        "config-monitor's data directory lock (an older config-monitor, or one in another container " +
        'sharing the directory); stop it or use a different --data-dir',
      { cause: err },
    );
  }
  return new EmbeddedError(`${kind} could not open the ${store} in ${path}: ${err.message}`, { cause: err });
}
