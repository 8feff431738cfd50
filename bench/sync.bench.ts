/**
 * `npm run bench:sync [-- --results N --seed S]`: a baseline `sync` of N aggregator results
 * (default 100,000; BENCH_RESULTS) on the embedded stack, as `config-monitor sync` runs it on the
 * day config-monitor meets an organization (issue 10: "a baseline sync of 500,000 results finishes
 * in under 5 minutes locally").
 *
 * 1. A child process generates the organization's current compliance with the project's generator
 *    (pipeline/generate: `generateDeployment`, the demo's source; 3 regions, N/5,000 accounts, the
 *    resources per account scaled up until there are N results, then cut to N) and serves it from
 *    the AWS Config aggregator stand-in (pipeline/embedded/config-aggregator-stand-in.ts: the
 *    JSON 1.1 protocol, paging by 100 as AWS does). In a child, so that the generator's memory and
 *    the stand-in's serving are not in this process's peak RSS (they still share the 2 cores).
 * 2. This process starts the embedded stack on a fresh data directory (no Slack: the outbox
 *    folder) and runs exactly what `config-monitor sync --aggregator NAME` runs (`syncIntoStack`):
 *    the reconciler reads every rule's results with the real ConfigServiceClient, publishes the
 *    baseline records into the stream, and the consumer and archiver process them.
 * 3. Counts DynamoDB requests and Kinesis calls at the SDK clients (bench/request-meter.ts).
 *
 * The machine is shared (2 cores): the load average is printed at the start and the end. Prints a
 * table, then as the LAST line:
 *   {"results":N,"seconds":N,"results_per_s":N,"ddb_requests_per_result":N,"rss_mb":N}
 */
// The SDK's once-per-process notice about Node 22 (its documented switch), before any client exists.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { startEmbeddedStack } from '../pipeline/embedded/stack.js';
import { syncIntoStack } from '../pipeline/embedded/sync.js';
import { generateDeployment } from '../pipeline/generate/organization.js';
import { createConfigServiceClient } from '../src/adapters/config/aggregator.compliance-source.js';
import { TABLES, type TableDefinition, tableName } from '../src/adapters/dynamodb/table-definitions.js';
import { createDynamoMeter, createKinesisMeter, type DynamoCounts } from './request-meter.js';

const { values: args } = parseArgs({
  options: {
    results: { type: 'string', default: process.env.BENCH_RESULTS ?? '100000' },
    seed: { type: 'string', default: '1' },
    /** Internal: the child process that serves the aggregator stand-in. */
    serve: { type: 'boolean', default: false },
  },
});
const RESULTS = Number(args.results);
const SEED = Number(args.seed);
for (const [name, n] of Object.entries({ results: RESULTS, seed: SEED })) {
  if (!Number.isSafeInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer; got ${n}`);
}
const AGGREGATOR = 'bench-aggregator';

// ---------------------------------------------------------------------------------------------
// Child: the organization's current compliance, served by the aggregator stand-in
// ---------------------------------------------------------------------------------------------

if (args.serve) {
  const { startConfigAggregatorStandIn } = await import('../pipeline/embedded/config-aggregator-stand-in.js');
  const accounts = Math.max(1, Math.round(RESULTS / 5_000));
  const deploy = (scale: number) =>
    generateDeployment({
      accounts,
      scale,
      regions: 3,
      days: 1,
      end: '2026-11-20',
      seed: SEED,
      changeRate: 0,
    });
  // Results grow about linearly with the scale: jump near, then step.
  let scale = 1;
  let deployment = deploy(scale);
  while (deployment.aggregator.results.length < RESULTS) {
    const next = Math.max(scale + 1, Math.ceil((scale * RESULTS) / deployment.aggregator.results.length));
    scale = next;
    deployment = deploy(scale);
  }
  const results = deployment.aggregator.results.slice(0, RESULTS);
  const standIn = await startConfigAggregatorStandIn({
    aggregatorName: AGGREGATOR,
    results,
    sources: deployment.aggregator.sources,
  });
  process.stdout.write(
    `${JSON.stringify({ endpoint: standIn.endpoint, accounts, scale, results: results.length, sources: deployment.aggregator.sources.length })}\n`,
  );
  // Serve until the parent closes stdin.
  process.stdin.resume();
  process.stdin.once('end', () => void standIn.close().then(() => process.exit(0)));
} else {
  await main();
}

// ---------------------------------------------------------------------------------------------
// Parent: the sync
// ---------------------------------------------------------------------------------------------

interface Served {
  readonly endpoint: string;
  readonly accounts: number;
  readonly scale: number;
  readonly results: number;
  readonly sources: number;
}

function serveInChild(): Promise<{ served: Served; stop: () => void }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        ...process.execArgv,
        fileURLToPath(import.meta.url),
        '--serve',
        '--results',
        String(RESULTS),
        '--seed',
        String(SEED),
      ],
      { stdio: ['pipe', 'pipe', 'inherit'] },
    );
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`the stand-in exited with ${code} before serving`)));
    createInterface({ input: child.stdout }).once('line', (line) => {
      child.removeAllListeners('exit');
      resolve({ served: JSON.parse(line) as Served, stop: () => child.stdin.end() });
    });
  });
}

async function main(): Promise<void> {
  const loadBefore = loadavg();
  const { served, stop } = await serveInChild();
  const root = mkdtempSync(join(tmpdir(), 'config-monitor-sync-'));
  const quiet = {
    debug: () => undefined,
    info: () => undefined,
    warn: (m: string, e?: Record<string, unknown>) =>
      process.stderr.write(`[warn] ${m}${e ? ` ${JSON.stringify(e)}` : ''}\n`),
    error: (m: string, e?: Record<string, unknown>) =>
      process.stderr.write(`[error] ${m}${e ? ` ${JSON.stringify(e)}` : ''}\n`),
  };
  const stack = await startEmbeddedStack({
    dataDir: join(root, 'data'),
    slackWebhookUrl: null,
    logger: quiet,
  });
  const definitions = new Map<string, TableDefinition>(
    TABLES.map((definition) => [tableName(stack.tablePrefix, definition), definition]),
  );
  const ddbMeter = createDynamoMeter((name) => definitions.get(name));
  ddbMeter.attach(stack.doc);
  ddbMeter.attach(stack.dynamo);
  const kinesisMeter = createKinesisMeter();
  kinesisMeter.attach(stack.kinesis);
  const client = createConfigServiceClient({
    endpoint: served.endpoint,
    region: stack.region,
    credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' },
  });

  let start = 0;
  const since = () => performance.now() - start;
  const times = { read: 0, consumer: 0, whole: 0 };
  const unsubscribe = stack.onBatch(() => {
    times.consumer = since();
  });
  const cpuBefore = process.cpuUsage();
  start = performance.now();
  let result: Awaited<ReturnType<typeof syncIntoStack>>;
  try {
    result = await syncIntoStack(stack, {
      aggregatorName: AGGREGATOR,
      client,
      onProgress: ({ rulesDone, rulesTotal }) => {
        if (rulesDone === rulesTotal) times.read = since();
      },
    });
  } finally {
    times.whole = since();
    unsubscribe();
    client.destroy();
    stop();
  }
  const cpu = process.cpuUsage(cpuBefore);
  const ddb = ddbMeter.snapshot();
  const kin = kinesisMeter.snapshot();
  const maxRssMb = process.resourceUsage().maxRSS / 1024;
  await stack.close();
  rmSync(root, { recursive: true, force: true });
  const loadAfter = loadavg();

  const { report, summary } = result;
  const n = report.results;
  const perS = (ms: number) => (ms > 0 ? n / (ms / 1000) : 0);
  const fmtRate = (r: number) => `${Math.round(r).toLocaleString('en-US').padStart(7)} results/s`;
  const fmtS = (ms: number) => `${(ms / 1000).toFixed(1).padStart(6)} s`;
  const per = (count: number) => (count / n).toFixed(3);
  const calls = (counts: DynamoCounts) =>
    Object.entries(counts.operations)
      .sort(([, a], [, b]) => b.attempts - a.attempts)
      .map(([op, c]) => `${op} ${per(c.attempts)}`)
      .join(', ');
  const rows: [string, string][] = [
    [
      'organization',
      `${n.toLocaleString('en-US')} results of ${served.accounts} accounts × 3 regions (resources × ${served.scale}), ${served.sources} sources, ${report.rules.toLocaleString('en-US')} (rule, account, region) scopes`,
    ],
    [
      'outcome',
      `baseline ${report.baseline}, applied ${report.applied}, unchanged ${report.unchanged}, stale ${report.stale}; alerts: ${summary.alerts.violations} violations, ${summary.alerts.resolved} resolved, ${summary.alerts.messages} messages`,
    ],
    [
      'machine',
      `${cpus().length} cores, node ${process.version}, load average ${loadBefore[0]!.toFixed(2)} at the start, ${loadAfter[0]!.toFixed(2)} at the end (shared: noisy)`,
    ],
    ['stage (from the sync start)', '  done at     rate'],
    ['  results read and published', `${fmtS(times.read)} ${fmtRate(perS(times.read))}`],
    ['  consumer (state, claims)', `${fmtS(times.consumer)} ${fmtRate(perS(times.consumer))}`],
    ['  whole (archived, summary posted)', `${fmtS(times.whole)} ${fmtRate(perS(times.whole))}`],
    [
      'CPU (this process)',
      `${((cpu.user + cpu.system) / 1e6).toFixed(1)} s of all its threads, ${((cpu.user + cpu.system) / n).toFixed(0)} µs per result (the stand-in's serving is in the child)`,
    ],
    ['DynamoDB requests / result', `${per(ddb.requests)}: ${calls(ddb)}`],
    ['Kinesis calls / result', `${per(kin.requests)}`],
    ['peak RSS', `${maxRssMb.toFixed(0)} MB (maxRSS of this process, worker threads included)`],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  console.log('baseline sync benchmark — config-monitor sync on the embedded stack');
  for (const [k, v] of rows) console.log(`  ${k.padEnd(width)}  ${v}`);
  console.log(
    JSON.stringify({
      results: n,
      seconds: Number((times.whole / 1000).toFixed(1)),
      results_per_s: Math.round(perS(times.whole)),
      ddb_requests_per_result: Number((ddb.requests / n).toFixed(3)),
      rss_mb: Math.round(maxRssMb),
    }),
  );
}
