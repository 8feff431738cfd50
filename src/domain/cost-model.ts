/**
 * The monthly AWS cost of the master stack for an organization, next to AWS Config's own cost for
 * the same organization: `config-monitor cost` prints it, docs/cost.md explains it.
 *
 * Pure arithmetic over three named blocks, so that each figure can be checked and replaced:
 * - {@link STACK}: what infra/ deploys (memory sizes, batch size, retention, alarms, …);
 * - {@link PER_EVENT}: what one event costs the hot store and the stream, derived from the items
 *   the code writes (see the block's comment for how; bench:e2e will measure them);
 * - {@link ASSUMPTIONS}: what no code decides (how many rules evaluate a change, how busy the API
 *   is, how long a Lambda invocation takes until bench:e2e measures it).
 * Prices come from a {@link PriceTable} (src/domain/pricing.ts): list prices, no free tiers.
 *
 * The organization. `changesPerDay` is the number of configuration items AWS Config records per
 * account per day, all its regions together (the `ConfigurationItemsRecorded` metric; Cost
 * Explorer's `ConfigurationItemRecorded` usage divided by accounts and days). From it:
 * - every configuration item is one `Configuration Item Change` event into the stream (the agent
 *   forwards them, src/domain/event-pattern.ts);
 * - each item is evaluated by the rules whose scope holds its resource type:
 *   `rules × ruleScopeShare` evaluations (change-triggered rules; periodic rules are not counted);
 * - a share `resultChangeShare` of the evaluations changes the result: those are the
 *   `Config Rules Compliance Change` events, and some of them alert (`alertsPerComplianceChange`);
 * - the (resource, rule) pairs the state and the daily sync hold are
 *   `accounts × regions × resourcesPerRegion × rules × ruleScopeShare`.
 *
 * Why one file: one model; its three blocks and the arithmetic over them are read together, each
 * figure's derivation next to the figure, so that a changed price or assumption is followed through
 * in one place.
 */
import { type Price, type PriceTable, type TieredPrice, tieredCost } from './pricing.js';

export const HOURS_PER_MONTH = 730;
export const DAYS_PER_MONTH = HOURS_PER_MONTH / 24;
const SECONDS_PER_MONTH = HOURS_PER_MONTH * 3600;
const KIB = 1024;
const MIB = 1024 ** 2;
const GIB = 1024 ** 3;
const TIB = 1024 ** 4;

/** What the master stack deploys (infra/), as far as it decides cost. */
export const STACK = {
  /** Streams in the master account: one, on demand (infra/constructs/stream.ts). */
  streams: 1,
  /** Shards an on-demand stream starts with (4 MB/s of writes): the consumer's parallelism. */
  onDemandShards: 4,
  /** `retention.streamHours` default (infra/config.ts): 7 days, so extended retention is paid. */
  streamRetentionHours: 168,
  /** The consumer Lambda and Firehose each read every record. */
  streamReaders: 2,
  /** infra/constructs/consumer.ts: 1,024 MB, CONSUMER_EVENT_SOURCE batch 100, window 1 s, factor 2. */
  consumer: { memoryGb: 1, batchSize: 100, batchingWindowSeconds: 1, parallelizationFactor: 2 },
  /** infra/constructs/archive.ts: transform 512 MB, invoked per 1 MB or 60 s; S3 buffer 900 s. */
  transform: { memoryGb: 0.5, bufferBytes: MIB, bufferSeconds: 60 },
  firehoseBufferSeconds: 900,
  /** infra/constructs/notifier.ts: 256 MB, a drain every minute, stream batches of 5 s. */
  notifier: { memoryGb: 0.25, drainIntervalSeconds: 60, streamWindowSeconds: 5 },
  /** infra/constructs/api.ts, reporting.ts, reconciler.ts. */
  api: { memoryGb: 0.5 },
  report: { memoryGb: 0.5 },
  /** A sync step pauses 3 minutes before its 15-minute timeout: 12-minute steps. */
  reconciler: { memoryGb: 1, stepSeconds: 12 * 60, transitionsPerStep: 4 },
  /** Days the report rebuilds of compliance_daily_state (src/use-cases/daily-state.ts). */
  dailyStateRefreshDays: 3,
  /** compliance_key_state builds are kept 14 days (KEY_STATE_RETENTION_DAYS, infra/constructs/archive.ts). */
  keyStateRetentionDays: 14,
  /** `retention.archiveDays` and `retention.logDays` defaults (infra/config.ts). */
  archiveDays: 730,
  logRetentionDays: 90,
  /** HOT_RETENTION_DAYS (src/adapters/dynamodb/table-definitions.ts): TTL of every hot item. */
  hotRetentionDays: 90,
  /**
   * Custom metrics (namespace ConfigMonitor, dimension service): 5 of the consumer, 5 of the
   * notifier, 5 of the reconciler, and the Powertools ColdStart metric of each of the three.
   */
  customMetrics: 18,
  /** 28 alarms (test/infra/master-stack.test.ts); three are metric math over 2 metrics each. */
  alarmMetrics: 31,
  dashboards: 1,
  /** The alerts and the report webhook secrets (cdk.json names two). */
  secrets: 2,
  kmsKeys: 1,
  /** The report and the sync schedules (EventBridge Scheduler); the drain runs on an EventBridge rule. */
  schedules: 2,
} as const;

/**
 * What one event costs the stream and the hot store. Derived, not yet measured end to end: the
 * items the code writes were built by its own functions (toEventItem, toStateItem, the outbox put)
 * for every event of `generateDeployment({ accounts: 12, regions: 3, days: 90, seed: 1 })` (3,214
 * events: 2,302 compliance changes, 912 configuration items), sized by DynamoDB's rules (names +
 * values, 1 KB write units, 4 KB read units) and the record texts by Kinesis' 1 KB and Firehose's
 * 5 KB roundings; the Parquet size is of those rows written by DuckDB with Snappy. Assumed until
 * bench:e2e measures them (it counts requests and consumed write units in the adapters): its
 * `ddb_wcu_per_event` should match `wcu` below weighted by its mix of events.
 * On-demand DynamoDB bills request units, not requests, so the request counts are not priced.
 */
export const PER_EVENT = {
  complianceChange: {
    /** The EventBridge event as the stream carries it. */
    recordBytes: 1_281,
    /** Kinesis billing: each record rounded up to 1 KB (mean of the rounded sizes). */
    kinesisKb: 1.777,
    /** Firehose billing: each record rounded up to 5 KB. */
    firehoseKb: 5,
    /** Events item (1,045 bytes) and its two INCLUDE indexes (1,863 bytes together). */
    eventItemBytes: 1_045,
    indexBytes: 1_863,
    /**
     * Write units: events table 1.568, its indexes 2.076, the state put 1 (513-byte item), and the
     * id claim 1 (a claim item of under 1 KB, put by the consumer or the archive transform,
     * whichever comes first, before the event overwrites it).
     */
    wcu: 1.568 + 2.076 + 1 + 1,
    /** Strongly consistent reads: the event's `done` and the state of its key, 1 unit each. */
    rcu: 2,
  },
  configurationItem: {
    recordBytes: 1_107,
    kinesisKb: 2,
    firehoseKb: 5,
    eventItemBytes: 931,
    indexBytes: 1_619,
    /**
     * Events table 1.007, indexes 2.0; no state; the id claim 1; the resource record (tags and the
     * last 5 changes, merged read-then-write) assumed 1-2 KB: 2.
     */
    wcu: 1.007 + 2 + 1 + 2,
    /** The claim's strongly consistent read, and the resource record's. */
    rcu: 2,
  },
  /** One alert: outbox put (732-byte item) and its `pending` index, then delivered: update and index delete. */
  alert: { wcu: 4, rcu: 2, outboxItemBytes: 732 },
  stateItemBytes: 513,
  /** Violations and resolutions per compliance change in the generated organization. */
  alertsPerComplianceChange: 0.465,
  /** The `compliance_events` JSON row the transform gives Firehose. */
  archiveJsonBytesPerRow: 661,
  /**
   * Parquet bytes per archived row: 70 measured on one 2,302-row Snappy file; Firehose writes one
   * file per partition every 15 minutes, smaller files compress less: assumed twice that.
   */
  archiveBytesPerRow: 140,
  /** A compliance_key_state row (one per pair), Parquet: assumed. */
  keyStateBytesPerPair: 50,
  /** DynamoDB's storage overhead per item and per index entry. */
  itemOverheadBytes: 100,
} as const;

/** What neither the code nor a measurement decides; docs/cost.md discusses each. */
export const ASSUMPTIONS = {
  /** Share of the rules whose scope holds a changed resource's type (about 1 rule in 10). */
  ruleScopeShare: 0.1,
  /** Share of evaluations whose result differs from the last one: a compliance change event. */
  resultChangeShare: 0.1,
  /** Periodic (daily) recording keeps one item per changed resource a day: share of the items left. */
  periodicRecordedShare: 0.5,
  /** Peak over average event rate a provisioned stream is sized for (rollouts, storms). */
  peakToAverage: 20,
  /** Lambda durations (assumed; bench:e2e will measure the consumer's). */
  consumerSecondsPerInvocation: 0.04,
  consumerSecondsPerEvent: 0.005,
  transformSecondsPerInvocation: 0.03,
  transformSecondsPerRecord: 0.00005,
  notifierSecondsPerDrain: 0.15,
  notifierSecondsPerStreamBatch: 0.1,
  /** Upper bound: one Slack message a second, no digest. */
  notifierSecondsPerAlert: 1,
  notifierRcuPerDrain: 2,
  notifierWcuPerDrain: 2,
  /** A typical API day: dashboard and tool requests. */
  apiAthenaRequestsPerDay: 100,
  apiHotStoreRequestsPerDay: 100,
  apiAthenaSecondsPerRequest: 2,
  apiHotStoreSecondsPerRequest: 0.1,
  apiHotStoreRcuPerRequest: 10,
  /** Days of the archive an Athena-backed API request scans (all columns, no reuse). */
  apiAthenaDaysScanned: 30,
  reportSecondsPerRun: 120,
  /** AWS publishes no figure for the aggregator APIs' rate (docs/deploy.md). */
  configCallsPerSecond: 5,
  /** Per Lambda invocation: platform START/END/REPORT lines, a summary line, an EMF metrics blob. */
  logBytesPerInvocation: 1_500,
  logBytesPerAlert: 700,
  logBytesPerApiRequest: 600,
  logBytesPerStateTransition: 400,
  /** S3 GETs per Parquet file Athena reads (footer and data). */
  getsPerFileRead: 2,
  /** S3 PUTs per Athena statement (results, metadata, INSERT INTO data). */
  putsPerStatement: 3,
  /** X-Ray default sampling: the first request each second, then this share. */
  xraySampledShare: 0.05,
} as const;

export interface CostInputs {
  /** Member accounts. */
  readonly accounts: number;
  /** Regions each account records in. */
  readonly regions: number;
  /** AWS Config rules per account and region. */
  readonly rules: number;
  /** Configuration items recorded per account per day (all its regions). */
  readonly changesPerDay: number;
  /** Resources AWS Config records per account and region. @default 250 */
  readonly resourcesPerRegion?: number;
}

export const DEFAULT_RESOURCES_PER_REGION = 250;

/**
 * `pipeline` lines form the stack's cost, `config` lines AWS Config's. A line with a variant is
 * one of two alternatives: totals take `kinesis-on-demand` (what the stack deploys) and
 * `config-continuous` (AWS Config's default), and show the other as an alternative total.
 */
export type LineVariant =
  | 'kinesis-on-demand'
  | 'kinesis-provisioned'
  | 'config-continuous'
  | 'config-periodic';

export interface LineItem {
  readonly group: 'pipeline' | 'config';
  readonly service: string;
  readonly item: string;
  /** In the unit of the price. */
  readonly quantity: number;
  readonly unit: string;
  /** US dollars per unit (for a tiered price, the mean over the quantity). */
  readonly unitPriceUsd: number;
  readonly monthlyUsd: number;
  readonly variant?: LineVariant;
  /** Where the price comes from (`kinesis.onDemandStreamHour`), for the unverified list. */
  readonly price: string;
}

export interface Volumes {
  readonly configurationItems: number;
  readonly ruleEvaluations: number;
  readonly complianceChanges: number;
  /** Records into the stream: configuration items and compliance changes. */
  readonly events: number;
  readonly alerts: number;
  readonly pairs: number;
  readonly dynamoWriteUnits: number;
  readonly dynamoReadUnits: number;
  readonly streamGb: number;
  readonly athenaBytesScanned: number;
  readonly lambdaInvocations: number;
  readonly provisionedShards: number;
  readonly syncSecondsPerDay: number;
}

export interface CostEstimate {
  readonly inputs: Required<CostInputs>;
  readonly prices: { readonly asOf: string; readonly region: string };
  readonly volumes: Volumes;
  readonly lines: readonly LineItem[];
  readonly totals: {
    /** The stack as deployed (Kinesis on demand). */
    readonly pipelineUsd: number;
    /** The same with a provisioned stream of `volumes.provisionedShards` shards instead. */
    readonly pipelineProvisionedUsd: number;
    /** AWS Config with continuous recording. */
    readonly configUsd: number;
    /** AWS Config with periodic (daily) recording instead. */
    readonly configPeriodicUsd: number;
    /** configUsd / pipelineUsd. */
    readonly configToPipeline: number;
  };
  /** What each stream record costs the hot store (consumer and notifier; not the drains, sync or API). */
  readonly perEvent: {
    readonly dynamoWriteUnits: number;
    readonly dynamoReadUnits: number;
    /** Pipeline cost per million stream records (the stack as deployed). */
    readonly pipelineUsdPerMillionEvents: number;
  };
}

/** Thrown for inputs that are not finite non-negative numbers (accounts and regions at least 1). */
export class CostInputError extends RangeError {
  constructor(
    readonly field: keyof CostInputs,
    message: string,
  ) {
    super(message);
    this.name = 'CostInputError';
  }
}

function checkInputs(inputs: CostInputs): Required<CostInputs> {
  const full = { resourcesPerRegion: DEFAULT_RESOURCES_PER_REGION, ...inputs };
  for (const field of ['accounts', 'regions', 'rules', 'changesPerDay', 'resourcesPerRegion'] as const) {
    const value = full[field];
    const min = field === 'accounts' || field === 'regions' ? 1 : 0;
    if (!Number.isFinite(value) || value < min) {
      throw new CostInputError(field, `${field} must be a number of at least ${min}; got ${value}`);
    }
  }
  return full;
}

/** Bytes Athena bills for one statement that reads `bytes`: at least the minimum. */
export function athenaBilledBytes(bytes: number, prices: Pick<PriceTable, 'athena'>): number {
  return Math.max(bytes, prices.athena.minimumBytesPerQuery);
}

/** X-Ray traces recorded for `invocations` a month under the default sampling rule. */
function tracesOf(invocations: number): number {
  const reservoir = Math.min(invocations, SECONDS_PER_MONTH);
  return reservoir + ASSUMPTIONS.xraySampledShare * (invocations - reservoir);
}

/** The monthly cost of the master stack and of AWS Config for an organization. */
export function estimateMonthlyCost(inputs: CostInputs, prices: PriceTable): CostEstimate {
  const org = checkInputs(inputs);
  const days = DAYS_PER_MONTH;
  const cc = PER_EVENT.complianceChange;
  const ci = PER_EVENT.configurationItem;

  // The organization's volumes.
  const configurationItems = org.accounts * org.changesPerDay * days;
  const rulesPerChange = org.rules * ASSUMPTIONS.ruleScopeShare;
  const ruleEvaluations = configurationItems * rulesPerChange;
  const complianceChanges = ruleEvaluations * ASSUMPTIONS.resultChangeShare;
  const events = configurationItems + complianceChanges;
  const alerts = complianceChanges * PER_EVENT.alertsPerComplianceChange;
  const pairs = org.accounts * org.regions * org.resourcesPerRegion * rulesPerChange;

  const lines: LineItem[] = [];
  const add = (
    group: LineItem['group'],
    service: string,
    item: string,
    quantity: number,
    path: string,
    price: Price,
    variant?: LineVariant,
  ) => {
    lines.push({
      group,
      service,
      item,
      quantity,
      unit: price.per,
      unitPriceUsd: price.usd,
      monthlyUsd: quantity * price.usd,
      price: path,
      ...(variant ? { variant } : {}),
    });
  };
  const addTiered = (
    service: string,
    item: string,
    perRegionQuantity: number,
    regions: number,
    path: string,
    price: TieredPrice,
    variant: LineVariant,
  ) => {
    const quantity = perRegionQuantity * regions;
    const monthlyUsd = tieredCost(price, perRegionQuantity) * regions;
    lines.push({
      group: 'config',
      service,
      item,
      quantity,
      unit: price.per,
      unitPriceUsd: quantity > 0 ? monthlyUsd / quantity : (price.tiers[0]?.usd ?? 0),
      monthlyUsd,
      price: path,
      variant,
    });
  };

  // Kinesis. On demand (deployed): a stream-hour charge, data in and out (1 KB per record at
  // least), and the days past the first of the 7-day retention. Provisioned (the alternative):
  // shards sized for the peak, PUT payload units (one per record under 25 KB), extended retention.
  const k = prices.kinesis;
  const streamKb = configurationItems * ci.kinesisKb + complianceChanges * cc.kinesisKb;
  const streamGb = (streamKb * KIB) / GIB;
  const extraRetentionDays = Math.max(0, STACK.streamRetentionHours - 24) / 24;
  add(
    'pipeline',
    'Kinesis',
    'on-demand stream-hours',
    STACK.streams * HOURS_PER_MONTH,
    'kinesis.onDemandStreamHour',
    k.onDemandStreamHour,
    'kinesis-on-demand',
  );
  add(
    'pipeline',
    'Kinesis',
    'on-demand data in (1 KB per record)',
    streamGb,
    'kinesis.onDemandIngestGb',
    k.onDemandIngestGb,
    'kinesis-on-demand',
  );
  add(
    'pipeline',
    'Kinesis',
    `on-demand data out (${STACK.streamReaders} readers)`,
    streamGb * STACK.streamReaders,
    'kinesis.onDemandRetrievalGb',
    k.onDemandRetrievalGb,
    'kinesis-on-demand',
  );
  add(
    'pipeline',
    'Kinesis',
    'on-demand retention days 2-7',
    (streamGb / days) * extraRetentionDays,
    'kinesis.onDemandExtendedRetentionGbMonth',
    k.onDemandExtendedRetentionGbMonth,
    'kinesis-on-demand',
  );
  const peakRecordsPerSecond = (events / SECONDS_PER_MONTH) * ASSUMPTIONS.peakToAverage;
  const peakBytesPerSecond = ((streamKb * KIB) / SECONDS_PER_MONTH) * ASSUMPTIONS.peakToAverage;
  const provisionedShards = Math.max(
    1,
    Math.ceil(peakRecordsPerSecond / 1000),
    Math.ceil(peakBytesPerSecond / MIB),
    Math.ceil((peakBytesPerSecond * STACK.streamReaders) / (2 * MIB)),
  );
  add(
    'pipeline',
    'Kinesis',
    `provisioned shard-hours (${provisionedShards} shard${provisionedShards === 1 ? '' : 's'})`,
    provisionedShards * HOURS_PER_MONTH,
    'kinesis.shardHour',
    k.shardHour,
    'kinesis-provisioned',
  );
  add(
    'pipeline',
    'Kinesis',
    'provisioned PUT payload units',
    events / 1e6,
    'kinesis.putPayloadUnitsMillion',
    k.putPayloadUnitsMillion,
    'kinesis-provisioned',
  );
  if (extraRetentionDays > 0) {
    add(
      'pipeline',
      'Kinesis',
      'provisioned extended retention',
      provisionedShards * HOURS_PER_MONTH,
      'kinesis.extendedRetentionShardHour',
      k.extendedRetentionShardHour,
      'kinesis-provisioned',
    );
  }

  // Lambda, per function: GB-seconds = memory × (per-invocation + per-record time).
  const l = prices.lambda;
  const slots = STACK.onDemandShards * STACK.consumer.parallelizationFactor;
  const perInvocation = Math.min(
    STACK.consumer.batchSize,
    Math.max(1, (events / SECONDS_PER_MONTH / slots) * STACK.consumer.batchingWindowSeconds),
  );
  const consumerInvocations = events / perInvocation;
  const consumerGbS =
    STACK.consumer.memoryGb *
    (consumerInvocations * ASSUMPTIONS.consumerSecondsPerInvocation +
      events * ASSUMPTIONS.consumerSecondsPerEvent);
  const recordBytes = configurationItems * ci.recordBytes + complianceChanges * cc.recordBytes;
  const bufferFlushes = SECONDS_PER_MONTH / STACK.transform.bufferSeconds;
  const transformInvocations =
    events === 0
      ? 0
      : Math.max(Math.ceil(recordBytes / STACK.transform.bufferBytes), Math.min(events, bufferFlushes));
  const transformGbS =
    STACK.transform.memoryGb *
    (transformInvocations * ASSUMPTIONS.transformSecondsPerInvocation +
      events * ASSUMPTIONS.transformSecondsPerRecord);
  const drains = SECONDS_PER_MONTH / STACK.notifier.drainIntervalSeconds;
  const notifierStreamBatches = Math.min(alerts, SECONDS_PER_MONTH / STACK.notifier.streamWindowSeconds);
  const notifierInvocations = drains + notifierStreamBatches;
  const notifierGbS =
    STACK.notifier.memoryGb *
    (drains * ASSUMPTIONS.notifierSecondsPerDrain +
      notifierStreamBatches * ASSUMPTIONS.notifierSecondsPerStreamBatch +
      alerts * ASSUMPTIONS.notifierSecondsPerAlert);
  const apiAthenaRequests = ASSUMPTIONS.apiAthenaRequestsPerDay * days;
  const apiHotStoreRequests = ASSUMPTIONS.apiHotStoreRequestsPerDay * days;
  const apiRequests = apiAthenaRequests + apiHotStoreRequests;
  const apiGbS =
    STACK.api.memoryGb *
    (apiAthenaRequests * ASSUMPTIONS.apiAthenaSecondsPerRequest +
      apiHotStoreRequests * ASSUMPTIONS.apiHotStoreSecondsPerRequest);
  const reportInvocations = days;
  const reportGbS = STACK.report.memoryGb * reportInvocations * ASSUMPTIONS.reportSecondsPerRun;
  // The daily sync (docs/deploy.md, "API calls and cost of one run").
  const scopes = org.accounts * org.regions * org.rules;
  const syncCalls =
    scopes + pairs / 100 + Math.ceil((org.accounts * org.regions) / 100) + Math.ceil(scopes / 1000);
  const syncSecondsPerDay = syncCalls / ASSUMPTIONS.configCallsPerSecond;
  const syncSteps = Math.max(1, Math.ceil(syncSecondsPerDay / STACK.reconciler.stepSeconds));
  const reconcilerInvocations = syncSteps * days;
  const reconcilerGbS = STACK.reconciler.memoryGb * syncSecondsPerDay * days;
  add('pipeline', 'Lambda', 'consumer (1,024 MB)', consumerGbS, 'lambda.armGbSecond', l.armGbSecond);
  add('pipeline', 'Lambda', 'archive transform (512 MB)', transformGbS, 'lambda.armGbSecond', l.armGbSecond);
  add('pipeline', 'Lambda', 'notifier (256 MB)', notifierGbS, 'lambda.armGbSecond', l.armGbSecond);
  add('pipeline', 'Lambda', 'API (512 MB)', apiGbS, 'lambda.armGbSecond', l.armGbSecond);
  add('pipeline', 'Lambda', 'daily report (512 MB)', reportGbS, 'lambda.armGbSecond', l.armGbSecond);
  add('pipeline', 'Lambda', 'daily sync (1,024 MB)', reconcilerGbS, 'lambda.armGbSecond', l.armGbSecond);
  const lambdaInvocations =
    consumerInvocations +
    transformInvocations +
    notifierInvocations +
    apiRequests +
    reportInvocations +
    reconcilerInvocations;
  add('pipeline', 'Lambda', 'requests', lambdaInvocations / 1e6, 'lambda.requestsMillion', l.requestsMillion);

  // DynamoDB on demand: the consumer's units per event, the notifier's per alert and per drain,
  // the sync's strongly consistent Scan of the state table at every step, the API's queries.
  const d = prices.dynamodb;
  const eventWriteUnits =
    complianceChanges * cc.wcu + configurationItems * ci.wcu + alerts * PER_EVENT.alert.wcu;
  const eventReadUnits =
    complianceChanges * cc.rcu + configurationItems * ci.rcu + alerts * PER_EVENT.alert.rcu;
  const dynamoWriteUnits = eventWriteUnits + drains * ASSUMPTIONS.notifierWcuPerDrain;
  const scanUnits = Math.ceil((pairs * PER_EVENT.stateItemBytes) / (4 * KIB));
  const dynamoReadUnits =
    eventReadUnits +
    drains * ASSUMPTIONS.notifierRcuPerDrain +
    syncSteps * days * scanUnits +
    apiHotStoreRequests * ASSUMPTIONS.apiHotStoreRcuPerRequest;
  const overhead = PER_EVENT.itemOverheadBytes;
  const hotDays = STACK.hotRetentionDays;
  const tableBytes =
    (complianceChanges / days) * hotDays * (cc.eventItemBytes + cc.indexBytes + 3 * overhead) +
    (configurationItems / days) * hotDays * (ci.eventItemBytes + ci.indexBytes + 3 * overhead) +
    pairs * (PER_EVENT.stateItemBytes + overhead) +
    (alerts / days) * hotDays * (PER_EVENT.alert.outboxItemBytes + overhead);
  const tableGb = tableBytes / GIB;
  add(
    'pipeline',
    'DynamoDB',
    'write request units',
    dynamoWriteUnits / 1e6,
    'dynamodb.writeRequestUnitsMillion',
    d.writeRequestUnitsMillion,
  );
  add(
    'pipeline',
    'DynamoDB',
    'read request units',
    dynamoReadUnits / 1e6,
    'dynamodb.readRequestUnitsMillion',
    d.readRequestUnitsMillion,
  );
  add(
    'pipeline',
    'DynamoDB',
    'storage (90 days of events, the state)',
    tableGb,
    'dynamodb.storageGbMonth',
    d.storageGbMonth,
  );
  add('pipeline', 'DynamoDB', 'point-in-time recovery', tableGb, 'dynamodb.pitrGbMonth', d.pitrGbMonth);

  // Firehose: every stream record is ingested (5 KB each at least) and billed for conversion;
  // the transform drops configuration items, so only compliance rows are delivered.
  const f = prices.firehose;
  const firehoseGb = ((configurationItems * ci.firehoseKb + complianceChanges * cc.firehoseKb) * KIB) / GIB;
  const deliveredGb = (complianceChanges * PER_EVENT.archiveJsonBytesPerRow) / GIB;
  const firehoseObjects = Math.min(complianceChanges, SECONDS_PER_MONTH / STACK.firehoseBufferSeconds);
  add('pipeline', 'Firehose', 'ingestion (5 KB per record)', firehoseGb, 'firehose.ingestGb', f.ingestGb);
  add(
    'pipeline',
    'Firehose',
    'JSON to Parquet conversion',
    firehoseGb,
    'firehose.formatConversionGb',
    f.formatConversionGb,
  );
  add(
    'pipeline',
    'Firehose',
    'dynamic partitioning (data)',
    deliveredGb,
    'firehose.dynamicPartitioningGb',
    f.dynamicPartitioningGb,
  );
  add(
    'pipeline',
    'Firehose',
    'dynamic partitioning (objects)',
    firehoseObjects / 1000,
    'firehose.dynamicPartitioningObjectsThousand',
    f.dynamicPartitioningObjectsThousand,
  );

  // Athena: the daily report (per refreshed day: the build check, the key-state and the
  // daily-state builds, each reading the key state and the day's rows; then 3 report queries
  // over the rollup) and a typical API day; every statement is billed 10 MB at least.
  const a = prices.athena;
  const dayBytes = (complianceChanges / days) * PER_EVENT.archiveBytesPerRow;
  const keyStateBytes = pairs * PER_EVENT.keyStateBytesPerPair;
  const reportDays = Math.max(STACK.dailyStateRefreshDays, 2);
  const reportStatements = reportDays * 3 + 3;
  const reportBytesPerRun =
    reportDays * (athenaBilledBytes(0, prices) + 2 * athenaBilledBytes(keyStateBytes + dayBytes, prices)) +
    3 * athenaBilledBytes(0, prices);
  const reportBytes = reportBytesPerRun * days;
  const apiBytes = apiAthenaRequests * athenaBilledBytes(ASSUMPTIONS.apiAthenaDaysScanned * dayBytes, prices);
  add(
    'pipeline',
    'Athena',
    `daily report (${reportStatements} statements a day)`,
    reportBytes / TIB,
    'athena.scannedTb',
    a.scannedTb,
  );
  add(
    'pipeline',
    'Athena',
    `API (${ASSUMPTIONS.apiAthenaRequestsPerDay} queries a day, ${ASSUMPTIONS.apiAthenaDaysScanned} days each)`,
    apiBytes / TIB,
    'athena.scannedTb',
    a.scannedTb,
  );

  // S3: the archive at steady state (the default 730 days of history), the 14 days of key-state
  // builds, Firehose's and Athena's PUTs, and Athena's GETs of the files it reads.
  const s = prices.s3;
  const archiveMonths = STACK.archiveDays / days;
  const archiveGb = (complianceChanges * PER_EVENT.archiveBytesPerRow * archiveMonths) / GIB;
  const keyStateGb = (reportDays * keyStateBytes * STACK.keyStateRetentionDays) / GIB;
  const filesPerDay = Math.min(complianceChanges / days, 86_400 / STACK.firehoseBufferSeconds);
  const statements = reportStatements * days + apiAthenaRequests;
  const puts = firehoseObjects + statements * ASSUMPTIONS.putsPerStatement;
  const gets =
    ASSUMPTIONS.getsPerFileRead *
    (apiAthenaRequests * ASSUMPTIONS.apiAthenaDaysScanned * filesPerDay +
      reportDays * 2 * days * (filesPerDay + 1));
  add(
    'pipeline',
    'S3',
    `archive storage (${Math.round(archiveMonths)} months kept)`,
    archiveGb + keyStateGb,
    's3.standardGbMonth',
    s.standardGbMonth,
  );
  add('pipeline', 'S3', 'PUT requests', puts / 1000, 's3.putThousand', s.putThousand);
  add('pipeline', 'S3', 'GET requests', gets / 1000, 's3.getThousand', s.getThousand);

  // CloudWatch: logs of every invocation, alert, API request and state transition, kept 90 days;
  // custom metrics, alarms, the dashboard. X-Ray: traces of the traced functions (an API request's
  // API Gateway and Lambda segments are one trace).
  const c = prices.cloudwatch;
  const transitions = syncSteps * days * STACK.reconciler.transitionsPerStep;
  const logsGb =
    (lambdaInvocations * ASSUMPTIONS.logBytesPerInvocation +
      alerts * ASSUMPTIONS.logBytesPerAlert +
      apiRequests * ASSUMPTIONS.logBytesPerApiRequest +
      transitions * ASSUMPTIONS.logBytesPerStateTransition) /
    GIB;
  add('pipeline', 'CloudWatch', 'logs ingested', logsGb, 'cloudwatch.logsIngestGb', c.logsIngestGb);
  add(
    'pipeline',
    'CloudWatch',
    'logs stored (90 days)',
    logsGb * (STACK.logRetentionDays / days),
    'cloudwatch.logsStorageGbMonth',
    c.logsStorageGbMonth,
  );
  add(
    'pipeline',
    'CloudWatch',
    'custom metrics',
    STACK.customMetrics,
    'cloudwatch.customMetricMonth',
    c.customMetricMonth,
  );
  add(
    'pipeline',
    'CloudWatch',
    'alarms (28 alarms)',
    STACK.alarmMetrics,
    'cloudwatch.alarmMetricMonth',
    c.alarmMetricMonth,
  );
  add('pipeline', 'CloudWatch', 'dashboard', STACK.dashboards, 'cloudwatch.dashboardMonth', c.dashboardMonth);
  const traces = [
    consumerInvocations,
    transformInvocations,
    notifierInvocations,
    apiRequests,
    reportInvocations,
    reconcilerInvocations,
  ]
    .map(tracesOf)
    .reduce((sum, n) => sum + n, 0);
  add(
    'pipeline',
    'X-Ray',
    'traces recorded (tracing on)',
    traces / 1e6,
    'xray.tracesRecordedMillion',
    prices.xray.tracesRecordedMillion,
  );

  // The rest: API Gateway, EventBridge (the agents' cross-account delivery, billed to the member
  // accounts; the schedules), Step Functions (the sync loop), secrets, the key.
  add(
    'pipeline',
    'API Gateway',
    'REST requests',
    apiRequests / 1e6,
    'apiGateway.restRequestsMillion',
    prices.apiGateway.restRequestsMillion,
  );
  add(
    'pipeline',
    'EventBridge',
    'cross-account events (member accounts)',
    events / 1e6,
    'eventbridge.crossAccountEventsMillion',
    prices.eventbridge.crossAccountEventsMillion,
  );
  add(
    'pipeline',
    'EventBridge',
    'Scheduler invocations',
    (STACK.schedules * days) / 1e6,
    'eventbridge.schedulerInvocationsMillion',
    prices.eventbridge.schedulerInvocationsMillion,
  );
  add(
    'pipeline',
    'Step Functions',
    'sync state transitions',
    transitions / 1000,
    'stepFunctions.standardTransitionsThousand',
    prices.stepFunctions.standardTransitionsThousand,
  );
  add(
    'pipeline',
    'Secrets Manager',
    'Slack webhook secrets',
    STACK.secrets,
    'secretsManager.secretMonth',
    prices.secretsManager.secretMonth,
  );
  add(
    'pipeline',
    'KMS',
    'customer managed key',
    STACK.kmsKeys,
    'kms.customerManagedKeyMonth',
    prices.kms.customerManagedKeyMonth,
  );

  // AWS Config: items recorded, and rule evaluations tiered per region over the organization
  // (consolidated billing adds the accounts' usage up for tiers). Periodic recording: fewer items
  // at a higher price, and fewer change-triggered evaluations.
  const cfg = prices.config;
  const share = ASSUMPTIONS.periodicRecordedShare;
  add(
    'config',
    'AWS Config',
    'configuration items (continuous)',
    configurationItems,
    'config.continuousItem',
    cfg.continuousItem,
    'config-continuous',
  );
  addTiered(
    'AWS Config',
    'rule evaluations (tiered per region)',
    ruleEvaluations / org.regions,
    org.regions,
    'config.ruleEvaluations',
    cfg.ruleEvaluations,
    'config-continuous',
  );
  add(
    'config',
    'AWS Config',
    'configuration items (periodic, daily)',
    configurationItems * share,
    'config.periodicItem',
    cfg.periodicItem,
    'config-periodic',
  );
  addTiered(
    'AWS Config',
    'rule evaluations with periodic recording',
    (ruleEvaluations * share) / org.regions,
    org.regions,
    'config.ruleEvaluations',
    cfg.ruleEvaluations,
    'config-periodic',
  );

  const sum = (keep: (line: LineItem) => boolean) =>
    lines.filter(keep).reduce((total, line) => total + line.monthlyUsd, 0);
  const pipelineUsd = sum((x) => x.group === 'pipeline' && x.variant !== 'kinesis-provisioned');
  const pipelineProvisionedUsd = sum((x) => x.group === 'pipeline' && x.variant !== 'kinesis-on-demand');
  const configUsd = sum((x) => x.group === 'config' && x.variant !== 'config-periodic');
  const configPeriodicUsd = sum((x) => x.group === 'config' && x.variant !== 'config-continuous');

  return {
    inputs: org,
    prices: { asOf: prices.asOf, region: prices.region },
    volumes: {
      configurationItems,
      ruleEvaluations,
      complianceChanges,
      events,
      alerts,
      pairs,
      dynamoWriteUnits,
      dynamoReadUnits,
      streamGb,
      athenaBytesScanned: reportBytes + apiBytes,
      lambdaInvocations,
      provisionedShards,
      syncSecondsPerDay,
    },
    lines,
    totals: {
      pipelineUsd,
      pipelineProvisionedUsd,
      configUsd,
      configPeriodicUsd,
      configToPipeline: pipelineUsd > 0 ? configUsd / pipelineUsd : 0,
    },
    perEvent: {
      dynamoWriteUnits: events > 0 ? eventWriteUnits / events : 0,
      dynamoReadUnits: events > 0 ? eventReadUnits / events : 0,
      pipelineUsdPerMillionEvents: events > 0 ? (pipelineUsd / events) * 1e6 : 0,
    },
  };
}
