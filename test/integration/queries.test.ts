/**
 * Every saved query runs on DuckDB over Parquet written by the embedded archiver, and its result
 * equals the TypeScript reference of the archive semantics (test/helpers/reference-semantics.ts).
 * The archive holds duplicates (redelivered batches, in other files), late events (older
 * evaluations flushed after newer ones), ties on event_time and recorded_time, midnight boundaries
 * and inconsistent old_status chains.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEmbeddedArchiver } from '../../pipeline/embedded/archiver.js';
import { DuckDbQueryEngine } from '../../src/adapters/duckdb/duckdb.query-engine.js';
import {
  COMPLIANCE_DAILY_STATE_COLUMNS,
  COMPLIANCE_KEY_STATE_COLUMNS,
  KEY_STATE_FROM_HISTORY,
  PARTITION_COLUMN,
  previousUtcDay,
  toComplianceEventRow,
} from '../../src/domain/archive-schema.js';
import { type ComplianceChange, parseConfigEvent } from '../../src/domain/config-event.js';
import type { QueryParameters, QueryRow } from '../../src/ports/query-engine.js';
import { loadSavedQueries } from '../../src/queries/saved-queries.js';
import { complianceEvent, kinesisEvent, type Status } from '../helpers/archive-events.js';
import * as ref from '../helpers/reference-semantics.js';

const ACCOUNTS = ['111111111111', '222222222222', '333333333333'];
const REGIONS = ['eu-west-1', 'us-east-1'] as const;
const RULES = [
  's3-bucket-versioning-enabled',
  's3-bucket-versioning-enabled-conformance-pack-ab12cd34e',
  'encrypted-volumes',
  'restricted-ssh-conformance-pack-zz99yy88x',
];
const STATUSES: Status[] = [
  'COMPLIANT',
  'NON_COMPLIANT',
  'NON_COMPLIANT',
  'NOT_APPLICABLE',
  'INSUFFICIENT_DATA',
];
const FIRST_DAY = Date.parse('2026-03-01T00:00:00.000Z');
const DAY_MS = 86_400_000;

/** Deterministic PRNG (mulberry32), so a failure reproduces. */
function random(seed: number) {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Sent {
  readonly text: string;
  readonly batch: number;
}

/** ~1500 events over 8 days for 3 × 2 × 4 × 12 (resource, rule) pairs, spread over 4 batches. */
function buildArchiveInput(): Sent[] {
  const rnd = random(20260301);
  const pick = <T>(items: readonly T[]) => items[Math.floor(rnd() * items.length)] as T;
  const sent: Sent[] = [];
  let id = 0;
  for (const account of ACCOUNTS) {
    for (const region of REGIONS) {
      for (const rule of RULES) {
        for (let r = 0; r < 12; r++) {
          const resourceId = `res-${r}`;
          let previous: Status | null = null;
          let lastOrdering: number | null = null;
          let t = FIRST_DAY + Math.floor(rnd() * 2 * DAY_MS);
          while (t < FIRST_DAY + 8 * DAY_MS) {
            const status = pick(STATUSES);
            // Mostly a consistent chain; sometimes AWS's old status disagrees with what we saw.
            const oldStatus: Status | null = rnd() < 0.1 ? pick([null, ...STATUSES]) : previous;
            // Midnight exactly, now and then.
            const at = rnd() < 0.05 ? Math.ceil(t / DAY_MS) * DAY_MS : t;
            // Late: a batch after the one its time belongs to.
            const batch = Math.min(
              3,
              Math.floor(((at - FIRST_DAY) / (8 * DAY_MS)) * 4) + (rnd() < 0.1 ? 1 : 0),
            );
            // As AWS Config does: a rollout (rule created, conformance pack deployed) evaluates an
            // unchanged item against its old configuration item, so its orderingTimestamp is
            // days to years before it happened; a re-evaluation of an unchanged item repeats the
            // orderingTimestamp with a later resultRecordedTime.
            const kind = rnd();
            const ordering: number =
              kind < 0.1
                ? at - Math.floor((1 + rnd() * 700) * DAY_MS)
                : kind < 0.15 && lastOrdering !== null
                  ? lastOrdering
                  : at;
            lastOrdering = ordering;
            const spec = {
              id: `evt-${String(id++).padStart(5, '0')}`,
              account,
              region,
              rule,
              resourceType: rule.startsWith('encrypted') ? 'AWS::EC2::Volume' : 'AWS::S3::Bucket',
              resourceId,
              newStatus: status,
              oldStatus,
              at: new Date(ordering).toISOString(),
              recordedAt: new Date(at + 1000 + Math.floor(rnd() * 5000)).toISOString(),
              time: new Date(at + 6000).toISOString(),
              annotation: status === 'NON_COMPLIANT' ? `Finding ${id} "quoted"\nsecond line` : null,
            };
            sent.push({ text: JSON.stringify(complianceEvent(spec)), batch });
            // Ties: same event_time, other recorded_time; and same both, other event id.
            if (rnd() < 0.05) {
              sent.push({
                text: JSON.stringify(
                  complianceEvent({
                    ...spec,
                    id: `evt-${String(id++).padStart(5, '0')}`,
                    newStatus: pick(STATUSES),
                  }),
                ),
                batch,
              });
            }
            if (rnd() < 0.05) {
              sent.push({
                text: JSON.stringify(
                  complianceEvent({
                    ...spec,
                    id: `evt-${String(id++).padStart(5, '0')}`,
                    recordedAt: new Date(at + 9000).toISOString(),
                    time: new Date(at + 9500).toISOString(),
                    newStatus: pick(STATUSES),
                  }),
                ),
                batch,
              });
            }
            // Redelivery of the same event in a later batch (another file).
            if (rnd() < 0.08)
              sent.push({ text: sent[sent.length - 1]?.text as string, batch: Math.min(3, batch + 1) });
            previous = status;
            t += Math.floor(rnd() * 1.5 * DAY_MS);
          }
        }
      }
    }
  }
  return sent;
}

function toRow(text: string): ref.ArchiveRow {
  const outcome = parseConfigEvent(text);
  if (outcome.status !== 'accepted') throw new Error(`fixture not accepted: ${JSON.stringify(outcome)}`);
  return toComplianceEventRow(outcome.event as ComplianceChange);
}

/** JSON equality, where -0 and 0 are one number. */
const normalize = (rows: readonly Record<string, unknown>[]) =>
  rows.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, v === 0 ? 0 : v])));

let dataDir: string;
let emptyDir: string;
let engine: DuckDbQueryEngine;
let emptyEngine: DuckDbQueryEngine;
let rows: ref.ArchiveRow[];

async function run(name: string, params: QueryParameters, on = engine): Promise<QueryRow[]> {
  const outcome = await on.execute(name, params);
  if (outcome.status !== 'succeeded') throw new Error(`${name} did not finish`);
  return outcome.rows;
}

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'cm-queries-'));
  emptyDir = mkdtempSync(join(tmpdir(), 'cm-queries-empty-'));
  const sent = buildArchiveInput();
  rows = sent.map((s) => toRow(s.text));
  // Batches arrive in order; each is flushed to its own files (no compaction), like a trickle.
  const archiver = createEmbeddedArchiver({ dataDir, maxFilesPerPartition: 100, maxBufferMs: 3_600_000 });
  for (let batch = 0; batch < 4; batch++) {
    const texts = sent.filter((s) => s.batch === batch).map((s) => s.text);
    await archiver.handler(kinesisEvent(texts));
    // A redelivered Kinesis batch: the same records again, in the same flush.
    if (batch === 1) await archiver.handler(kinesisEvent(texts.slice(0, 50)));
    await archiver.flush();
  }
  await archiver.close();
  engine = new DuckDbQueryEngine({ dataDir, threads: 2 });
  emptyEngine = new DuckDbQueryEngine({ dataDir: emptyDir, threads: 1 });
});

afterAll(async () => {
  await engine?.close();
  await emptyEngine?.close();
  rmSync(dataDir, { recursive: true, force: true });
  rmSync(emptyDir, { recursive: true, force: true });
});

const A = ACCOUNTS[0] as string;
const B = ACCOUNTS[1] as string;
const day = (n: number, time = '00:00:00.000') =>
  `${new Date(FIRST_DAY + n * DAY_MS).toISOString().slice(0, 10)}T${time}Z`;

describe('the severity filter', () => {
  it('keeps the records of the severities given: the rules of those severities, counted as without the filter', async () => {
    // Act
    const all = await run('compliance_summary', {});
    const critical = await run('compliance_summary', { severity: 'CRITICAL' });
    const mediumOrHigh = await run('compliance_summary', { severity: 'MEDIUM,HIGH' });

    // Assess
    const byRule = (out: readonly QueryRow[]) =>
      Object.fromEntries(out.filter((r) => r.dimension === 'rule_name').map((r) => [r.value, r.events]));
    const rulesOf = (out: readonly QueryRow[]) => Object.keys(byRule(out)).sort();
    expect(rulesOf(critical)).toEqual(['restricted-ssh-conformance-pack-zz99yy88x']);
    expect(rulesOf(mediumOrHigh)).toEqual([
      'encrypted-volumes',
      's3-bucket-versioning-enabled',
      's3-bucket-versioning-enabled-conformance-pack-ab12cd34e',
    ]);
    for (const [rule, events] of Object.entries({ ...byRule(critical), ...byRule(mediumOrHigh) })) {
      expect(events, rule).toBe(byRule(all)[rule]);
    }
  });
});

describe('the test archive', () => {
  it('has duplicates, late events and ties, so dedupe and ordering are really exercised', async () => {
    const ids = rows.map((r) => r.event_id);
    expect(ids.length - new Set(ids).size).toBeGreaterThan(50);
    const stored = await engine.runSql(
      'select count(*) as n, count(distinct event_id) as d from compliance_events',
    );
    expect(Number(stored[0]?.n)).toBeGreaterThan(Number(stored[0]?.d));
    const tiedTimes = new Set<string>();
    let ties = 0;
    for (const r of rows) {
      const k = `${r.account}|${r.region}|${r.rule_name}|${r.resource_id}|${r.event_time}|${r.event_id}`;
      if (!tiedTimes.has(k)) tiedTimes.add(k);
    }
    const byTime = new Map<string, Set<string>>();
    for (const r of rows) {
      const k = `${r.account}|${r.region}|${r.rule_name}|${r.resource_id}|${r.event_time}`;
      byTime.set(k, (byTime.get(k) ?? new Set()).add(r.event_id));
    }
    for (const s of byTime.values()) if (s.size > 1) ties += 1;
    expect(ties).toBeGreaterThan(10);
  });
});

describe.each([
  ['all', {}],
  ['one account', { account: A }],
  [
    'region and a range with partial days',
    { region: REGIONS[1], start: day(1, '10:30:00.000'), end: day(5) },
  ],
  ['account, region and a midnight range', { account: B, region: REGIONS[0], start: day(2), end: day(4) }],
  ['start only', { start: day(6, '12:00:00.000') }],
  [
    'an offset timestamp, normalized to UTC',
    { start: '2026-03-03T01:00:00+02:00', end: '2026-03-04T00:00:00Z' },
  ],
  ['a range ending in the future', { account: B, start: day(6), end: '2099-01-01T00:00:00Z' }],
  ['two severities', { severity: 'CRITICAL,HIGH' }],
  ['one severity, an account and a range', { account: A, severity: 'MEDIUM', start: day(1), end: day(6) }],
] as [string, QueryParameters][])(
  'compliance_summary, time_to_remediate and compliance_trend: %s',
  (_label, params) => {
    it('compliance_summary equals the reference', async () => {
      const expected = ref.complianceSummary(rows, normalizeParams(params));
      expect(normalize(await run('compliance_summary', params))).toEqual(normalize(expected));
    });
    it('time_to_remediate equals the reference', async () => {
      const expected = ref.timeToRemediate(rows, normalizeParams(params));
      expect(expected.length).toBeGreaterThan(0);
      expect(normalize(await run('time_to_remediate', params))).toEqual(normalize(expected));
    });
    it('time_to_remediate_overall equals the reference', async () => {
      const expected = ref.timeToRemediateOverall(rows, normalizeParams(params));
      expect(normalize(await run('time_to_remediate_overall', params))).toEqual(normalize(expected));
    });
    it('compliance_trend equals the reference', async () => {
      const expected = ref.complianceTrend(rows, normalizeParams(params));
      expect(normalize(await run('compliance_trend', params))).toEqual(normalize(expected));
    });
  },
);

describe.each([
  ['now', {}],
  ['as of a midnight', { as_of: day(4) }],
  ['one account as of mid-day', { account: A, as_of: day(2, '13:37:00.000') }],
  ['one region', { region: REGIONS[0] }],
  ['before any event', { as_of: day(-3) }],
  ['one severity', { severity: 'HIGH' }],
  ['two severities as of a midnight', { severity: 'MEDIUM,CRITICAL', as_of: day(4) }],
  ['a severity no rule has', { severity: 'LOW' }],
] as [string, QueryParameters][])('current_state and compliance_score: %s', (_label, params) => {
  it('current_state equals the reference', async () => {
    const expected = ref.currentState(rows, normalizeParams(params));
    expect(normalize(await run('current_state', params))).toEqual(normalize(expected));
  });
  it('compliance_score equals the reference', async () => {
    const expected = ref.complianceScoreRow(rows, normalizeParams(params));
    expect(normalize(await run('compliance_score', params))).toEqual(normalize(expected));
  });
});

describe.each([-1, 0, 1, 3, 5, 7, 8, 12])('the daily report of day %i', (n) => {
  const report = () => day(n).slice(0, 10);
  it('daily_report equals the reference', async () => {
    expect(normalize(await run('daily_report', { day: report() }))).toEqual(
      normalize(ref.dailyReport(rows, report())),
    );
  });
  it('daily_top_rules equals the reference', async () => {
    expect(normalize(await run('daily_top_rules', { day: report() }))).toEqual(
      normalize(ref.dailyTopRules(rows, report())),
    );
  });
  it('daily_top_accounts equals the reference', async () => {
    expect(normalize(await run('daily_top_accounts', { day: report() }))).toEqual(
      normalize(ref.dailyTopAccounts(rows, report())),
    );
  });
});

describe('the saved query daily_state', () => {
  it('returns the columns of compliance_daily_state in the table order, then dt (INSERT INTO matches by position)', () => {
    const query = loadSavedQueries().find((q) => q.name === 'daily_state');
    expect(query?.columns.map((c) => c.name)).toEqual([
      ...COMPLIANCE_DAILY_STATE_COLUMNS.map((c) => c.name),
      PARTITION_COLUMN.name,
    ]);
  });
});

describe.each([-1, 0, 2, 5, 7, 12])('daily_state (the compliance_daily_state rollup) of day %i', (n) => {
  const stateDay = () => day(n).slice(0, 10);
  it('equals the reference, one build per run', async () => {
    const out = await run('daily_state', { day: stateDay() });
    expect(new Set(out.map((r) => r.built_at)).size).toBeLessThanOrEqual(1);
    const withoutBuild = out.map(({ built_at: _built, ...rest }) => rest);
    expect(out.every((r) => r.build_rows === out.length)).toBe(true);
    expect(normalize(withoutBuild)).toEqual(normalize(ref.dailyState(rows, stateDay())));
  });
  it('is what the engine materializes into the table', async () => {
    await engine.materializeDailyState([stateDay()]);
    const stored = await engine.runSql(
      'select account, region, rule_name, base_rule_name, resource_type, status, resources, evaluations, new_violations, resolved_violations, build_rows, dt from compliance_daily_state where dt = ? order by account, region, rule_name, resource_type, status',
      [stateDay()],
    );
    expect(normalize(stored)).toEqual(normalize(ref.dailyState(rows, stateDay())));
  });
});

describe.each([0, 5, 12])('key_state (the compliance_key_state rollup) of day %i', (n) => {
  const stateDay = () => day(n).slice(0, 10);
  const withoutBuiltAt = (out: readonly QueryRow[]) => out.map(({ built_at: _built, ...rest }) => rest);
  it('returns the columns of compliance_key_state in the table order, then dt', () => {
    const query = loadSavedQueries().find((q) => q.name === 'key_state');
    expect(query?.columns.map((c) => c.name)).toEqual([
      ...COMPLIANCE_KEY_STATE_COLUMNS.map((c) => c.name),
      PARTITION_COLUMN.name,
    ]);
  });
  it('built from the whole history equals the reference', async () => {
    const out = await run('key_state', {
      previous_day: '1999-12-31',
      since: KEY_STATE_FROM_HISTORY,
      day: stateDay(),
    });
    expect(normalize(withoutBuiltAt(out))).toEqual(normalize(ref.keyState(rows, stateDay())));
  });
  it('built from the day before and the day alone equals the reference (the incremental build)', async () => {
    await engine.materializeDailyState([previousUtcDay(stateDay())]);
    const out = await run('key_state', {
      previous_day: previousUtcDay(stateDay()),
      since: stateDay(),
      day: stateDay(),
    });
    expect(normalize(withoutBuiltAt(out))).toEqual(normalize(ref.keyState(rows, stateDay())));
  });
});

describe.each([
  [
    'a versioned bucket',
    { account: A, region: REGIONS[0] as string, resource_type: 'AWS::S3::Bucket', resource_id: 'res-3' },
  ],
  [
    'a volume, in a range',
    {
      account: B,
      region: REGIONS[1] as string,
      resource_type: 'AWS::EC2::Volume',
      resource_id: 'res-7',
      start: day(2),
      end: day(6, '06:00:00.000'),
    },
  ],
  [
    'an unknown resource',
    { account: A, region: REGIONS[0] as string, resource_type: 'AWS::S3::Bucket', resource_id: 'nope' },
  ],
] as [string, QueryParameters][])('resource_timeline: %s', (_label, params) => {
  it('equals the reference', async () => {
    const expected = ref.resourceTimeline(rows, normalizeParams(params) as unknown as ref.ResourceScope);
    expect(normalize(await run('resource_timeline', params))).toEqual(normalize(expected));
  });
});

describe('every saved query', () => {
  const queries = loadSavedQueries();
  const sample: Record<string, QueryParameters> = {
    daily_report: { day: '2026-03-03' },
    daily_top_rules: { day: '2026-03-03' },
    daily_top_accounts: { day: '2026-03-03' },
    daily_state: { day: '2026-03-03' },
    key_state: { previous_day: '2026-03-02', since: KEY_STATE_FROM_HISTORY, day: '2026-03-03' },
    key_state_build: { day: '2026-03-03' },
    resource_timeline: {
      account: A,
      region: 'eu-west-1',
      resource_type: 'AWS::S3::Bucket',
      resource_id: 'res-1',
    },
  };

  it.each(queries.map((q) => [q.name]))(
    '%s returns exactly the columns its header documents',
    async (name) => {
      const query = queries.find((q) => q.name === name)!;
      const rowsOut = await run(name, sample[name] ?? {});
      expect(rowsOut.length).toBeGreaterThan(0);
      expect(Object.keys(rowsOut[0] ?? {})).toEqual(query.columns.map((c) => c.name));
    },
  );

  it.each(queries.map((q) => [q.name]))(
    '%s runs on an empty archive and equals the reference',
    async (name) => {
      const params = sample[name] ?? {};
      const expected = referenceFor(name, [], params);
      expect(normalize(await run(name, params, emptyEngine))).toEqual(normalize(expected));
    },
  );
});

function referenceFor(name: string, data: ref.ArchiveRow[], params: QueryParameters) {
  const p = normalizeParams(params);
  switch (name) {
    case 'compliance_summary':
      return ref.complianceSummary(data, p);
    case 'current_state':
      return ref.currentState(data, p);
    case 'compliance_score':
      return ref.complianceScoreRow(data, p);
    case 'daily_report':
      return ref.dailyReport(data, params.day as string);
    case 'daily_top_rules':
      return ref.dailyTopRules(data, params.day as string);
    case 'daily_top_accounts':
      return ref.dailyTopAccounts(data, params.day as string);
    case 'daily_state':
      return ref.dailyState(data, params.day as string);
    case 'key_state':
      return ref.keyState(data, params.day as string);
    case 'key_state_build': {
      // built_at is the build's own time: only the empty case has a reference.
      if (data.length > 0) throw new Error('key_state_build has a reference on an empty archive only');
      return [];
    }
    case 'compliance_trend':
      return ref.complianceTrend(data, p);
    case 'time_to_remediate':
      return ref.timeToRemediate(data, p);
    case 'time_to_remediate_overall':
      return ref.timeToRemediateOverall(data, p);
    case 'resource_timeline':
      return ref.resourceTimeline(data, p as unknown as ref.ResourceScope);
    default:
      throw new Error(`no reference for ${name}`);
  }
}

/** The registry normalizes timestamps to UTC ISO; the reference compares ISO text, so do the same. */
function normalizeParams(params: QueryParameters): Record<string, string | null> {
  return Object.fromEntries(
    Object.entries(params).map(([k, v]) => [
      k,
      typeof v === 'string' && /^\d{4}-\d{2}-\d{2}T/.test(v)
        ? new Date(Date.parse(v)).toISOString()
        : (v as string | null),
    ]),
  );
}

/**
 * Records of the reconciler in the archive. A baseline record (the first sync of an account and
 * region) is the first sighting of a state that may be years old: it sets the state (open
 * violations, score) but is no change of its day (no evaluation, new or resolved violation, and no
 * start of a violation to remediate). Drift and gone records are transitions found late and count.
 */
describe('baseline, drift and gone records of the reconciler', () => {
  const ACCOUNT = '444444444444';
  const RULE_A = 's3-bucket-versioning-enabled';
  const RULE_B = 'restricted-ssh';
  const D0 = '2026-04-09';
  const D1 = '2026-04-10';
  const D2 = '2026-04-11';
  const D3 = '2026-04-12';
  const at = (d: string, time: string) => `${d}T${time}.000Z`;
  let syncDir: string;
  let syncEngine: DuckDbQueryEngine;

  const live = (
    id: string,
    resourceId: string,
    rule: string,
    newStatus: Status,
    oldStatus: Status | null,
    when: string,
  ) =>
    JSON.stringify(
      complianceEvent({
        id,
        account: ACCOUNT,
        rule,
        resourceId,
        resourceType: rule === RULE_B ? 'AWS::EC2::SecurityGroup' : 'AWS::S3::Bucket',
        newStatus,
        oldStatus,
        at: when,
      }),
    );
  /** As the reconciler writes it: `time` the sync time, orderingTimestamp the evaluation's own. */
  const synced = (
    mode: 'baseline' | 'drift' | 'gone',
    id: string,
    resourceId: string,
    rule: string,
    newStatus: Status,
    oldStatus: Status | null,
    ordering: string,
    syncTime: string,
  ) => {
    const event = JSON.parse(live(id, resourceId, rule, newStatus, oldStatus, ordering));
    event.source = 'config-monitor.reconcile';
    event.time = syncTime;
    event.detail.reconciliation = { syncId: `sync-${syncTime.slice(0, 10)}`, mode };
    return JSON.stringify(event);
  };

  beforeAll(async () => {
    syncDir = mkdtempSync(join(tmpdir(), 'cm-queries-sync-'));
    const texts = [
      // Rule B, sg-5: a live violation and its remediation, before the sync (2 h).
      live('b5-open', 'sg-5', RULE_B, 'NON_COMPLIANT', null, at(D0, '10:00:00')),
      live('b5-fixed', 'sg-5', RULE_B, 'COMPLIANT', 'NON_COMPLIANT', at(D0, '12:00:00')),
      // D1, the first sync of the account and region: baseline records of old states…
      synced(
        'baseline',
        'a1-baseline',
        'bucket-1',
        RULE_A,
        'NON_COMPLIANT',
        null,
        '2024-01-01T00:00:00.000Z',
        at(D1, '08:00:00'),
      ),
      synced(
        'baseline',
        'a2-baseline',
        'bucket-2',
        RULE_A,
        'COMPLIANT',
        null,
        '2024-02-01T00:00:00.000Z',
        at(D1, '08:00:00'),
      ),
      synced(
        'baseline',
        'b5-baseline',
        'sg-5',
        RULE_B,
        'NON_COMPLIANT',
        null,
        at(D1, '07:00:00'),
        at(D1, '08:00:00'),
      ),
      // …and one live new violation of the day.
      live('a3-open', 'bucket-3', RULE_A, 'NON_COMPLIANT', null, at(D1, '10:00:00')),
      // D2, the next sync: a drift (a violation EventBridge missed) and a gone pair (a resolution).
      synced(
        'drift',
        'a2-drift',
        'bucket-2',
        RULE_A,
        'NON_COMPLIANT',
        'COMPLIANT',
        at(D2, '07:00:00'),
        at(D2, '08:00:00'),
      ),
      synced(
        'gone',
        'a1-gone',
        'bucket-1',
        RULE_A,
        'NOT_APPLICABLE',
        'NON_COMPLIANT',
        at(D2, '08:00:00'),
        at(D2, '08:00:00'),
      ),
      // D3: live resolutions of the live violation (48 h) and of the violation first seen by the baseline.
      live('a3-fixed', 'bucket-3', RULE_A, 'COMPLIANT', 'NON_COMPLIANT', at(D3, '10:00:00')),
      live('b5-fixed-again', 'sg-5', RULE_B, 'COMPLIANT', 'NON_COMPLIANT', at(D3, '12:00:00')),
    ];
    const archiver = createEmbeddedArchiver({ dataDir: syncDir });
    await archiver.handler(kinesisEvent(texts));
    await archiver.close();
    syncEngine = new DuckDbQueryEngine({ dataDir: syncDir, threads: 1 });
  });

  afterAll(async () => {
    await syncEngine?.close();
    if (syncDir) rmSync(syncDir, { recursive: true, force: true });
  });

  it('archives each record with its source and mode', async () => {
    const stored = await syncEngine.runSql(
      'select source, reconciliation, count(*) as n from compliance_events group by 1, 2 order by 1, 2',
    );
    expect(stored).toEqual([
      { source: 'aws.config', reconciliation: null, n: 5 },
      { source: 'config-monitor.reconcile', reconciliation: 'baseline', n: 3 },
      { source: 'config-monitor.reconcile', reconciliation: 'drift', n: 1 },
      { source: 'config-monitor.reconcile', reconciliation: 'gone', n: 1 },
    ]);
  });

  it('daily_report of the baseline day: one new violation, three open ones and the score with the baseline states', async () => {
    expect(await run('daily_report', { day: D1 }, syncEngine)).toEqual([
      {
        evaluations: 1,
        new_violations: 1,
        resolved_violations: 0,
        compliant: 1,
        non_compliant: 3,
        not_applicable: 0,
        insufficient_data: 0,
        compliance_score: 25,
        previous_compliance_score: 100,
        compliance_score_change: -75,
      },
    ]);
  });

  it('daily_report of the next sync: the drift is a new violation, the gone pair a resolved one', async () => {
    expect(await run('daily_report', { day: D2 }, syncEngine)).toEqual([
      {
        evaluations: 2,
        new_violations: 1,
        resolved_violations: 1,
        compliant: 0,
        non_compliant: 3,
        not_applicable: 1,
        insufficient_data: 0,
        compliance_score: 0,
        previous_compliance_score: 25,
        compliance_score_change: -25,
      },
    ]);
  });

  it('daily_top_rules and daily_top_accounts count the baseline violations as open, not new', async () => {
    expect(await run('daily_top_rules', { day: D1 }, syncEngine)).toEqual([
      {
        rule_rank: 1,
        base_rule_name: RULE_A,
        non_compliant_resources: 2,
        affected_accounts: 1,
        new_violations: 1,
        resolved_violations: 0,
      },
      {
        rule_rank: 2,
        base_rule_name: RULE_B,
        non_compliant_resources: 1,
        affected_accounts: 1,
        new_violations: 0,
        resolved_violations: 0,
      },
    ]);
    expect(await run('daily_top_accounts', { day: D1 }, syncEngine)).toEqual([
      {
        account_rank: 1,
        account: ACCOUNT,
        open_violations: 3,
        compliant: 1,
        compliance_score: 25,
        new_violations: 1,
        resolved_violations: 0,
      },
    ]);
  });

  it('compliance_score and compliance_trend take the baseline states like any other', async () => {
    expect(await run('compliance_score', { as_of: `${D2}T00:00:00Z` }, syncEngine)).toEqual([
      { compliant: 1, non_compliant: 3, not_applicable: 0, insufficient_data: 0, compliance_score: 25 },
    ]);
    const trend = await run(
      'compliance_trend',
      { start: `${D1}T00:00:00Z`, end: `${D3}T00:00:00Z` },
      syncEngine,
    );
    expect(trend.map((r) => [r.day, r.non_compliant, r.compliance_score])).toEqual([
      [D1, 3, 25],
      [D2, 3, 0],
    ]);
  });

  it('time_to_remediate: a violation first seen by a baseline has no known start, live ones keep theirs', async () => {
    expect(await run('time_to_remediate', {}, syncEngine)).toEqual([
      {
        account: ACCOUNT,
        rule_name: RULE_B,
        base_rule_name: RULE_B,
        // sg-5's live violation (2 h); its resolution after the baseline has no known duration.
        remediated: 1,
        median_seconds: 7_200,
        p90_seconds: 7_200,
        open_violations: 0,
      },
      {
        account: ACCOUNT,
        rule_name: RULE_A,
        base_rule_name: RULE_A,
        // bucket-3 (48 h); bucket-1, closed by the gone record, was open since before the baseline.
        remediated: 1,
        median_seconds: 172_800,
        p90_seconds: 172_800,
        open_violations: 1,
      },
    ]);
  });

  it('time_to_remediate_overall: the same remediations ranked together, baseline ones left out', async () => {
    expect(await run('time_to_remediate_overall', {}, syncEngine)).toEqual([
      // sg-5's 2 h and bucket-3's 48 h: the median is the 1st of 2, the p90 the 2nd.
      { remediated: 2, median_seconds: 7_200, p90_seconds: 172_800 },
    ]);
  });
});
