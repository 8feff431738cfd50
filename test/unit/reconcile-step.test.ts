/**
 * A sync in steps (the reconciler Lambda pauses before its timeout and resumes in a next
 * invocation): the same records, counts and baseline decision as the sync done at once, even when
 * the consumer applied the first step's records before the second step reads the state.
 */
import { describe, expect, it } from 'vitest';
import { type ComplianceState, orderOf, stateKeyId } from '../../src/domain/compliance-state.js';
import type {
  ComplianceResult,
  ComplianceSourceStatus,
  ConfigComplianceSource,
  RuleScope,
} from '../../src/ports/config-compliance.js';
import { type ReconcileCheckpoint, reconcile, reconcileStep } from '../../src/use-cases/reconcile.js';

const OLD = '2024-01-01T00:00:00.000Z';
const NEWER = '2026-11-30T00:00:00.000Z';
const KNOWN = '111122223333';
const FRESH = '444455556666';
const REGION = 'eu-west-1';

function result(account: string, rule: string, n: number, status: ComplianceResult['complianceType']) {
  return {
    account,
    region: REGION,
    ruleName: rule,
    resourceType: 'AWS::S3::Bucket',
    resourceId: `bucket-${n}`,
    complianceType: status,
    orderingTimestamp: NEWER,
    recordedTime: NEWER,
    annotation: null,
  } satisfies ComplianceResult;
}

function state(r: ComplianceResult, status: ComplianceState['status'], at: string): ComplianceState {
  const eventId = `live-${r.resourceId}-${r.ruleName}`;
  return {
    account: r.account,
    region: r.region,
    ruleName: r.ruleName,
    resourceType: r.resourceType,
    resourceId: r.resourceId,
    status,
    order: orderOf({ orderingTimestamp: at, recordedTime: at, eventId }),
    eventId,
    orderingTimestamp: at,
    annotation: null,
  };
}

/** Eight rules in two accounts: one known to our state, one new (a baseline). */
function world() {
  const results: ComplianceResult[] = [];
  for (const account of [KNOWN, FRESH]) {
    for (let rule = 0; rule < 4; rule++) {
      for (let n = 0; n < 3; n++) {
        results.push(
          result(account, `rule-${rule}`, n, (n + rule) % 2 === 0 ? 'NON_COMPLIANT' : 'COMPLIANT'),
        );
      }
    }
  }
  const states = new Map<string, ComplianceState>();
  for (const r of results.filter((x) => x.account === KNOWN)) {
    states.set(
      stateKeyId(r),
      state(r, r.complianceType === 'COMPLIANT' ? 'NON_COMPLIANT' : 'COMPLIANT', OLD),
    );
  }
  // A pair of ours under a rule AWS Config no longer lists: gone.
  const deleted = state(result(KNOWN, 'rule-deleted', 0, 'NON_COMPLIANT'), 'NON_COMPLIANT', OLD);
  states.set(stateKeyId(deleted), deleted);
  const sources: ComplianceSourceStatus[] = [KNOWN, FRESH].map((account) => ({
    account,
    region: REGION,
    status: 'SUCCEEDED',
    lastUpdateTime: NEWER,
    error: null,
  }));
  const config: ConfigComplianceSource = {
    sources: async () => sources,
    // Listed in an order unlike the one the reconciler works in.
    rules: async () => {
      const scopes = new Map<string, RuleScope>();
      for (const r of results) scopes.set(`${r.ruleName}/${r.account}`, r);
      return [...scopes.values()].reverse();
    },
    async *results(scope: RuleScope) {
      for (const r of results) {
        if (r.account === scope.account && r.region === scope.region && r.ruleName === scope.ruleName)
          yield r;
      }
    },
  };
  return { config, states };
}

/** The consumer's effect on the state: a record newer than the state becomes the state. */
function apply(states: Map<string, ComplianceState>, records: readonly Record<string, unknown>[]) {
  for (const record of records) {
    const detail = record.detail as Record<string, any>;
    const q = detail.newEvaluationResult.evaluationResultIdentifier.evaluationResultQualifier;
    const key = {
      account: detail.awsAccountId as string,
      region: detail.awsRegion as string,
      ruleName: q.configRuleName as string,
      resourceType: q.resourceType as string,
      resourceId: q.resourceId as string,
    };
    const at = detail.newEvaluationResult.evaluationResultIdentifier.orderingTimestamp as string;
    const eventId = record.id as string;
    states.set(stateKeyId(key), {
      ...key,
      status: detail.newEvaluationResult.complianceType,
      order: orderOf({
        orderingTimestamp: at,
        recordedTime: detail.newEvaluationResult.resultRecordedTime,
        eventId,
      }),
      eventId,
      orderingTimestamp: at,
      annotation: null,
    });
  }
}

const clock = () => new Date('2026-12-01T05:00:00.000Z');

describe('reconcileStep: a sync paused and resumed', () => {
  it('writes the same records and reports the same counts as the sync done at once', async () => {
    const once = world();
    const onceRecords: Record<string, unknown>[] = [];
    const whole = await reconcile({
      config: once.config,
      state: {
        listStates: async function* () {
          yield* once.states.values();
        },
      },
      publisher: { publish: async (r) => void onceRecords.push(...r) },
      clock,
    });

    const stepped = world();
    const steppedRecords: Record<string, unknown>[] = [];
    const deps = {
      config: stepped.config,
      state: {
        listStates: async function* () {
          yield* [...stepped.states.values()];
        },
      },
      publisher: {
        publish: async (records: readonly Record<string, unknown>[]) => {
          steppedRecords.push(...records);
          apply(stepped.states, records); // the consumer keeps up between steps
        },
      },
      clock,
    };
    let checkpoint: ReconcileCheckpoint | undefined;
    let steps = 0;
    for (;;) {
      steps++;
      let scopes = 0;
      // Three scopes a step (asked before each start; four run at once at most).
      const step = await reconcileStep(deps, { resume: checkpoint, shouldPause: () => scopes++ >= 3 });
      if (step.done) {
        expect(step.report).toEqual(whole);
        break;
      }
      // A checkpoint survives a round trip through JSON (it is stored between invocations).
      checkpoint = JSON.parse(JSON.stringify(step.checkpoint)) as ReconcileCheckpoint;
    }
    expect(steps).toBe(3);
    const ids = (records: Record<string, unknown>[]) => records.map((r) => r.id as string).sort();
    expect(ids(steppedRecords)).toEqual(ids(onceRecords));
    expect(new Set(ids(steppedRecords)).size).toBe(steppedRecords.length);
    expect(whole).toMatchObject({
      rules: 8,
      results: 24,
      applied: 25,
      closed: 1,
      baseline: true,
      baselineSources: [`${FRESH}/${REGION}`],
      // Only the known account's flips alert; the new account's results are its baseline.
      alerts: { violations: 6, resolved: 7 },
    });
  });

  it('a step redone after a crash (checkpoint not saved) writes the same ids again and nothing else', async () => {
    const w = world();
    const first: Record<string, unknown>[] = [];
    const deps = {
      config: w.config,
      state: {
        listStates: async function* () {
          yield* [...w.states.values()];
        },
      },
      publisher: { publish: async (r: readonly Record<string, unknown>[]) => void first.push(...r) },
      clock,
    };
    let scopes = 0;
    const step = await reconcileStep(deps, { shouldPause: () => scopes++ >= 2 });
    expect(step.done).toBe(false);
    const again: Record<string, unknown>[] = [];
    let scopes2 = 0;
    await reconcileStep(
      { ...deps, publisher: { publish: async (r) => void again.push(...r) } },
      { shouldPause: () => scopes2++ >= 2 },
    );
    expect(again.map((r) => r.id)).toEqual(first.map((r) => r.id));
  });
});
