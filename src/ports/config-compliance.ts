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
