/**
 * The ONE archive transformation: EventBridge event text → one `compliance_events` row, as the JSON
 * record that Firehose's record format conversion turns into Parquet.
 *
 * Used by the Firehose data-transformation Lambda in AWS and by the embedded archiver locally, so the
 * two archives hold the same rows byte for byte (test/integration/archive-parity.test.ts checks it).
 *
 * The archive holds what the hot store holds (issue 14, defect 8). An event id is one event
 * (src/domain/event-identity.ts): the consumer keeps the first content it claims for an id and
 * rejects other content as a conflicting duplicate. The archive must keep that same content, one
 * row per id, whichever of the two readers of the stream (Firehose and the consumer read it
 * independently, at their own pace and in their own batches) sees a record first. So
 * {@link transformBatchForArchive} does not merely look the id up: it CLAIMS it, with the very
 * fingerprint-conditional write the consumer uses (EventStore.claim, a `PutItem` with
 * `attribute_not_exists(pk)` after a strongly consistent `BatchGetItem`):
 * - the id is absent: this record's content is claimed, and the consumer, reading the claim later,
 *   keeps the same content (a claim with its fingerprint is "claimed, not done": it applies it) and
 *   rejects any other;
 * - the id is claimed or stored with this content: the row is archived (again, on a redelivery);
 * - with other content: the record is `Dropped`, the hot store keeps (or will apply) the other.
 * Whichever reader writes the claim first decides for both, and the conditional put makes exactly
 * one claim win a race. A lookup alone would not do: when the transform runs before the consumer
 * stored the id ("not yet stored"), the first content it saw need not be the one the consumer keeps
 * (the consumer's first record of that id may be on another shard, or later in the stream of this
 * one), and the archive would disagree with the hot store for good.
 *
 * Within one batch, only the first record with the kept content becomes a row: the others with
 * that id are `Dropped` (exact copies or other content). Across batches, a redelivery (Firehose
 * retries the Lambda; the embedded archiver is redelivered a batch after a kill) may archive the
 * same content twice: those copies agree on everything the fingerprint covers and every saved
 * query counts an `event_id` once (docs/archive.md, "Deduplication"), so they are tolerated.
 *
 * Only compliance changes are claimed: configuration-item changes are not archived in
 * `compliance_events`, and the consumer's own claim decides them. Records the hot store cannot
 * hold (an id too long for its keys, an item over its size budget) are quarantined by the
 * consumer; here they are `ProcessingFailed`, Firehose's quarantine (its error prefix).
 */
import {
  COMPLIANCE_EVENT_COLUMNS,
  type ComplianceEventRow,
  toComplianceEventRow,
} from '../domain/archive-schema.js';
import { type ComplianceChange, type ConfigEvent, parseConfigEvent } from '../domain/config-event.js';
import { conflictingDuplicateReason, eventFingerprint } from '../domain/event-identity.js';
import type { Severity } from '../domain/managed-rules.js';
import { calendarProblem } from '../domain/timestamp.js';
import type { EventIdClaims } from '../ports/hot-store.js';

export type ArchiveTransformOutcome =
  /** `record` is one JSON object and a newline; `dt` is the Hive partition value (`YYYY-MM-DD`). */
  | { readonly result: 'Ok'; readonly eventId: string; readonly dt: string; readonly record: string }
  /**
   * Valid, but not a row: not a compliance change (configuration-item change, other detail type,
   * other source), or an id whose kept content is another record's (see the header).
   */
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

/** What the transformation knows of the deployment's configuration. */
export interface ArchiveTransformOptions {
  /**
   * The configuration's severity overrides (base rule name → severity), written into each row's
   * `severity` over the catalog's default. @default - none: the catalog's severities
   */
  readonly severityOverrides?: Readonly<Record<string, Severity>>;
}

/**
 * Transforms one raw record (the text of an EventBridge event, as the Kinesis stream carries it),
 * by itself: no claim, so no guarantee that the row is the content the hot store keeps for its id
 * ({@link transformBatchForArchive} gives that). Never throws: every input maps to Ok, Dropped or
 * ProcessingFailed.
 */
export function transformForArchive(
  text: string,
  options: ArchiveTransformOptions = {},
): ArchiveTransformOutcome {
  return transformParsed(text, options).outcome;
}

/** The outcome of one record, and the compliance change an Ok row was made of. */
function transformParsed(
  text: string,
  options: ArchiveTransformOptions,
): { outcome: ArchiveTransformOutcome; event?: ComplianceChange } {
  const outcome = parseConfigEvent(text);
  if (outcome.status === 'rejected')
    return { outcome: { result: 'ProcessingFailed', reason: outcome.reason } };
  if (outcome.status === 'skipped') return { outcome: { result: 'Dropped', reason: outcome.reason } };
  const event = outcome.event;
  switch (event.kind) {
    case 'compliance-change': {
      const row = toComplianceEventRow(event, options.severityOverrides);
      return {
        outcome: { result: 'Ok', eventId: row.event_id, dt: row.dt, record: toArchiveRecord(row) },
        event,
      };
    }
    case 'configuration-item-change':
      return {
        outcome: { result: 'Dropped', reason: `${event.detailType} is not archived in compliance_events` },
      };
    default: {
      const unknown: never = event;
      throw new Error(`no archive rule for event kind ${JSON.stringify((unknown as ConfigEvent).kind)}`);
    }
  }
}

/** Why a record of the batch is dropped: an earlier record of the batch is its id's row. */
export function copyInBatchReason(eventId: string): string {
  return `duplicate: event id ${JSON.stringify(eventId.length > 80 ? `${eventId.slice(0, 80)}…` : eventId)} is archived once, by an earlier record of the batch`;
}

/**
 * Transforms one batch of raw records, in order, so that the rows are what the hot store holds:
 * one row per event id, of the content claimed for it (see the header). `claims` is the events
 * table (EventStore.claim). Throws when the claim fails after its bounded retries (throttling):
 * nothing is decided, and the caller has the whole batch retried (Firehose retries a failed
 * invocation; the embedded poller redelivers a batch whose handler threw). Without `claims` (the
 * archiver alone, in tests), only the same id within the batch is reduced to its first record.
 */
export async function transformBatchForArchive(
  texts: readonly string[],
  claims?: EventIdClaims,
  options: ArchiveTransformOptions = {},
): Promise<ArchiveTransformOutcome[]> {
  const parsed = texts.map((text) => transformParsed(text, options));
  const outcomes = parsed.map((p) => p.outcome);
  /** The fingerprint of each record's event, computed once. */
  const fingerprints: (string | undefined)[] = new Array(parsed.length);
  /** The first compliance change of each id in the batch (the one claimed), by its index. */
  const first = new Map<string, number>();
  for (let i = 0; i < parsed.length; i++) {
    const event = (parsed[i] as { event?: ComplianceChange }).event;
    if (event === undefined) continue;
    const problem = claims?.storableProblem(event) ?? null;
    if (problem !== null) {
      // The consumer quarantines it and stores nothing: the archive's quarantine is its error prefix.
      outcomes[i] = { result: 'ProcessingFailed', reason: problem };
      (parsed[i] as { event?: ComplianceChange }).event = undefined;
      continue;
    }
    fingerprints[i] = eventFingerprint(event);
    if (!first.has(event.eventId)) first.set(event.eventId, i);
  }
  if (first.size === 0) return outcomes;
  const firsts = [...first.values()];
  const conflicts = claims
    ? (
        await claims.claim(
          firsts.map((i) => (parsed[i] as { event: ComplianceChange }).event),
          firsts.map((i) => fingerprints[i] as string),
        )
      ).conflicts
    : new Map<string, string>();
  /** The content kept for each id: the stored one when it differs, else the batch's first. */
  const kept = new Map<string, string>();
  for (const [id, i] of first) kept.set(id, conflicts.get(id) ?? (fingerprints[i] as string));
  const archived = new Set<string>();
  for (let i = 0; i < parsed.length; i++) {
    const event = (parsed[i] as { event?: ComplianceChange }).event;
    if (event === undefined) continue;
    const id = event.eventId;
    if (fingerprints[i] !== kept.get(id)) {
      outcomes[i] = { result: 'Dropped', reason: conflictingDuplicateReason(id) };
    } else if (archived.has(id)) {
      outcomes[i] = { result: 'Dropped', reason: copyInBatchReason(id) };
    } else {
      archived.add(id);
    }
  }
  return outcomes;
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
