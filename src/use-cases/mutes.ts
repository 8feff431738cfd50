/**
 * Mutes as the CLI, the API and the alert notifier use them (the rules are in src/domain/mute.ts).
 *
 * - add / remove / list: validated, stored with an audit entry naming who, when and why.
 * - {@link createDeliveryMutes}: what the notifier needs once per drain: the mutes in force (a
 *   pending alert of a pair one covers is held back: recorded in the outbox as delivered-as-muted,
 *   never posted), a record of what each mute held back, and the end of each mute that has expired
 *   or been removed since the last drain.
 *
 * The end of a mute. When a mute ends on a pair that is still non-compliant, the pair alerts again,
 * once: the first drain after the end queues one violation per such pair under the event id
 * {@link muteEndAlertId} (one per mute and pair, so a retried end never queues it twice), then marks
 * the end handled. "Still non-compliant" is what the hot state says: the pairs of the mute's scope
 * that are NON_COMPLIANT now, and the pairs whose last held-back alert was a violation and whose
 * state is NON_COMPLIANT or no longer in the hot store (unchanged for its 90-day retention: still
 * open). A pair covered by another mute in force is queued too, and held back by that mute when it
 * is delivered, so its own end alerts it again. A removal ends a mute as an expiry does.
 */
import type { Alert } from '../domain/compliance-state.js';
import { stateKeyId } from '../domain/compliance-state.js';
import {
  checkMuteId,
  checkMuteRequest,
  checkReason,
  hasEnded,
  isInForce,
  type Mute,
  type MuteEndNote,
  muteCovers,
  muteEndAlertId,
  muteEndNote,
  newMuteId,
  type RawMuteRequest,
} from '../domain/mute.js';
import type { MuteStore, OpenPair, OpenPairSource } from '../ports/mutes.js';

/** Creates a mute from a raw request; throws `InvalidMuteError` naming the field that is wrong. */
export async function addMute(
  store: Pick<MuteStore, 'create'>,
  raw: RawMuteRequest,
  actor: string,
  now: Date = new Date(),
): Promise<Mute> {
  const request = checkMuteRequest(raw, now);
  const mute: Mute = {
    ...request,
    id: newMuteId(),
    createdAt: now.toISOString(),
    createdBy: actor,
    removedAt: null,
    removedBy: null,
    removalReason: null,
    endHandledAt: null,
  };
  return store.create(mute, actor);
}

/** Ends a mute now; the reason is optional (trimmed, at most 500 characters, one line). */
export async function removeMute(
  store: Pick<MuteStore, 'remove'>,
  id: string,
  actor: string,
  reason: string | null,
  now: Date = new Date(),
): Promise<Mute> {
  checkMuteId(id);
  return store.remove(id, actor, checkReason(reason), now);
}

/** The stored mutes: those in force at `now`, or every one still stored (`all`). */
export async function listMutes(
  store: Pick<MuteStore, 'list'>,
  options: { all?: boolean; now?: Date } = {},
): Promise<Mute[]> {
  const now = options.now ?? new Date();
  const mutes = await store.list();
  return options.all ? mutes : mutes.filter((mute) => isInForce(mute, now));
}

/** A violation raised by the end of a mute: it says so in the message. */
export type MuteEndAlert = Alert & { readonly muteEnded: MuteEndNote };

/** Reads the note of a mute's end from an alert, if it carries one (alerts are stored as data). */
export function muteEndOf(alert: Alert): MuteEndNote | null {
  const note = (alert as Partial<MuteEndAlert>).muteEnded;
  return note && typeof note.id === 'string' ? note : null;
}

/** What the notifier needs of mutes (see the module comment). */
export interface DeliveryMutes {
  /**
   * Once per drain, before anything is listed: reads the mutes, queues the re-alerts of those that
   * ended and were not handled yet, and returns the mutes in force at `now`.
   */
  begin(now: Date): Promise<{ readonly inForce: readonly Mute[]; readonly ends: MuteEnds }>;
  /** Records what each mute held back (before the alerts are marked delivered-as-muted). */
  recordHeld(held: readonly { mute: Mute; alert: Alert }[], now: Date): Promise<void>;
}

export interface MuteEnds {
  /** Mutes whose end this call handled. */
  readonly mutes: number;
  /** Re-alerts newly queued. */
  readonly realerts: number;
  /**
   * Ends that failed (the open pairs or the outbox unreadable…): retried by the next drain. They
   * never stop the delivery of the other alerts.
   */
  readonly failures: readonly { readonly muteId: string; readonly error: unknown }[];
}

export interface DeliveryMutesDeps {
  readonly store: MuteStore;
  readonly open: OpenPairSource;
  readonly outbox: { enqueue(alerts: readonly Alert[], now?: Date): Promise<{ enqueued: number }> };
}

export function createDeliveryMutes(deps: DeliveryMutesDeps): DeliveryMutes {
  return {
    async begin(now) {
      const mutes = await deps.store.list();
      const ends = await handleEnded(deps, mutes, now);
      return { inForce: mutes.filter((mute) => isInForce(mute, now)), ends };
    },
    recordHeld(held, now) {
      return deps.store.recordHeld(held, now);
    },
  };
}

/** Queues the re-alerts of each mute that has ended and whose end was not handled, then marks it. */
export async function handleEnded(
  deps: DeliveryMutesDeps,
  mutes: readonly Mute[],
  now: Date,
): Promise<MuteEnds> {
  let realerts = 0;
  let handled = 0;
  const failures: { muteId: string; error: unknown }[] = [];
  for (const mute of mutes) {
    if (mute.endHandledAt !== null || !hasEnded(mute, now)) continue;
    try {
      const alerts = await endAlerts(deps, mute);
      // Queued before the mark: a crash in between repeats the end, and the ids keep it to once.
      const { enqueued } = alerts.length > 0 ? await deps.outbox.enqueue(alerts, now) : { enqueued: 0 };
      realerts += enqueued;
      const summary = `${alerts.length} pair${alerts.length === 1 ? '' : 's'} still non-compliant alerted again`;
      if (await deps.store.markEndHandled(mute, summary, now)) handled += 1;
    } catch (error) {
      failures.push({ muteId: mute.id, error });
    }
  }
  return { mutes: handled, realerts, failures };
}

/** The re-alerts of one ended mute: its pairs still non-compliant (see the module comment). */
async function endAlerts(deps: DeliveryMutesDeps, mute: Mute): Promise<MuteEndAlert[]> {
  const note = muteEndNote(mute);
  const byPair = new Map<string, MuteEndAlert>();
  for (const pair of await deps.open.openPairs(mute.account, mute.region)) {
    if (!muteCovers(mute, pair)) continue;
    byPair.set(stateKeyId(pair), fromOpenPair(mute, pair, note));
  }
  const held = (await deps.store.held(mute.id)).filter(
    (pair) => pair.kind === 'violation' && pair.violation !== null && !byPair.has(stateKeyId(pair)),
  );
  if (held.length > 0) {
    const states = await deps.open.statusOf(held);
    held.forEach((pair, i) => {
      const state = states[i];
      if (state && state.status !== 'NON_COMPLIANT') return; // closed since
      const violation = pair.violation as Alert;
      byPair.set(stateKeyId(pair), {
        ...violation,
        eventId: muteEndAlertId(mute.id, pair),
        muteEnded: note,
      });
    });
  }
  return [...byPair.values()];
}

function fromOpenPair(mute: Mute, pair: OpenPair, note: MuteEndNote): MuteEndAlert {
  return {
    kind: 'violation',
    account: pair.account,
    region: pair.region,
    ruleName: pair.ruleName,
    resourceType: pair.resourceType,
    resourceId: pair.resourceId,
    eventId: muteEndAlertId(mute.id, pair),
    ruleArn: null,
    newStatus: 'NON_COMPLIANT',
    oldStatus: null,
    annotation: pair.annotation,
    // Since when it is non-compliant: the violation's own time, not the mute's end.
    eventTime: pair.openedAt ?? pair.orderingTimestamp,
    orderingTimestamp: pair.orderingTimestamp,
    reconciliation: null,
    muteEnded: note,
  };
}
