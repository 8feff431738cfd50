/**
 * What the reconciler reads and writes (src/use-cases/reconcile.ts): AWS Config's current
 * compliance through an aggregator, our hot state, and the stream the records enter.
 */
import type { ComplianceState } from '../domain/compliance-state.js';
import type { ComplianceType } from '../domain/config-event.js';

/** One aggregator source (account and region) and how its last aggregation went. */
export interface ComplianceSourceStatus {
  readonly account: string;
  readonly region: string;
  readonly status: 'SUCCEEDED' | 'FAILED' | 'OUTDATED';
  readonly lastUpdateTime: string | null;
  readonly error: string | null;
}

/** A rule of one account and region that has compliance results. */
export interface RuleScope {
  readonly ruleName: string;
  readonly account: string;
  readonly region: string;
}

/** One current evaluation result, as the aggregator reports it (COMPLIANT or NON_COMPLIANT only). */
export interface ComplianceResult {
  readonly account: string;
  readonly region: string;
  readonly ruleName: string;
  readonly resourceType: string;
  readonly resourceId: string;
  readonly complianceType: ComplianceType;
  /** Normalized ISO timestamps (`YYYY-MM-DDTHH:mm:ss.sssZ`). */
  readonly orderingTimestamp: string;
  readonly recordedTime: string;
  readonly annotation: string | null;
}

/** AWS Config's current compliance of an organization (an aggregator). */
export interface ConfigComplianceSource {
  /** Every source of the aggregator with its last aggregation. */
  sources(): Promise<readonly ComplianceSourceStatus[]>;
  /** Every (rule, account, region) with results; rules without results are not listed (AWS). */
  rules(): Promise<readonly RuleScope[]>;
  /** The results of one rule in one account and region, every page. */
  results(scope: RuleScope): AsyncIterable<ComplianceResult>;
}

/** Every state the hot store holds. */
export interface StateLister {
  listStates(): AsyncIterable<ComplianceState>;
}

/** Puts records (EventBridge-shaped events) into the stream, every one or an error. */
export interface RecordPublisher {
  publish(records: readonly Record<string, unknown>[]): Promise<void>;
}

/**
 * What the last sync found, kept for the dashboard, the API and the daily report: when it ran,
 * its counts and the coverage of the organization.
 */
export interface SyncStatus {
  readonly syncId: string;
  readonly syncTime: string;
  readonly sources: { readonly ok: number; readonly failed: number };
  readonly rules: number;
  readonly results: number;
  readonly applied: number;
  readonly closed: number;
  readonly alerts: { readonly violations: number; readonly resolved: number };
  readonly baseline: boolean;
  readonly coverage: {
    readonly unhealthySources: readonly ComplianceSourceStatus[];
    /** `account/region` of healthy sources that report no rule with results. */
    readonly withoutRules: readonly string[];
  };
}

/** Keeps the status of the last sync (one item, overwritten by each sync). */
export interface SyncStatusStore {
  save(status: SyncStatus): Promise<void>;
  /** The last sync's status, or null when no sync has run. */
  latest(): Promise<SyncStatus | null>;
}

/**
 * Where a paused sync stands: what it has done so far and what it needs to go on. A sync that runs
 * longer than one Lambda invocation pauses after a whole rule scope, saves this, and a next
 * invocation resumes from it (the same ids, the same baseline decision, counts carried).
 */
export interface ReconcileCheckpoint {
  readonly syncId: string;
  readonly syncTime: string;
  /** `account/region/rule` of the last scope done, in the order of `account/region/rule` as text; null before the first. */
  readonly lastScope: string | null;
  /** Sources our state knew at the sync's start: a result of any other source is a baseline. */
  readonly knownSources: readonly string[];
  readonly baselineSources: readonly string[];
  readonly counts: ReconcileCounts;
  readonly skippedPairs: number;
  readonly tally: ReconcileTally;
}

export interface ReconcileCounts {
  results: number;
  applied: number;
  unchanged: number;
  stale: number;
  closed: number;
  violations: number;
  resolved: number;
}

/** The posture of the pairs settled so far: additive over scopes. */
export interface ReconcileTally {
  pairs: number;
  compliant: number;
  nonCompliant: number;
  openByAccount: Record<string, number>;
  openByRule: Record<string, number>;
}

/** Keeps the checkpoint of a paused sync between invocations (one at a time). */
export interface SyncCheckpointStore {
  /** The paused sync's checkpoint and when it was saved, or null. */
  load(): Promise<{ readonly checkpoint: ReconcileCheckpoint; readonly savedAt: string } | null>;
  save(checkpoint: ReconcileCheckpoint): Promise<void>;
  /** Removes the checkpoint (the sync is done, or abandoned). */
  clear(): Promise<void>;
}
