/**
 * Benchmark of the consumer's own CPU work per event (`npm run bench:consumer`).
 *
 * Takes a realistic synthetic stream (compact EventBridge JSON as Kinesis carries it,
 * base64-encoded), then measures in the same process:
 * - the floor: base64 decode + `JSON.parse` of every record;
 * - the consumer: the same Kinesis batches through the real handler (`createBatchHandler`:
 *   decode, validate, dedupe, decide, queue, Powertools logger + metrics calls) with the hot store
 *   and the outbox replaced by in-memory sinks (for this measurement only: in production they are
 *   DynamoDB, whose per-call cost is I/O and SDK overhead, batched);
 * - the same, rendering every newly queued alert to its Slack Block Kit message (the Liquid
 *   templates of src/adapters/slack/). In the running system the notifier renders, once per
 *   message (digests in a storm); the benchmark counts it as the consumer's work.
 *
 * Warm-up, then alternating repeats; medians. Prints a table, then as the LAST line exactly
 * `{"events_per_s": N, "baseline_events_per_s": N}`, where events_per_s is the rendering variant.
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
import { generateOrganization } from '../pipeline/generate/organization.js';
import { renderAlert } from '../src/adapters/slack/slack-messages.js';
import { defaultAlertContext } from '../src/domain/alert-context.js';
import { type BatchSummary, createBatchHandler } from '../src/handlers/consumer.handler.js';
import { emptyBatchSummary } from '../src/use-cases/process-batch.js';
import { inMemoryDeps } from '../test/helpers/in-memory-hot-store.js';
import { kinesisEvent } from '../test/helpers/kinesis-event.js';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 30_000);
const REPEATS = Number(process.env.BENCH_REPEATS ?? 7);
const BATCH = Number(process.env.BENCH_BATCH ?? 100);
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
let rendered = 0;
/** One pass over every batch with fresh in-memory stores; `render` renders each newly queued alert. */
async function consumer(render: boolean): Promise<void> {
  const total = emptyBatchSummary();
  rendered = 0;
  const deps = inMemoryDeps(
    render
      ? {
          onEnqueue: (alert) => {
            sink += renderAlert(alert, defaultAlertContext(alert)).blocks.length;
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
  // The difference of the two medians, per rendered message: what one Slack message costs here.
  [
    'of which rendering',
    `${(((median(renderMs) - median(decideMs)) * 1000) / rendered).toFixed(1).padStart(7)} µs/alert × ${rendered} alerts (${((100 * rendered) / n).toFixed(0)}% of events)`,
  ],
];
const width = Math.max(...rows.map(([k]) => k.length));
console.log(`consumer benchmark — node ${process.version} (checksum ${sink % 10})`);
for (const [k, v] of rows) console.log(`  ${k.padEnd(width)}  ${v}`);
console.log(JSON.stringify({ events_per_s: perS, baseline_events_per_s: baselinePerS }));
