/**
 * The reconciler end to end: the real ConfigServiceClient against the local aggregator stand-in
 * (JSON 1.1 over HTTP, paging with empty pages, throttling, a failing source), into the embedded
 * stack (kinesalite, dynalite, DuckDB). Baseline, re-run, drift both ways, stale results, gone
 * pairs, a failed source's pairs kept, and a crash mid-sync resumed.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type ConfigAggregatorStandIn,
  type StandInResult,
  type StandInSource,
  startConfigAggregatorStandIn,
} from '../../pipeline/embedded/config-aggregator-stand-in.js';
import { type EmbeddedStack, startEmbeddedStack } from '../../pipeline/embedded/stack.js';
import { syncIntoStack } from '../../pipeline/embedded/sync.js';
import {
  AggregatorComplianceSource,
  createConfigServiceClient,
} from '../../src/adapters/config/aggregator.compliance-source.js';
import { ComplianceStateRepository } from '../../src/adapters/dynamodb/compliance-state.repository.js';
import { SyncStatusRepository } from '../../src/adapters/dynamodb/sync-status.repository.js';
import { stateKeyId } from '../../src/domain/compliance-state.js';
import { reconcile } from '../../src/use-cases/reconcile.js';

const A = '111122223333';
const B = '444455556666';
const C = '777788889999'; // its source FAILED: results applied, pairs never closed
const REGION = 'eu-west-1';
const AGGREGATOR = 'org-aggregator';

const SOURCES: StandInSource[] = [
  { account: A, region: REGION, status: 'SUCCEEDED' },
  { account: B, region: REGION, status: 'SUCCEEDED' },
  { account: C, region: REGION, status: 'FAILED', errorCode: 'AccessDenied', errorMessage: 'no role' },
  // A source whose aggregation works but that has no rule at all: coverage reports it.
  { account: '121212121212', region: REGION, status: 'SUCCEEDED' },
];

function result(
  account: string,
  rule: string,
  i: number,
  complianceType: StandInResult['complianceType'],
  ordering = '2025-06-01T00:00:00.000Z',
): StandInResult {
  return {
    account,
    region: REGION,
    ruleName: rule,
    resourceType: 'AWS::S3::Bucket',
    resourceId: `bucket-${account}-${i}`,
    complianceType,
    orderingTimestamp: ordering,
    resultRecordedTime: ordering.replace('00:00:00.000Z', '00:00:05.000Z'),
    ...(complianceType === 'NON_COMPLIANT' ? { annotation: '<!channel> not versioned' } : {}),
  };
}

/** 2 × 130 results on one rule (paged at 100), a second rule, a hidden NOT_APPLICABLE, C's 3. */
function baselineData(): StandInResult[] {
  const out: StandInResult[] = [];
  for (const account of [A, B]) {
    for (let i = 0; i < 130; i++) {
      out.push(
        result(account, 's3-bucket-versioning-enabled', i, i % 10 === 0 ? 'NON_COMPLIANT' : 'COMPLIANT'),
      );
    }
    out.push(result(account, 'restricted-ssh', 0, 'NON_COMPLIANT'));
    out.push(result(account, 'restricted-ssh', 1, 'NOT_APPLICABLE'));
  }
  for (let i = 0; i < 3; i++) out.push(result(C, 's3-bucket-versioning-enabled', i, 'NON_COMPLIANT'));
  return out;
}

const visible = (data: readonly StandInResult[]) =>
  data.filter((r) => r.complianceType === 'COMPLIANT' || r.complianceType === 'NON_COMPLIANT');

let standIn: ConfigAggregatorStandIn;
let stack: EmbeddedStack;

beforeAll(async () => {
  standIn = await startConfigAggregatorStandIn({
    aggregatorName: AGGREGATOR,
    results: baselineData(),
    sources: SOURCES,
    emptyPageEvery: 3,
    throttleEvery: 7,
  });
  stack = await startEmbeddedStack({
    dataDir: mkdtempSync(join(tmpdir(), 'reconcile-')),
    shards: 2,
    messageLog: () => {},
  });
});
afterAll(async () => {
  await stack?.close();
  await standIn?.close();
});

const client = () =>
  createConfigServiceClient({
    endpoint: standIn.endpoint,
    region: REGION,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });

async function sync() {
  const c = client();
  try {
    return (await syncIntoStack(stack, { aggregatorName: AGGREGATOR, client: c })).summary;
  } finally {
    c.destroy();
  }
}

async function stateByKey() {
  const states = new Map<string, string>();
  for await (const s of new ComplianceStateRepository(stack.doc, stack.tables.state).listStates()) {
    states.set(stateKeyId(s), s.status);
  }
  return states;
}

const keyOf = (r: StandInResult) =>
  stateKeyId({ ...r, ruleName: r.ruleName, resourceType: r.resourceType, resourceId: r.resourceId });

describe('config-monitor sync against the aggregator stand-in', () => {
  it('baseline on an empty state: the state equals Config, one summary, no per-resource alert', async () => {
    const summary = await sync();
    const expected = visible(baselineData());
    expect(summary).toMatchObject({
      sources: { ok: 3, failed: 1 },
      rules: 5,
      results: expected.length,
      applied: expected.length,
      unchanged: 0,
      closed: 0,
      alerts: { violations: 0, resolved: 0, messages: 1 },
      baseline: true,
      coverage: { without_rules: [`121212121212/${REGION}`] },
    });
    expect(summary.coverage.unhealthy_sources).toEqual([
      { account: C, region: REGION, status: 'FAILED', error: 'AccessDenied: no role' },
    ]);
    const states = await stateByKey();
    expect(states.size).toBe(expected.length);
    for (const r of expected) expect(states.get(keyOf(r))).toBe(r.complianceType);
    // The throttled calls were retried by the SDK, and empty pages were paged through.
    expect(standIn.requests().some((r) => r.throttled)).toBe(true);
    // The status of the sync is kept for the dashboard and the daily report.
    const status = await new SyncStatusRepository(stack.doc, stack.tables.events).latest();
    expect(status).toMatchObject({
      sources: { ok: 3, failed: 1 },
      results: expected.length,
      baseline: true,
      coverage: { withoutRules: [`121212121212/${REGION}`] },
    });
    expect(status?.coverage.unhealthySources).toHaveLength(1);
  });

  it('re-running the same sync applies nothing and alerts nothing', async () => {
    const summary = await sync();
    expect(summary).toMatchObject({
      applied: 0,
      unchanged: visible(baselineData()).length,
      closed: 0,
      alerts: { violations: 0, resolved: 0, messages: 0 },
      baseline: false,
    });
  });

  it('drift both ways, a stale result, a gone pair; a failed source keeps its pairs', async () => {
    // Prepare: bucket 1 of A turns NON_COMPLIANT and bucket 0 COMPLIANT, both later; bucket 2 of B
    // reports an OLDER evaluation than ours (a newer live event was applied); bucket 3 of B and
    // C's bucket 0 are no longer reported (deleted).
    const later = '2025-07-01T00:00:00.000Z';
    const data = baselineData()
      .map((r) => {
        if (r.account === A && r.resourceId.endsWith('-1') && r.ruleName.startsWith('s3'))
          return result(A, r.ruleName, 1, 'NON_COMPLIANT', later);
        if (r.account === A && r.resourceId.endsWith('-0') && r.ruleName.startsWith('s3'))
          return result(A, r.ruleName, 0, 'COMPLIANT', later);
        if (r.account === B && r.resourceId.endsWith('-2') && r.ruleName.startsWith('s3'))
          return result(B, r.ruleName, 2, 'COMPLIANT', '2025-05-01T00:00:00.000Z');
        return r;
      })
      .filter((r) => !(r.resourceId === `bucket-${B}-3` || r.resourceId === `bucket-${C}-0`));
    standIn.setData({ results: data });

    // Act
    const summary = await sync();

    // Assess: 2 drifts + 1 gone applied; A-1 opened, A-0 resolved; B-3 was compliant (closed, no alert).
    expect(summary).toMatchObject({
      applied: 3,
      stale: 1,
      closed: 1,
      alerts: { violations: 1, resolved: 1 },
      baseline: false,
    });
    expect(summary.alerts.messages).toBe(2);
    expect(summary.skipped_pairs).toBeGreaterThanOrEqual(1);
    const states = await stateByKey();
    expect(states.get(keyOf(result(A, 's3-bucket-versioning-enabled', 1, 'NON_COMPLIANT')))).toBe(
      'NON_COMPLIANT',
    );
    expect(states.get(keyOf(result(A, 's3-bucket-versioning-enabled', 0, 'COMPLIANT')))).toBe('COMPLIANT');
    expect(states.get(keyOf(result(B, 's3-bucket-versioning-enabled', 3, 'COMPLIANT')))).toBe(
      'NOT_APPLICABLE',
    );
    // C's source failed: its missing pair stays open.
    expect(states.get(keyOf(result(C, 's3-bucket-versioning-enabled', 0, 'NON_COMPLIANT')))).toBe(
      'NON_COMPLIANT',
    );
    // The drift messages say how they were found; annotations from other accounts are escaped.
    const again = await sync();
    expect(again).toMatchObject({
      applied: 0,
      closed: 0,
      alerts: { violations: 0, resolved: 0, messages: 0 },
    });
  });

  it('a crash mid-sync is resumed by running it again: every record applied once, alerts once', async () => {
    // Prepare: a new pair per account becomes NON_COMPLIANT; the first publish "crashes" after
    // putting its records.
    const later = '2025-08-01T00:00:00.000Z';
    const extra = [A, B].flatMap((account) =>
      Array.from({ length: 300 }, (_, i) => result(account, 'new-rule', i, 'NON_COMPLIANT', later)),
    );
    standIn.setData({ results: [...visible(baselineData()).filter((r) => r.account !== C), ...extra] });
    const c = client();
    let calls = 0;
    const crashing = reconcile({
      config: new AggregatorComplianceSource(c, AGGREGATOR),
      state: new ComplianceStateRepository(stack.doc, stack.tables.state),
      publisher: {
        async publish(records) {
          await stack.publish(records);
          if (++calls === 1) throw new Error('killed after the first batch');
        },
      },
    });
    await expect(crashing).rejects.toThrow(/killed/);
    c.destroy();
    await stack.waitUntilProcessed();
    const drainedBefore = await stack.deliverAlerts();

    // Act
    const resumed = await sync();

    // Assess: 600 violations in all, across the two runs, none twice.
    expect(drainedBefore.violations + resumed.alerts.violations).toBe(600);
    expect(resumed.applied).toBe(600 - drainedBefore.violations + resumed.closed);
    const states = await stateByKey();
    for (const r of extra) expect(states.get(keyOf(r))).toBe('NON_COMPLIANT');
  });
});
