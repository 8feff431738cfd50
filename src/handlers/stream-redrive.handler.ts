/**
 * The stream redrive: puts the events the master-bus rules could not put into Kinesis (their
 * dead-letter queue, whose SQS message body is the original EventBridge event) into the stream,
 * with the partition key the embedded ingest uses ({@link partitionKeyFor}). Its main customers are
 * events whose resource id is longer than Kinesis' 256-character key limit: src/domain/stream-routes.ts
 * explains why they take this path and how it keeps the consumer's per-key order guarantees.
 *
 * Each message is put at most {@link REDRIVE_PUT_ATTEMPTS} times per invocation (PutRecords fails
 * per entry, for example when a shard is throttled); what is still not in the stream is reported
 * as a batch item failure, so SQS hands it over again, and after the queue's maxReceiveCount moves
 * it to the final dead-letter queue.
 */
import { type KinesisClient, PutRecordsCommand, type PutRecordsRequestEntry } from '@aws-sdk/client-kinesis';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { partitionKeyFor } from '../adapters/kinesis/partition-key.js';
import { backoffDelay } from '../domain/backoff.js';
import type { Logger } from '../ports/logger.js';

/** PutRecords attempts per invocation for one message. */
export const REDRIVE_PUT_ATTEMPTS = 3;
/** PutRecords limits: 500 entries and 5 MiB (data plus partition keys) per call. */
const PUT_RECORDS_MAX = 500;
const PUT_RECORDS_MAX_BYTES = 5 * 1024 * 1024;

export type RedriveLogger = Pick<Logger, 'info' | 'warn'>;

export interface StreamRedriveDeps {
  readonly kinesis: KinesisClient;
  readonly streamName: string;
  readonly logger: RedriveLogger;
  /** Pause before retry `attempt` (1-based). @default 100 ms × 2^(attempt-1) */
  readonly backoff?: (attempt: number) => Promise<void>;
}

interface Pending {
  readonly messageId: string;
  readonly entry: PutRecordsRequestEntry;
  readonly bytes: number;
}

/** The stream entry for one dead-lettered EventBridge event (the message body). */
export function redriveEntry(body: string): PutRecordsRequestEntry {
  let event: unknown;
  try {
    event = JSON.parse(body);
  } catch {
    // Not JSON: put it anyway (keyed by its hash); the consumer quarantines it with its reason.
    event = undefined;
  }
  return { Data: new TextEncoder().encode(body), PartitionKey: partitionKeyFor(event, body) };
}

/** SQS batch → partial batch response (the messages that are not in the stream). */
export function createStreamRedriveHandler(deps: StreamRedriveDeps) {
  const backoff =
    deps.backoff ??
    ((attempt: number) =>
      new Promise<void>((r) => setTimeout(r, backoffDelay(attempt, { baseMs: 100, jitter: 'none' }))));

  return async (event: SQSEvent): Promise<SQSBatchResponse> => {
    let pending: Pending[] = event.Records.map((record: SQSRecord) => {
      const entry = redriveEntry(record.body);
      const bytes = (entry.Data as Uint8Array).byteLength + Buffer.byteLength(entry.PartitionKey!, 'utf8');
      return { messageId: record.messageId, entry, bytes };
    });
    let put = 0;
    for (let attempt = 1; attempt <= REDRIVE_PUT_ATTEMPTS && pending.length > 0; attempt++) {
      if (attempt > 1) await backoff(attempt - 1);
      const failed: Pending[] = [];
      for (const chunk of chunks(pending)) {
        try {
          const result = await deps.kinesis.send(
            new PutRecordsCommand({ StreamName: deps.streamName, Records: chunk.map((p) => p.entry) }),
          );
          (result.Records ?? []).forEach((r, i) => {
            if (r.ErrorCode) failed.push(chunk[i]!);
            else put++;
          });
        } catch (err) {
          deps.logger.warn('PutRecords failed', { attempt, entries: chunk.length, error: String(err) });
          failed.push(...chunk);
        }
      }
      pending = failed;
    }
    deps.logger.info('stream redrive', { received: event.Records.length, put, failed: pending.length });
    return { batchItemFailures: pending.map((p) => ({ itemIdentifier: p.messageId })) };
  };
}

function chunks(items: readonly Pending[]): Pending[][] {
  const out: Pending[][] = [];
  let current: Pending[] = [];
  let bytes = 0;
  for (const item of items) {
    if (
      current.length === PUT_RECORDS_MAX ||
      (current.length > 0 && bytes + item.bytes > PUT_RECORDS_MAX_BYTES)
    ) {
      out.push(current);
      current = [];
      bytes = 0;
    }
    current.push(item);
    bytes += item.bytes;
  }
  if (current.length > 0) out.push(current);
  return out;
}
