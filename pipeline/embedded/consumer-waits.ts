/**
 * Waiting on the stream's consumers: until they processed everything published (and the archive
 * is committed), or caught up with what is already in the stream; and giving up, naming the
 * consumers in trouble, when none makes progress for too long.
 */
import type { EmbeddedArchiver } from './archiver.js';
import { EmbeddedError, ProcessingTimeoutError } from './errors.js';
import type { KinesisPoller } from './poller.js';

/** How long a wait lasts without any progress of the consumers before it gives up. */
const DEFAULT_STALL_MS = 120_000;

export interface WaitOptions {
  readonly signal?: AbortSignal;
  /** Give up when no consumer made progress for this long. @default 120000 */
  readonly stallTimeoutMs?: number;
  readonly onProgress?: () => void;
}

export interface ConsumerWaitsOptions {
  readonly pollers: readonly KinesisPoller[];
  readonly archiver: EmbeddedArchiver;
  /** Highest sequence number published, per shard: what the consumers must reach. */
  readonly published: ReadonlyMap<string, string>;
  /** Fails a wait as soon as a service thread stops (see service-watch.ts). */
  readonly unlessStopped: <T>(work: Promise<T>) => Promise<T>;
  readonly isClosed: () => boolean;
}

export interface ConsumerWaits {
  /**
   * Resolves when both consumers (hot store and archiver) have processed everything published
   * so far, and the archive is flushed and committed.
   */
  waitUntilProcessed(options?: WaitOptions): Promise<void>;
  /** Resolves when both consumers have read everything already in the stream (after a restart). */
  catchUp(signal?: AbortSignal): Promise<void>;
}

export function createConsumerWaits(options: ConsumerWaitsOptions): ConsumerWaits {
  const { pollers, archiver, published, unlessStopped, isClosed } = options;

  // The archiver flushes by size and time itself (as Firehose buffers); ingest and close flush now.
  const commitArchive = (): Promise<void> => archiver.flush();

  /**
   * An abort signal that fires when no consumer finished a record for `stallMs` (a shard stuck on
   * a failing batch), naming the consumers in trouble and the last handler error; or with `outer`.
   */
  function stallWatch(outer: AbortSignal | undefined, stallMs: number) {
    const controller = new AbortController();
    const onOuter = () => controller.abort(outer?.reason);
    outer?.addEventListener('abort', onOuter, { once: true });
    const records = () => pollers.reduce((sum, poller) => sum + poller.status().records, 0);
    let last = records();
    let lastChange = Date.now();
    const timer = setInterval(() => {
      const now = records();
      if (now !== last) {
        last = now;
        lastChange = Date.now();
        return;
      }
      if (Date.now() - lastChange <= stallMs) return;
      const statuses = pollers.map((poller) => poller.status());
      const lagging = statuses
        .filter((s) => s.shards.some((shard) => shard.failures > 0))
        .map((s) => s.consumer)
        .join(', ');
      const lastError = statuses.map((s) => s.lastError).find((e) => e !== null) ?? null;
      controller.abort(
        new ProcessingTimeoutError(stallMs, lagging || 'no consumer reports a failure', lastError),
      );
    }, 1000);
    timer.unref();
    return {
      signal: controller.signal,
      dispose() {
        clearInterval(timer);
        outer?.removeEventListener('abort', onOuter);
      },
    };
  }

  async function waitUntilProcessed(waitOptions: WaitOptions = {}): Promise<void> {
    const targets = new Map(published);
    const watch = stallWatch(waitOptions.signal, waitOptions.stallTimeoutMs ?? DEFAULT_STALL_MS);
    try {
      // One waiter per poller at a time: a poller that is already done must not collect a new
      // waiter (and abort listener) on every turn of the loop.
      const waiting = new Map<KinesisPoller, Promise<void>>();
      while (!pollers.every((poller) => poller.hasProcessed(targets))) {
        if (isClosed()) throw new EmbeddedError('the stack was closed while waiting for the consumers');
        for (const poller of pollers) {
          if (waiting.has(poller)) continue;
          const next = poller.progressed(watch.signal).then(() => {
            waiting.delete(poller);
          });
          next.catch(() => undefined);
          waiting.set(poller, next);
        }
        await unlessStopped(Promise.race(waiting.values()));
        waitOptions.onProgress?.();
      }
    } finally {
      watch.dispose();
    }
    await commitArchive();
  }

  async function catchUp(signal?: AbortSignal): Promise<void> {
    const watch = stallWatch(signal, DEFAULT_STALL_MS);
    try {
      await unlessStopped(Promise.all(pollers.map((poller) => poller.caughtUp(watch.signal))));
    } finally {
      watch.dispose();
    }
  }

  return { waitUntilProcessed, catchUp };
}
