/**
 * The local stream from the writer's side, as the EventBridge rule target writes the cloud one:
 * the stream created with a week's retention, and PutRecords in calls of at most 500 records and
 * 1 MiB (Kinesis allows 5 MiB; see PUT_CALL_MAX_BYTES), with the entries Kinesis refused retried, remembering the highest sequence number
 * written per shard so that a wait knows what the consumers must reach.
 */
import {
  CreateStreamCommand,
  DescribeStreamSummaryCommand,
  IncreaseStreamRetentionPeriodCommand,
  type KinesisClient,
  PutRecordsCommand,
  type PutRecordsRequestEntry,
  ResourceNotFoundException,
  waitUntilStreamExists,
} from '@aws-sdk/client-kinesis';
import { partitionKeyFor } from '../../src/adapters/kinesis/partition-key.js';
import { backoffDelay } from '../../src/domain/backoff.js';
import { PublishError } from './errors.js';
import { compareSequenceNumbers } from './poller.js';

/** Records kept in the local stream: a stopped `up` resumes without loss within a week. */
const RETENTION_HOURS = 168;
/** Kinesis PutRecords limits: 500 records and 5 MiB per call (partition keys: see partitionKeyFor). */
export const PUT_RECORDS_MAX = 500;
/**
 * The bytes of one call to the embedded stream: 1 MiB, not Kinesis' 5 MiB. kinesalite holds a
 * call several times over at once (the body, its text, the parsed records, the values it encodes,
 * the LevelDB batch), and gathers the body by copying what it has so far onto each chunk that
 * arrives, so a call's transient copies grow with the square of its size; this side holds the data
 * and the request body. Records of ordinary events (about 1.3 KB) fill 500 in less than 1 MiB, so
 * their calls are unchanged; 25 KB item changes go 40 a call instead of 200 (issue 10, item 3:
 * with the poller's byte budget, kinesalite's Buffers peaked at 32 MB instead of 66 during a 1 GB
 * ingest, the main thread's at 56 instead of 91).
 */
export const PUT_CALL_MAX_BYTES = 1024 * 1024;
const PUBLISH_ATTEMPTS = 8;

export interface PublishResult {
  readonly published: number;
  /** Highest sequence number written per shard by this call. */
  readonly sequenceNumbers: ReadonlyMap<string, string>;
}

/** One record for the stream: the event's JSON text and its partition key. */
export interface StreamRecord {
  readonly data: string;
  readonly partitionKey: string;
}

/** Creates the stream if missing, waits until it is active and raises its retention to a week. */
export async function ensureStream(
  kinesis: KinesisClient,
  streamName: string,
  shards: number,
): Promise<{ streamArn: string }> {
  const describe = async () =>
    (await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: streamName })))
      .StreamDescriptionSummary!;
  try {
    const summary = await describe();
    if (summary.StreamStatus === 'ACTIVE') return { streamArn: summary.StreamARN! };
  } catch (err) {
    if (!(err instanceof ResourceNotFoundException)) throw err;
    await kinesis.send(new CreateStreamCommand({ StreamName: streamName, ShardCount: shards }));
  }
  await waitUntilStreamExists(
    { client: kinesis, maxWaitTime: 60, minDelay: 0.05, maxDelay: 0.5 },
    { StreamName: streamName },
  );
  const summary = await describe();
  if ((summary.RetentionPeriodHours ?? 24) < RETENTION_HOURS) {
    await kinesis.send(
      new IncreaseStreamRetentionPeriodCommand({
        StreamName: streamName,
        RetentionPeriodHours: RETENTION_HOURS,
      }),
    );
  }
  return { streamArn: summary.StreamARN! };
}

export interface StreamProducerOptions {
  readonly kinesis: KinesisClient;
  readonly streamName: string;
  /** Runs one PutRecords call, failing it as soon as a service thread stops (see service-watch.ts). */
  readonly unlessStopped: <T>(work: Promise<T>) => Promise<T>;
  /** Called after each `putRecords` (the stack wakes its pollers). */
  readonly onPublished: () => void;
}

export interface StreamProducer {
  /** Highest sequence number published through this producer, per shard. */
  readonly published: ReadonlyMap<string, string>;
  /** Puts events (objects or JSON texts) on the stream, batched, partition key = `detail.resourceId`. */
  publish(events: readonly unknown[]): Promise<PublishResult>;
  /** Puts prepared records on the stream (≤ 500 per call, failed entries retried). */
  putRecords(records: readonly StreamRecord[]): Promise<PublishResult>;
}

export function createStreamProducer(options: StreamProducerOptions): StreamProducer {
  const { kinesis, streamName, unlessStopped, onPublished } = options;
  const published = new Map<string, string>();

  async function putRecords(records: readonly StreamRecord[]): Promise<PublishResult> {
    const sequenceNumbers = new Map<string, string>();
    let count = 0;
    let start = 0;
    while (start < records.length) {
      // One call: ≤ 500 records and ≤ 1 MiB of data + keys (see PUT_CALL_MAX_BYTES).
      let end = start;
      let bytes = 0;
      while (end < records.length && end - start < PUT_RECORDS_MAX) {
        const record = records[end]!;
        const size = Buffer.byteLength(record.data) + Buffer.byteLength(record.partitionKey);
        if (end > start && bytes + size > PUT_CALL_MAX_BYTES) break;
        bytes += size;
        end++;
      }
      await unlessStopped(putChunk(records.slice(start, end), sequenceNumbers));
      count += end - start;
      start = end;
    }
    for (const [shardId, seq] of sequenceNumbers) {
      const current = published.get(shardId);
      if (!current || compareSequenceNumbers(seq, current) > 0) published.set(shardId, seq);
    }
    onPublished();
    return { published: count, sequenceNumbers };
  }

  /** PutRecords with retries of the entries Kinesis refused (FailedRecordCount), bounded. */
  async function putChunk(
    chunk: readonly StreamRecord[],
    sequenceNumbers: Map<string, string>,
  ): Promise<void> {
    let entries: PutRecordsRequestEntry[] = chunk.map((record) => ({
      Data: Buffer.from(record.data),
      PartitionKey: record.partitionKey,
    }));
    let lastErrorCode: string | undefined;
    for (let attempt = 1; attempt <= PUBLISH_ATTEMPTS; attempt++) {
      const output = await kinesis.send(new PutRecordsCommand({ StreamName: streamName, Records: entries }));
      const retry: PutRecordsRequestEntry[] = [];
      (output.Records ?? []).forEach((result, i) => {
        if (result.ErrorCode) {
          lastErrorCode = result.ErrorCode;
          retry.push(entries[i]!);
          return;
        }
        const current = sequenceNumbers.get(result.ShardId!);
        if (!current || compareSequenceNumbers(result.SequenceNumber!, current) > 0) {
          sequenceNumbers.set(result.ShardId!, result.SequenceNumber!);
        }
      });
      if (retry.length === 0) return;
      entries = retry;
      await new Promise((r) =>
        setTimeout(r, backoffDelay(attempt, { baseMs: 100, capMs: 2000, jitter: 'none' })),
      );
    }
    throw new PublishError(entries.length, PUBLISH_ATTEMPTS, lastErrorCode);
  }

  return {
    published,
    publish(events) {
      return putRecords(
        events.map((event) => {
          const data = typeof event === 'string' ? event : JSON.stringify(event);
          const value = typeof event === 'string' ? safeParse(event) : event;
          return { data, partitionKey: partitionKeyFor(value, data) };
        }),
      );
    },
    putRecords,
  };
}

function safeParse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
