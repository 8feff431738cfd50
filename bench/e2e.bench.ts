/**
 * `npm run bench:e2e [-- --events N --keep DIR --seed S]`: the embedded stack end to end.
 *
 * 1. Generates an organization of N events (default 50,000; BENCH_EVENTS) in a child process, so
 *    that the generator's memory is not in this process's peak RSS: the project's generator
 *    (pipeline/generate, as `config-monitor generate`), 3 regions over 90 days, as many accounts as
 *    it takes to reach N, 1 % redeliveries (same id), 1 % late events, and a storm of N/25
 *    resources turned NON_COMPLIANT within minutes. The oldest events beyond N are dropped, so
 *    the storm and the latest days stay whole. Written as JSON Lines.
 * 2. Starts the embedded stack on a fresh data directory, no Slack (the outbox folder), and runs
 *    exactly what `config-monitor ingest FILE` runs: the file streamed through `readIngestRecords`
 *    into `stack.ingest` (EventBridge pattern → PutRecords → consumer and archiver pollers → hot
 *    store, outbox, Parquet → alert delivery). Times each stage from the start of the ingest:
 *    ingest → stream (every PutRecords answered), consumer (its last batch), archiver (its last
 *    batch spooled, then the Parquet commit) and the whole (alerts delivered). The stages overlap:
 *    each one's events/s is N over the time it finished at.
 * 3. Counts at the SDK clients (bench/request-meter.ts): DynamoDB requests per operation and the
 *    ConsumedCapacity dynalite returns (write units of failed conditional writes and of global
 *    secondary indexes, which dynalite does not report, computed by DynamoDB's documented rule
 *    from the request items and shown apart); Kinesis calls. Peak RSS: the process's maxRSS, worker
 *    threads (kinesalite, dynalite) included.
 * 4. The ceiling, in the same run, on fresh servers in worker threads like the stack's: dynalite
 *    BatchWriteItem of the very items the pipeline left in its three tables (25 a call, 4 calls in
 *    flight: batchWriteAll), and kinesalite PutRecords (500 a call, one in flight, as ingest) and
 *    GetRecords (every shard at once, 100 a call, as the pollers) of the very records ingest put.
 *    And as many conditional PutItems as the pipeline made (`attribute_not_exists(pk)`, of the
 *    same items, 16 in flight), with the CPU each costs: the single-item conditional writes (the id
 *    claim, the state, the alert) are what bounds the pipeline, since DynamoDB's BatchWriteItem
 *    takes no condition. The ratios say how close to its parts the pipeline runs.
 *
 * The machine is shared (2 cores): the load average is printed at the start and the end; compare
 * runs only at a low load. Prints a table, then as the LAST line:
 *   {"events":N,"events_per_s":N,"ddb_requests_per_event":N,"ddb_wcu_per_event":N,"rss_mb":N}
 * where ddb_wcu_per_event is the write units AWS would bill: dynalite's reported table units plus
 * the computed failed-condition and index units.
 */
// The SDK's once-per-process notice about Node 22 (its documented switch), before any client exists.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

import { spawn } from 'node:child_process';
import { createReadStream, createWriteStream, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import {
  CreateStreamCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type KinesisClient,
  ListShardsCommand,
  PutRecordsCommand,
  waitUntilStreamExists,
} from '@aws-sdk/client-kinesis';
import { type DynamoDBDocumentClient, PutCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { readIngestRecords } from '../pipeline/cli/commands/ingest.js';
import { startServiceThread } from '../pipeline/embedded/service-threads.js';
import {
  admit,
  type EmbeddedStack,
  type IngestProgress,
  type StreamRecord,
  startEmbeddedStack,
} from '../pipeline/embedded/stack.js';
import { generateOrganization } from '../pipeline/generate/organization.js';
import {
  createDocumentClient,
  createDynamoClient,
  createKinesisClient,
} from '../src/adapters/aws-clients.js';
import { batchWriteAll, forEachLimited } from '../src/adapters/dynamodb/batch-write.js';
import { ensureTables } from '../src/adapters/dynamodb/create-tables.js';
import { TABLES, type TableDefinition, tableName } from '../src/adapters/dynamodb/table-definitions.js';
import {
  billedWcu,
  createDynamoMeter,
  createKinesisMeter,
  type DynamoCounts,
  type KinesisCounts,
} from './request-meter.js';

const { values: args } = parseArgs({
  options: {
    events: { type: 'string', default: process.env.BENCH_EVENTS ?? '50000' },
    seed: { type: 'string', default: '1' },
    keep: { type: 'string' },
    /** Internal: the child process that writes the events file. */
    'generate-into': { type: 'string' },
  },
});
const EVENTS = Number(args.events);
const SEED = Number(args.seed);
for (const [name, n] of Object.entries({ events: EVENTS, seed: SEED })) {
  if (!Number.isSafeInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer; got ${n}`);
}
const REGIONS = 3;
const BASE = {
  regions: REGIONS,
  days: 90,
  end: '2026-11-20',
  seed: SEED,
  redeliveries: 0.01,
  late: 0.01,
  storm: Math.max(1, Math.round(EVENTS / 25)),
};

// ---------------------------------------------------------------------------------------------
// Child: generate the events file
// ---------------------------------------------------------------------------------------------

function countEvents(accounts: number): number {
  let n = 0;
  for (const _ of generateOrganization({ ...BASE, accounts })) n++;
  return n;
}

/** The fewest accounts whose organization has at least N events. */
function accountsFor(events: number): { accounts: number; total: number } {
  let accounts = Math.max(1, Math.round(events / (500 * REGIONS)));
  let total = countEvents(accounts);
  // Linear in the accounts, roughly: jump near, then step.
  while (total < events) {
    accounts = Math.max(accounts + 1, Math.ceil((accounts * events) / total));
    total = countEvents(accounts);
  }
  while (accounts > 1) {
    const fewer = countEvents(accounts - 1);
    if (fewer < events) break;
    accounts -= 1;
    total = fewer;
  }
  return { accounts, total };
}

async function generateInto(path: string): Promise<void> {
  const { accounts, total } = accountsFor(EVENTS);
  const skip = total - EVENTS;
  const out = createWriteStream(path);
  let i = 0;
  for (const event of generateOrganization({ ...BASE, accounts })) {
    if (i++ < skip) continue;
    if (!out.write(`${JSON.stringify(event)}\n`))
      await new Promise<void>((r) => out.once('drain', () => r()));
  }
  await new Promise<void>((resolve, reject) =>
    out.end((err?: Error | null) => (err ? reject(err) : resolve())),
  );
  process.stdout.write(JSON.stringify({ accounts, total, skipped: skip }));
}

if (args['generate-into']) {
  await generateInto(args['generate-into']);
  process.exit(0);
}

// ---------------------------------------------------------------------------------------------
// Parent: the run
// ---------------------------------------------------------------------------------------------

function generateInChild(path: string): Promise<{ accounts: number; total: number; skipped: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        ...process.execArgv,
        fileURLToPath(import.meta.url),
        '--generate-into',
        path,
        '--events',
        String(EVENTS),
        '--seed',
        String(SEED),
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString('utf8');
    });
    child.once('error', reject);
    child.once('exit', (code) => {
      if (code !== 0) return reject(new Error(`the generator exited with ${code}`));
      resolve(JSON.parse(out) as { accounts: number; total: number; skipped: number });
    });
  });
}

// An exit before the result line says where it happened: tsx ends a process whose event loop
// emptied under a pending top-level await with code 13 and no message at all.
let phase = 'generating the events';
let finished = false;
process.on('exit', (code) => {
  if (!finished)
    process.stderr.write(`bench:e2e ended with code ${code} while ${phase}, before its result\n`);
});

const root = args.keep ?? mkdtempSync(join(tmpdir(), 'config-monitor-e2e-'));
mkdirSync(root, { recursive: true });
const file = join(root, 'events.jsonl');
const loadBefore = loadavg();
const generated = await generateInChild(file);
const fileBytes = statSync(file).size;

const quiet = {
  debug: () => undefined,
  info: () => undefined,
  warn: (m: string, e?: Record<string, unknown>) =>
    process.stderr.write(`[warn] ${m}${e ? ` ${JSON.stringify(e)}` : ''}\n`),
  error: (m: string, e?: Record<string, unknown>) =>
    process.stderr.write(`[error] ${m}${e ? ` ${JSON.stringify(e)}` : ''}\n`),
};
let messageFiles = 0;
const dataDir = join(root, 'data');
rmSync(dataDir, { recursive: true, force: true });
phase = 'starting the stack';
const stack = await startEmbeddedStack({
  dataDir,
  slackWebhookUrl: null,
  logger: quiet,
  messageLog: () => {
    messageFiles++;
  },
});

const definitions = new Map<string, TableDefinition>(
  TABLES.map((definition) => [tableName(stack.tablePrefix, definition), definition]),
);
const ddbMeter = createDynamoMeter((name) => definitions.get(name));
ddbMeter.attach(stack.doc);
ddbMeter.attach(stack.dynamo);
const kinesisMeter = createKinesisMeter();
kinesisMeter.attach(stack.kinesis);

// Timeline of the ingest, ms from its start.
const times = { stream: 0, consumer: 0, archiverSpooled: 0, archived: 0, whole: 0 };
let archiverRecords = 0;
let rssPeakSampled = 0;
let start = 0;
const since = () => performance.now() - start;
const unsubscribe = stack.onBatch(() => {
  times.consumer = since();
});
const sampler = setInterval(() => {
  const records = stack.status().archiver.records;
  if (records !== archiverRecords) {
    archiverRecords = records;
    times.archiverSpooled = since();
  }
  rssPeakSampled = Math.max(rssPeakSampled, process.memoryUsage.rss());
}, 100);
const onProgress = (progress: IngestProgress) => {
  if (progress.phase === 'sending') times.stream = since();
  else if (progress.phase === 'archiving') times.archived = since();
};

ddbMeter.reset();
kinesisMeter.reset();
const cpuBefore = process.cpuUsage();
start = performance.now();
phase = 'ingesting';
const report = await stack.ingest(readIngestRecords(createReadStream(file)), { onProgress });
times.whole = since();
const cpu = process.cpuUsage(cpuBefore);
clearInterval(sampler);
unsubscribe();
const ddb = ddbMeter.snapshot();
const kin = kinesisMeter.snapshot();
const maxRssMb = process.resourceUsage().maxRSS / 1024;
rssPeakSampled = Math.max(rssPeakSampled, process.memoryUsage.rss());

// The items the pipeline left, for the dynalite ceiling.
phase = 'reading the tables back';
const scanned = await scanTables(stack);
phase = 'closing the stack';
await stack.close();

// ---------------------------------------------------------------------------------------------
// The ceiling: the parts alone, same items and records
// ---------------------------------------------------------------------------------------------

async function scanTables(s: EmbeddedStack): Promise<Map<TableDefinition, Record<string, unknown>[]>> {
  const doc = createDocumentClient({ endpoint: s.endpoints.dynamodb, region: s.region });
  const out = new Map<TableDefinition, Record<string, unknown>[]>();
  try {
    for (const [name, definition] of definitions) {
      const items: Record<string, unknown>[] = [];
      let startKey: Record<string, unknown> | undefined;
      do {
        const page = await doc.send(new ScanCommand({ TableName: name, ExclusiveStartKey: startKey }));
        items.push(...(page.Items ?? []));
        startKey = page.LastEvaluatedKey;
      } while (startKey);
      out.set(definition, items);
    }
  } finally {
    doc.destroy();
  }
  return out;
}

async function dynaliteCeiling(
  items: Map<TableDefinition, Record<string, unknown>[]>,
  conditionalPuts: number,
) {
  const service = await startServiceThread('dynalite', join(root, 'ceiling', 'dynamodb'));
  const client = createDynamoClient({ endpoint: service.endpoint });
  const doc: DynamoDBDocumentClient = createDocumentClient({ endpoint: service.endpoint });
  try {
    await ensureTables(client, 'ceiling');
    let count = 0;
    const began = performance.now();
    for (const [definition, list] of items) {
      const { unprocessed } = await batchWriteAll(
        doc,
        tableName('ceiling', definition),
        list.map((Item) => ({ PutRequest: { Item } })),
      );
      if (unprocessed.length > 0) throw new Error(`${unprocessed.length} items left unprocessed`);
      count += list.length;
    }
    const batchMs = performance.now() - began;
    // The pipeline's single-item conditional writes (the id claim, the state, the alert): as many
    // PutItems as it made, of its own items, each `attribute_not_exists(pk)` on a fresh table (a
    // new table set per pass over the items), 16 in flight (the state and resource repositories'
    // concurrency; claims put 32).
    const puts: { TableName: string; Item: Record<string, unknown> }[] = [];
    for (let pass = 0; puts.length < conditionalPuts && count > 0; pass++) {
      await ensureTables(client, `put${pass}`);
      for (const [definition, list] of items) {
        for (const Item of list) {
          if (puts.length >= conditionalPuts) break;
          puts.push({ TableName: tableName(`put${pass}`, definition), Item });
        }
      }
    }
    const putCpu = process.cpuUsage();
    const putBegan = performance.now();
    await forEachLimited(puts, 16, async (put) => {
      await doc.send(new PutCommand({ ...put, ConditionExpression: 'attribute_not_exists(pk)' }));
    });
    const putMs = performance.now() - putBegan;
    const putCpuUs = ((c) => c.user + c.system)(process.cpuUsage(putCpu));
    return { items: count, ms: batchMs, puts: puts.length, putMs, putCpuUs };
  } finally {
    client.destroy();
    doc.destroy();
    await service.close();
  }
}

async function streamRecords(): Promise<StreamRecord[]> {
  const records: StreamRecord[] = [];
  for await (const record of readIngestRecords(createReadStream(file))) {
    const outcome = admit(record);
    if (outcome.status === 'publish') records.push(outcome.record);
  }
  return records;
}

async function kinesaliteCeiling(records: readonly StreamRecord[], shards: number) {
  const service = await startServiceThread('kinesalite', join(root, 'ceiling', 'kinesis'));
  const kinesis: KinesisClient = createKinesisClient({ endpoint: service.endpoint });
  const StreamName = 'ceiling';
  try {
    await kinesis.send(new CreateStreamCommand({ StreamName, ShardCount: shards }));
    await waitUntilStreamExists({ client: kinesis, maxWaitTime: 60, minDelay: 0.05 }, { StreamName });
    const expected = new Map<string, number>();
    let putCalls = 0;
    const putBegan = performance.now();
    for (let i = 0; i < records.length; i += 500) {
      const output = await kinesis.send(
        new PutRecordsCommand({
          StreamName,
          Records: records
            .slice(i, i + 500)
            .map((r) => ({ Data: Buffer.from(r.data), PartitionKey: r.partitionKey })),
        }),
      );
      putCalls++;
      if (output.FailedRecordCount) throw new Error(`${output.FailedRecordCount} records refused`);
      for (const r of output.Records ?? []) expected.set(r.ShardId!, (expected.get(r.ShardId!) ?? 0) + 1);
    }
    const putMs = performance.now() - putBegan;

    const listed = (await kinesis.send(new ListShardsCommand({ StreamName }))).Shards ?? [];
    let getCalls = 0;
    const getBegan = performance.now();
    await Promise.all(
      listed.map(async ({ ShardId }) => {
        let iterator = (
          await kinesis.send(
            new GetShardIteratorCommand({ StreamName, ShardId, ShardIteratorType: 'TRIM_HORIZON' }),
          )
        ).ShardIterator;
        let read = 0;
        const want = expected.get(ShardId!) ?? 0;
        while (read < want && iterator) {
          const output = await kinesis.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 100 }));
          getCalls++;
          read += output.Records?.length ?? 0;
          iterator = output.NextShardIterator;
        }
      }),
    );
    const getMs = performance.now() - getBegan;
    return { records: records.length, putMs, putCalls, getMs, getCalls };
  } finally {
    kinesis.destroy();
    await service.close();
  }
}

phase = 'measuring the dynalite ceiling';
const dynamoCeiling = await dynaliteCeiling(scanned, ddb.operations.PutItem?.attempts ?? 0);
scanned.clear();
const records = await streamRecords();
phase = 'measuring the kinesalite ceiling';
const kinesisCeiling = await kinesaliteCeiling(records, 4);
const loadAfter = loadavg();
if (!args.keep) rmSync(root, { recursive: true, force: true });

// ---------------------------------------------------------------------------------------------
// Report
// ---------------------------------------------------------------------------------------------

const n = report.summary.received;
const perS = (ms: number) => (ms > 0 ? n / (ms / 1000) : 0);
const fmtRate = (r: number) => `${Math.round(r).toLocaleString('en-US').padStart(7)} events/s`;
const fmtS = (ms: number) => `${(ms / 1000).toFixed(1).padStart(6)} s`;
const per = (count: number) => (count / n).toFixed(3);
const sumCalls = (counts: DynamoCounts | KinesisCounts) =>
  Object.entries(counts.operations)
    .sort(([, a], [, b]) => b.attempts - a.attempts)
    .map(([op, c]) => {
      const errors = Object.entries(c.errors)
        .map(([e, k]) => `${k} ${e.replace(/Exception$/, '')}`)
        .join(', ');
      return `${op} ${per(c.attempts)}${errors ? ` (${errors})` : ''}`;
    })
    .join(', ');
const ceilingDdbPerS = perS(dynamoCeiling.ms);
const ceilingPutItemPerS = perS(dynamoCeiling.putMs);
const ceilingPutPerS = perS(kinesisCeiling.putMs);
const ceilingGetPerS = perS(kinesisCeiling.getMs);
const wholePerS = perS(times.whole);
const s = report.summary;
const ddbWcu = billedWcu(ddb);
const putWcu = (ddb.reportedWcuByOperation.PutItem ?? 0) + (ddb.reportedWcuByOperation.BatchWriteItem ?? 0);

const rows: [string, string][] = [
  [
    'input',
    `${n.toLocaleString('en-US')} events, ${(fileBytes / n).toFixed(0)} B average (${generated.accounts} accounts × ${REGIONS} regions × 90 days, storm ${BASE.storm}, 1 % redelivered, 1 % late; oldest ${generated.skipped} of ${generated.total} dropped)`,
  ],
  [
    'outcomes',
    `accepted ${s.accepted} (stale ${s.stale}), duplicates ${s.duplicates}, skipped ${s.skipped}, rejected ${s.rejected}; alerts: ${s.alerts.violations} violations, ${s.alerts.resolved} resolved → ${s.alerts.messages} messages (${messageFiles} outbox files), ${report.pendingAlerts} pending`,
  ],
  [
    'machine',
    `${cpus().length} cores, node ${process.version}, load average ${loadBefore[0]!.toFixed(2)} at the start, ${loadAfter[0]!.toFixed(2)} at the end (shared: noisy)`,
  ],
  ['stage (from the ingest start)', '  done at     rate'],
  ['  ingest → stream (PutRecords)', `${fmtS(times.stream)} ${fmtRate(perS(times.stream))}`],
  ['  consumer (hot store, outbox)', `${fmtS(times.consumer)} ${fmtRate(perS(times.consumer))}`],
  [
    '  archiver (spooled / Parquet)',
    `${fmtS(times.archiverSpooled)} ${fmtRate(perS(times.archiverSpooled))}  / ${fmtS(times.archived)} ${fmtRate(perS(times.archived))} (committed once both consumers are done)`,
  ],
  [
    '  whole (alerts delivered)',
    `${fmtS(times.whole)} ${fmtRate(wholePerS)}  (of which the drain of ${s.alerts.violations + s.alerts.resolved} alerts into ${s.alerts.messages} messages ${fmtS(times.whole - times.archived).trim()})`,
  ],
  [
    'CPU',
    `${((cpu.user + cpu.system) / 1e6).toFixed(1)} s of all threads (${((cpu.user + cpu.system) / 1000 / times.whole).toFixed(2)} cores busy on average), ${((cpu.user + cpu.system) / n).toFixed(0)} µs per event, ${((cpu.user + cpu.system) / 1000 / (ddb.requests + kin.requests)).toFixed(2)} ms per AWS request`,
  ],
  [
    'DynamoDB requests / event',
    `${per(ddb.requests)} (${ddb.calls} calls, ${ddb.requests} HTTP requests): ${sumCalls(ddb)}`,
  ],
  [
    'DynamoDB WCU / event',
    `${per(ddbWcu)} billed = ${per(ddb.reportedWcu)} tables (dynalite's ConsumedCapacity, counted) + ${per(ddb.indexWcu)} GSIs + ${per(ddb.failedConditionWcu)} failed conditional writes (both computed by DynamoDB's documented rules from the request items; dynalite reports neither)`,
  ],
  [
    '  check, RCU',
    `puts (PutItem, BatchWriteItem): dynalite ${per(putWcu)}, the documented rule on the new items ${per(ddb.ruleWcu)} (dynalite bills the larger of the old and new item); RCU ${per(ddb.reportedRcu)} per event (counted)${ddb.missingCapacity ? `; ${ddb.missingCapacity} answers without ConsumedCapacity` : ''}`,
  ],
  [
    '  items written / event',
    Object.entries(ddb.itemsWritten)
      .map(([table, k]) => `${table} ${per(k)}`)
      .join(', '),
  ],
  [
    'Kinesis calls / event',
    `${per(kin.requests)}: ${sumCalls(kin)}; ${kin.emptyGets} empty GetRecords; put ${kin.recordsPut} records (${(kin.bytesPut / 1e6).toFixed(1)} MB), got ${kin.recordsGot} (both consumers)`,
  ],
  [
    'peak RSS',
    `${maxRssMb.toFixed(0)} MB (maxRSS, worker threads included; sampled peak ${(rssPeakSampled / 1048576).toFixed(0)} MB)`,
  ],
  ['ceiling (same run, fresh servers)', ''],
  [
    '  dynalite BatchWriteItem',
    `${dynamoCeiling.items} items (${(dynamoCeiling.items / n).toFixed(2)} per event) in ${fmtS(dynamoCeiling.ms)}: ${Math.round(dynamoCeiling.items / (dynamoCeiling.ms / 1000)).toLocaleString('en-US')} items/s = ${fmtRate(ceilingDdbPerS)}; whole ÷ ceiling ${(wholePerS / ceilingDdbPerS).toFixed(2)}, consumer ÷ ceiling ${(perS(times.consumer) / ceilingDdbPerS).toFixed(2)}`,
  ],
  [
    '  dynalite PutItem, conditional',
    `${dynamoCeiling.puts} puts (as many as the pipeline's, ${(dynamoCeiling.puts / n).toFixed(2)} per event; 16 in flight) in ${fmtS(dynamoCeiling.putMs)}: ${Math.round(dynamoCeiling.puts / (dynamoCeiling.putMs / 1000)).toLocaleString('en-US')} puts/s, ${(dynamoCeiling.putCpuUs / dynamoCeiling.puts / 1000).toFixed(2)} ms of CPU each (SDK client + dynalite) = ${fmtRate(ceilingPutItemPerS)} for the puts alone; whole ÷ it ${(wholePerS / ceilingPutItemPerS).toFixed(2)}`,
  ],
  [
    '  kinesalite PutRecords',
    `${kinesisCeiling.records} records, ${kinesisCeiling.putCalls} calls in ${fmtS(kinesisCeiling.putMs)}: ${fmtRate(ceilingPutPerS)}; ingest → stream ÷ ceiling ${(perS(times.stream) / ceilingPutPerS).toFixed(2)}`,
  ],
  [
    '  kinesalite GetRecords',
    `${kinesisCeiling.getCalls} calls (4 shards at once, 100 a call) in ${fmtS(kinesisCeiling.getMs)}: ${fmtRate(ceilingGetPerS)}; consumer ÷ ceiling ${(perS(times.consumer) / ceilingGetPerS).toFixed(2)}`,
  ],
];

const width = Math.max(...rows.map(([k]) => k.length));
console.log('end-to-end benchmark — config-monitor ingest on the embedded stack');
for (const [k, v] of rows) console.log(`  ${k.padEnd(width)}  ${v}`);
const round = (x: number, digits: number) => Number(x.toFixed(digits));
finished = true;
console.log(
  JSON.stringify({
    events: n,
    events_per_s: Math.round(wholePerS),
    ddb_requests_per_event: round(ddb.requests / n, 3),
    ddb_wcu_per_event: round(ddbWcu / n, 3),
    rss_mb: Math.round(maxRssMb),
  }),
);
