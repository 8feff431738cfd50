/**
 * Current compliance state per (account, region, rule, resource type, resource id) and the alert
 * decisions taken when an evaluation arrives. Pure: the store and the notifier live in adapters.
 */
import type { ComplianceChange, ComplianceType, ReconciliationMode } from './config-event.js';
import {
  FLAPPING_DEFAULTS,
  type FlappingEffect,
  type FlappingOptions,
  type FlappingRecord,
  flappingAlertId,
  isStatusChange,
  replayFlapping,
  stepFlapping,
  windowHours,
} from './flapping.js';

/** The five fields that identify one evaluated (resource, rule) pair. */
export interface StateKey {
  readonly account: string;
  readonly region: string;
  readonly ruleName: string;
  readonly resourceType: string;
  readonly resourceId: string;
}

/** The state kept for a key: the newest evaluation seen. */
export interface ComplianceState extends StateKey {
  readonly status: ComplianceType;
  /** See {@link orderOf}: compares as text, greater is newer. */
  readonly order: string;
  readonly eventId: string;
  readonly orderingTimestamp: string;
  readonly annotation: string | null;
  /**
   * While the state is NON_COMPLIANT: when the pair became non-compliant, the notification time
   * (`eventTime`) of the evaluation that moved it there, kept through later NON_COMPLIANT
   * evaluations (a new annotation); for a pair already non-compliant when config-monitor first saw
   * it, when it was first seen. Absent otherwise, and on states written before it existed.
   */
  readonly openedAt?: string;
  /** The pair's recent changes and whether it is flagged as flapping (src/domain/flapping.ts). */
  readonly flapping?: FlappingRecord;
}

/**
 * {@link ComplianceState.openedAt} of a pair after `event`: kept from a NON_COMPLIANT `current`
 * (its own, or its last evaluation's time on a state written before openedAt existed), else the
 * event's notification time; none when the event leaves the pair out of NON_COMPLIANT.
 */
export function openedAtAfter(
  event: Pick<ComplianceChange, 'newStatus' | 'eventTime'>,
  current: ComplianceState | undefined,
): string | undefined {
  if (event.newStatus !== 'NON_COMPLIANT') return undefined;
  if (current?.status === 'NON_COMPLIANT') return current.openedAt ?? current.orderingTimestamp;
  return event.eventTime;
}

/**
 * `flapping`: the pair changed status more often than the flapping threshold allows; it is quiet
 * until stable (src/domain/flapping.ts).
 */
export type AlertKind = 'violation' | 'resolution' | 'flapping';

/**
 * One alert decision. Its id (`eventId`, the outbox key) is the event id for a violation or a
 * resolution: an event id never produces a second alert. A flapping alert's is
 * `flapping:<event id>` ({@link flappingAlertId}), so it never takes the place of the event's own.
 */
export interface Alert extends StateKey {
  readonly kind: AlertKind;
  readonly eventId: string;
  readonly ruleArn: string | null;
  readonly newStatus: ComplianceType;
  readonly oldStatus: ComplianceType | null;
  readonly annotation: string | null;
  /** When the evaluation was notified (EventBridge `time`): what a message shows as its time. */
  readonly eventTime: string;
  /** Orders it (see {@link orderOf}); on a rollout it is the capture time of an old item. */
  readonly orderingTimestamp: string;
  /**
   * Resolutions: when the pair became non-compliant (the state's {@link ComplianceState.openedAt}
   * before this evaluation), so the message can say how long it was open. Absent when unknown (and
   * on alerts queued before it existed).
   */
  readonly openedAt?: string;
  /**
   * `drift` or `gone` when the reconciler found the change (EventBridge missed it, or AWS Config no
   * longer reports the pair); null (or absent, on alerts queued before) for a live event.
   */
  readonly reconciliation?: Exclude<ReconciliationMode, 'baseline'> | null;
  /**
   * Flapping alerts: how many changes within how many hours flagged the pair, and the event whose
   * change did (its own id; the alert's is `flapping:<it>`).
   */
  readonly flapping?: { readonly changes: number; readonly windowHours: number; readonly eventId: string };
  /** A violation or resolution that is the first change after the pair stopped flapping. */
  readonly wasFlapping?: boolean;
}

/** A stable text identity of a key, for maps (the unit separator cannot occur in AWS names). */
export function stateKeyId(key: StateKey): string {
  return `${key.account}\u001f${key.region}\u001f${key.ruleName}\u001f${key.resourceType}\u001f${key.resourceId}`;
}

/**
 * The order of an evaluation for "latest" comparisons: greatest `orderingTimestamp`, then
 * `recordedTime`, then event id — the semantics of the archive queries. Both timestamps
 * are normalized ISO strings of equal length, so the concatenation compares correctly as text,
 * in code and in a DynamoDB condition expression alike.
 */
/** The parts of an {@link orderOf} text (both timestamps are normalized, 24 characters). */
export function orderParts(order: string): {
  orderingTimestamp: string;
  recordedTime: string;
  eventId: string;
} {
  return {
    orderingTimestamp: order.slice(0, 24),
    recordedTime: order.slice(25, 49),
    eventId: order.slice(50),
  };
}

export function orderOf(
  event: Pick<ComplianceChange, 'orderingTimestamp' | 'recordedTime' | 'eventId'>,
): string {
  return `${event.orderingTimestamp}|${event.recordedTime}|${event.eventId}`;
}

export type Decision =
  | { readonly newest: false }
  | { readonly newest: true; readonly state: ComplianceState; readonly alert: Alert | null };

const STALE: Decision = Object.freeze({ newest: false });

/**
 * Decides what one evaluation does, given the current state of its key (or none).
 *
 * - Older than the state: stale; kept in history, changes nothing, alerts nothing.
 * - Equal order: this very event was applied before (a redelivery after a partial failure);
 *   it is treated as newest again so that its alert is re-derived — the outbox is keyed by event
 *   id, so re-deriving never sends twice.
 * - Newer: becomes the state; NON_COMPLIANT entered from absent/other is a violation, and
 *   NON_COMPLIANT → COMPLIANT | NOT_APPLICABLE is a resolution. NON_COMPLIANT → NON_COMPLIANT
 *   (a new annotation) is neither.
 * - Flapping (src/domain/flapping.ts): the change that takes the pair past `flapping.maxChanges`
 *   changes in the window raises one flapping alert instead of its own; the pair is then quiet
 *   until stable for the window, and the change after that alerts as usual (`wasFlapping`).
 */
export function decide(
  event: ComplianceChange,
  current: ComplianceState | undefined,
  flapping: FlappingOptions = FLAPPING_DEFAULTS,
): Decision {
  const order = orderOf(event);
  if (current && current.order > order) return STALE;
  let record: FlappingRecord | undefined;
  let effect: FlappingEffect;
  if (current && current.order === order) {
    record = current.flapping;
    effect = replayFlapping(record, event.eventId);
  } else {
    const change =
      event.reconciliation?.mode !== 'baseline' && isStatusChange(current?.status, event.newStatus);
    ({ record, effect } = stepFlapping(
      current?.flapping,
      { eventId: event.eventId, at: event.eventTime, change },
      flapping,
    ));
  }
  // Literals, not an object spread of the key: it is measurably slower per event (bench:consumer).
  const state: ComplianceState = {
    account: event.account,
    region: event.region,
    ruleName: event.ruleName,
    resourceType: event.resourceType,
    resourceId: event.resourceId,
    status: event.newStatus,
    order,
    eventId: event.eventId,
    orderingTimestamp: event.orderingTimestamp,
    annotation: event.annotation,
    openedAt: openedAtAfter(event, current),
    ...(record === undefined ? {} : { flapping: record }),
  };
  switch (effect.kind) {
    case 'none':
      return { newest: true, state, alert: alertFor(event, current) };
    case 'quiet':
      return { newest: true, state, alert: null };
    case 'stabilised': {
      const alert = alertFor(event, current);
      return { newest: true, state, alert: alert && { ...alert, wasFlapping: true } };
    }
    case 'flagged':
      return { newest: true, state, alert: flappingAlert(event, current, effect.changes, flapping) };
    default: {
      const unknown: never = effect;
      throw new Error(`no alert rule for flapping effect ${JSON.stringify(unknown)}`);
    }
  }
}

/** The one alert of a pair flagged as flapping by `event`'s change. */
function flappingAlert(
  event: ComplianceChange,
  current: ComplianceState | undefined,
  changes: number,
  options: FlappingOptions,
): Alert {
  return {
    kind: 'flapping',
    account: event.account,
    region: event.region,
    ruleName: event.ruleName,
    resourceType: event.resourceType,
    resourceId: event.resourceId,
    eventId: flappingAlertId(event.eventId),
    ruleArn: event.ruleArn,
    newStatus: event.newStatus,
    oldStatus: current?.status ?? event.oldStatus,
    annotation: event.annotation,
    eventTime: event.eventTime,
    orderingTimestamp: event.orderingTimestamp,
    reconciliation:
      event.reconciliation?.mode === 'drift' || event.reconciliation?.mode === 'gone'
        ? event.reconciliation.mode
        : null,
    flapping: { changes, windowHours: windowHours(options), eventId: event.eventId },
  };
}

function alertFor(event: ComplianceChange, current: ComplianceState | undefined): Alert | null {
  // A baseline (the first sync of an account and region) is the posture before config-monitor
  // existed: one summary message, no alert per resource.
  if (event.reconciliation?.mode === 'baseline') return null;
  let kind: AlertKind | null = null;
  if (event.newStatus === 'NON_COMPLIANT' && event.oldStatus !== 'NON_COMPLIANT') kind = 'violation';
  else if (
    event.oldStatus === 'NON_COMPLIANT' &&
    (event.newStatus === 'COMPLIANT' || event.newStatus === 'NOT_APPLICABLE')
  ) {
    kind = 'resolution';
  }
  if (!kind) return null;
  return {
    kind,
    account: event.account,
    region: event.region,
    ruleName: event.ruleName,
    resourceType: event.resourceType,
    resourceId: event.resourceId,
    eventId: event.eventId,
    ruleArn: event.ruleArn,
    newStatus: event.newStatus,
    oldStatus: event.oldStatus,
    annotation: event.annotation,
    eventTime: event.eventTime,
    orderingTimestamp: event.orderingTimestamp,
    reconciliation:
      event.reconciliation?.mode === 'drift' || event.reconciliation?.mode === 'gone'
        ? event.reconciliation.mode
        : null,
    // How long it was open: the state's own record of when the pair became non-compliant (a
    // state written before openedAt existed has none, and its message then shows no duration).
    ...(kind === 'resolution' && current?.status === 'NON_COMPLIANT' && current.openedAt
      ? { openedAt: current.openedAt }
      : {}),
  };
}

/** Compliance score: compliant / (compliant + non-compliant) × 100, 2 decimals; null when both are 0. */
export function complianceScore(compliant: number, nonCompliant: number): number | null {
  const scored = compliant + nonCompliant;
  if (scored === 0) return null;
  return Math.round((10_000 * compliant) / scored) / 100;
}
