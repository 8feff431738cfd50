/**
 * Flapping: a (resource, rule) pair whose status keeps changing. Past `maxChanges` changes within
 * `windowMs` (defaults: more than 4 in 24 h) the pair is flagged once, by one `flapping` alert, and
 * is then quiet (no violation, no resolution) until it has been stable for the window; the next
 * change after that alerts as usual, noting that the pair was flapping. Pure: the state item keeps
 * the {@link FlappingRecord} and the consumer (src/domain/compliance-state.ts `decide`) steps it.
 *
 * A change is an evaluation whose status differs from the pair's previous one, into or out of
 * NON_COMPLIANT: the transitions that alert. COMPLIANT ↔ NOT_APPLICABLE never alerts and does not
 * count; neither does a pair's first evaluation, nor a baseline record (the posture before
 * config-monitor, not a change).
 *
 * Order and time (DESIGN.md, "When is not order"). The changes are taken in the order of the
 * evaluations' order key (orderingTimestamp, recordedTime, event id), never in arrival order: only
 * an evaluation that becomes the pair's newest state steps the record, so the record lists changes
 * in key order, and a late evaluation, older by the key than the state, is kept in history but
 * neither counts nor alerts, exactly as it moves no state. The window is measured in notification
 * time (the EventBridge `time`, the evaluation's `eventTime`): "6 changes in 24 h" is about when
 * they happened. The orderingTimestamp is the capture time of the evaluated configuration item,
 * which a rule or conformance-pack rollout dates months back: changes minutes apart could look
 * months apart, and a burst could hide.
 *
 * Once per transition, under redelivery and reordering: the flapping alert's id is derived from the
 * event whose change flagged the pair (`flapping:<event id>`, {@link flappingAlertId}), and the
 * record keeps that event id while the pair is flagged. A redelivered event (equal order key: the
 * state already holds it) changes nothing and re-derives the same decision (the same flapping
 * alert id if it was the flagging event, quiet if the pair is flagged), and the outbox keeps one
 * item per id. The record is trimmed to the window and to `maxChanges + 1` times, all a decision
 * needs, so the state item stays small however fast a pair flaps.
 */
import type { ComplianceType } from './config-event.js';

export interface FlappingOptions {
  /** A pair is flapping when it changes more than this many times within the window. */
  readonly maxChanges: number;
  /** The window, ms of notification time; also how long a flagged pair must be stable. */
  readonly windowMs: number;
}

export const FLAPPING_DEFAULTS: FlappingOptions = Object.freeze({
  maxChanges: 4,
  windowMs: 24 * 3_600_000,
});

/** What a pair's state keeps of its recent changes. */
export interface FlappingRecord {
  /**
   * Notification times (ISO) of the pair's latest changes, in order-key order: those within the
   * window of the newest, at most `maxChanges + 1`.
   */
  readonly changes: readonly string[];
  /** While the pair is flagged: the event whose change flagged it, and the count then. */
  readonly flagged?: { readonly eventId: string; readonly changes: number };
}

/** What a pair's newest evaluation does to its alerts. */
export type FlappingEffect =
  /** Not flapping: alert as usual. */
  | { readonly kind: 'none' }
  /** This change flagged the pair: one flapping alert instead of its own. */
  | { readonly kind: 'flagged'; readonly changes: number }
  /** Flagged: no violation or resolution alert. */
  | { readonly kind: 'quiet' }
  /** The first change after the pair was stable for the window: alert as usual, saying it flapped. */
  | { readonly kind: 'stabilised' };

/** One evaluation that becomes the pair's newest state. */
export interface FlappingStep {
  readonly eventId: string;
  /** Its notification time (`eventTime`, ISO). */
  readonly at: string;
  /** Whether it changes the pair's status ({@link isStatusChange}). */
  readonly change: boolean;
}

/** Whether going from `previous` (none: the first evaluation) to `next` counts as a change. */
export function isStatusChange(previous: ComplianceType | undefined, next: ComplianceType): boolean {
  return (
    previous !== undefined && previous !== next && (previous === 'NON_COMPLIANT' || next === 'NON_COMPLIANT')
  );
}

/**
 * Steps a pair's record by its newest evaluation. Returns the record to store (undefined: nothing
 * to keep) and what the evaluation does to its alerts.
 */
export function stepFlapping(
  record: FlappingRecord | undefined,
  step: FlappingStep,
  options: FlappingOptions = FLAPPING_DEFAULTS,
): { readonly record: FlappingRecord | undefined; readonly effect: FlappingEffect } {
  if (!step.change) {
    return { record, effect: record?.flagged ? QUIET : NONE };
  }
  const at = Date.parse(step.at);
  const earlier = record?.changes ?? [];
  const last = earlier.length > 0 ? Date.parse(earlier[earlier.length - 1] as string) : null;
  const stable = last === null || at - last >= options.windowMs;
  const recent = earlier.filter((t) => Date.parse(t) > at - options.windowMs);
  const changes = [...recent, step.at].slice(-(options.maxChanges + 1));
  if (record?.flagged) {
    if (stable) return { record: { changes }, effect: STABILISED };
    return { record: { changes, flagged: record.flagged }, effect: QUIET };
  }
  if (changes.length > options.maxChanges) {
    const flagged = { eventId: step.eventId, changes: changes.length };
    return { record: { changes, flagged }, effect: { kind: 'flagged', changes: changes.length } };
  }
  return { record: { changes }, effect: NONE };
}

/**
 * What a redelivered evaluation does (its order equals the state's: the state already holds it).
 * The record is left as stored; the effect is the one its first delivery had, as far as the
 * outbox needs it: the same flapping alert when it flagged the pair, quiet while flagged.
 */
export function replayFlapping(record: FlappingRecord | undefined, eventId: string): FlappingEffect {
  if (!record?.flagged) return NONE;
  if (record.flagged.eventId === eventId) return { kind: 'flagged', changes: record.flagged.changes };
  return QUIET;
}

/** The outbox id of the flapping alert an event's change raised: never an event id itself. */
export function flappingAlertId(eventId: string): string {
  return `flapping:${eventId}`;
}

/** The window in whole hours, as messages say it ("6 changes in 24 h"). */
export function windowHours(options: FlappingOptions): number {
  return Math.round(options.windowMs / 3_600_000);
}

const NONE: FlappingEffect = Object.freeze({ kind: 'none' });
const QUIET: FlappingEffect = Object.freeze({ kind: 'quiet' });
const STABILISED: FlappingEffect = Object.freeze({ kind: 'stabilised' });
