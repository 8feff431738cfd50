/**
 * `npm run bench:queries [-- --rows N --days D --runs R --seed-sample S --keep DIR]`
 *
 * 1. Generates N archived compliance events over D days (default 1,000,000 over 90) shaped like an
 *    organization: 50 accounts × 3 regions × 40 rules (a quarter deployed by a conformance pack),
 *    ~8 evaluations per (resource, rule) with consistent old/new statuses, 1 % redelivered copies.
 * 2. Writes them with the embedded archiver's writer: the rows go to its spool as the exact
 *    Firehose JSON records, and one `flush()` turns the spool into Parquet (DuckDB, ZSTD), one file
 *    per dt partition. Reports rows/s and bytes/row.
 * 3. Times compliance_summary (whole range), the daily report (daily_report, daily_top_rules and
 *    daily_top_accounts in parallel, as the report runs them; and each alone) and compliance_trend
 *    (whole range) on the embedded DuckDB engine: one warm-up, then the median of R runs.
 *    The daily report reads the compliance_daily_state rollup: building its two partitions (the
 *    day and the day before, each a pass over the history, paid once a day and again only when
 *    late events invalidate them) is timed on its own as materialize_ms, from no rollup at all,
 *    median of R runs after a warm-up; daily_ms is the report on the built rollup.
 * 4. The daily build's cost against the length of the history: two archives with the same keys
 *    (100,000 (resource, rule) pairs) and the same events per day (10,000), one of H events
 *    (--history-rows, default 1,000,000: 100 days) and one of 10 × H (1,000 days), written straight
 *    to Parquet by DuckDB. With the state of the day before in place, building the last day (its
 *    compliance_key_state, then its compliance_daily_state) is timed on each, median of R runs:
 *    `daily_build_ms` and `daily_build_ms_10x_history`; their ratio is the growth with the history.
 *    The same build from no earlier state (a pass over the whole history, what every build cost
 *    before the key state) is timed once per archive for comparison.
 * 5. Times the naive way for the summary: read every event of the range back from the hot
 *    store (dynalite, the consumer's items and key layout, every day × shard of the by-day index)
 *    and aggregate in code. A sample of S events is written and read, and the time scaled to N.
 *
 * Prints a table, then as the last line:
 *   {"rows": N, "summary_ms": N, "daily_ms": N, "trend_ms": N, "seed_style_ms": N, "materialize_ms": N,
 *    "daily_build_ms": N, "daily_build_ms_10x_history": N, "daily_build_ratio": N}
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { DuckDBInstance } from '@duckdb/node-api';
import { createEmbeddedArchiver } from '../pipeline/embedded/archiver.js';
import { startDynalite } from '../pipeline/embedded/local-services.js';
import { createDocumentClient, createDynamoClient } from '../src/adapters/aws-clients.js';
import { complianceEventsDir, dailyStateFile, keyStateFile } from '../src/adapters/duckdb/archive-layout.js';
import { DuckDbQueryEngine } from '../src/adapters/duckdb/duckdb.query-engine.js';
import { ensureTables } from '../src/adapters/dynamodb/create-tables.js';
import { EventStoreRepository } from '../src/adapters/dynamodb/event-store.repository.js';
import { DAY_SHARDS, dayShardKey } from '../src/adapters/dynamodb/keys.js';
import { EVENTS_TABLE, tableName } from '../src/adapters/dynamodb/table-definitions.js';
import { type ComplianceEventRow, previousUtcDay } from '../src/domain/archive-schema.js';
import { baseRuleName, type ComplianceChange, type ComplianceType } from '../src/domain/config-event.js';
import { DAY_MS } from '../src/domain/utc-day.js';
import type { QueryParameters } from '../src/ports/query-engine.js';
import { toArchiveRecord } from '../src/use-cases/archive-transform.js';

const { values: args } = parseArgs({
  options: {
    rows: { type: 'string', default: process.env.BENCH_ROWS ?? '1000000' },
    days: { type: 'string', default: '90' },
    runs: { type: 'string', default: '5' },
    'seed-sample': { type: 'string', default: '20000' },
    'history-rows': { type: 'string', default: '1000000' },
    keep: { type: 'string' },
  },
});
const ROWS = Number(args.rows);
const DAYS = Number(args.days);
const RUNS = Number(args.runs);
const SEED_SAMPLE = Math.min(Number(args['seed-sample']), ROWS);
const HISTORY_ROWS = Number(args['history-rows']);
for (const [name, n] of Object.entries({
  rows: ROWS,
  days: DAYS,
  runs: RUNS,
  'seed-sample': SEED_SAMPLE,
  'history-rows': HISTORY_ROWS,
})) {
  if (!Number.isSafeInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer; got ${n}`);
}

const END = Date.parse('2026-06-30T00:00:00.000Z');
const START = END - DAYS * DAY_MS;
const iso = (ms: number) => new Date(ms).toISOString();

// ---------------------------------------------------------------------------------------------
// 1. Synthetic organization
// ---------------------------------------------------------------------------------------------

let seed = 20260630;
/** Deterministic PRNG (mulberry32). */
function rnd(): number {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const pick = <T>(items: readonly T[]): T => items[Math.floor(rnd() * items.length)] as T;

const ACCOUNTS = Array.from({ length: 50 }, (_, i) => String(100_000_000_000 + i * 7_919));
const REGIONS = ['us-east-1', 'eu-west-1', 'ap-southeast-2'];
const TYPES = [
  'AWS::S3::Bucket',
  'AWS::EC2::Volume',
  'AWS::EC2::SecurityGroup',
  'AWS::IAM::Role',
  'AWS::Lambda::Function',
];
const RULES = Array.from({ length: 40 }, (_, i) => {
  const name = `managed-rule-${String(i).padStart(2, '0')}`;
  return {
    name: i % 4 === 0 ? `${name}-conformance-pack-a1b2c3d4e` : name,
    type: TYPES[i % TYPES.length] as string,
  };
});
const EVENTS_PER_KEY = 8;

/** Yields rows key by key; each key gets 1..15 evaluations at random times with a consistent status chain. */
function* organizationRows(total: number): Generator<ComplianceEventRow> {
  let produced = 0;
  let key = 0;
  while (produced < total) {
    const account = pick(ACCOUNTS);
    const region = pick(REGIONS);
    const rule = pick(RULES);
    const resourceId = `${rule.type.split('::')[2]?.toLowerCase()}-${key++}`;
    const count = Math.min(total - produced, 1 + Math.floor(rnd() * (2 * EVENTS_PER_KEY - 1)));
    const times = Array.from({ length: count }, () => START + Math.floor(rnd() * (END - START))).sort(
      (a, b) => a - b,
    );
    let previous: ComplianceType | null = null;
    for (const t of times) {
      const status: ComplianceType =
        previous === 'NON_COMPLIANT'
          ? rnd() < 0.7
            ? 'COMPLIANT'
            : 'NON_COMPLIANT'
          : rnd() < 0.25
            ? 'NON_COMPLIANT'
            : rnd() < 0.1
              ? 'NOT_APPLICABLE'
              : 'COMPLIANT';
      const eventTime = iso(t);
      yield {
        event_id: randomUUID(),
        event_time: eventTime,
        recorded_time: iso(t + 1000 + Math.floor(rnd() * 9000)),
        // One evaluation in ten is a rollout's: dated by a configuration item up to two years old.
        ordering_time: rnd() < 0.1 ? iso(t - Math.floor(rnd() * 730 * DAY_MS)) : eventTime,
        account,
        region,
        rule_name: rule.name,
        base_rule_name: baseRuleName(rule.name),
        rule_arn: `arn:aws:config:${region}:${account}:config-rule/config-rule-${rule.name.length}`,
        resource_type: rule.type,
        resource_id: resourceId,
        old_status: previous,
        new_status: status,
        annotation:
          status === 'NON_COMPLIANT' ? 'The resource does not meet the rule: see the documentation.' : null,
        notification_time: iso(t + 12_000),
        dt: eventTime.slice(0, 10),
      };
      previous = status;
      produced += 1;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// helpers
// ---------------------------------------------------------------------------------------------

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
};
const fmt = (n: number) => n.toLocaleString('en-US', { maximumFractionDigits: 1 });
const log = (line: string) => process.stderr.write(`${line}\n`);

async function timeIt(label: string, run: () => Promise<unknown>): Promise<number> {
  await run(); // warm: Parquet metadata cached, DuckDB plans the same way afterwards
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    await run();
    times.push(performance.now() - t0);
  }
  const m = median(times);
  log(
    `  ${label.padEnd(44)} median ${fmt(m).padStart(9)} ms   (runs: ${times.map((t) => fmt(t)).join(', ')})`,
  );
  return m;
}

async function main() {
  const dataDir = args.keep ?? mkdtempSync(join(tmpdir(), 'cm-bench-queries-'));
  mkdirSync(dataDir, { recursive: true });
  log(`bench:queries — ${fmt(ROWS)} events over ${DAYS} days in ${dataDir}`);

  // 1 + 2: generate into the archiver's spool (its buffer format), then flush with its writer.
  const spoolDir = join(dataDir, 'archive', '.spool');
  const buffers = new Map<string, string[]>();
  const sample: ComplianceChange[] = [];
  const sampleEvery = Math.max(1, Math.floor(ROWS / SEED_SAMPLE));
  let generated = 0;
  let spoolBytes = 0;
  let part = 0;
  const spill = (dt: string, lines: string[]) => {
    const dir = join(spoolDir, `dt=${dt}`);
    mkdirSync(dir, { recursive: true });
    const text = lines.join('');
    spoolBytes += text.length;
    writeFileSync(join(dir, `${String(part++).padStart(8, '0')}.jsonl`), text);
  };
  const t0 = performance.now();
  for (const row of organizationRows(ROWS)) {
    const record = toArchiveRecord(row);
    const lines = buffers.get(row.dt) ?? [];
    lines.push(record);
    if (rnd() < 0.01) lines.push(record); // a redelivered copy, as Kinesis/Firehose produce
    if (lines.length >= 20_000) {
      spill(row.dt, lines);
      buffers.set(row.dt, []);
    } else buffers.set(row.dt, lines);
    if (generated % sampleEvery === 0 && sample.length < SEED_SAMPLE) sample.push(toComplianceChange(row));
    generated += 1;
  }
  for (const [dt, lines] of buffers) if (lines.length > 0) spill(dt, lines);
  const generateMs = performance.now() - t0;
  log(
    `  generated ${fmt(generated)} rows (+1 % copies) as ${fmt(spoolBytes / 1e6)} MB of Firehose JSON in ${fmt(generateMs / 1000)} s`,
  );

  const archiver = createEmbeddedArchiver({ dataDir, maxFilesPerPartition: 8 });
  const t1 = performance.now();
  await archiver.flush();
  const writeMs = performance.now() - t1;
  await archiver.close();
  const tableDir = complianceEventsDir(dataDir);
  let parquetBytes = 0;
  let files = 0;
  for (const p of readdirSync(tableDir)) {
    for (const f of readdirSync(join(tableDir, p))) {
      if (!f.endsWith('.parquet')) continue;
      parquetBytes += statSync(join(tableDir, p, f)).size;
      files += 1;
    }
  }
  const writerRowsPerSecond = (archiver.stats().archivedRows / writeMs) * 1000;
  log(
    `  writer: ${fmt(archiver.stats().archivedRows)} rows in ${fmt(writeMs / 1000)} s = ${fmt(writerRowsPerSecond)} rows/s, ` +
      `${fmt(parquetBytes / archiver.stats().archivedRows)} bytes/row, ${files} files in ${readdirSync(tableDir).length} partitions`,
  );

  // 3. Saved queries on the embedded engine.
  const engine = new DuckDbQueryEngine({ dataDir });
  const run = async (name: string, params: QueryParameters) => {
    const outcome = await engine.execute(name, params);
    if (outcome.status !== 'succeeded') throw new Error(`${name} did not finish`);
    return outcome.rows;
  };
  const range = { start: iso(START), end: iso(END) };
  const day = iso(START + Math.floor(DAYS / 2) * DAY_MS).slice(0, 10);
  const [check] = await engine.runSql(
    'select count(*) as n, count(distinct event_id) as ids from compliance_events',
  );
  log(`  archive: ${fmt(Number(check?.n))} stored rows, ${fmt(Number(check?.ids))} distinct event ids`);
  log('');
  log('embedded DuckDB engine (warm, median):');
  const summaryMs = await timeIt(`compliance_summary (${DAYS} days, all accounts)`, () =>
    run('compliance_summary', range),
  );
  // The rollup the daily report reads: built from nothing for the day and the day before.
  const reportDays = [previousUtcDay(day), day];
  const materializeTimes: number[] = [];
  for (let i = 0; i <= RUNS; i++) {
    for (const d of reportDays) {
      rmSync(dailyStateFile(dataDir, d), { force: true });
      rmSync(keyStateFile(dataDir, d), { force: true });
    }
    const t = performance.now();
    const { built } = await engine.materializeDailyState(reportDays);
    if (built.length !== 2)
      throw new Error(`materialized ${built.join(', ')}; expected ${reportDays.join(', ')}`);
    if (i > 0) materializeTimes.push(performance.now() - t); // the first run warms up
  }
  const materializeMs = median(materializeTimes);
  log(
    `  ${`materialize compliance_daily_state ${reportDays.join(' + ')}`.padEnd(44)} median ${fmt(materializeMs).padStart(9)} ms   (runs: ${materializeTimes.map((t) => fmt(t)).join(', ')})`,
  );
  const dailyMs = await timeIt(`daily report ${day} (3 queries in parallel)`, () =>
    Promise.all([
      run('daily_report', { day }),
      run('daily_top_rules', { day }),
      run('daily_top_accounts', { day }),
    ]),
  );
  await timeIt('  daily_report alone', () => run('daily_report', { day }));
  await timeIt('  daily_top_rules alone', () => run('daily_top_rules', { day }));
  await timeIt('  daily_top_accounts alone', () => run('daily_top_accounts', { day }));
  const trendMs = await timeIt(`compliance_trend (${DAYS} days, all accounts)`, () =>
    run('compliance_trend', range),
  );
  await timeIt('compliance_score (now)', () => run('compliance_score', {}));
  await timeIt('compliance_summary (one account, 7 days)', () =>
    run('compliance_summary', {
      account: ACCOUNTS[0] as string,
      start: iso(END - 7 * DAY_MS),
      end: iso(END),
    }),
  );
  await engine.close();

  // 4. The daily build at 1× and 10× the history, same keys and events per day.
  log('');
  log('daily build (key state + daily state of the last day, the day before already built):');
  const history1 = await dailyBuildOnHistory(HISTORY_ROWS);
  const history10 = await dailyBuildOnHistory(HISTORY_ROWS * 10);
  const buildRatio = history10.incrementalMs / history1.incrementalMs;
  log(
    `  ratio 10× / 1× history: ${fmt(buildRatio)} (from the whole history: ${fmt(history10.fromHistoryMs / history1.fromHistoryMs)})`,
  );

  // 5. The naive way: every event of the range from the hot store, aggregated in code.
  log('');
  log(`naive (hot store on dynalite, ${fmt(sample.length)} of ${fmt(ROWS)} events, scaled):`);
  const dynalite = await startDynalite();
  const client = createDynamoClient({ endpoint: dynalite.endpoint });
  const doc = createDocumentClient({ endpoint: dynalite.endpoint });
  let seedStyleMs = 0;
  try {
    await ensureTables(client, 'bench');
    const events = tableName('bench', EVENTS_TABLE);
    const store = new EventStoreRepository(doc, events);
    const tw = performance.now();
    for (let i = 0; i < sample.length; i += 500) await store.markDone(sample.slice(i, i + 500));
    log(`  wrote the sample with the consumer's items in ${fmt((performance.now() - tw) / 1000)} s`);
    const readAndAggregate = async () => {
      const byStatus = new Map<string, number>();
      const byRule = new Map<string, number>();
      const byType = new Map<string, number>();
      const seen = new Set<string>();
      const partitions: string[] = [];
      for (let d = START; d < END; d += DAY_MS) {
        for (let s = 0; s < DAY_SHARDS; s++) partitions.push(dayShardKey(iso(d).slice(0, 10), s));
      }
      // 8 partitions at a time, as a careful reader would.
      for (let i = 0; i < partitions.length; i += 8) {
        await Promise.all(
          partitions.slice(i, i + 8).map(async (pk) => {
            let startKey: Record<string, unknown> | undefined;
            do {
              const page = await doc.send(
                new QueryCommand({
                  TableName: events,
                  IndexName: 'by-day',
                  KeyConditionExpression: 'gsi2pk = :pk',
                  ExpressionAttributeValues: { ':pk': pk },
                  ExclusiveStartKey: startKey,
                }),
              );
              for (const item of page.Items ?? []) {
                const e = item.detail as ComplianceChange;
                if (seen.has(e.eventId)) continue;
                seen.add(e.eventId);
                byStatus.set(e.newStatus, (byStatus.get(e.newStatus) ?? 0) + 1);
                byRule.set(e.ruleName, (byRule.get(e.ruleName) ?? 0) + 1);
                byType.set(e.resourceType, (byType.get(e.resourceType) ?? 0) + 1);
              }
              startKey = page.LastEvaluatedKey;
            } while (startKey);
          }),
        );
      }
      if (seen.size !== sample.length) throw new Error(`read ${seen.size} of ${sample.length} events back`);
    };
    const sampleMs = await timeIt(`read + aggregate ${fmt(sample.length)} events`, readAndAggregate);
    seedStyleMs = (sampleMs * ROWS) / sample.length;
    log(`  scaled to ${fmt(ROWS)} events: ${fmt(seedStyleMs)} ms (linear: the read is per item)`);
  } finally {
    client.destroy();
    doc.destroy();
    await dynalite.close();
  }

  log('');
  log(`| ${'measure'.padEnd(36)} |        value |`);
  log(`| ${'-'.repeat(36)} | ------------ |`);
  const rowsOut: [string, string][] = [
    ['events (rows)', fmt(ROWS)],
    ['writer rows/s', fmt(writerRowsPerSecond)],
    ['Parquet bytes/row (ZSTD)', fmt(parquetBytes / ROWS)],
    ['compliance_summary ms', fmt(summaryMs)],
    ['daily report ms (3 queries)', fmt(dailyMs)],
    ['materialize 2 days of rollup ms', fmt(materializeMs)],
    ['compliance_trend ms', fmt(trendMs)],
    [`daily build ms, ${fmt(HISTORY_ROWS)} events`, fmt(history1.incrementalMs)],
    [`daily build ms, ${fmt(HISTORY_ROWS * 10)} events`, fmt(history10.incrementalMs)],
    ['daily build ratio 10× / 1×', fmt(buildRatio)],
    ['  (from whole history, 1×)', fmt(history1.fromHistoryMs)],
    ['  (from whole history, 10×)', fmt(history10.fromHistoryMs)],
    ['seed-style summary ms (scaled)', fmt(seedStyleMs)],
    ['summary speed-up vs seed', `${fmt(seedStyleMs / summaryMs)}×`],
  ];
  for (const [k, v] of rowsOut) log(`| ${k.padEnd(36)} | ${v.padStart(12)} |`);

  if (!args.keep) rmSync(dataDir, { recursive: true, force: true });
  process.stdout.write(
    `${JSON.stringify({
      rows: ROWS,
      summary_ms: Math.round(summaryMs),
      daily_ms: Math.round(dailyMs),
      trend_ms: Math.round(trendMs),
      seed_style_ms: Math.round(seedStyleMs),
      materialize_ms: Math.round(materializeMs),
      daily_build_ms: Math.round(history1.incrementalMs),
      daily_build_ms_10x_history: Math.round(history10.incrementalMs),
      daily_build_ratio: Math.round(buildRatio * 100) / 100,
    })}\n`,
  );
}

const HISTORY_KEYS = 100_000;
const HISTORY_EVENTS_PER_DAY = 10_000;

/**
 * An archive of `total` events written straight to Parquet by DuckDB (one file per dt), over
 * total / 10,000 days ending the day before END, on 100,000 keys; then the build of its last day
 * with the state of the day before in place (median of RUNS after a warm-up), and from no state.
 */
async function dailyBuildOnHistory(total: number): Promise<{ incrementalMs: number; fromHistoryMs: number }> {
  const days = Math.ceil(total / HISTORY_EVENTS_PER_DAY);
  const dataDir = mkdtempSync(join(tmpdir(), 'cm-bench-history-'));
  const first = END - days * DAY_MS;
  const t0 = performance.now();
  const db = await DuckDBInstance.create(':memory:');
  const connection = await db.connect();
  try {
    const dir = complianceEventsDir(dataDir);
    mkdirSync(dir, { recursive: true });
    // Each event: day i / E, spread over the day; key (i × 7919) mod K, so every key recurs every
    // ~10 days and the state holds all K keys on every archive; a status chain of period 4.
    await connection.run(`
      copy (
        select
          md5(cast(i as varchar)) as event_id,
          t as event_time,
          t + interval 3 second as recorded_time,
          'acct-' || cast(k % 50 as varchar) as account,
          ['us-east-1', 'eu-west-1', 'ap-southeast-2'][1 + k % 3] as region,
          'managed-rule-' || cast(k % 40 as varchar) as rule_name,
          'managed-rule-' || cast(k % 40 as varchar) as base_rule_name,
          null::varchar as rule_arn,
          'AWS::S3::Bucket' as resource_type,
          'resource-' || cast(k as varchar) as resource_id,
          case when i % 4 = 1 then 'NON_COMPLIANT' else 'COMPLIANT' end as old_status,
          case when i % 4 = 0 then 'NON_COMPLIANT' else 'COMPLIANT' end as new_status,
          null::varchar as annotation,
          t + interval 4 second as notification_time,
          t as ordering_time,
          strftime(t, '%Y-%m-%d') as dt
        from (
          select
            i,
            (i * 7919) % ${HISTORY_KEYS} as k,
            make_timestamp(${first * 1000}::bigint)
              + to_days(cast(i // ${HISTORY_EVENTS_PER_DAY} as integer))
              + to_seconds(cast((i % ${HISTORY_EVENTS_PER_DAY}) * 8 as bigint)) as t
          from range(${total}) as r (i)
        )
      ) to '${dir}' (format parquet, compression zstd, partition_by (dt))
    `);
  } finally {
    connection.closeSync();
    db.closeSync();
  }
  const last = iso(END - DAY_MS).slice(0, 10);
  const engine = new DuckDbQueryEngine({ dataDir });
  try {
    const [check] = await engine.runSql(
      'select count(*) as n, count(distinct dt) as days from compliance_events',
    );
    log(
      `  ${fmt(Number(check?.n))} events over ${fmt(Number(check?.days))} days written in ${fmt((performance.now() - t0) / 1000)} s`,
    );
    const forget = (day: string) => {
      rmSync(dailyStateFile(dataDir, day), { force: true });
      rmSync(keyStateFile(dataDir, day), { force: true });
    };
    // From no state: the one pass over the whole history (the first build, or the old design).
    const tf = performance.now();
    await engine.materializeDailyState([previousUtcDay(last)]);
    const fromHistoryMs = performance.now() - tf;
    const [state] = await engine.runSql('select count(*) as n from compliance_key_state where dt = ?', [
      previousUtcDay(last),
    ]);
    const times: number[] = [];
    for (let i = 0; i <= RUNS; i++) {
      forget(last);
      const t = performance.now();
      const { built } = await engine.materializeDailyState([last]);
      if (built.length !== 1) throw new Error(`built ${built.join(', ')}; expected ${last}`);
      if (i > 0) times.push(performance.now() - t);
    }
    const incrementalMs = median(times);
    log(
      `  ${`${fmt(total)} events, state ${fmt(Number(state?.n))} keys`.padEnd(44)} median ${fmt(incrementalMs).padStart(9)} ms   (runs: ${times.map((t) => fmt(t)).join(', ')}); from the history ${fmt(fromHistoryMs)} ms`,
    );
    return { incrementalMs, fromHistoryMs };
  } finally {
    await engine.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** The domain event a row came from, as the consumer stores it in the hot store. */
function toComplianceChange(row: ComplianceEventRow): ComplianceChange {
  return {
    kind: 'compliance-change',
    eventId: row.event_id,
    eventTime: row.event_time,
    account: row.account as string,
    region: row.region as string,
    source: 'aws.config',
    detailType: 'Config Rules Compliance Change',
    resourceType: row.resource_type as string,
    resourceId: row.resource_id as string,
    ruleName: row.rule_name as string,
    ruleArn: row.rule_arn,
    newStatus: row.new_status as ComplianceType,
    oldStatus: row.old_status as ComplianceType | null,
    annotation: row.annotation,
    orderingTimestamp: row.event_time,
    recordedTime: row.recorded_time as string,
    notificationTime: row.notification_time,
    reconciliation: null,
  };
}

await main();
