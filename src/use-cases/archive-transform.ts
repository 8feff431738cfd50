/**
 * The ONE archive transformation: EventBridge event text → one `compliance_events` row, as the JSON
 * record that Firehose's record format conversion turns into Parquet.
 *
 * Used by the Firehose data-transformation Lambda in AWS and by the embedded archiver locally, so the
 * two archives hold the same rows byte for byte (test/integration/archive-parity.test.ts checks it).
 */
import {
  COMPLIANCE_EVENT_COLUMNS,
  type ComplianceEventRow,
  toComplianceEventRow,
} from '../domain/archive-schema.js';
import { parseConfigEvent } from '../domain/config-event.js';

export type ArchiveTransformOutcome =
  /** `record` is one JSON object and a newline; `dt` is the Hive partition value (`YYYY-MM-DD`). */
  | { readonly result: 'Ok'; readonly eventId: string; readonly dt: string; readonly record: string }
  /** Valid, but not a compliance change (configuration-item change, other detail type, other source). */
  | { readonly result: 'Dropped'; readonly reason: string }
  /** Not a valid event: Firehose writes it under its error prefix. */
  | { readonly result: 'ProcessingFailed'; readonly reason: string };

/**
 * Formats a normalized ISO timestamp (`YYYY-MM-DDTHH:mm:ss.sssZ`, UTC) for the archive JSON:
 * `YYYY-MM-DD HH:mm:ss.sss`, UTC wall-clock time without a zone.
 *
 * Why this format: it is the one both of Firehose's JSON deserializers read without any
 * `TimestampFormats` configuration. The OpenX JSON SerDe lists `yyyy-[M]M-[d]d HH:mm:ss[.S]` among
 * its accepted formats, and the Hive JSON SerDe falls back to `java.sql.Timestamp::valueOf`, whose
 * format is exactly that (https://docs.aws.amazon.com/firehose/latest/dev/record-format-conversion.html,
 * "Choose the JSON deserializer"; https://docs.aws.amazon.com/firehose/latest/APIReference/API_HiveJsonSerDe.html).
 * The `…Z` ISO form is accepted by OpenX only. Parquet TIMESTAMP has no zone: the archive is UTC by contract.
 */
export function toArchiveTimestamp(iso: string): string {
  return `${iso.slice(0, 10)} ${iso.slice(11, 23)}`;
}

const TIMESTAMP_COLUMNS: ReadonlySet<string> = new Set(
  COMPLIANCE_EVENT_COLUMNS.filter((c) => c.type === 'timestamp').map((c) => c.name),
);

/**
 * The JSON record of one row: the schema's columns in schema order (not `dt`, which is the partition
 * key Firehose takes from the record metadata), nulls as JSON null, and a trailing newline so that
 * concatenated records stay one per line. Deterministic: the same row always gives the same bytes.
 */
export function toArchiveRecord(row: ComplianceEventRow): string {
  const record: Record<string, string | null> = {};
  for (const column of COMPLIANCE_EVENT_COLUMNS) {
    // A column the row lacks (a later column, see ComplianceEventRow) is written as null, so every
    // record carries every column.
    const value = row[column.name] ?? null;
    record[column.name] =
      value !== null && TIMESTAMP_COLUMNS.has(column.name) ? toArchiveTimestamp(value) : value;
  }
  return `${JSON.stringify(record)}\n`;
}

/**
 * Transforms one raw record (the text of an EventBridge event, as the Kinesis stream carries it).
 * Never throws: every input maps to Ok, Dropped or ProcessingFailed.
 */
export function transformForArchive(text: string): ArchiveTransformOutcome {
  const outcome = parseConfigEvent(text);
  if (outcome.status === 'rejected') return { result: 'ProcessingFailed', reason: outcome.reason };
  if (outcome.status === 'skipped') return { result: 'Dropped', reason: outcome.reason };
  if (outcome.event.kind !== 'compliance-change') {
    return { result: 'Dropped', reason: `${outcome.event.detailType} is not archived in compliance_events` };
  }
  const row = toComplianceEventRow(outcome.event);
  return { result: 'Ok', eventId: row.event_id, dt: row.dt, record: toArchiveRecord(row) };
}
