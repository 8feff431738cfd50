/**
 * `/compliance/summary` and the daily report over a generated organization (storm, redeliveries,
 * late arrivals) archived as Parquet by the embedded archiver and queried on DuckDB, against a plain
 * reference computation of the archive semantics (test/helpers/reference-semantics.ts).
 */
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../pipeline/cli/main.js';
import { createEmbeddedArchiver } from '../../pipeline/embedded/archiver.js';
import { startServiceThread } from '../../pipeline/embedded/service-threads.js';
import { dataDirLayout, writeStackEndpoints } from '../../pipeline/embedded/stack.js';
import { generateOrganization, organizationProfile } from '../../pipeline/generate/organization.js';
import { createDocumentClient, createDynamoClient } from '../../src/adapters/aws-clients.js';
import { dailyStateDir, dailyStateFile } from '../../src/adapters/duckdb/archive-layout.js';
import { DuckDbQueryEngine } from '../../src/adapters/duckdb/duckdb.query-engine.js';
import { ensureTables } from '../../src/adapters/dynamodb/create-tables.js';
import { SyncStatusRepository } from '../../src/adapters/dynamodb/sync-status.repository.js';
import { EVENTS_TABLE, tableName } from '../../src/adapters/dynamodb/table-definitions.js';
import { createApiApp } from '../../src/api/app.js';
import { toComplianceEventRow } from '../../src/domain/archive-schema.js';
import { complianceScore } from '../../src/domain/compliance-state.js';
import { baseRuleName, parseConfigEvent } from '../../src/domain/config-event.js';
import { buildDailyReport } from '../../src/use-cases/daily-report.js';
import { kinesisEvent as archiveBatch, complianceEvent } from '../helpers/archive-events.js';
import { memoryIo } from '../helpers/cli.js';
import { kinesisEvent } from '../helpers/kinesis-event.js';
import { type LocalDynamo, startLocalDynamo } from '../helpers/local-aws.js';
import {
  type ArchiveRow,
  dedupe,
  isNewViolation,
  isResolution,
  latestStates,
} from '../helpers/reference-semantics.js';
import { syncStatus, unhealthySource } from '../helpers/sync-status.js';

const ORG = {
  accounts: 4,
  regions: 2,
  days: 20,
  end: '2024-03-10',
  seed: 7,
  storm: 60,
  redeliveries: 0.03,
  late: 0.05,
};
const DAY_MS = 86_400_000;

let dataDir: string;
let rows: ArchiveRow[];
let engine: DuckDbQueryEngine;
let app: ReturnType<typeof createApiApp>;

beforeAll(async () => {
  // Prepare: generate, archive through the embedded archiver (the Firehose stand-in), keep the
  // same events as plain rows for the reference.
  dataDir = mkdtempSync(join(tmpdir(), 'report-test-'));
  const texts = [...generateOrganization(ORG)].map((event) => JSON.stringify(event));
  const archiver = createEmbeddedArchiver({ dataDir });
  for (let i = 0; i < texts.length; i += 500) {
    await archiver.handler(kinesisEvent(texts.slice(i, i + 500), { firstSequence: BigInt(1000 + i) }));
  }
  await archiver.close();
  rows = [];
  for (const text of texts) {
    const outcome = parseConfigEvent(text);
    if (outcome.status === 'accepted' && outcome.event.kind === 'compliance-change') {
      rows.push(toComplianceEventRow(outcome.event));
    }
  }
  engine = new DuckDbQueryEngine({ dataDir, threads: 2 });
  app = createApiApp({
    events: { page: async () => ({ items: [], last: null }) },
    syncStatus: { latest: async () => null },
    queryEngine: engine,
    logger: { info: () => {}, error: () => {} },
  });
}, 120_000);

afterAll(async () => {
  await engine?.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

// ------------------------------------------------------------------------------------------------
// Reference computations, written from the archive semantics (docs/archive.md) and nothing else.

interface Scope {
  account?: string;
  region?: string;
  start?: string;
  end?: string;
}

function inScope(r: ArchiveRow, s: Scope): boolean {
  return (!s.account || r.account === s.account) && (!s.region || r.region === s.region);
}

function referenceSummary(s: Scope) {
  const events = dedupe(rows).filter(
    (r) => inScope(r, s) && (!s.start || r.event_time >= s.start) && (!s.end || r.event_time < s.end),
  );
  const count = (status: string) => events.filter((r) => r.new_status === status).length;
  const group = (key: 'rule_name' | 'resource_type') => {
    const out: Record<string, { compliant: number; non_compliant: number }> = {};
    for (const r of events) {
      const name = r[key] as string;
      out[name] ??= { compliant: 0, non_compliant: 0 };
      if (r.new_status === 'COMPLIANT') out[name].compliant++;
      if (r.new_status === 'NON_COMPLIANT') out[name].non_compliant++;
    }
    return out;
  };
  const states = [
    ...latestStates(
      rows.filter((r) => inScope(r, s)),
      s.end ?? null,
    ).values(),
  ];
  return {
    total_events: events.length,
    compliant: count('COMPLIANT'),
    non_compliant: count('NON_COMPLIANT'),
    not_applicable: count('NOT_APPLICABLE'),
    insufficient_data: count('INSUFFICIENT_DATA'),
    by_rule: group('rule_name'),
    by_resource_type: group('resource_type'),
    compliance_score: complianceScore(
      states.filter((r) => r.new_status === 'COMPLIANT').length,
      states.filter((r) => r.new_status === 'NON_COMPLIANT').length,
    ),
  };
}

function scoreAt(before: string): number | null {
  const states = [...latestStates(rows, before).values()];
  return complianceScore(
    states.filter((r) => r.new_status === 'COMPLIANT').length,
    states.filter((r) => r.new_status === 'NON_COMPLIANT').length,
  );
}

function referenceReport(day: string) {
  const start = `${day}T00:00:00.000Z`;
  const end = new Date(Date.parse(start) + DAY_MS).toISOString();
  const ofDay = dedupe(rows).filter((r) => r.event_time >= start && r.event_time < end);
  const open = [...latestStates(rows, end).values()].filter((r) => r.new_status === 'NON_COMPLIANT');
  const score = scoreAt(end);
  const previous = scoreAt(start);
  const byRule = new Map<string, number>();
  for (const r of open)
    byRule.set(
      baseRuleName(r.rule_name as string),
      (byRule.get(baseRuleName(r.rule_name as string)) ?? 0) + 1,
    );
  const byAccount = new Map<string, number>();
  for (const r of open) byAccount.set(r.account as string, (byAccount.get(r.account as string) ?? 0) + 1);
  const byCountThenName = (a: [string, number], b: [string, number]) =>
    b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0);
  return {
    day,
    start_date: start,
    end_date: end,
    total_evaluations: ofDay.length,
    new_violations: ofDay.filter(isNewViolation).length,
    resolved_violations: ofDay.filter(isResolution).length,
    compliance_percentage: score,
    previous_compliance_percentage: previous,
    compliance_change:
      score === null || previous === null ? null : Math.round(100 * (score - previous)) / 100,
    open_violations: open.length,
    top_rules: [...byRule.entries()]
      .sort(byCountThenName)
      .slice(0, 5)
      .map(([name, count]) => ({ name, count })),
    top_accounts: [...byAccount.entries()]
      .sort(byCountThenName)
      .slice(0, 10)
      .map(([account, count]) => ({ account, open_violations: count })),
  };
}

// ------------------------------------------------------------------------------------------------

describe('the generated organization', () => {
  it('has duplicates, a storm and several accounts, so the comparison means something', () => {
    expect(rows.length).toBeGreaterThan(dedupe(rows).length);
    expect(new Set(rows.map((r) => r.account)).size).toBe(ORG.accounts);
    expect(rows.filter(isNewViolation).length).toBeGreaterThan(ORG.storm);
  });
});

describe('GET /compliance/summary equals the reference', () => {
  const profile = organizationProfile(ORG);
  const scopes: [string, Scope][] = [
    ['everything', {}],
    [
      'one account, a week',
      { account: profile.accounts[1], start: '2024-03-01T00:00:00.000Z', end: '2024-03-08T00:00:00.000Z' },
    ],
    [
      'one region, mid-day bounds',
      { region: profile.regions[1], start: '2024-02-25T13:30:00.000Z', end: '2024-03-09T06:00:00.000Z' },
    ],
    [
      'the storm day',
      { start: `${profile.stormAt?.slice(0, 10)}T00:00:00.000Z`, end: '2024-03-10T00:00:00.000Z' },
    ],
    ['before any event', { end: '2000-01-01T00:00:00.000Z' }],
  ];

  it.each(scopes)('%s', async (_label, scope) => {
    // Act
    const query = new URLSearchParams();
    if (scope.account) query.set('account', scope.account);
    if (scope.region) query.set('region', scope.region);
    if (scope.start) query.set('start_date', scope.start);
    if (scope.end) query.set('end_date', scope.end);
    const res = await app.request(`/compliance/summary?${query}`);
    // Assess
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual(referenceSummary(scope));
  });
});

describe('the daily report equals the reference', () => {
  const profile = organizationProfile(ORG);
  const days = [
    profile.firstDay,
    profile.stormAt?.slice(0, 10) ?? profile.lastDay,
    profile.lastDay,
    '2024-02-27',
  ];

  it.each(days)('%s', async (day) => {
    // Act
    const report = await buildDailyReport(engine, day);
    // Assess
    const expected = referenceReport(day);
    expect(report).toMatchObject({
      ...expected,
      top_rules: expected.top_rules.map((r) => expect.objectContaining(r)),
      top_accounts: expected.top_accounts.map((a) => expect.objectContaining(a)),
    });
    expect(report.top_rules).toHaveLength(expected.top_rules.length);
    expect(report.top_accounts).toHaveLength(expected.top_accounts.length);
  });

  it('a day with no events still reports the standing posture', async () => {
    const report = await buildDailyReport(engine, '2024-04-01');
    expect(report.total_evaluations).toBe(0);
    expect(report.compliance_percentage).toBe(scoreAt('2024-04-02T00:00:00.000Z'));
    expect(report.compliance_change).toBe(0);
  });
});

describe('the compliance_daily_state rollup under late and redelivered events', () => {
  // Prepare: a small archive of its own (the shared one stays as generated).
  const event = (id: string, resourceId: string, newStatus: 'COMPLIANT' | 'NON_COMPLIANT', at: string) =>
    JSON.stringify(complianceEvent({ id, resourceId, newStatus, oldStatus: null, at }));
  let lateDir: string;
  let lateArchiver: ReturnType<typeof createEmbeddedArchiver>;
  let lateEngine: DuckDbQueryEngine;

  beforeAll(async () => {
    lateDir = mkdtempSync(join(tmpdir(), 'report-late-'));
    lateArchiver = createEmbeddedArchiver({ dataDir: lateDir });
    lateEngine = new DuckDbQueryEngine({ dataDir: lateDir, threads: 1 });
    await lateArchiver.handler(
      archiveBatch([
        event('e1', 'bucket-1', 'NON_COMPLIANT', '2024-03-01T10:00:00.000Z'),
        event('e2', 'bucket-2', 'COMPLIANT', '2024-03-01T11:00:00.000Z'),
        event('e3', 'bucket-3', 'COMPLIANT', '2024-03-03T12:00:00.000Z'),
      ]),
    );
    await lateArchiver.flush();
  });

  afterAll(async () => {
    await lateArchiver?.close();
    await lateEngine?.close();
    if (lateDir) rmSync(lateDir, { recursive: true, force: true });
  });

  it('is built for the report, then rebuilt after a late event for an earlier day is archived', async () => {
    // Act: the first report builds the rollup of the refresh window (3 days up to the day).
    const before = await buildDailyReport(lateEngine, '2024-03-03');
    // Assess
    expect(before).toMatchObject({ open_violations: 1, compliance_percentage: 66.67 });
    expect(before.previous_compliance_percentage).toBe(50);
    for (const day of ['2024-03-01', '2024-03-02', '2024-03-03'])
      expect(existsSync(dailyStateFile(lateDir, day))).toBe(true);

    // Act: bucket-1 was fixed on 03-02, but Config's event arrives after the report.
    await lateArchiver.handler(
      archiveBatch([
        JSON.stringify(
          complianceEvent({
            id: 'e4',
            resourceId: 'bucket-1',
            newStatus: 'COMPLIANT',
            oldStatus: 'NON_COMPLIANT',
            at: '2024-03-02T09:00:00.000Z',
          }),
        ),
      ]),
    );
    await lateArchiver.flush();
    // Assess: the days from 03-02 on are stale and gone; 03-01 is still current.
    expect(existsSync(dailyStateFile(lateDir, '2024-03-01'))).toBe(true);
    expect(existsSync(dailyStateFile(lateDir, '2024-03-02'))).toBe(false);
    expect(existsSync(dailyStateFile(lateDir, '2024-03-03'))).toBe(false);
    const after = await buildDailyReport(lateEngine, '2024-03-03');
    expect(after).toMatchObject({
      open_violations: 0,
      compliance_percentage: 100,
      previous_compliance_percentage: 100,
      compliance_change: 0,
      top_rules: [],
    });
    const dayBefore = await buildDailyReport(lateEngine, '2024-03-02');
    expect(dayBefore).toMatchObject({ total_evaluations: 1, resolved_violations: 1, open_violations: 0 });
  });

  it('ignores a rollup file of another schema and builds the day again', async () => {
    // Prepare: what an older version of the rollup left (not even Parquet: it must not be read).
    const dir = join(dailyStateDir(lateDir), 'dt=2024-03-04');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'state-000000000000.parquet'), 'not parquet');
    // Act
    const report = await buildDailyReport(lateEngine, '2024-03-04');
    // Assess
    expect(report).toMatchObject({ total_evaluations: 0, open_violations: 0, compliance_percentage: 100 });
    expect(existsSync(dailyStateFile(lateDir, '2024-03-04'))).toBe(true);
  });

  it('does not change when a batch is redelivered (at-least-once)', async () => {
    const first = await buildDailyReport(lateEngine, '2024-03-03');
    await lateArchiver.handler(
      archiveBatch([
        event('e1', 'bucket-1', 'NON_COMPLIANT', '2024-03-01T10:00:00.000Z'),
        event('e3', 'bucket-3', 'COMPLIANT', '2024-03-03T12:00:00.000Z'),
      ]),
    );
    await lateArchiver.flush();
    expect(existsSync(dailyStateFile(lateDir, '2024-03-01'))).toBe(false);
    expect(await buildDailyReport(lateEngine, '2024-03-03')).toEqual(first);
  });
});

describe('config-monitor report', () => {
  const io = (env: Record<string, string> = {}) => memoryIo({ env, cwd: dataDir });

  it('--json prints one object with the report figures', async () => {
    // Act
    const run = io();
    const code = await main(['report', '--date', '2024-03-08', '--json', '--data-dir', dataDir], run);
    // Assess
    expect(code).toBe(0);
    const printed = JSON.parse(run.out());
    const expected = referenceReport('2024-03-08');
    expect(printed).toMatchObject({
      start_date: expected.start_date,
      end_date: expected.end_date,
      total_evaluations: expected.total_evaluations,
      compliance_percentage: expected.compliance_percentage,
      new_violations: expected.new_violations,
      resolved_violations: expected.resolved_violations,
      top_rules: expected.top_rules.map((r) => expect.objectContaining(r)),
      // No stack ever ran on this data directory: no sync, no coverage.
      coverage: null,
    });
    expect(run.out().trim().split('\n')).toHaveLength(1);
  });

  it('--post without a webhook writes the Block Kit message to the outbox folder', async () => {
    // Act
    const run = io();
    const code = await main(['report', '--date', '2024-03-08', '--post', '--data-dir', dataDir], run);
    // Assess
    expect(code).toBe(0);
    expect(run.out()).toContain('Daily compliance report — 2024-03-08 (UTC)');
    const files = readdirSync(join(dataDir, 'outbox')).filter((f) => f.endsWith('.json'));
    expect(files).toHaveLength(1);
    const message = JSON.parse(readFileSync(join(dataDir, 'outbox', files[0] as string), 'utf8'));
    expect(message.blocks[0].text.text).toContain('2024-03-08');
    expect(run.err()).toContain('sent to');
  });

  it.each([
    [['--date', '2024-02-30'], '--date'],
    [['--date', '2024-13-01'], '--date'],
    [['--date', 'yesterday'], '--date'],
    [['--format', 'x'], "'--format'"],
  ])('%j is a usage error (exit 2) naming %s', async (args, named) => {
    const run = io();
    const code = await main(['report', ...args, '--data-dir', dataDir], run);
    expect(code).toBe(2);
    expect(run.err()).toContain(named);
  });
});

describe('config-monitor report: the last sync’s coverage', () => {
  const io = () => memoryIo({ cwd: dataDir });
  const hostile = '\u001b[31m<!channel> denied\nsecond line';

  /** Saves a sync status in the data directory's own dynalite (as `config-monitor sync` does), then closes it. */
  async function saveLocalStatus(): Promise<void> {
    const service = await startServiceThread('dynalite', dataDirLayout(dataDir).dynamodb);
    const client = createDynamoClient({ endpoint: service.endpoint, region: 'us-east-1' });
    const doc = createDocumentClient({ endpoint: service.endpoint, region: 'us-east-1' });
    try {
      await ensureTables(client, 'local');
      await new SyncStatusRepository(doc, tableName('local', EVENTS_TABLE)).save(
        syncStatus({
          coverage: {
            unhealthySources: [unhealthySource({ error: hostile })],
            withoutRules: ['333333333333/eu-west-1'],
          },
          sources: { ok: 10, failed: 1 },
        }),
      );
    } finally {
      client.destroy();
      doc.destroy();
      await service.close();
    }
  }

  afterAll(() => {
    rmSync(dataDirLayout(dataDir).dynamodb, { recursive: true, force: true });
    rmSync(dataDirLayout(dataDir).endpoints, { force: true });
  });

  it('reads the status from the data directory’s dynalite, shown in --json, the text and the message', async () => {
    // Prepare
    await saveLocalStatus();
    // Act
    const json = io();
    const jsonCode = await main(['report', '--date', '2024-03-08', '--json', '--data-dir', dataDir], json);
    const text = io();
    const textCode = await main(['report', '--date', '2024-03-08', '--post', '--data-dir', dataDir], text);
    // Assess
    expect(jsonCode).toBe(0);
    expect(JSON.parse(json.out()).coverage).toEqual({
      last_sync: '2024-03-10T06:00:00.000Z',
      sources_ok: 10,
      sources_failed: 1,
      sentences: ['1 aggregator source failed or is outdated', '1 account in 1 region reports no rules'],
      unhealthy_sources: [
        {
          account: '111111111111',
          region: 'eu-west-1',
          status: 'FAILED',
          last_update_time: '2024-03-09T22:00:00.000Z',
          error: hostile,
        },
      ],
    });
    expect(textCode).toBe(0);
    expect(text.out()).toContain(
      'Coverage (last sync 2024-03-10T06:00:00.000Z): 10 sources ok, 1 failed or outdated\n' +
        '  1 aggregator source failed or is outdated\n' +
        '  1 account in 1 region reports no rules\n' +
        '  source 111111111111/eu-west-1 FAILED: ?[31m<!channel> denied?second line\n',
    );
    const outbox = join(dataDir, 'outbox');
    const newest = readdirSync(outbox)
      .filter((f) => f.endsWith('.json'))
      .sort()
      .at(-1) as string;
    const message = JSON.parse(readFileSync(join(outbox, newest), 'utf8'));
    const block = message.blocks.find(
      (b: { type: string; elements?: { text: string }[] }) =>
        b.type === 'context' && b.elements?.[0]?.text.startsWith('*Coverage*'),
    );
    expect(block.elements[0].text).toContain('— \uFFFD[31m&lt;!channel&gt; denied second line');
  });

  it('goes without coverage, and says why, when another process holds the data directory', async () => {
    // Prepare: dynalite stays open on the directory (as a `sync` without `up` would hold it).
    const holder = await startServiceThread('dynalite', dataDirLayout(dataDir).dynamodb);
    try {
      // Act
      const run = io();
      const code = await main(['report', '--date', '2024-03-08', '--json', '--data-dir', dataDir], run);
      // Assess
      expect(code).toBe(0);
      expect(JSON.parse(run.out()).coverage).toBeNull();
      expect(run.err()).toContain("the last sync's coverage was not read");
    } finally {
      await holder.close();
    }
  });

  it('reads through the running `up` when there is one', async () => {
    // Prepare: a dynalite that stands for the running `up`'s, advertised in endpoints.json (the pid
    // of a live process other than this one, as readRunningStack requires).
    let dynamo: LocalDynamo | undefined;
    try {
      dynamo = await startLocalDynamo();
      const prefix = await dynamo.newPrefix();
      await new SyncStatusRepository(dynamo.doc, tableName(prefix, EVENTS_TABLE)).save(
        syncStatus({ syncTime: '2024-03-09T12:00:00.000Z' }),
      );
      await writeStackEndpoints(dataDir, {
        pid: process.ppid,
        startedAt: new Date().toISOString(),
        // Any endpoint that answers: readRunningStack checks the stream endpoint is listening.
        kinesis: dynamo.endpoint,
        dynamodb: dynamo.endpoint,
        region: 'us-east-1',
        tablePrefix: prefix,
        streamName: 'config-events',
        control: null,
        token: null,
        api: null,
      });
      // Act
      const run = io();
      const code = await main(['report', '--date', '2024-03-08', '--json', '--data-dir', dataDir], run);
      // Assess
      expect(code).toBe(0);
      expect(JSON.parse(run.out()).coverage).toMatchObject({
        last_sync: '2024-03-09T12:00:00.000Z',
        sentences: ['2 aggregator sources failed or are outdated', '2 accounts in 2 regions report no rules'],
      });
    } finally {
      rmSync(dataDirLayout(dataDir).endpoints, { force: true });
      await dynamo?.close();
    }
  });
});
