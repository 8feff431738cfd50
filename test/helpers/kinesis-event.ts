/**
 * Factories of Lambda `KinesisStreamEvent`s, the exact shape an event source mapping (or the
 * embedded poller) hands to a consumer: records in order, base64 `data`, increasing sequence
 * numbers on one shard.
 *
 * ```ts
 * const event = kinesisEvent([fixtureText('compliance-change', 'first-evaluation'), 'not json']);
 * const again = kinesisEvent(texts, { firstSequence: sequenceAfter(event) });
 * ```
 */
import type { KinesisStreamEvent, KinesisStreamRecord } from 'aws-lambda';

/** A record payload: text as is, bytes as is (for invalid UTF-8), anything else as JSON. */
export type RecordPayload = string | Uint8Array | Record<string, unknown> | readonly unknown[];

export interface KinesisEventOptions {
  /** @default 'shardId-000000000000' */
  readonly shardId?: string;
  /** @default 'config-events' */
  readonly streamName?: string;
  /** @default 'eu-west-1' */
  readonly region?: string;
  /** @default '999999999999' */
  readonly account?: string;
  /** Sequence number of the first record; the next ones add 1 each. @default 49590338271490256608559692538361571095921575989136588898 */
  readonly firstSequence?: bigint | string;
  /**
   * Partition key of a record. @default - `detail.resourceId` of an EventBridge event (as the
   * cloud rule does), else `pk-<index>`
   */
  readonly partitionKey?: (payload: RecordPayload, index: number) => string;
  /** Epoch seconds of arrival. @default 1790000000 */
  readonly arrivalTime?: number;
}

/** A realistic first sequence number (they are 56-digit decimals in Kinesis). */
export const FIRST_SEQUENCE = 49590338271490256608559692538361571095921575989136588898n;

/** The bytes of a payload as Kinesis carries them. */
export function payloadBytes(payload: RecordPayload): Buffer {
  if (typeof payload === 'string') return Buffer.from(payload, 'utf8');
  if (payload instanceof Uint8Array) return Buffer.from(payload);
  return Buffer.from(JSON.stringify(payload), 'utf8');
}

/** One Kinesis record of an event source mapping. */
export function kinesisRecord(
  payload: RecordPayload,
  sequenceNumber: string,
  options: KinesisEventOptions & { readonly index?: number } = {},
): KinesisStreamRecord {
  const region = options.region ?? 'eu-west-1';
  const account = options.account ?? '999999999999';
  const shardId = options.shardId ?? 'shardId-000000000000';
  return {
    awsRegion: region,
    eventID: `${shardId}:${sequenceNumber}`,
    eventName: 'aws:kinesis:record',
    eventSource: 'aws:kinesis',
    eventSourceARN: `arn:aws:kinesis:${region}:${account}:stream/${options.streamName ?? 'config-events'}`,
    eventVersion: '1.0',
    invokeIdentityArn: `arn:aws:iam::${account}:role/config-monitor-consumer`,
    kinesis: {
      kinesisSchemaVersion: '1.0',
      partitionKey: (options.partitionKey ?? defaultPartitionKey)(payload, options.index ?? 0),
      sequenceNumber,
      data: payloadBytes(payload).toString('base64'),
      approximateArrivalTimestamp: options.arrivalTime ?? 1_790_000_000,
    },
  };
}

/** A batch of records on one shard, in the given order, with consecutive sequence numbers. */
export function kinesisEvent(
  payloads: readonly RecordPayload[],
  options: KinesisEventOptions = {},
): KinesisStreamEvent {
  const first = BigInt(options.firstSequence ?? FIRST_SEQUENCE);
  return {
    Records: payloads.map((payload, index) =>
      kinesisRecord(payload, (first + BigInt(index)).toString(), { ...options, index }),
    ),
  };
}

/** The sequence numbers of a batch, in order. */
export function sequenceNumbers(event: KinesisStreamEvent): string[] {
  return event.Records.map((record) => record.kinesis.sequenceNumber);
}

/** The sequence number that follows the last record of `event` (to continue the shard). */
export function sequenceAfter(event: KinesisStreamEvent): string {
  const last = event.Records.at(-1)?.kinesis.sequenceNumber;
  return last === undefined ? FIRST_SEQUENCE.toString() : (BigInt(last) + 1n).toString();
}

/**
 * What Lambda redelivers after a partial batch failure: the records from the reported sequence
 * number on (no records when that number is not in the batch).
 */
export function redeliveryFrom(event: KinesisStreamEvent, sequenceNumber: string): KinesisStreamEvent {
  const start = event.Records.findIndex((record) => record.kinesis.sequenceNumber === sequenceNumber);
  return { Records: start < 0 ? [] : event.Records.slice(start) };
}

/** The text of a record (base64-decoded). */
export function recordText(record: KinesisStreamRecord): string {
  return Buffer.from(record.kinesis.data, 'base64').toString('utf8');
}

function defaultPartitionKey(payload: RecordPayload, index: number): string {
  let value: unknown = payload;
  if (typeof payload === 'string') {
    try {
      value = JSON.parse(payload);
    } catch {
      value = null;
    }
  }
  const resourceId = (value as { detail?: { resourceId?: unknown } } | null)?.detail?.resourceId;
  // Kinesis partition keys are 1–256 characters.
  return typeof resourceId === 'string' && resourceId.length > 0 ? resourceId.slice(0, 256) : `pk-${index}`;
}
