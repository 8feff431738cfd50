/**
 * What a message says about an alert beyond its decision: looked up by the notifier when the alert
 * is delivered (not when it was decided), so a corrected route, severity override or account name
 * applies to everything still pending. Pure data: the notifier builds it, the renderer shows it.
 */
import type { Alert } from './compliance-state.js';
import { managedRule, type Severity, severityOf } from './managed-rules.js';

/** One property of a configuration item that a change touched (`configurationItemDiff.changedProperties`). */
export interface ChangedProperty {
  /** The property path as AWS Config names it (`Configuration.PublicAccessBlockConfiguration`): untrusted text. */
  readonly path: string;
  /** `CREATE`, `UPDATE` or `DELETE` as AWS Config reports it. */
  readonly changeType: string;
  /** The previous and updated values as compact JSON text, clipped; null when absent. Untrusted. */
  readonly previousValue: string | null;
  readonly updatedValue: string | null;
}

/**
 * The configuration item change that a violation's evaluation was made on: same resource, captured
 * at the evaluation's `orderingTimestamp` (AWS Config evaluates a change-triggered rule against the
 * item captured at that time; the evaluation's orderingTimestamp is that item's capture time).
 */
export interface ResourceChange {
  /** `configurationItemCaptureTime`, normalized. */
  readonly captureTime: string;
  /** `configurationItemDiff.changeType` (`CREATE`, `UPDATE`, `DELETE`), or null. */
  readonly changeType: string | null;
  /** Every changed property AWS Config reported, in its order (a message shows the first few). */
  readonly changedProperties: readonly ChangedProperty[];
  /** `configurationItem.relatedEvents`: CloudTrail event ids (untrusted text). */
  readonly relatedEvents: readonly string[];
}

/** Where an alert was sent and why: a wrong route is fixed from what the message says. */
export interface AlertRoute {
  /** The destination's name in the configuration (`default` for the default destination). */
  readonly destination: string;
  /** The matching routing rule's name (or `#<index>` when unnamed); null when the default applied. */
  readonly rule: string | null;
}

export interface AlertContext {
  readonly severity: Severity;
  readonly severitySource: 'override' | 'catalog' | 'default';
  /** The managed rule's description from the catalog; null for rules it does not know. */
  readonly description: string | null;
  /** The managed rule's page in the AWS Config developer guide; null for unknown rules. */
  readonly remediationUrl: string | null;
  /** From the configuration's `accounts` map; null when the account is not in it. */
  readonly accountName: string | null;
  /** The account's owner from the `accounts` map (a team, an email); null when unknown. */
  readonly owner: string | null;
  readonly route: AlertRoute;
  /** Violations only: the change that caused it, when the pipeline has seen it; else null. */
  readonly change: ResourceChange | null;
}

/** The route of an alert no routing rule matched: the default destination. */
export const DEFAULT_ROUTE: AlertRoute = Object.freeze({ destination: 'default', rule: null });

/**
 * The context of an alert from what the alert alone tells: its rule's severity and catalog entry
 * (the default severity, MEDIUM, and no description or remediation link for a rule the catalog
 * does not know), the default route, no account name or owner, no change. `overrides` replaces any
 * of these (the routing and the configuration's account map build on it).
 */
export function defaultAlertContext(
  alert: Pick<Alert, 'ruleName'>,
  overrides: Partial<AlertContext> = {},
): AlertContext {
  const { severity, source } = severityOf(alert.ruleName);
  const entry = managedRule(alert.ruleName);
  return {
    severity,
    severitySource: source,
    description: entry?.description ?? null,
    remediationUrl: entry?.remediation ?? null,
    accountName: null,
    owner: null,
    route: DEFAULT_ROUTE,
    change: null,
    ...overrides,
  };
}
