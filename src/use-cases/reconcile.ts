/**
 * The reconciler: brings the hot state, the archive and the alerts in line with AWS Config's
 * current compliance, read from an aggregator, through the same path as live events.
 *
 * Why. AWS Config emits a compliance change only when a pair changes status, and EventBridge
 * delivers it on a best-effort basis
 * (https://docs.aws.amazon.com/config/latest/developerguide/monitor-config-with-cloudwatchevents.html),
 * so pairs that never change after the deploy, events EventBridge dropped and pairs whose rule or
 * resource was deleted are invisible to the live path.
 *
 * How. Each result newer than our state (by orderingTimestamp, then resultRecordedTime) becomes a
 * record of the normal compliance-change shape with source `config-monitor.reconcile`, `time` =
 * the sync time, `oldEvaluationResult` = our state (so the consumer derives the same transitions
 * as for a live event) and `detail.reconciliation` = { syncId, mode }:
 * - `baseline` when our state has nothing yet for the result's account and region: no alert;
 * - `drift` otherwise: the consumer alerts the violation or resolution, marked as found by
 *   reconciliation;
 * - `gone` for a COMPLIANT or NON_COMPLIANT pair of ours that a SUCCEEDED source no longer reports
 *   (NOT_APPLICABLE, newer than the state): closed, and a resolution when it was a violation.
 * A result equal to our state is unchanged, an older one is stale: neither is written.
 *
 * Idempotence and resume. A record's id is derived from its key, its order and its mode, so a
 * re-run writes the same ids (the consumer stores an event id once); a crash mid-sync is resumed
 * by running the sync again: what was applied is now our state and is skipped, the rest is written.
 * The aggregator APIs return only COMPLIANT and NON_COMPLIANT results, and omit rules without
 * results (https://docs.aws.amazon.com/config/latest/APIReference/API_GetAggregateComplianceDetailsByConfigRule.html),
 * so NOT_APPLICABLE and INSUFFICIENT_DATA states are never closed, and pairs of a source whose
 * aggregation FAILED or is OUTDATED are never closed (their results, the last aggregation, are
 * still applied).
 */
import { createHash } from 'node:crypto';
import { type ComplianceState, orderParts, stateKeyId } from '../domain/compliance-state.js';
import { baseRuleName, type ComplianceType, type ReconciliationMode } from '../domain/config-event.js';
import { COMPLIANCE_CHANGE, RECONCILE_SOURCE } from '../domain/event-pattern.js';
import type {
  ComplianceResult,
  ComplianceSourceStatus,
  ConfigComplianceSource,
  RecordPublisher,
  RuleScope,
  StateLister,
  SyncStatus,
  SyncStatusStore,
} from '../ports/config-compliance.js';

/** Rules read at once: Config's APIs throttle at a few calls a second. */
export const RECONCILE_CONCURRENCY = 4;
/** Records put per call. */
const PUBLISH_BATCH = 500;

export interface ReconcileDeps {
  readonly config: ConfigComplianceSource;
  readonly state: StateLister;
  readonly publisher: RecordPublisher;
  /** Keeps what this sync found (coverage, counts) for the dashboard and the daily report. */
  readonly status?: SyncStatusStore;
  readonly clock?: () => Date;
  readonly onProgress?: (progress: { readonly rulesDone: number; readonly rulesTotal: number }) => void;
}

export interface ReconcileReport {
  readonly syncId: string;
  readonly syncTime: string;
  readonly sources: { readonly ok: number; readonly failed: number };
  readonly rules: number;
  readonly results: number;
  /** Records written: baseline, drift and gone. */
  readonly applied: number;
  /** Results equal to our state. */
  readonly unchanged: number;
  /** Results older than our state (a newer live event was already applied). */
  readonly stale: number;
  /** Pairs closed because AWS Config no longer reports them. */
  readonly closed: number;
  /** The alerts the records raise (the consumer raises them, once per record id). */
  readonly alerts: { readonly violations: number; readonly resolved: number };
  /** Whether any source was seen for the first time (its results raise no per-resource alert). */
  readonly baseline: boolean;
  readonly baselineSources: readonly string[];
  /** Pairs of failed or outdated sources left open (never closed by this sync). */
  readonly skippedPairs: number;
  readonly coverage: {
    /** Sources whose last aggregation FAILED or is OUTDATED, with the error. */
    readonly unhealthySources: readonly ComplianceSourceStatus[];
    /** `account/region` of SUCCEEDED sources that report no rule with results. */
    readonly withoutRules: readonly string[];
  };
  /** After the sync, for a baseline summary: open violations by account and by base rule, and the score. */
  readonly posture: Posture;
}

export interface Posture {
  readonly pairs: number;
  readonly compliant: number;
  readonly nonCompliant: number;
  readonly score: number | null;
  readonly openByAccount: Readonly<Record<string, number>>;
  readonly openByRule: Readonly<Record<string, number>>;
}

const sourceKey = (account: string, region: string) => `${account}/${region}`;

/** Reads the aggregator, compares with our state, writes the records. */
export async function reconcile(deps: ReconcileDeps): Promise<ReconcileReport> {
  const clock = deps.clock ?? (() => new Date());
  const syncTime = clock().toISOString();
  const syncId = `sync-${syncTime}`;

  const states = new Map<string, ComplianceState>();
  const stateSources = new Set<string>();
  for await (const state of deps.state.listStates()) {
    states.set(stateKeyId(state), state);
    stateSources.add(sourceKey(state.account, state.region));
  }

  const sources = await deps.config.sources();
  const healthy = new Set(
    sources.filter((s) => s.status === 'SUCCEEDED').map((s) => sourceKey(s.account, s.region)),
  );
  const rules = await deps.config.rules();

  const baselineSources = new Set<string>();
  const seen = new Set<string>();
  const pending: Record<string, unknown>[] = [];
  const latest = new Map<string, { status: ComplianceType; ruleName: string; account: string }>();
  const counts = { results: 0, applied: 0, unchanged: 0, stale: 0, closed: 0, violations: 0, resolved: 0 };

  const flush = async (force: boolean) => {
    while (pending.length >= PUBLISH_BATCH || (force && pending.length > 0)) {
      await deps.publisher.publish(pending.splice(0, PUBLISH_BATCH));
    }
  };
  const countAlert = (
    mode: ReconciliationMode,
    oldStatus: ComplianceType | null,
    newStatus: ComplianceType,
  ) => {
    if (mode === 'baseline') return;
    if (newStatus === 'NON_COMPLIANT' && oldStatus !== 'NON_COMPLIANT') counts.violations++;
    else if (oldStatus === 'NON_COMPLIANT' && (newStatus === 'COMPLIANT' || newStatus === 'NOT_APPLICABLE')) {
      counts.resolved++;
    }
  };

  const handle = async (result: ComplianceResult) => {
    counts.results++;
    const id = stateKeyId(result);
    seen.add(id);
    const state = states.get(id);
    latest.set(id, { status: result.complianceType, ruleName: result.ruleName, account: result.account });
    if (state) {
      const { recordedTime } = orderParts(state.order);
      const ours = `${state.orderingTimestamp}|${recordedTime}`;
      const theirs = `${result.orderingTimestamp}|${result.recordedTime}`;
      if (theirs === ours) {
        counts.unchanged++;
        return;
      }
      if (theirs < ours) {
        counts.stale++;
        latest.set(id, { status: state.status, ruleName: state.ruleName, account: state.account });
        return;
      }
    }
    const source = sourceKey(result.account, result.region);
    const mode: ReconciliationMode = stateSources.has(source) ? 'drift' : 'baseline';
    if (mode === 'baseline') baselineSources.add(source);
    pending.push(recordOf(result, state, mode, syncId, syncTime));
    counts.applied++;
    countAlert(mode, state?.status ?? null, result.complianceType);
    await flush(false);
  };

  let rulesDone = 0;
  await forEachLimited(rules, RECONCILE_CONCURRENCY, async (scope: RuleScope) => {
    for await (const result of deps.config.results(scope)) await handle(result);
    deps.onProgress?.({ rulesDone: ++rulesDone, rulesTotal: rules.length });
  });

  let skippedPairs = 0;
  for (const [id, state] of states) {
    if (seen.has(id)) continue;
    if (state.status !== 'COMPLIANT' && state.status !== 'NON_COMPLIANT') {
      latest.set(id, { status: state.status, ruleName: state.ruleName, account: state.account });
      continue;
    }
    if (!healthy.has(sourceKey(state.account, state.region)) && !healthy.has(sourceKey('*', state.region))) {
      skippedPairs++;
      latest.set(id, { status: state.status, ruleName: state.ruleName, account: state.account });
      continue;
    }
    pending.push(goneRecordOf(state, syncId, syncTime));
    counts.applied++;
    counts.closed++;
    countAlert('gone', state.status, 'NOT_APPLICABLE');
    latest.set(id, { status: 'NOT_APPLICABLE', ruleName: state.ruleName, account: state.account });
  }
  await flush(true);

  const withRules = new Set(rules.map((r) => sourceKey(r.account, r.region)));
  const report: ReconcileReport = {
    syncId,
    syncTime,
    sources: { ok: healthy.size, failed: sources.length - healthy.size },
    rules: rules.length,
    results: counts.results,
    applied: counts.applied,
    unchanged: counts.unchanged,
    stale: counts.stale,
    closed: counts.closed,
    alerts: { violations: counts.violations, resolved: counts.resolved },
    baseline: baselineSources.size > 0,
    baselineSources: [...baselineSources].sort(),
    skippedPairs,
    coverage: {
      unhealthySources: sources.filter((s) => s.status !== 'SUCCEEDED'),
      withoutRules: [...healthy].filter((s) => !s.startsWith('*/') && !withRules.has(s)).sort(),
    },
    posture: postureOf(latest.values()),
  };
  // Saved after every record is in the stream: a sync that failed before keeps the last status.
  await deps.status?.save(syncStatusOf(report));
  return report;
}

/** The part of a report that outlives the sync. */
export function syncStatusOf(report: ReconcileReport): SyncStatus {
  return {
    syncId: report.syncId,
    syncTime: report.syncTime,
    sources: report.sources,
    rules: report.rules,
    results: report.results,
    applied: report.applied,
    closed: report.closed,
    alerts: report.alerts,
    baseline: report.baseline,
    coverage: report.coverage,
  };
}

function postureOf(pairs: Iterable<{ status: ComplianceType; ruleName: string; account: string }>): Posture {
  let total = 0;
  let compliant = 0;
  let nonCompliant = 0;
  const openByAccount: Record<string, number> = {};
  const openByRule: Record<string, number> = {};
  for (const pair of pairs) {
    total++;
    if (pair.status === 'COMPLIANT') compliant++;
    if (pair.status !== 'NON_COMPLIANT') continue;
    nonCompliant++;
    openByAccount[pair.account] = (openByAccount[pair.account] ?? 0) + 1;
    const rule = baseRuleName(pair.ruleName);
    openByRule[rule] = (openByRule[rule] ?? 0) + 1;
  }
  const scored = compliant + nonCompliant;
  return {
    pairs: total,
    compliant,
    nonCompliant,
    score: scored === 0 ? null : Math.round((10000 * compliant) / scored) / 100,
    openByAccount,
    openByRule,
  };
}

/** A deterministic event id: the same key, order and mode give the same id on every run. */
function recordId(parts: readonly string[]): string {
  const hex = createHash('sha256').update(parts.join('\u001f'), 'utf8').digest('hex');
  return `rcn-${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

function evaluation(
  key: { ruleName: string; resourceType: string; resourceId: string },
  complianceType: ComplianceType,
  orderingTimestamp: string,
  recordedTime: string,
  annotation: string | null,
) {
  return {
    evaluationResultIdentifier: {
      evaluationResultQualifier: {
        configRuleName: key.ruleName,
        resourceType: key.resourceType,
        resourceId: key.resourceId,
      },
      orderingTimestamp,
    },
    complianceType,
    resultRecordedTime: recordedTime,
    ...(annotation ? { annotation } : {}),
  };
}

function envelope(
  id: string,
  key: { account: string; region: string; ruleName: string; resourceType: string; resourceId: string },
  syncTime: string,
  detail: Record<string, unknown>,
): Record<string, unknown> {
  return {
    version: '0',
    id,
    'detail-type': COMPLIANCE_CHANGE,
    source: RECONCILE_SOURCE,
    account: key.account,
    time: syncTime,
    region: key.region,
    resources: [],
    detail: {
      resourceId: key.resourceId,
      awsRegion: key.region,
      awsAccountId: key.account,
      configRuleName: key.ruleName,
      messageType: 'ComplianceChangeNotification',
      resourceType: key.resourceType,
      notificationCreationTime: syncTime,
      ...detail,
    },
  };
}

function oldOf(state: ComplianceState | undefined) {
  if (!state) return {};
  const { recordedTime } = orderParts(state.order);
  return {
    oldEvaluationResult: evaluation(
      state,
      state.status,
      state.orderingTimestamp,
      recordedTime,
      state.annotation,
    ),
  };
}

function recordOf(
  result: ComplianceResult,
  state: ComplianceState | undefined,
  mode: ReconciliationMode,
  syncId: string,
  syncTime: string,
): Record<string, unknown> {
  const id = recordId([
    stateKeyId(result),
    result.orderingTimestamp,
    result.recordedTime,
    result.complianceType,
    mode,
  ]);
  return envelope(id, result, syncTime, {
    newEvaluationResult: evaluation(
      result,
      result.complianceType,
      result.orderingTimestamp,
      result.recordedTime,
      result.annotation,
    ),
    ...oldOf(state),
    reconciliation: { syncId, mode },
  });
}

function goneRecordOf(state: ComplianceState, syncId: string, syncTime: string): Record<string, unknown> {
  // Newer than the state by construction: the sync time is after every evaluation we hold.
  const id = recordId([stateKeyId(state), state.eventId, 'gone']);
  return envelope(id, state, syncTime, {
    newEvaluationResult: evaluation(
      state,
      'NOT_APPLICABLE',
      syncTime,
      syncTime,
      'Closed by reconciliation: AWS Config no longer reports this rule and resource (deleted)',
    ),
    ...oldOf(state),
    reconciliation: { syncId, mode: 'gone' },
  });
}

async function forEachLimited<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>) {
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await work(items[next++] as T);
  });
  await Promise.all(workers);
}
