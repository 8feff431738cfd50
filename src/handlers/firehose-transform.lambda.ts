/**
 * Firehose data transformation: each Kinesis record (an EventBridge event) becomes one flat
 * `compliance_events` JSON row for Firehose's Parquet conversion, with the `dt` partition key for
 * dynamic partitioning (`compliance_events/dt=!{partitionKeyFromLambda:dt}/`).
 *
 * Idempotence: the transformation is a pure function of the record, so a Firehose retry yields the
 * same row again; the duplicate lands in S3 and every saved query deduplicates by `event_id`.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import type {
  FirehoseTransformationEvent,
  FirehoseTransformationResult,
  FirehoseTransformationResultRecord,
} from 'aws-lambda';
import { transformForArchive } from '../use-cases/archive-transform.js';

const logger = new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'config-monitor' });

/** Maps a Firehose transformation event to its result, record by record, in order. */
export function transformFirehoseEvent(event: FirehoseTransformationEvent): FirehoseTransformationResult {
  const counts = { Ok: 0, Dropped: 0, ProcessingFailed: 0 };
  const records = event.records.map((record): FirehoseTransformationResultRecord => {
    const outcome = transformForArchive(Buffer.from(record.data, 'base64').toString('utf8'));
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
      logger.warn('record failed archive transformation', {
        recordId: record.recordId,
        reason: outcome.reason,
      });
    }
    // Firehose keeps the original data of a failed record and writes it under the error prefix.
    return { recordId: record.recordId, result: outcome.result, data: record.data };
  });
  logger.info('archive transformation', { records: event.records.length, ...counts });
  return { records };
}

export const handler = async (event: FirehoseTransformationEvent): Promise<FirehoseTransformationResult> =>
  transformFirehoseEvent(event);
