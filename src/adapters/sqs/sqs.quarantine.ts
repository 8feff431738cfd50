/**
 * Quarantine on an SQS queue (the consumer's dead-letter queue in AWS). One message per rejected
 * record, body = the record as JSON, sent with SendMessageBatch.
 *
 * At-least-once: a redelivered batch quarantines its rejected records again. Readers of the queue
 * treat (sequenceNumber, data) as the identity, and a second copy of a rejected record is harmless.
 */
import {
  SendMessageBatchCommand,
  type SendMessageBatchRequestEntry,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { backoffDelay } from '../../domain/backoff.js';
import type { Quarantine, QuarantinedRecord } from '../../ports/quarantine.js';
import { QuarantineSendError } from './errors.js';

/** SendMessageBatch: at most 10 entries and 256 KiB of bodies a call (the classic limit, still safe). */
const MAX_ENTRIES = 10;
const MAX_BATCH_BYTES = 256 * 1024;
/** Raw text kept in a message; the rest is cut (Kinesis records reach 1 MB), with the original size noted. */
export const MAX_QUARANTINED_DATA_BYTES = 200 * 1024;
const MAX_ATTEMPTS = 3;

export interface SqsQuarantineOptions {
  /** @default - setTimeout */
  readonly sleep?: (ms: number) => Promise<void>;
}

export class SqsQuarantine implements Quarantine {
  constructor(
    private readonly sqs: Pick<SQSClient, 'send'>,
    private readonly queueUrl: string,
    private readonly options: SqsQuarantineOptions = {},
  ) {}

  /** Sends every record; retries entries SQS failed on its side, throws {@link QuarantineSendError} for the rest. */
  async put(records: readonly QuarantinedRecord[]): Promise<void> {
    const failures: { code: string; message: string }[] = [];
    for (const batch of toBatches(records.map(toBody))) {
      let pending = batch.map(
        (body, i) => ({ Id: String(i), MessageBody: body }) as SendMessageBatchRequestEntry,
      );
      for (let attempt = 1; pending.length > 0; attempt++) {
        if (attempt > 1)
          await (this.options.sleep ?? sleep)(backoffDelay(attempt - 1, { baseMs: 100, jitter: 'none' }));
        const res = await this.sqs.send(
          new SendMessageBatchCommand({ QueueUrl: this.queueUrl, Entries: pending }),
        );
        const failed = res.Failed ?? [];
        const retriable = new Set(failed.filter((f) => !f.SenderFault).map((f) => f.Id));
        for (const f of failed) {
          if (f.SenderFault || attempt >= MAX_ATTEMPTS) {
            failures.push({ code: f.Code ?? 'unknown', message: f.Message ?? '' });
          }
        }
        pending = attempt >= MAX_ATTEMPTS ? [] : pending.filter((entry) => retriable.has(entry.Id));
      }
    }
    if (failures.length > 0) throw new QuarantineSendError(hostOf(this.queueUrl), failures);
  }
}

/**
 * The message body of a record: JSON, with the data cut so that the body stays under one batch's
 * size (JSON escaping can grow control characters sixfold, hence the loop).
 */
export function toBody(record: QuarantinedRecord): string {
  const bytes = Buffer.byteLength(record.data, 'utf8');
  let limit = MAX_QUARANTINED_DATA_BYTES;
  for (;;) {
    const truncated = bytes > limit;
    // SQS refuses U+FFFE and U+FFFF; JSON.stringify leaves them raw (they can only sit inside strings).
    const body = JSON.stringify({
      ...record,
      reason: record.reason.slice(0, 4_000),
      data: truncated ? Buffer.from(record.data, 'utf8').subarray(0, limit).toString('utf8') : record.data,
      ...(truncated ? { truncated: true, dataBytes: bytes } : {}),
    }).replace(/[\uFFFE\uFFFF]/g, (c) => `\\u${c.charCodeAt(0).toString(16)}`);
    if (Buffer.byteLength(body, 'utf8') <= MAX_BATCH_BYTES - 1024) return body;
    limit = Math.floor(limit / 2);
  }
}

function toBatches(bodies: readonly string[]): string[][] {
  const batches: string[][] = [];
  let current: string[] = [];
  let size = 0;
  for (const body of bodies) {
    const bytes = Buffer.byteLength(body, 'utf8');
    if (current.length === MAX_ENTRIES || (current.length > 0 && size + bytes > MAX_BATCH_BYTES)) {
      batches.push(current);
      current = [];
      size = 0;
    }
    current.push(body);
    size += bytes;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return 'the queue';
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
