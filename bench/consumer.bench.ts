/**
 * Benchmark of the consumer's own CPU work per event (`npm run bench:consumer`).
 *
 * Takes a realistic synthetic stream (compact EventBridge JSON as Kinesis carries it,
 * base64-encoded), then measures in the same process:
 * - the floor: base64 decode + `JSON.parse` of every record;
 * - the consumer: the same Kinesis batches through the real handler (`createBatchHandler`:
 *   decode, validate, dedupe, decide, queue, Powertools logger + metrics calls) with the hot store
 *   and the outbox replaced by in-memory sinks (for this measurement only: in production they are
 *   DynamoDB, whose per-call cost is I/O and SDK overhead, batched). This is what the consumer
 *   does, and all it does: it never renders a message;
 * - rendering, beside it: the notifier renders each message once, at most about one a second per
 *   destination, so its cost is per message, not per event. A sample of the alerts the consumer
 *   queued is rendered as Slack Block Kit messages (the Liquid templates of src/adapters/slack/):
 *   each violation and resolution as its single message, and the same alerts as the digests a
 *   storm would send; reported in µs per message, by kind and overall.
 *
 * Warm-up, then alternating repeats; medians. Prints a table, then as the LAST line exactly
 * `{"events_per_s": N, "baseline_events_per_s": N, "floor_ratio": N, "render_us_per_message": N}`:
 * events_per_s is decode → validate → decide → queue, floor_ratio is it over the floor (issue 10's
 * goal: ≥ 0.5), render_us_per_message the CPU of one rendered message, singles and digests together.
 *
 * Options (env): BENCH_EVENTS (default 30000), BENCH_REPEATS (default 7), BENCH_BATCH (default 100,
 * the Kinesis event source mapping's default batch size), BENCH_RENDER_SAMPLE (default 1000 alerts),
 * BENCH_CLOCK (`cpu`, the default: process CPU time, robust to other load on a shared machine; or
 * `wall`).
 */

// Metrics are added as in Lambda but not serialized to stdout (that would flood the table).
process.env.POWERTOOLS_METRICS_DISABLED = 'true';

import { performance } from 'node:perf_hooks';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import type { KinesisStreamEvent } from 'aws-lambda';
import { generateOrganization } from '../pipeline/generate/organization.js';
import { type DigestContexts, renderAlert, renderDigest } from '../src/adapters/slack/slack-messages.js';
import { type AlertContext, defaultAlertContext } from '../src/domain/alert-context.js';
import { buildDigests, DIGEST_DEFAULTS, type QueuedAlert } from '../src/domain/alert-digest.js';
import type { Alert } from '../src/domain/compliance-state.js';
import { type BatchSummary, createBatchHandler } from '../src/handlers/consumer.handler.js';
import { emptyBatchSummary } from '../src/use-cases/process-batch.js';
import { inMemoryDeps } from '../test/helpers/in-memory-hot-store.js';
import { kinesisEvent } from '../test/helpers/kinesis-event.js';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 30_000);
const REPEATS = Number(process.env.BENCH_REPEATS ?? 7);
const BATCH = Number(process.env.BENCH_BATCH ?? 100);
const RENDER_SAMPLE = Number(process.env.BENCH_RENDER_SAMPLE ?? 1_000);
const CLOCK = process.env.BENCH_CLOCK === 'wall' ? 'wall' : 'cpu';

/**
 * The records: the project's synthetic organization (pipeline/generate, the same generator as
 * `config-monitor generate`): 20 accounts × 3 regions, real managed rules and resource types,
 * transitions over days, 1% redeliveries and 1% late arrivals, as compact JSON.
 */
function generate(total: number): string[] {
  const out: string[] = [];
  const options = {
    accounts: 20,
    regions: 3,
    days: 90,
    end: '2026-11-20',
    redeliveries: 0.01,
    late: 0.01,
    seed: 1,
  };
  for (const event of generateOrganization(options)) {
    out.push(JSON.stringify(event));
    if (out.length >= total) break;
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
/** One pass over every batch with fresh in-memory stores; `onEnqueue` sees each newly queued alert. */
async function consumer(onEnqueue?: (alert: Alert) => void): Promise<void> {
  const total = emptyBatchSummary();
  const deps = inMemoryDeps(onEnqueue ? { onEnqueue } : {});
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

// The alerts to render: those the consumer queues, collected once in an untimed pass; a sample of
// them spread over the stream (every k-th), as the notifier's outbox would hold them.
const queued: Alert[] = [];
await consumer((alert) => queued.push(alert));
const step = Math.max(1, Math.floor(queued.length / RENDER_SAMPLE));
const sample = queued.filter((_, i) => i % step === 0).slice(0, RENDER_SAMPLE);
const singles = {
  violation: sample.filter((a) => a.kind === 'violation'),
  resolution: sample.filter((a) => a.kind === 'resolution'),
};
const contexts = new Map(sample.map((a) => [a.eventId, defaultAlertContext(a)] as [string, AlertContext]));
const items: QueuedAlert[] = sample.map((alert) => ({
  id: alert.eventId,
  alert,
  createdAt: alert.eventTime,
}));
const digests = buildDigests(items);
const digestContexts: DigestContexts = contexts;

/** Renders every single message of one kind of the sample. */
function renderSingles(alerts: readonly Alert[]): void {
  for (const alert of alerts)
    sink += renderAlert(alert, contexts.get(alert.eventId) as AlertContext).blocks.length;
}
/** Renders the sample as the digests of a storm. */
function renderDigests(): void {
  for (const digest of digests) {
    sink += renderDigest(digest, DIGEST_DEFAULTS.threshold, digestContexts).message.blocks.length;
  }
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
  await time(() => consumer());
  await time(() => renderSingles(singles.violation));
  await time(() => renderSingles(singles.resolution));
  await time(renderDigests);
}
const floorMs: number[] = [];
const consumerMs: number[] = [];
const renderMs = { violation: [] as number[], resolution: [] as number[], digest: [] as number[] };
// Alternating repeats, so that a burst of load on a shared machine hits every variant alike.
for (let i = 0; i < REPEATS; i++) {
  floorMs.push(await time(floor));
  consumerMs.push(await time(() => consumer()));
  renderMs.violation.push(await time(() => renderSingles(singles.violation)));
  renderMs.resolution.push(await time(() => renderSingles(singles.resolution)));
  renderMs.digest.push(await time(renderDigests));
}
console.warn = warn;

const n = texts.length;
const bytes = texts.reduce((sum, t) => sum + t.length, 0);
const baselinePerS = Math.round(n / (median(floorMs) / 1000));
const perS = Math.round(n / (median(consumerMs) / 1000));
const floorRatio = Number((perS / baselinePerS).toFixed(2));
const s = lastSummary as unknown as BatchSummary;
const us = (ms: number) => ((1000 * ms) / n).toFixed(2).padStart(7);
const rate = (perSecond: number) => `${perSecond.toLocaleString('en-US').padStart(9)} events/s`;
/** µs per message of one kind (null: the sample has none of it). */
const perMessage = (ms: readonly number[], messages: number) =>
  messages === 0 ? null : (1000 * median(ms)) / messages;
const messages = singles.violation.length + singles.resolution.length + digests.length;
const renderAllMs = median(renderMs.violation) + median(renderMs.resolution) + median(renderMs.digest);
const renderUsPerMessage = Number(((1000 * renderAllMs) / Math.max(1, messages)).toFixed(1));
const shown = (value: number | null, count: number, what: string) =>
  `${value === null ? '      -' : value.toFixed(1).padStart(7)} µs/message × ${count} ${what}`;

const rows: [string, string][] = [
  ['records', `${n} (${(bytes / n).toFixed(0)} B average JSON, batches of ${BATCH})`],
  [
    'outcomes',
    `accepted ${s.accepted}, duplicates ${s.duplicates}, stale ${s.stale}, skipped ${s.skipped}, rejected ${s.rejected}`,
  ],
  ['alerts queued', `${queued.length} (violations ${s.violations}, resolutions ${s.resolutions})`],
  [
    'repeats',
    `${REPEATS} after 2 warm-ups, medians of ${CLOCK === 'cpu' ? 'process CPU time' : 'wall time'}`,
  ],
  ['floor: base64 + JSON.parse', `${us(median(floorMs))} µs/event ${rate(baselinePerS)}`],
  [
    'consumer: decode → validate → decide → queue',
    `${us(median(consumerMs))} µs/event ${rate(perS)}  ${floorRatio.toFixed(2)}× floor (goal ≥ 0.50)`,
  ],
  // The notifier's work, per message: not part of the consumer's rate.
  [
    'render: violation',
    shown(
      perMessage(renderMs.violation, singles.violation.length),
      singles.violation.length,
      'single messages',
    ),
  ],
  [
    'render: resolution',
    shown(
      perMessage(renderMs.resolution, singles.resolution.length),
      singles.resolution.length,
      'single messages',
    ),
  ],
  [
    'render: digest',
    shown(
      perMessage(renderMs.digest, digests.length),
      digests.length,
      `digests of the same ${sample.length} alerts`,
    ),
  ],
  [
    'render: every message',
    shown(renderUsPerMessage, messages, `messages (sample of ${sample.length} alerts)`),
  ],
];
const width = Math.max(...rows.map(([k]) => k.length));
console.log(`consumer benchmark — node ${process.version} (checksum ${sink % 10})`);
for (const [k, v] of rows) console.log(`  ${k.padEnd(width)}  ${v}`);
console.log(
  JSON.stringify({
    events_per_s: perS,
    baseline_events_per_s: baselinePerS,
    floor_ratio: floorRatio,
    render_us_per_message: renderUsPerMessage,
  }),
);
