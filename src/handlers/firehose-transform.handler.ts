/**
 * Firehose data transformation, apart from the Lambda runtime: each Kinesis record (an EventBridge
 * event) becomes one flat `compliance_events` JSON row for Firehose's Parquet conversion, with the
 * `dt` partition key for dynamic partitioning (`compliance_events/dt=!{partitionKeyFromLambda:dt}/`),
 * or is `Dropped` (not a compliance change; an id whose kept content is another record's; a copy
 * of an earlier record of the batch), or `ProcessingFailed` (not a valid event, or one the hot store
 * cannot hold). Firehose counts `Ok` and `Dropped` as processed and writes `ProcessingFailed`
 * records under the error prefix
 * (https://docs.aws.amazon.com/firehose/latest/dev/data-transformation-status-model.html).
 *
 * Which content of an id is archived is decided by claiming the id in the events table, as the
 * consumer does (src/use-cases/archive-transform.ts explains why a claim and not a lookup). When the
 * claim fails after its retries the invocation throws: Firehose retries it (three times by
 * default), then writes the batch under `errors/processing-failed/`
 * (https://docs.aws.amazon.com/firehose/latest/dev/data-transformation-failure-handling.html).
 *
 * Idempotence: a retried invocation claims the same ids with the same content, which the claims
 * already hold, so it yields the same rows; their copies in S3 are counted once by every saved
 * query (they deduplicate by `event_id`).
 */
import type {
  FirehoseTransformationEvent,
  FirehoseTransformationResult,
  FirehoseTransformationResultRecord,
} from 'aws-lambda';
import type { EventIdClaims } from '../ports/hot-store.js';
import type { Logger } from '../ports/logger.js';
import { type ArchiveTransformOptions, transformBatchForArchive } from '../use-cases/archive-transform.js';

/** The logger calls the transformation makes (Powertools `Logger` satisfies it). */
export type TransformLogger = Pick<Logger, 'info' | 'warn'>;

/**
 * Maps a Firehose transformation event to its result, record by record, in order. `options` carries
 * the configuration's severity overrides for the rows' `severity`.
 */
export async function transformFirehoseEvent(
  event: FirehoseTransformationEvent,
  claims?: EventIdClaims,
  logger?: TransformLogger,
  options: ArchiveTransformOptions = {},
): Promise<FirehoseTransformationResult> {
  const counts = { Ok: 0, Dropped: 0, ProcessingFailed: 0 };
  const outcomes = await transformBatchForArchive(
    event.records.map((record) => Buffer.from(record.data, 'base64').toString('utf8')),
    claims,
    options,
  );
  const records = event.records.map((record, i): FirehoseTransformationResultRecord => {
    const outcome = outcomes[i] as (typeof outcomes)[number];
    counts[outcome.result] += 1;
    if (outcome.result === 'Ok') {
      return {
        recordId: record.recordId,
        result: 'Ok',
        data: Buffer.from(outcome.record, 'utf8').toString('base64'),
        metadata: { partitionKeys: { dt: outcome.dt } },
      };
    }
    if (outcome.result === 'ProcessingFailed') {
      // The reason names a field, never the record's content (it may carry untrusted text).
      logger?.warn('record failed archive transformation', {
        recordId: record.recordId,
        reason: outcome.reason.slice(0, 1_000),
      });
    }
    // Firehose keeps the original data of a failed record and writes it under the error prefix.
    return { recordId: record.recordId, result: outcome.result, data: record.data };
  });
  logger?.info('archive transformation', { records: event.records.length, ...counts });
  return { records };
}
