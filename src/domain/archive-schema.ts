/**
 * The archive schema: the one definition of the `compliance_events` table that analysts query.
 *
 * It drives the Glue table columns (infra), the embedded archiver's Parquet writer, the Firehose
 * record transformation and the tests. Changing a column here changes all of them; adding one is
 * backwards compatible, renaming or retyping one is a breaking change for analysts.
 */
import { baseRuleName, type ComplianceChange } from './config-event.js';
import { type Severity, severityOf } from './managed-rules.js';

export type ArchiveColumnType = 'string' | 'timestamp' | 'bigint';

export interface ArchiveColumn {
  readonly name: string;
  readonly type: ArchiveColumnType;
  readonly nullable: boolean;
  readonly comment: string;
}

export const COMPLIANCE_EVENTS_TABLE = 'compliance_events';

/** Columns of `compliance_events`, in file order. `dt` is the partition column and is not listed. */
export const COMPLIANCE_EVENT_COLUMNS = [
  { name: 'event_id', type: 'string', nullable: false, comment: 'EventBridge id; deduplicate on it' },
  {
    name: 'event_time',
    type: 'timestamp',
    nullable: false,
    comment: 'EventBridge time: when the evaluation was notified (UTC); decides dt, days and ranges',
  },
  {
    name: 'recorded_time',
    type: 'timestamp',
    nullable: false,
    comment: 'newEvaluationResult.resultRecordedTime (UTC)',
  },
  { name: 'account', type: 'string', nullable: false, comment: 'AWS account id of the resource' },
  { name: 'region', type: 'string', nullable: false, comment: 'AWS region of the resource' },
  { name: 'rule_name', type: 'string', nullable: false, comment: 'Config rule name as deployed' },
  {
    name: 'base_rule_name',
    type: 'string',
    nullable: false,
    comment: 'rule_name without the conformance-pack suffix',
  },
  { name: 'rule_arn', type: 'string', nullable: true, comment: 'Config rule ARN' },
  { name: 'resource_type', type: 'string', nullable: false, comment: 'for example AWS::S3::Bucket' },
  { name: 'resource_id', type: 'string', nullable: false, comment: 'resource id as Config reports it' },
  {
    name: 'old_status',
    type: 'string',
    nullable: true,
    comment: 'previous complianceType; null on a first evaluation',
  },
  {
    name: 'new_status',
    type: 'string',
    nullable: false,
    comment: 'COMPLIANT | NON_COMPLIANT | NOT_APPLICABLE | INSUFFICIENT_DATA',
  },
  { name: 'annotation', type: 'string', nullable: true, comment: 'evaluation annotation, untrusted text' },
  { name: 'notification_time', type: 'timestamp', nullable: true, comment: 'notificationCreationTime (UTC)' },
  // Added last, as every new column is (readers select by name; older files read it as NULL).
  {
    name: 'ordering_time',
    type: 'timestamp',
    nullable: false,
    comment:
      'evaluationResultIdentifier.orderingTimestamp (UTC): capture time of the evaluated item; orders evaluations',
  },
  // Added last, together: who wrote the record. Null in files written before they existed.
  {
    name: 'source',
    type: 'string',
    nullable: true,
    comment:
      'EventBridge source: aws.config (live event) or config-monitor.reconcile (written by a sync); null in older files',
  },
  {
    name: 'reconciliation',
    type: 'string',
    nullable: true,
    comment:
      'mode of a sync record: baseline (first sighting of an old state, not a change of the day), drift or gone; null for live events',
  },
  // Added last: the rule's severity when the record was archived. Null in files written before it.
  {
    name: 'severity',
    type: 'string',
    nullable: true,
    comment:
      "CRITICAL | HIGH | MEDIUM | LOW | INFORMATIONAL: the rule's severity when archived (catalog, with the configuration's overrides); null in older files",
  },
] as const satisfies readonly ArchiveColumn[];

/**
 * The Hive-style partition column: the UTC date of `event_time`, `YYYY-MM-DD`.
 *
 * `event_time` is the EventBridge envelope `time`, not `orderingTimestamp`: a rule or
 * conformance-pack rollout evaluates unchanged resources against configuration items that may be
 * years old and dates `orderingTimestamp` by them ("the time of the event that triggered the
 * evaluation", https://docs.aws.amazon.com/config/latest/APIReference/API_EvaluationResultIdentifier.html).
 * Partitioning by it would file a rollout under old days outside the projection range and spread
 * one Firehose buffer over more than its 500 active partitions
 * (https://docs.aws.amazon.com/firehose/latest/dev/buffering.html).
 */
export const PARTITION_COLUMN = {
  name: 'dt',
  type: 'string',
  comment: 'UTC date of event_time, YYYY-MM-DD',
} as const;

/**
 * Every build of a rollup partition writes its row count beside each row: a build is complete when
 * the partition holds that many rows of its `built_at`. Athena's INSERT INTO only appends and a
 * failed one can leave some of its files behind, so readers take the greatest `built_at` among the
 * complete builds (queries/daily_report.sql shows the pattern), never a partial one.
 */
const BUILD_ROWS_COLUMN = {
  name: 'build_rows',
  type: 'bigint',
  nullable: false,
  comment:
    'rows this build wrote to the partition: a build with fewer rows stored is incomplete, read the greatest complete built_at',
} as const satisfies ArchiveColumn;

const BUILT_AT_COLUMN = {
  name: 'built_at',
  type: 'timestamp',
  nullable: false,
  comment: 'when this build of the partition ran (UTC); read only the greatest complete build per dt',
} as const satisfies ArchiveColumn;

/**
 * `compliance_daily_state`: a rollup of `compliance_events`, partitioned by `dt` like it. Partition
 * `dt = D` holds, per account, region, rule, resource type and status: how many (resource, rule)
 * pairs have that latest status at the end of day D (events before D+1 00:00 UTC; the
 * "latest": greatest ordering_time, then recorded_time, then event_id, among the events whose
 * event_time is before D+1), and the day's distinct events
 * (by event_id) with that new status, with their new and resolved violations. A baseline record of
 * the reconciler (`reconciliation = 'baseline'`) sets the state but is not an event of its day: the
 * first sighting of an old state is no change (queries/daily_state.sql). It is derived data:
 * built by the saved query `daily_state` (queries/daily_state.sql) and rebuilt when late events
 * change a day, so the daily report reads two small partitions instead of the whole history.
 *
 * It is built from {@link COMPLIANCE_KEY_STATE_TABLE} of the same day (the per-key state) and the
 * day's events, so a build never reads the history.
 *
 * A partition may hold several builds (Athena's INSERT INTO only appends); readers take the rows
 * of the greatest complete `built_at` of the partition (see `build_rows`), so a rebuild replaces a
 * build without deleting it and a failed build is never read.
 */
export const COMPLIANCE_DAILY_STATE_TABLE = 'compliance_daily_state';

/** Columns of `compliance_daily_state`, in file order; `dt` (the day) is the partition column. */
export const COMPLIANCE_DAILY_STATE_COLUMNS = [
  { name: 'account', type: 'string', nullable: false, comment: 'AWS account id of the resources' },
  { name: 'region', type: 'string', nullable: false, comment: 'AWS region of the resources' },
  { name: 'rule_name', type: 'string', nullable: false, comment: 'Config rule name as deployed' },
  {
    name: 'base_rule_name',
    type: 'string',
    nullable: false,
    comment: 'rule_name without the conformance-pack suffix',
  },
  { name: 'resource_type', type: 'string', nullable: false, comment: 'for example AWS::S3::Bucket' },
  {
    name: 'status',
    type: 'string',
    nullable: false,
    comment: 'latest new_status at the end of the day dt',
  },
  {
    name: 'resources',
    type: 'bigint',
    nullable: false,
    comment: '(resource, rule) pairs whose latest status at the end of dt is status',
  },
  {
    name: 'evaluations',
    type: 'bigint',
    nullable: false,
    comment:
      'distinct events (by event_id) of the day dt with new_status = status, baseline records excepted',
  },
  {
    name: 'new_violations',
    type: 'bigint',
    nullable: false,
    comment: 'of those, new violations (NON_COMPLIANT from null or another status)',
  },
  {
    name: 'resolved_violations',
    type: 'bigint',
    nullable: false,
    comment: 'of those, resolved violations (COMPLIANT or NOT_APPLICABLE from NON_COMPLIANT)',
  },
  BUILD_ROWS_COLUMN,
  BUILT_AT_COLUMN,
] as const satisfies readonly ArchiveColumn[];

/**
 * `compliance_key_state`: the state of every key at the end of day `dt` — per (account, region,
 * rule, resource type, resource id), the latest evaluation by the order key among the records
 * whose event_time is before dt+1 — so that the next day is built from it and that day's events
 * alone (queries/key_state.sql): building a day costs one day of events and one day of state,
 * however long the history. Derived data, like {@link COMPLIANCE_DAILY_STATE_TABLE}, with the same
 * build columns.
 */
export const COMPLIANCE_KEY_STATE_TABLE = 'compliance_key_state';

/**
 * The `since` of queries/key_state.sql when the day before has no state: a dt before every day,
 * so the build reads the whole history (a sentinel rather than a NULL execution parameter).
 */
export const KEY_STATE_FROM_HISTORY = '0000-01-01';

/** Columns of `compliance_key_state`, in file order; `dt` (the day) is the partition column. */
export const COMPLIANCE_KEY_STATE_COLUMNS = [
  { name: 'account', type: 'string', nullable: false, comment: 'AWS account id of the resource' },
  { name: 'region', type: 'string', nullable: false, comment: 'AWS region of the resource' },
  { name: 'rule_name', type: 'string', nullable: false, comment: 'Config rule name as deployed' },
  {
    name: 'base_rule_name',
    type: 'string',
    nullable: false,
    comment: 'rule_name without the conformance-pack suffix',
  },
  { name: 'resource_type', type: 'string', nullable: false, comment: 'for example AWS::S3::Bucket' },
  {
    name: 'resource_id',
    type: 'string',
    nullable: false,
    comment: 'Config resource id (up to 768 characters)',
  },
  {
    name: 'status',
    type: 'string',
    nullable: false,
    comment: 'new_status of the latest evaluation at the end of dt',
  },
  {
    name: 'ordering_time',
    type: 'timestamp',
    nullable: true,
    comment: 'orderingTimestamp of that evaluation (first part of the order)',
  },
  {
    name: 'recorded_time',
    type: 'timestamp',
    nullable: true,
    comment: 'resultRecordedTime of that evaluation (second part of the order)',
  },
  {
    name: 'event_id',
    type: 'string',
    nullable: false,
    comment: 'event id of that evaluation (last part of the order)',
  },
  BUILD_ROWS_COLUMN,
  BUILT_AT_COLUMN,
] as const satisfies readonly ArchiveColumn[];

/** Re-exported for the archive's readers, which name days by them (defined in utc-day.ts). */
export { previousUtcDay, yesterdayUtc } from './utc-day.js';

export type ComplianceEventColumn = (typeof COMPLIANCE_EVENT_COLUMNS)[number]['name'];

/**
 * One archive row. Timestamps are normalized ISO strings (`YYYY-MM-DDTHH:mm:ss.sssZ`); each
 * writer converts them to its own encoding (Parquet TIMESTAMP, Firehose JSON).
 */
export type ComplianceEventRow = { [K in Exclude<ComplianceEventColumn, LaterColumn>]: string | null } & {
  readonly [K in LaterColumn]?: string | null;
} & {
  readonly event_id: string;
  readonly event_time: string;
  readonly dt: string;
};

/**
 * Columns added after rows were first built outside {@link toComplianceEventRow} (the benchmark's
 * synthetic history): optional in the row type, and a row without them is written with NULL, which
 * is also what files written before the columns existed read as.
 */
type LaterColumn = 'source' | 'reconciliation' | 'severity';

/**
 * Maps a validated compliance change to its archive row: the one mapping every archive writer uses
 * (the Firehose transformation and, through it, the embedded archiver).
 *
 * `severity` is the rule's severity as of now: the catalog's default for its base name, or the
 * configuration's override of it (`severityOverrides`) when the writer has the configuration. A
 * later change of the overrides does not rewrite archived rows; queries that need today's
 * severities recompute them from `base_rule_name`.
 */
export function toComplianceEventRow(
  event: ComplianceChange,
  severityOverrides?: Readonly<Record<string, Severity>>,
): ComplianceEventRow {
  return {
    event_id: event.eventId,
    event_time: event.eventTime,
    recorded_time: event.recordedTime,
    account: event.account,
    region: event.region,
    rule_name: event.ruleName,
    base_rule_name: baseRuleName(event.ruleName),
    rule_arn: event.ruleArn,
    resource_type: event.resourceType,
    resource_id: event.resourceId,
    old_status: event.oldStatus,
    new_status: event.newStatus,
    annotation: event.annotation,
    notification_time: event.notificationTime,
    ordering_time: event.orderingTimestamp,
    source: event.source,
    reconciliation: event.reconciliation?.mode ?? null,
    severity: severityOf(event.ruleName, severityOverrides).severity,
    dt: event.eventTime.slice(0, 10),
  };
}
