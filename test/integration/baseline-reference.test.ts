/**
 * The acceptance: "The score and open-violation counts after a baseline equal a reference
 * computation over the stand-in's data plus the live events that followed."
 *
 * A small seeded organization split as a deployment meets it (pipeline/generate generateDeployment:
 * the state before the window from the aggregator, then the live events of the window, with a
 * storm, redeliveries and late events); a baseline sync from the aggregator stand-in dated at the
 * window start; the live events ingested. The reference, in plain TypeScript: the latest state per
 * (account, region, rule, resource type, resource id) by (orderingTimestamp, resultRecordedTime)
 * over the stand-in's results and the live compliance changes (test/helpers/reference-semantics.ts
 * `latestStates`); score = 100 × C / (C + NC). Compared with the hot state (the DynamoDB state
 * table) and with the saved queries compliance_score and current_state on DuckDB.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type ConfigAggregatorStandIn,
  type StandInResult,
  startConfigAggregatorStandIn,
} from '../../pipeline/embedded/config-aggregator-stand-in.js';
import { type EmbeddedStack, startEmbeddedStack } from '../../pipeline/embedded/stack.js';
import { type SyncSummary, syncIntoStack } from '../../pipeline/embedded/sync.js';
import {
  type Deployment,
  type DeploymentOptions,
  generateDeployment,
  organizationProfile,
} from '../../pipeline/generate/organization.js';
import { createConfigServiceClient } from '../../src/adapters/config/aggregator.compliance-source.js';
import { ComplianceStateRepository } from '../../src/adapters/dynamodb/compliance-state.repository.js';
import { toComplianceEventRow } from '../../src/domain/archive-schema.js';
import { baseRuleName, parseConfigEvent } from '../../src/domain/config-event.js';
import type { QueryRow } from '../../src/ports/query-engine.js';
import type { ReconcileReport } from '../../src/use-cases/reconcile.js';
import * as ref from '../helpers/reference-semantics.js';

const ORG: DeploymentOptions = {
  accounts: 3,
  regions: 2,
  days: 20,
  end: '2026-11-20',
  seed: 11,
  storm: 120,
  redeliveries: 0.03,
  late: 0.03,
  changeRate: 0.1,
};
const AGGREGATOR = 'reference-org';
const profile = organizationProfile(ORG);

let deployment: Deployment;
let standIn: ConfigAggregatorStandIn;
let stack: EmbeddedStack;
let baseline: { report: ReconcileReport; summary: SyncSummary };

/** Times as the archive and the state hold them: ISO with milliseconds, so that text order is time order. */
const iso = (t: string) => new Date(t).toISOString();

/** A stand-in result as a row of the reference: what the aggregator says, before any live event. */
function rowOfResult(r: StandInResult, i: number): ref.ArchiveRow {
  return {
    event_id: `aggregator-${i}`,
    event_time: profile.start,
    recorded_time: iso(r.resultRecordedTime),
    ordering_time: iso(r.orderingTimestamp),
    account: r.account,
    region: r.region,
    rule_name: r.ruleName,
    base_rule_name: baseRuleName(r.ruleName),
    rule_arn: null,
    resource_type: r.resourceType,
    resource_id: r.resourceId,
    old_status: null,
    new_status: r.complianceType,
    annotation: r.annotation ?? null,
    notification_time: null,
    dt: profile.start.slice(0, 10),
  };
}

/** The live compliance changes as rows (parsed as the consumer parses them; copies kept, they tie). */
function rowsOfLiveEvents(events: Deployment['events']): ref.ArchiveRow[] {
  const rows: ref.ArchiveRow[] = [];
  for (const event of events) {
    const outcome = parseConfigEvent(event);
    if (outcome.status !== 'accepted' || outcome.event.kind !== 'compliance-change') continue;
    const row = toComplianceEventRow(outcome.event);
    rows.push({
      ...row,
      ordering_time: iso(row.ordering_time!),
      recorded_time: iso(row.recorded_time!),
    });
  }
  return rows;
}

const keyOf = (s: {
  account: string | null;
  region: string | null;
  rule_name: string | null;
  resource_type: string | null;
  resource_id: string | null;
}) => [s.account, s.region, s.rule_name, s.resource_type, s.resource_id].join('|');

interface Reference {
  readonly statuses: Map<string, string>;
  readonly compliant: number;
  readonly nonCompliant: number;
  readonly score: number | null;
}

/** Latest state per pair over `rows`, and the score: 100 × C / (C + NC), 2 decimals. */
function reference(rows: readonly ref.ArchiveRow[]): Reference {
  const statuses = new Map<string, string>();
  for (const state of ref.latestStates(rows).values()) statuses.set(keyOf(state), state.new_status!);
  const count = (status: string) => [...statuses.values()].filter((s) => s === status).length;
  const compliant = count('COMPLIANT');
  const nonCompliant = count('NON_COMPLIANT');
  const score =
    compliant + nonCompliant === 0
      ? null
      : Math.round((10000 * compliant) / (compliant + nonCompliant)) / 100;
  return { statuses, compliant, nonCompliant, score };
}

let aggregatorRows: ref.ArchiveRow[];
let liveRows: ref.ArchiveRow[];

beforeAll(async () => {
  deployment = generateDeployment(ORG);
  aggregatorRows = deployment.aggregator.results.map(rowOfResult);
  liveRows = rowsOfLiveEvents(deployment.events);
  standIn = await startConfigAggregatorStandIn({
    aggregatorName: AGGREGATOR,
    results: deployment.aggregator.results,
    sources: deployment.aggregator.sources,
    // AWS's paging traps, so the reference also covers them.
    emptyPageEvery: 4,
  });
  stack = await startEmbeddedStack({
    dataDir: mkdtempSync(join(tmpdir(), 'baseline-reference-')),
    shards: 2,
    messageLog: () => {},
  });
  const client = createConfigServiceClient({
    endpoint: standIn.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  try {
    baseline = await syncIntoStack(stack, {
      aggregatorName: AGGREGATOR,
      client,
      clock: () => new Date(profile.start),
    });
  } finally {
    client.destroy();
  }
  await stack.ingest(deployment.events.map((value) => ({ value })));
}, 240_000);

afterAll(async () => {
  await stack?.close();
  await standIn?.close();
});

async function run(name: string): Promise<QueryRow[]> {
  const engine = await stack.queryEngine();
  const outcome = await engine.execute(name, {});
  if (outcome.status !== 'succeeded') throw new Error(`${name} did not finish`);
  return outcome.rows;
}

describe('score and open violations after a baseline', () => {
  it('is a deployment: an old baseline for every pair, few pairs changing after it', () => {
    // Assess the input itself, so that the comparison below is about the right thing.
    const results = deployment.aggregator.results;
    expect(results.length).toBeGreaterThan(300);
    expect(
      results.every((r) => r.complianceType === 'COMPLIANT' || r.complianceType === 'NON_COMPLIANT'),
    ).toBe(true);
    expect(results.every((r) => r.resultRecordedTime < profile.start)).toBe(true);
    expect(results.some((r) => r.complianceType === 'NON_COMPLIANT')).toBe(true);
    expect(liveRows.length).toBeGreaterThan(100);
    expect(liveRows.every((r) => r.event_time >= profile.start)).toBe(true);
    // Pairs the live events touch: a minority of those the baseline holds.
    const touched = new Set(liveRows.map(keyOf));
    const known = new Set(aggregatorRows.map(keyOf));
    expect([...touched].filter((k) => known.has(k)).length).toBeLessThan(known.size / 2);
  });

  it('at the baseline: the sync reports the score and open violations of the stand-in data', () => {
    const expected = reference(aggregatorRows);
    expect(baseline.summary).toMatchObject({
      baseline: true,
      results: aggregatorRows.length,
      applied: aggregatorRows.length,
      alerts: { violations: 0, resolved: 0 },
    });
    expect(baseline.report.syncTime).toBe(profile.start);
    expect(baseline.report.posture).toMatchObject({
      compliant: expected.compliant,
      nonCompliant: expected.nonCompliant,
      score: expected.score,
    });
  });

  it('after the live events: the hot state equals the reference, pair by pair', async () => {
    // Prepare
    const expected = reference([...aggregatorRows, ...liveRows]);
    const hot = new Map<string, string>();
    // Act
    for await (const s of new ComplianceStateRepository(stack.doc, stack.tables.state).listStates()) {
      hot.set(
        keyOf({
          account: s.account,
          region: s.region,
          rule_name: s.ruleName,
          resource_type: s.resourceType,
          resource_id: s.resourceId,
        }),
        s.status,
      );
    }
    const count = (status: string) => [...hot.values()].filter((v) => v === status).length;
    // Assess: counts first (the acceptance), then every pair (the reason if they differ).
    expect({ compliant: count('COMPLIANT'), nonCompliant: count('NON_COMPLIANT') }).toEqual({
      compliant: expected.compliant,
      nonCompliant: expected.nonCompliant,
    });
    expect(Object.fromEntries(hot)).toEqual(Object.fromEntries(expected.statuses));
    // The live events changed the posture: the comparison is not the baseline's again.
    expect(expected.nonCompliant).not.toBe(baseline.report.posture.nonCompliant);
  });

  it('after the live events: compliance_score and current_state on DuckDB equal the reference', async () => {
    // Prepare
    const expected = reference([...aggregatorRows, ...liveRows]);
    // Act
    const [score] = await run('compliance_score');
    const current = await run('current_state');
    // Assess
    expect(score).toMatchObject({
      compliant: expected.compliant,
      non_compliant: expected.nonCompliant,
      compliance_score: expected.score,
    });
    expect(current.filter((r) => r.status === 'NON_COMPLIANT')).toHaveLength(expected.nonCompliant);
    expect(
      Object.fromEntries(current.map((r) => [keyOf(r as Parameters<typeof keyOf>[0]), r.status as string])),
    ).toEqual(Object.fromEntries(expected.statuses));
  });
});
