/**
 * Benchmark of the consumer's own CPU work per event (`npm run bench:consumer`).
 *
 * Generates a realistic synthetic stream (compact EventBridge JSON as Kinesis carries it,
 * base64-encoded), then measures in the same process:
 * - the floor: base64 decode + `JSON.parse` of every record;
 * - the consumer: the same Kinesis batches through the real handler (`createBatchHandler`:
 *   decode, validate, dedupe, decide, Powertools logger + metrics calls) with the hot store and the
 *   outbox replaced by in-memory sinks, and every newly queued alert rendered to its Slack Block
 *   Kit message (the Liquid templates of src/adapters/slack/). For this measurement only: the
 *   production adapters are DynamoDB, whose per-call cost is I/O and SDK overhead, batched.
 *
 * Warm-up, then alternating repeats; medians. Prints a table, then as the LAST line exactly
 * `{"events_per_s": N, "baseline_events_per_s": N}`.
 *
 * Options (env): BENCH_EVENTS (default 30000), BENCH_REPEATS (default 7), BENCH_BATCH (default 100,
 * the Kinesis event source mapping's default batch size), BENCH_CLOCK (`cpu`, the default: process
 * CPU time, robust to other load on a shared machine; or `wall`).
 */

// Metrics are added as in Lambda but not serialized to stdout (that would flood the table).
process.env.POWERTOOLS_METRICS_DISABLED = 'true';

import { performance } from 'node:perf_hooks';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import type { KinesisStreamEvent } from 'aws-lambda';
import { renderAlert } from '../src/adapters/slack/slack-messages.js';
import { type BatchSummary, createBatchHandler } from '../src/handlers/consumer.handler.js';
import { inMemoryDeps } from '../test/helpers/in-memory-hot-store.js';
import { kinesisEvent } from '../test/helpers/kinesis-event.js';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 30_000);
const REPEATS = Number(process.env.BENCH_REPEATS ?? 7);
const BATCH = Number(process.env.BENCH_BATCH ?? 100);
const CLOCK = process.env.BENCH_CLOCK === 'wall' ? 'wall' : 'cpu';

// ---------------------------------------------------------------------------------------------
// A small deterministic generator: an organization's accounts, regions, managed rules and
// resources; evaluations that go through first results, violations, NC→NC annotation changes,
// resolutions, NOT_APPLICABLE and INSUFFICIENT_DATA; configuration-item changes; other aws.config
// detail types (skipped); redeliveries (same id again) and late arrivals (older, delivered after).
// ---------------------------------------------------------------------------------------------

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const random = mulberry32(20261120);
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
const hex = (n: number) => Array.from({ length: n }, () => Math.floor(random() * 16).toString(16)).join('');
const uuid = () => `${hex(8)}-${hex(4)}-4${hex(3)}-a${hex(3)}-${hex(12)}`;

const RULES: readonly { name: string; type: string; annotation: string | null }[] = [
  { name: 's3-bucket-versioning-enabled', type: 'AWS::S3::Bucket', annotation: 'Versioning is not enabled.' },
  {
    name: 's3-bucket-server-side-encryption-enabled-conformance-pack-x1y2z3w4v',
    type: 'AWS::S3::Bucket',
    annotation: null,
  },
  {
    name: 's3-bucket-public-read-prohibited',
    type: 'AWS::S3::Bucket',
    annotation: 'The bucket policy allows public read access.',
  },
  {
    name: 'ec2-instance-no-public-ip',
    type: 'AWS::EC2::Instance',
    annotation: 'The instance has a public IP address.',
  },
  { name: 'ec2-ebs-encryption-by-default', type: 'AWS::::Account', annotation: null },
  {
    name: 'encrypted-volumes-conformance-pack-x1y2z3w4v',
    type: 'AWS::EC2::Volume',
    annotation: 'Volume is not encrypted.',
  },
  { name: 'restricted-ssh', type: 'AWS::EC2::SecurityGroup', annotation: 'Port 22 is open to 0.0.0.0/0.' },
  {
    name: 'iam-password-policy',
    type: 'AWS::::Account',
    annotation: '\nThe password policy does not require a minimum length of 14.',
  },
  { name: 'iam-user-mfa-enabled', type: 'AWS::IAM::User', annotation: 'MFA is not enabled for this user.' },
  { name: 'rds-storage-encrypted', type: 'AWS::RDS::DBInstance', annotation: null },
  {
    name: 'rds-instance-public-access-check',
    type: 'AWS::RDS::DBInstance',
    annotation: 'The DB instance is publicly accessible.',
  },
  { name: 'lambda-function-public-access-prohibited', type: 'AWS::Lambda::Function', annotation: null },
  { name: 'cloudtrail-enabled', type: 'AWS::::Account', annotation: 'No trail is logging in this region.' },
  { name: 'dynamodb-pitr-enabled', type: 'AWS::DynamoDB::Table', annotation: null },
];
const ACCOUNTS = Array.from({ length: 20 }, (_, i) => String(111_100_000_000 + i * 7_919));
const REGIONS = ['us-east-1', 'eu-west-1', 'ap-southeast-2'] as const;
const STATUSES = ['COMPLIANT', 'NON_COMPLIANT', 'NOT_APPLICABLE', 'INSUFFICIENT_DATA'] as const;
type Status = (typeof STATUSES)[number];

function resourceId(type: string, account: string, n: number): string {
  switch (type) {
    case 'AWS::S3::Bucket':
      return `data-${account}-${n}`;
    case 'AWS::EC2::Instance':
      return `i-${hex(17)}`;
    case 'AWS::EC2::Volume':
      return `vol-${hex(17)}`;
    case 'AWS::EC2::SecurityGroup':
      return `sg-${hex(17)}`;
    case 'AWS::::Account':
      return account;
    case 'AWS::IAM::User':
      return `AIDA${hex(17).toUpperCase()}`;
    default:
      return `arn:aws:${type.split('::')[1]?.toLowerCase()}:eu-west-1:${account}:res/${n}`;
  }
}

interface Pair {
  account: string;
  region: string;
  rule: (typeof RULES)[number];
  resourceId: string;
  status: Status | null;
  at: number;
}

function evaluation(pair: Pair, status: Status, at: number, annotation: string | null) {
  return {
    evaluationResultIdentifier: {
      evaluationResultQualifier: {
        configRuleName: pair.rule.name,
        resourceType: pair.rule.type,
        resourceId: pair.resourceId,
      },
      orderingTimestamp: new Date(at).toISOString(),
    },
    complianceType: status,
    resultRecordedTime: new Date(at + 1_500).toISOString(),
    configRuleInvokedTime: new Date(at + 1_000).toISOString(),
    ...(annotation === null ? {} : { annotation }),
  };
}

function complianceChange(pair: Pair, next: Status, at: number): string {
  const annotation = next === 'NON_COMPLIANT' ? pair.rule.annotation : null;
  return JSON.stringify({
    version: '0',
    id: uuid(),
    'detail-type': 'Config Rules Compliance Change',
    source: 'aws.config',
    account: pair.account,
    time: new Date(at + 9_000).toISOString().replace('.000Z', 'Z'),
    region: pair.region,
    resources: [],
    detail: {
      resourceId: pair.resourceId,
      awsRegion: pair.region,
      awsAccountId: pair.account,
      configRuleName: pair.rule.name,
      recordVersion: '1.0',
      configRuleARN: `arn:aws:config:${pair.region}:${pair.account}:config-rule/config-rule-${hex(6)}`,
      messageType: 'ComplianceChangeNotification',
      newEvaluationResult: evaluation(pair, next, at, annotation),
      ...(pair.status === null ? {} : { oldEvaluationResult: evaluation(pair, pair.status, pair.at, null) }),
      notificationCreationTime: new Date(at + 8_000).toISOString(),
      resourceType: pair.rule.type,
    },
  });
}

function configurationItemChange(pair: Pair, at: number): string {
  const capture = new Date(at).toISOString();
  return JSON.stringify({
    version: '0',
    id: uuid(),
    'detail-type': 'Config Configuration Item Change',
    source: 'aws.config',
    account: pair.account,
    time: new Date(at + 3_000).toISOString().replace('.000Z', 'Z'),
    region: pair.region,
    resources: [],
    detail: {
      recordVersion: '1.3',
      messageType: 'ConfigurationItemChangeNotification',
      configurationItemDiff: {
        changedProperties: { 'Configuration.Tags': { changeType: 'UPDATE' } },
        changeType: 'UPDATE',
      },
      notificationCreationTime: new Date(at + 2_000).toISOString(),
      configurationItem: {
        relatedEvents: [],
        relationships: [
          { resourceType: 'AWS::EC2::VPC', resourceId: `vpc-${hex(8)}`, name: 'Is contained in Vpc' },
        ],
        configuration: {
          name: pair.resourceId,
          tags: [{ key: 'team', value: 'payments' }],
          settings: { a: 1, b: 'two' },
        },
        supplementaryConfiguration: {},
        tags: { team: 'payments' },
        configurationItemVersion: '1.3',
        configurationItemCaptureTime: capture,
        configurationStateId: at,
        awsAccountId: pair.account,
        configurationItemStatus: 'OK',
        resourceType: pair.rule.type,
        resourceId: pair.resourceId,
        resourceName: pair.resourceId,
        ARN: `arn:aws:config:${pair.region}:${pair.account}:${pair.resourceId}`,
        awsRegion: pair.region,
        availabilityZone: 'Not Applicable',
        configurationStateMd5Hash: '',
      },
    },
  });
}

function otherConfigEvent(pair: Pair, at: number): string {
  return JSON.stringify({
    version: '0',
    id: uuid(),
    'detail-type': 'Config Configuration Snapshot Delivery Status',
    source: 'aws.config',
    account: pair.account,
    time: new Date(at).toISOString(),
    region: pair.region,
    resources: [],
    detail: {
      messageType: 'ConfigurationSnapshotDeliveryCompleted',
      s3ObjectKey: `AWSLogs/${pair.account}/x.json.gz`,
    },
  });
}

/** Next status of a pair: mostly stays, violations and remediations are the common changes. */
function nextStatus(current: Status | null): Status {
  const r = random();
  if (current === null)
    return r < 0.7
      ? 'COMPLIANT'
      : r < 0.93
        ? 'NON_COMPLIANT'
        : r < 0.97
          ? 'NOT_APPLICABLE'
          : 'INSUFFICIENT_DATA';
  if (current === 'NON_COMPLIANT')
    return r < 0.55
      ? 'COMPLIANT'
      : r < 0.9
        ? 'NON_COMPLIANT'
        : r < 0.96
          ? 'NOT_APPLICABLE'
          : 'INSUFFICIENT_DATA';
  return r < 0.75 ? 'NON_COMPLIANT' : r < 0.9 ? 'COMPLIANT' : pick(STATUSES);
}

function generate(total: number): string[] {
  const pairs: Pair[] = [];
  for (const account of ACCOUNTS) {
    for (const region of REGIONS) {
      for (const rule of RULES) {
        const count = rule.type === 'AWS::::Account' ? 1 : 8;
        for (let n = 0; n < count; n++) {
          pairs.push({
            account,
            region,
            rule,
            resourceId: resourceId(rule.type, account, n),
            status: null,
            at: 0,
          });
        }
      }
    }
  }
  const out: string[] = [];
  let clock = Date.parse('2026-11-20T00:00:00Z');
  while (out.length < total) {
    clock += Math.floor(random() * 4_000);
    const pair = pick(pairs);
    const r = random();
    if (r < 0.15) out.push(configurationItemChange(pair, clock));
    else if (r < 0.17) out.push(otherConfigEvent(pair, clock));
    else if (r < 0.18 && out.length > 10)
      out.push(out[out.length - 1 - Math.floor(random() * 10)] as string); // redelivery
    else {
      const next = nextStatus(pair.status);
      out.push(complianceChange(pair, next, clock));
      pair.status = next;
      pair.at = clock;
    }
  }
  // Late arrivals: ~1% of records delivered a few hundred positions after newer ones.
  for (let i = 0; i < total / 100; i++) {
    const from = Math.floor(random() * (total - 500));
    const [late] = out.splice(from, 1);
    out.splice(from + 200 + Math.floor(random() * 300), 0, late as string);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Measurement
// ---------------------------------------------------------------------------------------------

const texts = generate(EVENTS);
const batches: KinesisStreamEvent[] = [];
for (let i = 0; i < texts.length; i += BATCH) {
  batches.push(kinesisEvent(texts.slice(i, i + BATCH), { firstSequence: BigInt(1_000_000 + i) }));
}
const encoded = batches.flatMap((b) => b.Records.map((r) => r.kinesis.data));

// WARN, as a quiet deployment would run: per-alert INFO lines (stdout I/O, not consumer logic) are filtered out.
const logger = new Logger({ serviceName: 'config-monitor-bench', logLevel: 'WARN' });
const metrics = new Metrics({ namespace: 'ConfigMonitor', serviceName: 'config-monitor-bench' });

let sink = 0;
function floor(): void {
  for (const data of encoded) {
    const value = JSON.parse(Buffer.from(data, 'base64').toString('utf8')) as { id?: string };
    sink += value.id?.length ?? 0;
  }
}

let lastSummary: BatchSummary | null = null;
let rendered = 0;
/** One pass over every batch with fresh in-memory stores; `render` renders each newly queued alert. */
async function consumer(render: boolean): Promise<void> {
  const total: BatchSummary = {
    received: 0,
    accepted: 0,
    duplicates: 0,
    stale: 0,
    skipped: 0,
    rejected: 0,
    violations: 0,
    resolutions: 0,
    failed: 0,
  };
  rendered = 0;
  const deps = inMemoryDeps(
    render
      ? {
          onEnqueue: (alert) => {
            sink += renderAlert(alert).blocks.length;
            rendered += 1;
          },
        }
      : {},
  );
  const handler = createBatchHandler(deps, {
    logger,
    metrics,
    onBatch: (s) => {
      for (const key of Object.keys(total) as (keyof BatchSummary)[]) total[key] += s[key];
    },
  });
  for (const batch of batches) {
    await handler(batch);
    metrics.publishStoredMetrics();
  }
  lastSummary = total;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/**
 * Milliseconds of CPU (user + system, this process) a run takes — the work, not the wall clock,
 * which a shared machine's load would dominate. BENCH_CLOCK=wall measures elapsed time instead.
 */
async function time(fn: () => void | Promise<void>): Promise<number> {
  if (CLOCK === 'wall') {
    const start = performance.now();
    await fn();
    return performance.now() - start;
  }
  const start = process.cpuUsage();
  await fn();
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000;
}

// Silence the "No application metrics to publish" warning of an empty flush, if any.
const warn = console.warn;
console.warn = () => {};

// Warm-up: JIT, template parsing and caches.
for (let i = 0; i < 2; i++) {
  await time(floor);
  await time(() => consumer(false));
  await time(() => consumer(true));
}
const floorMs: number[] = [];
const decideMs: number[] = [];
const renderMs: number[] = [];
// Alternating repeats, so that a burst of load on a shared machine hits every variant alike.
for (let i = 0; i < REPEATS; i++) {
  floorMs.push(await time(floor));
  decideMs.push(await time(() => consumer(false)));
  renderMs.push(await time(() => consumer(true)));
}
console.warn = warn;

const n = texts.length;
const bytes = texts.reduce((sum, t) => sum + t.length, 0);
const baselinePerS = Math.round(n / (median(floorMs) / 1000));
const decidePerS = Math.round(n / (median(decideMs) / 1000));
const perS = Math.round(n / (median(renderMs) / 1000));
const s = lastSummary as unknown as BatchSummary;
const us = (ms: number) => ((1000 * ms) / n).toFixed(2).padStart(7);
const rate = (perSecond: number) => `${perSecond.toLocaleString('en-US').padStart(9)} events/s`;
const ratio = (perSecond: number) => `${(perSecond / baselinePerS).toFixed(2)}× floor`;

const rows: [string, string][] = [
  ['records', `${n} (${(bytes / n).toFixed(0)} B average JSON, batches of ${BATCH})`],
  [
    'outcomes',
    `accepted ${s.accepted}, duplicates ${s.duplicates}, stale ${s.stale}, skipped ${s.skipped}, rejected ${s.rejected}`,
  ],
  ['alerts queued', `${rendered} (violations ${s.violations}, resolutions ${s.resolutions})`],
  [
    'repeats',
    `${REPEATS} after 2 warm-ups, medians of ${CLOCK === 'cpu' ? 'process CPU time' : 'wall time'}`,
  ],
  ['floor: base64 + JSON.parse', `${us(median(floorMs))} µs/event ${rate(baselinePerS)}`],
  ['consumer: decode → queue', `${us(median(decideMs))} µs/event ${rate(decidePerS)}  ${ratio(decidePerS)}`],
  [
    'consumer + render each alert',
    `${us(median(renderMs))} µs/event ${rate(perS)}  ${ratio(perS)} (goal ≥ 0.50)`,
  ],
];
const width = Math.max(...rows.map(([k]) => k.length));
console.log(`consumer benchmark — node ${process.version} (checksum ${sink % 10})`);
for (const [k, v] of rows) console.log(`  ${k.padEnd(width)}  ${v}`);
console.log(JSON.stringify({ events_per_s: perS, baseline_events_per_s: baselinePerS }));
