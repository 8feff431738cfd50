/**
 * The one EventBridge event pattern of config-monitor.
 *
 * It is used by the CDK rules (agent default bus → master bus, master bus → Kinesis) and by the
 * local ingest filter, so that what the embedded stack accepts is exactly what AWS forwards.
 */

export const CONFIG_SOURCE = 'aws.config';
/**
 * The source of the records the reconciler writes into the stream (never through the bus, whose
 * rules take only {@link CONFIG_SOURCE}): compliance changes read from an AWS Config aggregator.
 */
export const RECONCILE_SOURCE = 'config-monitor.reconcile';
export const COMPLIANCE_CHANGE = 'Config Rules Compliance Change';
export const CONFIGURATION_ITEM_CHANGE = 'Config Configuration Item Change';

export const ACCEPTED_DETAIL_TYPES = [COMPLIANCE_CHANGE, CONFIGURATION_ITEM_CHANGE] as const;
export type AcceptedDetailType = (typeof ACCEPTED_DETAIL_TYPES)[number];

/** EventBridge pattern (JSON form), as given to `events.Rule({ eventPattern })` / `AWS::Events::Rule`. */
export const CONFIG_EVENT_PATTERN = {
  source: [CONFIG_SOURCE],
  'detail-type': [...ACCEPTED_DETAIL_TYPES],
} as const satisfies Record<string, readonly string[]>;

// Computed once: this runs for every record the consumer sees.
const PATTERN_FIELDS = Object.entries(CONFIG_EVENT_PATTERN) as [string, readonly string[]][];

/** Whether the consumer takes an envelope: the ONE pattern, or a reconciler's compliance change. */
export function isConsumedEvent(envelope: Record<string, unknown>): boolean {
  return (
    matchesConfigEventPattern(envelope) ||
    (envelope.source === RECONCILE_SOURCE && envelope['detail-type'] === COMPLIANCE_CHANGE)
  );
}

/**
 * Matches an event envelope against {@link CONFIG_EVENT_PATTERN} with EventBridge's semantics for
 * top-level exact-value lists: every named field must be present and equal one listed value.
 */
export function matchesConfigEventPattern(envelope: Record<string, unknown>): boolean {
  for (const [field, allowed] of PATTERN_FIELDS) {
    const value = envelope[field];
    if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) return false;
  }
  return true;
}
