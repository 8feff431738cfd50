/**
 * `config-monitor ingest` inside the embedded stack: each input record through the local bus,
 * published in order, waited for until both consumers processed it, then the alerts delivered;
 * with exact counts of what happened to the records. One ingest at a time.
 */
import type { FileQuarantine } from '../../src/adapters/file/file.quarantine.js';
import type { BatchSummary } from '../../src/handlers/consumer.handler.js';
import type { QuarantinedRecord } from '../../src/ports/quarantine.js';
import type { DrainResult } from '../../src/use-cases/deliver-alerts.js';
import type { WaitOptions } from './consumer-waits.js';
import { admit } from './local-bus.js';
import type { DeliverOptions } from './notifier.js';
import type { StackLogger } from './stack-logger.js';
import {
  PUT_CALL_MAX_BYTES,
  PUT_RECORDS_MAX,
  type PublishResult,
  type StreamRecord,
} from './stream-producer.js';

/** Counts of one `ingest`, as `config-monitor ingest --json` prints them. */
export interface IngestSummary {
  received: number;
  accepted: number;
  duplicates: number;
  stale: number;
  skipped: number;
  rejected: number;
  alerts: { violations: number; resolved: number; messages: number };
}

export interface IngestReport {
  readonly summary: IngestSummary;
  /** Alerts still queued after the drain (delivered later by `up`, never lost). */
  readonly pendingAlerts: number;
  /** Alerts whose post failed during the drain (still queued). */
  readonly failedAlerts: number;
  /**
   * Messages sent during the drain that Slack never answered: they may be in the channel; their
   * alerts stay queued and are re-sent once (a possible duplicate).
   */
  readonly unconfirmedMessages: number;
  /** Alerts held back by a mute in force during the drain: recorded as delivered-as-muted, not posted. */
  readonly mutedAlerts?: number;
  /** Records left unprocessed by an interrupted run and processed before this ingest. */
  readonly recovered: number;
  readonly durationMs: number;
}

export type IngestProgress =
  | { readonly phase: 'recovering' }
  | {
      readonly phase: 'sending';
      readonly read: number;
      readonly published: number;
      readonly processed: number;
    }
  | { readonly phase: 'processing'; readonly processed: number; readonly total: number }
  | { readonly phase: 'archiving' }
  | { readonly phase: 'delivering'; readonly messages: number; readonly pending: number };

/**
 * One input record: raw text (a JSON Lines line, a value that does not parse) or an already parsed
 * value (an array element). A text with a `reason` was rejected by the reader (see ingest-input.ts:
 * too long to hold); the text is what is kept of it.
 */
export type IngestRecord = { readonly text: string; readonly reason?: string } | { readonly value: unknown };

export interface IngestOptions {
  readonly onProgress?: (progress: IngestProgress) => void;
  readonly signal?: AbortSignal;
  /** Stop draining alerts after this long (they stay queued). @default 120000 */
  readonly drainTimeoutMs?: number;
}

/** The parts of the stack an ingest runs through. */
export interface IngestDeps {
  readonly quarantine: FileQuarantine;
  readonly logger: StackLogger;
  putRecords(records: readonly StreamRecord[]): Promise<PublishResult>;
  catchUp(signal?: AbortSignal): Promise<void>;
  waitUntilProcessed(options?: WaitOptions): Promise<void>;
  deliverAlerts(options?: DeliverOptions): Promise<DrainResult>;
  /** Subscribes to the consumer's per-batch counts; returns the unsubscribe function. */
  onBatch(listener: (summary: BatchSummary) => void): () => void;
}

export interface Ingester {
  /** The whole `config-monitor ingest`: filter, publish, wait, flush, deliver; exact counts. */
  ingest(
    records: AsyncIterable<IngestRecord> | Iterable<IngestRecord>,
    options?: IngestOptions,
  ): Promise<IngestReport>;
  /** Whether an ingest is running (background drains skip while one runs). */
  running(): boolean;
}

/** Rejected records written to the quarantine at once at most. */
const QUARANTINE_CHUNK = 500;
/** Records read between two `sending` progress reports. */
const PROGRESS_EVERY = 500;
/** How long an ingest drains the alerts at most. @see IngestOptions.drainTimeoutMs */
const DEFAULT_DRAIN_TIMEOUT_MS = 120_000;

export function createIngester(deps: IngestDeps): Ingester {
  const { quarantine, logger, putRecords, catchUp, waitUntilProcessed, deliverAlerts, onBatch } = deps;
  let ingestLock: Promise<unknown> = Promise.resolve();
  let ingesting = 0;

  async function ingest(
    records: AsyncIterable<IngestRecord> | Iterable<IngestRecord>,
    ingestOptions: IngestOptions = {},
  ): Promise<IngestReport> {
    // One ingest at a time: the consumer's batch counts are attributed to the ingest running.
    const previous = ingestLock;
    let release: () => void = () => undefined;
    ingestLock = new Promise<void>((resolve) => {
      release = resolve;
    });
    await previous;
    ingesting++;
    try {
      return await runIngest(records, ingestOptions);
    } finally {
      ingesting--;
      release();
    }
  }

  async function runIngest(
    records: AsyncIterable<IngestRecord> | Iterable<IngestRecord>,
    ingestOptions: IngestOptions,
  ): Promise<IngestReport> {
    const startedAt = Date.now();
    const { onProgress, signal } = ingestOptions;
    const summary = emptySummary();

    // Records an interrupted run left in the stream are processed first and not counted here.
    onProgress?.({ phase: 'recovering' });
    let recovered = 0;
    const stopRecovering = onBatch((s: BatchSummary) => {
      recovered += s.received - s.failed;
    });
    try {
      await catchUp(signal);
    } finally {
      stopRecovering();
    }

    let processed = 0;
    let publishedCount = 0;
    const stopCounting = onBatch((s: BatchSummary) => {
      summary.accepted += s.accepted;
      summary.duplicates += s.duplicates;
      summary.stale += s.stale;
      summary.skipped += s.skipped;
      summary.rejected += s.rejected;
      summary.alerts.violations += s.violations;
      summary.alerts.resolved += s.resolutions;
      processed += s.received - s.failed;
    });
    try {
      const rejected: QuarantinedRecord[] = [];
      let pending: StreamRecord[] = [];
      let pendingChars = 0;
      let inFlight: Promise<unknown> = Promise.resolve();
      // One PutRecords in flight at a time: records of one resource keep their order, as they do
      // from one EventBridge rule target. The records read meanwhile wait in `pending`, at most one
      // call's worth (500 records or PUT_CALL_MAX_BYTES of data, whichever comes first): what the
      // ingest holds does not grow with the records' size.
      const flush = async () => {
        const chunk = pending;
        pending = [];
        pendingChars = 0;
        await inFlight;
        const put = putRecords(chunk).then((r) => {
          publishedCount += r.published;
        });
        // Handled here so that an input error in between cannot leave it unobserved; awaited below.
        put.catch(() => undefined);
        inFlight = put;
      };
      let read = 0;
      for await (const record of records) {
        signal?.throwIfAborted();
        read++;
        summary.received++;
        const outcome = admit(record);
        if (outcome.status === 'publish') {
          const size = outcome.record.data.length + outcome.record.partitionKey.length;
          if (pending.length > 0 && pendingChars + size > PUT_CALL_MAX_BYTES) await flush();
          pending.push(outcome.record);
          pendingChars += size;
          if (pending.length >= PUT_RECORDS_MAX) await flush();
        } else if (outcome.status === 'skipped') {
          summary.skipped++;
        } else {
          summary.rejected++;
          rejected.push({ reason: outcome.reason, data: outcome.data, receivedAt: new Date().toISOString() });
          if (rejected.length >= QUARANTINE_CHUNK) await quarantine.put(rejected.splice(0));
        }
        if (read % PROGRESS_EVERY === 0) {
          onProgress?.({ phase: 'sending', read, published: publishedCount, processed });
        }
      }
      if (pending.length > 0) await flush();
      await inFlight;
      await quarantine.put(rejected);
      onProgress?.({ phase: 'sending', read, published: publishedCount, processed });

      await waitUntilProcessed({
        ...(signal ? { signal } : {}),
        onProgress: () => onProgress?.({ phase: 'processing', processed, total: publishedCount }),
      });
      onProgress?.({ phase: 'archiving' });
    } finally {
      stopCounting();
    }

    const delivery = await deliverAlerts({
      timeoutMs: ingestOptions.drainTimeoutMs ?? DEFAULT_DRAIN_TIMEOUT_MS,
      onDrain: (d) => onProgress?.({ phase: 'delivering', messages: d.messages, pending: d.pending }),
    });
    summary.alerts.messages = delivery.messages;
    if (processed !== publishedCount) {
      logger.warn('consumer counts differ from the records published', {
        processed,
        published: publishedCount,
      });
    }
    return {
      summary,
      pendingAlerts: delivery.pending,
      failedAlerts: delivery.failed,
      unconfirmedMessages: delivery.unconfirmed,
      mutedAlerts: delivery.muted ?? 0,
      recovered,
      durationMs: Date.now() - startedAt,
    };
  }

  return { ingest, running: () => ingesting > 0 };
}

function emptySummary(): IngestSummary {
  return {
    received: 0,
    accepted: 0,
    duplicates: 0,
    stale: 0,
    skipped: 0,
    rejected: 0,
    alerts: { violations: 0, resolved: 0, messages: 0 },
  };
}
