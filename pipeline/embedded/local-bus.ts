/**
 * The local event bus: the EventBridge rule's filter, applied to each input record of `ingest`
 * before it reaches the stream.
 */
import { partitionKeyFor } from '../../src/adapters/kinesis/partition-key.js';
import { parseConfigEvent } from '../../src/domain/config-event.js';
import { matchesConfigEventPattern } from '../../src/domain/event-pattern.js';
import type { IngestRecord } from './ingest.js';
import type { StreamRecord } from './stream-producer.js';

/** EventBridge refuses events larger than 256 KB, so the cloud rule can never forward one. */
export const MAX_EVENT_BYTES = 256 * 1024;

export type Admission =
  | { readonly status: 'publish'; readonly record: StreamRecord }
  | { readonly status: 'skipped' }
  | { readonly status: 'rejected'; readonly reason: string; readonly data: string };

/**
 * What the EventBridge rule does with one input record: events matching the one pattern go to
 * the stream (the consumer validates them fully); others are skipped, or rejected when they are
 * not EventBridge events at all (bad JSON, SNS envelopes, too large), with the reason.
 */
export function admit(record: IngestRecord): Admission {
  let value: unknown;
  let data: string;
  if ('text' in record) {
    data = record.text;
    if (record.reason !== undefined) return { status: 'rejected', reason: record.reason, data };
    try {
      value = JSON.parse(data);
    } catch (err) {
      return { status: 'rejected', reason: `bad JSON: ${(err as Error).message}`, data };
    }
  } else {
    value = record.value;
    data = JSON.stringify(value) ?? String(value);
  }
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    if (matchesConfigEventPattern(value as Record<string, unknown>)) {
      const bytes = Buffer.byteLength(data);
      if (bytes > MAX_EVENT_BYTES) {
        return {
          status: 'rejected',
          reason: `event is ${bytes} bytes; EventBridge events are at most ${MAX_EVENT_BYTES} bytes`,
          data,
        };
      }
      return { status: 'publish', record: { data, partitionKey: partitionKeyFor(value, data) } };
    }
  }
  const outcome = parseConfigEvent(value);
  if (outcome.status === 'rejected') return { status: 'rejected', reason: outcome.reason, data };
  return { status: 'skipped' };
}
