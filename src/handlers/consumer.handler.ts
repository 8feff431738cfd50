/**
 * The Kinesis batch consumer, independent of where it runs: the Lambda entrypoint
 * (consumer.lambda.ts) and the embedded stack's poller call the same handler with the same
 * `KinesisStreamEvent`.
 *
 * It only adapts: decode base64, call {@link processBatch}, log and count the outcomes, and turn
 * the first unfinished record into a partial batch failure.
 *
 * Why not Powertools Batch: its `BatchProcessor` calls a handler per record and reports every
 * failed record. Our work is batch-wide (one BatchGetItem/BatchWriteItem for many records, the
 * state of a key decided across the records of the batch in order), and a Kinesis shard must
 * resume from the first unfinished record anyway, so we report exactly that one sequence number
 * (Lambda retries from the lowest reported) — the same contract, computed from the batch result.
 */

import type { KinesisStreamBatchResponse, KinesisStreamEvent, KinesisStreamRecord } from 'aws-lambda';
import type { DocumentSender, RetryOptions } from '../adapters/dynamodb/batch-write.js';
import { ComplianceStateRepository } from '../adapters/dynamodb/compliance-state.repository.js';
import { EventStoreRepository } from '../adapters/dynamodb/event-store.repository.js';
import { ResourceRecordRepository } from '../adapters/dynamodb/resource-record.repository.js';
import type { ConfigEvent } from '../domain/config-event.js';
import type { FlappingOptions } from '../domain/flapping.js';
import type { AlertOutbox } from '../ports/hot-store.js';
import type { Logger } from '../ports/logger.js';
import type { Quarantine } from '../ports/quarantine.js';
import {
  type BatchResult,
  type BatchSummary,
  type IncomingRecord,
  type ProcessBatchDeps,
  processBatch,
  type RecordOutcome,
} from '../use-cases/process-batch.js';

export type { AlertOutbox } from '../ports/hot-store.js';
export type { BatchSummary } from '../use-cases/process-batch.js';

/** Metric names (namespace `ConfigMonitor`); documented in docs/hot-store.md. */
export const METRICS = {
  /** Records completed: accepted + duplicates + skipped. */
  processed: 'ConfigEventsProcessed',
  /** Records rejected (quarantined) or left unfinished by a transient failure. */
  errors: 'ConfigEventProcessingErrors',
  /** Violations queued for Slack. */
  violations: 'ComplianceViolationNotifications',
  /** Resolutions queued for Slack. */
  resolutions: 'ComplianceResolutionNotifications',
  /**
   * Ms from the EventBridge event time to its processing: one value per batch, that of its oldest
   * accepted event (alarm on the Maximum). One value per event would cost Powertools work on every
   * event and flush an EMF blob every 100 events.
   */
  latency: 'ConfigEventLatency',
} as const;

/** The logger calls the handler makes (Powertools `Logger` satisfies it). */
export type ConsumerLogger = Logger;

/** The metrics calls the handler makes (Powertools `Metrics` satisfies it; the caller publishes). */
export interface ConsumerMetrics {
  addMetric(name: string, unit: 'Count' | 'Milliseconds', value: number): unknown;
}

export interface ConsumerObservers {
  readonly logger?: ConsumerLogger;
  readonly metrics?: ConsumerMetrics;
  /** Called once per batch with its counts (the embedded CLI sums them for `ingest --json`). */
  readonly onBatch?: (summary: BatchSummary) => void;
}

export interface ConsumerDeps extends ConsumerObservers {
  /** The DynamoDB document client (`createDocumentClient`). */
  readonly doc: DocumentSender;
  readonly tables: { readonly events: string; readonly state: string };
  readonly quarantine: Quarantine;
  /** The alert outbox (`AlertOutboxRepository`). */
  readonly outbox: AlertOutbox;
  /** Backoff of BatchGetItem/BatchWriteItem leftovers. @default - see batch-write.ts */
  readonly retry?: RetryOptions;
  /** When a pair is flapping (`loadFlappingOptions`). @default FLAPPING_DEFAULTS */
  readonly flapping?: FlappingOptions;
  /** @default - the system clock */
  readonly now?: () => Date;
}

export type KinesisHandler = (event: KinesisStreamEvent) => Promise<KinesisStreamBatchResponse>;

/** The consumer on DynamoDB (or dynalite): repositories over `deps.doc`, then {@link createBatchHandler}. */
export function createConsumerHandler(deps: ConsumerDeps): KinesisHandler {
  return createBatchHandler(
    {
      events: new EventStoreRepository(deps.doc, deps.tables.events, deps.retry),
      states: new ComplianceStateRepository(deps.doc, deps.tables.state, deps.retry),
      // Resource records (tags, last changes) live in the events table: docs/hot-store.md.
      resources: new ResourceRecordRepository(deps.doc, deps.tables.events, deps.retry),
      outbox: deps.outbox,
      quarantine: deps.quarantine,
      ...(deps.flapping ? { flapping: deps.flapping } : {}),
      ...(deps.now ? { now: deps.now } : {}),
    },
    deps,
  );
}

/**
 * The consumer over any stores (the benchmark passes in-memory ones). Never throws for a record
 * or a store failure: unfinished records come back as one `batchItemFailures` entry, the
 * sequence number of the first of them.
 */
export function createBatchHandler(
  deps: ProcessBatchDeps,
  observers: ConsumerObservers = {},
): KinesisHandler {
  return async (event) => {
    const records = toIncomingRecords(event.Records);
    const result = await processBatch(records, deps);
    observe(result, records, observers, (deps.now?.() ?? new Date()).getTime());
    observers.onBatch?.(result.summary);
    const failed = result.firstFailed === null ? undefined : records[result.firstFailed];
    return { batchItemFailures: failed?.sequenceNumber ? [{ itemIdentifier: failed.sequenceNumber }] : [] };
  };
}

/** Decodes Kinesis records (base64 `data`) into the use case's records, keeping order. */
export function toIncomingRecords(records: readonly KinesisStreamRecord[]): IncomingRecord[] {
  return records.map((record) => ({
    text: decodeBase64Utf8(record.kinesis.data),
    sequenceNumber: record.kinesis.sequenceNumber,
    partitionKey: record.kinesis.partitionKey,
  }));
}

/**
 * The bytes of the last records decoded: one buffer, grown to the largest record seen, rather than
 * a Buffer per record (about a third of the decode's CPU, bench:consumer).
 */
let decoded = Buffer.allocUnsafe(64 * 1024);

/** `Buffer.from(data, 'base64').toString('utf8')`: the same decoders, into {@link decoded}. */
function decodeBase64Utf8(data: string): string {
  // At most 3 bytes per 4 characters (what Buffer.from allocates before it writes).
  const bound = Math.ceil((data.length * 3) / 4);
  if (bound > decoded.length) decoded = Buffer.allocUnsafe(bound);
  const length = decoded.write(data, 'base64');
  return decoded.toString('utf8', 0, length);
}

/** The structured fields of an event's log lines (docs/hot-store.md, "Logs"). */
export function logFields(event: ConfigEvent, outcome: string): Record<string, unknown> {
  switch (event.kind) {
    case 'compliance-change':
      return {
        outcome,
        eventId: event.eventId,
        account: event.account,
        region: event.region,
        ruleName: event.ruleName,
        resourceType: event.resourceType,
        resourceId: event.resourceId,
        complianceType: event.newStatus,
        oldComplianceType: event.oldStatus,
      };
    case 'configuration-item-change':
      return {
        outcome,
        eventId: event.eventId,
        account: event.account,
        region: event.region,
        resourceType: event.resourceType,
        resourceId: event.resourceId,
      };
    default: {
      const unknown: never = event;
      throw new Error(`no log fields for event kind ${JSON.stringify((unknown as ConfigEvent).kind)}`);
    }
  }
}

function observe(
  result: BatchResult,
  records: readonly IncomingRecord[],
  { logger, metrics }: ConsumerObservers,
  nowMs: number,
): void {
  const completed = result.firstFailed ?? records.length;
  // Per-record lines are not even built when the level filters them out (Powertools reads the
  // environment on every call before it looks at the level).
  const level = logger?.getLevelName?.();
  const debug = level === undefined || level === 'DEBUG' || level === 'TRACE' ? logger : undefined;
  const info = debug ?? (level === 'INFO' ? logger : undefined);
  // Normalized times sort as text: the smallest is the oldest event.
  let oldest: string | null = null;
  for (let i = 0; i < completed; i++) {
    const outcome = result.outcomes[i] as RecordOutcome;
    switch (outcome.kind) {
      case 'accepted':
        if (oldest === null || outcome.event.eventTime < oldest) oldest = outcome.event.eventTime;
        if (outcome.alert) {
          info?.info(`${outcome.alert.kind} queued`, logFields(outcome.event, outcome.alert.kind));
        } else {
          debug?.debug('event stored', logFields(outcome.event, outcome.stale ? 'stale' : 'accepted'));
        }
        break;
      case 'duplicate':
        debug?.debug('duplicate event', logFields(outcome.event, 'duplicate'));
        break;
      case 'skipped':
        debug?.debug('record skipped', {
          outcome: 'skipped',
          reason: outcome.reason,
          ...recordFields(records[i]),
        });
        break;
      case 'rejected':
        logger?.warn('record quarantined', {
          outcome: 'rejected',
          // arktype reasons quote the value seen; keep a hostile value from flooding the log.
          reason: outcome.reason.slice(0, 1_000),
          ...recordFields(records[i]),
        });
        break;
    }
  }
  const failedRecord = result.firstFailed === null ? undefined : records[result.firstFailed];
  for (const failure of result.failures) {
    logger?.error('batch step failed; unfinished records will be redelivered', {
      step: failure.step,
      records: failure.records,
      error: describeError(failure.error),
      ...(failedRecord?.sequenceNumber ? { firstFailedSequenceNumber: failedRecord.sequenceNumber } : {}),
    });
  }
  const s = result.summary;
  logger?.info('batch processed', { ...s });
  if (metrics) {
    metrics.addMetric(METRICS.processed, 'Count', s.accepted + s.duplicates + s.skipped);
    metrics.addMetric(METRICS.errors, 'Count', s.rejected + s.failed);
    metrics.addMetric(METRICS.violations, 'Count', s.violations);
    metrics.addMetric(METRICS.resolutions, 'Count', s.resolutions);
    if (oldest !== null)
      metrics.addMetric(METRICS.latency, 'Milliseconds', Math.max(0, nowMs - Date.parse(oldest)));
  }
}

function recordFields(record: IncomingRecord | undefined): Record<string, unknown> {
  return { sequenceNumber: record?.sequenceNumber, partitionKey: record?.partitionKey };
}

function describeError(error: unknown): Record<string, unknown> {
  if (error instanceof Error) {
    const meta = (error as { $metadata?: { httpStatusCode?: number; requestId?: string } }).$metadata;
    return {
      name: error.name,
      message: error.message,
      ...(meta ? { httpStatusCode: meta.httpStatusCode, requestId: meta.requestId } : {}),
    };
  }
  return { message: String(error) };
}
