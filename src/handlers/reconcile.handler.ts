/**
 * The reconciler in AWS: one step of a sync per invocation. A Step Functions loop
 * (infra/constructs/reconciler.ts) invokes it until it answers `done: true`; each invocation
 * resumes the checkpoint the last one saved and pauses before its own timeout, so a sync of an
 * organization too large for one 15-minute invocation still completes, and a crashed step is
 * redone from the last checkpoint (its records have the same ids; the consumer stores an id once).
 *
 * When the sync is done it clears the checkpoint, records its metrics (drift found is what the
 * operator must hear about: EventBridge lost events), and posts the baseline summary when a
 * source was seen for the first time.
 */

import { renderBaselineSummary } from '../adapters/slack/baseline-summary.js';
import type { SyncCheckpointStore } from '../ports/config-compliance.js';
import type { Logger } from '../ports/logger.js';
import type { MessageSink } from '../ports/message-sink.js';
import { type ReconcileDeps, type ReconcileReport, reconcileStep } from '../use-cases/reconcile.js';

/** Left to a step after it stops starting new rule scopes: the scopes in flight and the checkpoint. */
export const PAUSE_MARGIN_MS = 180_000;
/** A checkpoint older than this is abandoned and a new sync starts (its records stay applied). */
export const CHECKPOINT_MAX_AGE_MS = 12 * 3_600_000;

/** Metric names of the reconciler; the alarms in infra read the same names. */
export const RECONCILE_METRICS = {
  driftViolations: 'ReconcileDriftViolations',
  driftResolutions: 'ReconcileDriftResolutions',
  pairsClosed: 'ReconcilePairsClosed',
  recordsApplied: 'ReconcileRecordsApplied',
  sourcesFailed: 'ReconcileSourcesFailed',
} as const;

export type ReconcileLogger = Pick<Logger, 'info' | 'warn'>;

export interface ReconcileHandlerDeps extends Omit<ReconcileDeps, 'onProgress'> {
  readonly checkpoints: SyncCheckpointStore;
  readonly logger: ReconcileLogger;
  /** Receives the metrics of a finished sync. */
  readonly metric: (name: string, value: number) => void;
  /** Posts the baseline summary; none: it is only logged. */
  readonly sink?: MessageSink;
  readonly now?: () => Date;
}

/** What the Step Functions loop reads (`done`) and shows in its execution history. */
export type ReconcileStepOutput =
  | { readonly done: false; readonly syncId: string; readonly results: number; readonly applied: number }
  | {
      readonly done: true;
      readonly syncId: string;
      readonly results: number;
      readonly applied: number;
      readonly closed: number;
      readonly driftViolations: number;
      readonly driftResolutions: number;
      readonly baseline: boolean;
      readonly sourcesFailed: number;
    };

export function createReconcileHandler(deps: ReconcileHandlerDeps) {
  const now = deps.now ?? (() => new Date());
  return async (remainingMs: () => number): Promise<ReconcileStepOutput> => {
    const saved = await deps.checkpoints.load();
    let resume = saved?.checkpoint;
    if (saved && now().getTime() - Date.parse(saved.savedAt) > CHECKPOINT_MAX_AGE_MS) {
      deps.logger.warn('Abandoning a stale sync checkpoint; starting a new sync', {
        syncId: saved.checkpoint.syncId,
        savedAt: saved.savedAt,
      });
      resume = undefined;
    }
    const step = await reconcileStep(deps, { resume, shouldPause: () => remainingMs() < PAUSE_MARGIN_MS });
    if (!step.done) {
      await deps.checkpoints.save(step.checkpoint);
      const { syncId, lastScope, counts } = step.checkpoint;
      deps.logger.info('Sync paused; the next step resumes it', { syncId, lastScope, ...counts });
      return { done: false, syncId, results: counts.results, applied: counts.applied };
    }
    const { report } = step;
    await deps.checkpoints.clear();
    recordMetrics(deps.metric, report);
    deps.logger.info('Sync done', summaryOf(report));
    if (report.baseline) await postBaseline(deps, report);
    return {
      done: true,
      syncId: report.syncId,
      results: report.results,
      applied: report.applied,
      closed: report.closed,
      driftViolations: report.alerts.violations,
      driftResolutions: report.alerts.resolved,
      baseline: report.baseline,
      sourcesFailed: report.sources.failed,
    };
  };
}

function recordMetrics(metric: ReconcileHandlerDeps['metric'], report: ReconcileReport): void {
  metric(RECONCILE_METRICS.driftViolations, report.alerts.violations);
  metric(RECONCILE_METRICS.driftResolutions, report.alerts.resolved);
  metric(RECONCILE_METRICS.pairsClosed, report.closed);
  metric(RECONCILE_METRICS.recordsApplied, report.applied);
  metric(RECONCILE_METRICS.sourcesFailed, report.sources.failed);
}

function summaryOf(report: ReconcileReport): Record<string, unknown> {
  return {
    syncId: report.syncId,
    sources: report.sources,
    rules: report.rules,
    results: report.results,
    applied: report.applied,
    unchanged: report.unchanged,
    stale: report.stale,
    closed: report.closed,
    alerts: report.alerts,
    baseline: report.baseline,
    baselineSources: report.baselineSources.length,
    skippedPairs: report.skippedPairs,
    unhealthySources: report.coverage.unhealthySources.length,
    withoutRules: report.coverage.withoutRules.length,
  };
}

/**
 * The summary of a baseline, posted when the sync is done. A failed post is logged, not retried:
 * the state is already right, and the summary is a courtesy, not an alert of a transition.
 */
async function postBaseline(deps: ReconcileHandlerDeps, report: ReconcileReport): Promise<void> {
  if (!deps.sink) {
    deps.logger.info('Baseline summary not posted: no webhook configured');
    return;
  }
  try {
    const posted = await deps.sink.post(renderBaselineSummary(report));
    if (!posted.ok) deps.logger.warn('Baseline summary not posted', { reason: posted });
  } catch (err) {
    deps.logger.warn('Baseline summary not posted', { error: err instanceof Error ? err.name : String(err) });
  }
}
