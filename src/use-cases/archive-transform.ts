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
import { type ConfigEvent, parseConfigEvent } from '../domain/config-event.js';
import { calendarProblem } from '../domain/timestamp.js';

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
  const event = outcome.event;
  switch (event.kind) {
    case 'compliance-change': {
      const row = toComplianceEventRow(event);
      return { result: 'Ok', eventId: row.event_id, dt: row.dt, record: toArchiveRecord(row) };
    }
    case 'configuration-item-change':
      return { result: 'Dropped', reason: `${event.detailType} is not archived in compliance_events` };
    default: {
      const unknown: never = event;
      throw new Error(`no archive rule for event kind ${JSON.stringify((unknown as ConfigEvent).kind)}`);
    }
  }
}

/** The archive JSON's timestamp form, as {@link toArchiveTimestamp} writes it (microseconds at most). */
const ARCHIVE_TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})(?:\.\d{1,6})?$/;
/** A UTF-16 surrogate without its pair: JSON.stringify escapes it, and no Parquet writer reads it. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export type ArchiveRecordReading =
  /** `record` is the line as {@link toArchiveRecord} writes it: schema columns in order, then a newline. */
  { readonly record: string; readonly problem?: undefined } | { readonly problem: string };

/**
 * Reads one line of archive JSON that may not come from this version's {@link toArchiveRecord}
 * (a spool line written by an older version, torn by a crash, or put there by hand) and gives it
 * back in this version's form, or says why it cannot become a row: not a JSON object, a column
 * that is neither a string nor null, a lone surrogate, or a timestamp that is not a real date and
 * time in the archive's form. A column the line lacks is null (a column added since); keys
 * that are no column are left out. Every record it gives back converts to Parquet.
 */
export function readArchiveRecord(line: string): ArchiveRecordReading {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (err) {
    return { problem: `bad JSON: ${(err as Error).message}` };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return {
      problem: `not a JSON object: got ${value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value}`,
    };
  }
  const fields = value as Record<string, unknown>;
  const record: Record<string, string | null> = {};
  for (const column of COMPLIANCE_EVENT_COLUMNS) {
    const field = fields[column.name] ?? null;
    if (field !== null && typeof field !== 'string') {
      return {
        problem: `${column.name} must be a string or null (was ${JSON.stringify(field)?.slice(0, 64)})`,
      };
    }
    if (field !== null && LONE_SURROGATE.test(field)) {
      return { problem: `${column.name} holds a lone UTF-16 surrogate, which is no Unicode text` };
    }
    if (field !== null && TIMESTAMP_COLUMNS.has(column.name)) {
      const problem = archiveTimestampProblem(field);
      if (problem) return { problem: `${column.name}: ${JSON.stringify(field.slice(0, 64))} ${problem}` };
    }
    record[column.name] = field;
  }
  return { record: `${JSON.stringify(record)}\n` };
}

function archiveTimestampProblem(text: string): string | null {
  const m = ARCHIVE_TIMESTAMP.exec(text);
  if (!m) return 'is not a timestamp YYYY-MM-DD HH:mm:ss[.ffffff]';
  return calendarProblem(Number(m[1]), Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]));
}
