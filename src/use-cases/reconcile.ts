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
 *
 * Why one file: one sync, read in its order (scopes, results against our state, the records it
 * writes, the status it reports); the record shapes are built next to the decisions (baseline,
 * drift, gone) that pick them.
 */
import { createHash } from 'node:crypto';
import { type ComplianceState, complianceScore, orderParts, stateKeyId } from '../domain/compliance-state.js';
import { baseRuleName, type ComplianceType, type ReconciliationMode } from '../domain/config-event.js';
import { COMPLIANCE_CHANGE, RECONCILE_SOURCE } from '../domain/event-pattern.js';
import type {
  ComplianceResult,
  ComplianceSourceStatus,
  ConfigComplianceSource,
  ReconcileCheckpoint,
  ReconcileCounts,
  ReconcileTally,
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

export type ReconcileStep =
  | { readonly done: true; readonly report: ReconcileReport }
  | { readonly done: false; readonly checkpoint: ReconcileCheckpoint };

export interface ReconcileStepOptions {
  /** Continue this paused sync. @default - a new sync */
  readonly resume?: ReconcileCheckpoint;
  /** Asked before each rule scope starts: true pauses the sync after the scopes in flight. */
  readonly shouldPause?: () => boolean;
}

export type { ReconcileCheckpoint } from '../ports/config-compliance.js';

const scopeKey = (s: { account: string; region: string; ruleName: string }) =>
  `${s.account}/${s.region}/${s.ruleName}`;

/** The order scopes are worked in: stable across invocations whatever order the API lists them. */
function scopeOrder(a: RuleScope, b: RuleScope): number {
  const x = scopeKey(a);
  const y = scopeKey(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** Reads the aggregator, compares with our state, writes the records: the whole sync at once. */
export async function reconcile(deps: ReconcileDeps): Promise<ReconcileReport> {
  const step = await reconcileStep(deps);
  if (!step.done) throw new Error('reconcile paused without a pause condition');
  return step.report;
}

/**
 * One step of a sync: from the start or from a checkpoint, scope by scope in {@link scopeOrder},
 * until every scope is done (then the pairs of scopes AWS Config no longer lists are closed and
 * the report is returned) or `shouldPause` asks to stop (then the checkpoint is returned).
 *
 * Each scope is settled whole: its results against our states of that scope (the state table's
 * partition key is the scope), then its pairs that were not reported are gone. A step that crashed
 * is redone from the last saved checkpoint; the records it rewrites have the same ids.
 */
export async function reconcileStep(
  deps: ReconcileDeps,
  options: ReconcileStepOptions = {},
): Promise<ReconcileStep> {
  const clock = deps.clock ?? (() => new Date());
  const resume = options.resume;
  const syncTime = resume?.syncTime ?? clock().toISOString();
  const syncId = resume?.syncId ?? `sync-${syncTime}`;

  // Our states by scope. Records this sync already wrote may be in them (resume): only scopes
  // after the checkpoint are compared, and the baseline decision uses the sources of the start.
  const byScope = new Map<string, ComplianceState[]>();
  const stateSources = new Set<string>();
  for await (const state of deps.state.listStates()) {
    const key = scopeKey(state);
    const list = byScope.get(key);
    if (list) list.push(state);
    else byScope.set(key, [state]);
    stateSources.add(sourceKey(state.account, state.region));
  }
  const knownSources = new Set(resume ? resume.knownSources : stateSources);

  const sources = await deps.config.sources();
  const healthy = new Set(
    sources.filter((s) => s.status === 'SUCCEEDED').map((s) => sourceKey(s.account, s.region)),
  );
  const isHealthy = (state: ComplianceState) =>
    healthy.has(sourceKey(state.account, state.region)) || healthy.has(sourceKey('*', state.region));
  const rules = [...(await deps.config.rules())].sort(scopeOrder);
  const listed = new Set(rules.map(scopeKey));
  const todo = resume?.lastScope ? rules.filter((r) => scopeKey(r) > (resume.lastScope as string)) : rules;

  const baselineSources = new Set(resume?.baselineSources ?? []);
  const counts: ReconcileCounts = resume
    ? { ...resume.counts }
    : { results: 0, applied: 0, unchanged: 0, stale: 0, closed: 0, violations: 0, resolved: 0 };
  const tally: ReconcileTally = resume
    ? {
        ...resume.tally,
        openByAccount: { ...resume.tally.openByAccount },
        openByRule: { ...resume.tally.openByRule },
      }
    : { pairs: 0, compliant: 0, nonCompliant: 0, openByAccount: {}, openByRule: {} };
  let skippedPairs = resume?.skippedPairs ?? 0;
  const pending: Record<string, unknown>[] = [];

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
  const settle = (pair: { status: ComplianceType; ruleName: string; account: string }) => {
    tally.pairs++;
    if (pair.status === 'COMPLIANT') tally.compliant++;
    if (pair.status !== 'NON_COMPLIANT') return;
    tally.nonCompliant++;
    tally.openByAccount[pair.account] = (tally.openByAccount[pair.account] ?? 0) + 1;
    const rule = baseRuleName(pair.ruleName);
    tally.openByRule[rule] = (tally.openByRule[rule] ?? 0) + 1;
  };

  const handle = async (result: ComplianceResult, state: ComplianceState | undefined) => {
    counts.results++;
    if (state) {
      const { recordedTime } = orderParts(state.order);
      const ours = `${state.orderingTimestamp}|${recordedTime}`;
      const theirs = `${result.orderingTimestamp}|${result.recordedTime}`;
      if (theirs === ours) {
        counts.unchanged++;
        settle({ status: result.complianceType, ruleName: result.ruleName, account: result.account });
        return;
      }
      if (theirs < ours) {
        counts.stale++;
        settle(state);
        return;
      }
    }
    const source = sourceKey(result.account, result.region);
    const mode: ReconciliationMode = knownSources.has(source) ? 'drift' : 'baseline';
    if (mode === 'baseline') baselineSources.add(source);
    pending.push(recordOf(result, state, mode, syncId, syncTime));
    counts.applied++;
    countAlert(mode, state?.status ?? null, result.complianceType);
    settle({ status: result.complianceType, ruleName: result.ruleName, account: result.account });
    await flush(false);
  };

  /** A pair of ours that AWS Config does not report (any more). */
  const unreported = (state: ComplianceState) => {
    if ((state.status !== 'COMPLIANT' && state.status !== 'NON_COMPLIANT') || !isHealthy(state)) {
      if (state.status === 'COMPLIANT' || state.status === 'NON_COMPLIANT') skippedPairs++;
      settle(state);
      return;
    }
    pending.push(goneRecordOf(state, syncId, syncTime));
    counts.applied++;
    counts.closed++;
    countAlert('gone', state.status, 'NOT_APPLICABLE');
    settle({ status: 'NOT_APPLICABLE', ruleName: state.ruleName, account: state.account });
  };

  let started = 0;
  let paused = false;
  let rulesDone = rules.length - todo.length;
  await forEachLimited(
    todo,
    RECONCILE_CONCURRENCY,
    async (scope: RuleScope) => {
      const states = new Map((byScope.get(scopeKey(scope)) ?? []).map((s) => [stateKeyId(s), s]));
      for await (const result of deps.config.results(scope)) {
        const id = stateKeyId(result);
        const state = states.get(id);
        states.delete(id);
        await handle(result, state);
      }
      for (const state of states.values()) unreported(state);
      deps.onProgress?.({ rulesDone: ++rulesDone, rulesTotal: rules.length });
    },
    () => {
      if (options.shouldPause?.()) paused = true;
      if (!paused) started++;
      return paused;
    },
  );
  await flush(true);

  if (paused && started < todo.length) {
    const last = started > 0 ? todo[started - 1] : undefined;
    return {
      done: false,
      checkpoint: {
        syncId,
        syncTime,
        lastScope: last ? scopeKey(last) : (resume?.lastScope ?? null),
        knownSources: [...knownSources],
        baselineSources: [...baselineSources].sort(),
        counts,
        skippedPairs,
        tally,
      },
    };
  }

  // Scopes AWS Config no longer lists (the rule was deleted, or has no results any more).
  for (const [key, states] of byScope) {
    if (listed.has(key)) continue;
    for (const state of states) unreported(state);
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
    posture: {
      pairs: tally.pairs,
      compliant: tally.compliant,
      nonCompliant: tally.nonCompliant,
      score: complianceScore(tally.compliant, tally.nonCompliant),
      openByAccount: tally.openByAccount,
      openByRule: tally.openByRule,
    },
  };
  // Saved after every record is in the stream: a sync that failed before keeps the last status.
  await deps.status?.save(syncStatusOf(report));
  return { done: true, report };
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

/** `work` on each item, `limit` at a time; `stop()` is asked before each item starts. */
async function forEachLimited<T>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<void>,
  stop: () => boolean,
) {
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length && !stop()) await work(items[next++] as T);
  });
  await Promise.all(workers);
}
