/**
 * Puts records (EventBridge-shaped events) into the Kinesis stream, keyed as every other path keys
 * them ({@link partitionKeyFor}: the resource id, hashed above 256 characters). PutRecords fails
 * per entry (a throttled shard answers `ProvisionedThroughputExceededException` for its entries,
 * https://docs.aws.amazon.com/kinesis/latest/APIReference/API_PutRecords.html): the failed entries
 * are put again with backoff, at most {@link PUBLISH_ATTEMPTS} times, then the call throws naming
 * how many are missing. A record put twice is stored once: the consumer keys events by their id.
 */
import { type KinesisClient, PutRecordsCommand, type PutRecordsRequestEntry } from '@aws-sdk/client-kinesis';
import { backoffDelay } from '../../domain/backoff.js';
import type { RecordPublisher } from '../../ports/config-compliance.js';
import { partitionKeyFor } from './partition-key.js';

export const PUBLISH_ATTEMPTS = 5;
/** PutRecords limits: 500 entries and 5 MiB per call. */
const MAX_ENTRIES = 500;
const MAX_BYTES = 5 * 1024 * 1024;

export class StreamPublishError extends Error {
  override readonly name = 'StreamPublishError';
  constructor(
    readonly missing: number,
    readonly total: number,
    readonly lastError: string | undefined,
  ) {
    super(
      `the stream did not take ${missing} of ${total} records after ${PUBLISH_ATTEMPTS} attempts${lastError ? ` (last error: ${lastError})` : ''}`,
    );
  }
}

export class KinesisRecordPublisher implements RecordPublisher {
  constructor(
    private readonly kinesis: KinesisClient,
    private readonly streamName: string,
    private readonly backoff: (attempt: number) => Promise<void> = (attempt) =>
      new Promise((resolve) =>
        setTimeout(resolve, backoffDelay(attempt, { baseMs: 200, capMs: 5_000, jitter: 'none' })),
      ),
  ) {}

  async publish(records: readonly Record<string, unknown>[]): Promise<void> {
    let pending: PutRecordsRequestEntry[] = records.map((record) => {
      const data = JSON.stringify(record);
      return { Data: new TextEncoder().encode(data), PartitionKey: partitionKeyFor(record, data) };
    });
    let lastError: string | undefined;
    for (let attempt = 1; attempt <= PUBLISH_ATTEMPTS && pending.length > 0; attempt++) {
      if (attempt > 1) await this.backoff(attempt - 1);
      const failed: PutRecordsRequestEntry[] = [];
      for (const chunk of chunks(pending)) {
        try {
          const out = await this.kinesis.send(
            new PutRecordsCommand({ StreamName: this.streamName, Records: chunk }),
          );
          (out.Records ?? []).forEach((r, i) => {
            if (r.ErrorCode) {
              lastError = r.ErrorCode;
              failed.push(chunk[i] as PutRecordsRequestEntry);
            }
          });
        } catch (err) {
          lastError = err instanceof Error ? err.name : String(err);
          failed.push(...chunk);
        }
      }
      pending = failed;
    }
    if (pending.length > 0) throw new StreamPublishError(pending.length, records.length, lastError);
  }
}

function chunks(entries: readonly PutRecordsRequestEntry[]): PutRecordsRequestEntry[][] {
  const out: PutRecordsRequestEntry[][] = [];
  let current: PutRecordsRequestEntry[] = [];
  let bytes = 0;
  for (const entry of entries) {
    const size = (entry.Data as Uint8Array).byteLength + Buffer.byteLength(entry.PartitionKey ?? '', 'utf8');
    if (current.length === MAX_ENTRIES || (current.length > 0 && bytes + size > MAX_BYTES)) {
      out.push(current);
      current = [];
      bytes = 0;
    }
    current.push(entry);
    bytes += size;
  }
  if (current.length > 0) out.push(current);
  return out;
}
