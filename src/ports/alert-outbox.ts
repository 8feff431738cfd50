/**
 * The alert outbox as the notifier uses it: the pending queue, the destinations' gates, the drain
 * lease and, in bot mode, each pair's Slack thread. Implemented on the outbox table by
 * src/adapters/dynamodb/alert-outbox.repository.ts and alert-thread.repository.ts (and in memory by
 * the tests' helpers); the notifier (src/use-cases/deliver-alerts.ts) knows only this file.
 */
import type { Alert, AlertKind, StateKey } from '../domain/compliance-state.js';
import type { PostedMessage, SlackMessage } from './message-sink.js';

/** An alert still waiting to be delivered. `id` is the event id. */
export interface PendingAlert {
  readonly id: string;
  readonly alert: Alert;
  /** ISO time of the enqueue. */
  readonly createdAt: string;
  readonly attempts: number;
  readonly lastError: string | null;
  /**
   * Posts of this alert that were sent but never answered (see {@link recordUnconfirmed}): each
   * may be in the channel, so the notifier re-posts it at most once more.
   */
  readonly unconfirmedPosts: number;
}

/** The delivery gate of one webhook, persisted so that it holds across invocations. */
export interface RouteGate {
  /** ISO time before which no post should be tried, or null when open. */
  readonly blockedUntil: string | null;
  readonly consecutiveFailures: number;
  readonly lastError: string | null;
}

/** Outcome of trying to take the drain lease; when refused, who holds it and until when. */
export type LeaseAttempt =
  | { readonly acquired: true }
  | { readonly acquired: false; readonly holder: string | null; readonly until: string | null };

/**
 * The order of the pending queue (enqueue time, then event id) as one comparable text: what
 * {@link AlertOutbox.listPending}'s `after` takes to read on past the last alert a drain listed.
 */
export function pendingSortKey(item: Pick<PendingAlert, 'createdAt' | 'id'>): string {
  return `${item.createdAt}#${item.id}`;
}

/** The outbox operations the notifier needs (implemented by `AlertOutboxRepository`). */
export interface AlertOutbox {
  /** Oldest first; after the pending sort key `after` when given (see `pendingSortKey`). */
  listPending(limit: number, now?: Date, after?: string): Promise<PendingAlert[]>;
  countPending(): Promise<number>;
  markDelivered(ids: readonly string[], messageRef: string, now?: Date): Promise<void>;
  /**
   * Marks alerts a mute held back as delivered-as-muted (`muted_by`). @default - `markDelivered`
   * with the message reference `muted:<mute id>`
   */
  markMuted?(ids: readonly string[], muteId: string, now?: Date): Promise<void>;
  recordFailure(
    ids: readonly string[],
    reason: string,
    options?: { now?: Date; retryAt?: Date },
  ): Promise<void>;
  recordUnconfirmed(ids: readonly string[], reason: string, now?: Date): Promise<void>;
  park(ids: readonly string[], reason: string, now?: Date): Promise<void>;
  /** The gate of one destination (`ROUTE#<destination>`). */
  getRouteGate(destination?: string): Promise<RouteGate>;
  blockRoute(until: Date, reason: string, now?: Date, destination?: string): Promise<void>;
  clearRouteGate(now?: Date, destination?: string): Promise<void>;
}

/**
 * The drain lease of one webhook (implemented by `AlertOutboxRepository` on the outbox table).
 * `owner` is a token unique to one drain; times are absolute.
 */
export interface DrainLease {
  /** Takes the lease if free or expired (`lease_until < now`); else says who holds it until when. */
  acquireDrainLease(owner: string, until: Date, now: Date): Promise<LeaseAttempt>;
  /** Extends the lease if `owner` still holds it; false when it was taken over. */
  renewDrainLease(owner: string, until: Date, now: Date): Promise<boolean>;
  /** Frees the lease if `owner` still holds it. */
  releaseDrainLease(owner: string, now: Date): Promise<void>;
}

/** A pair's Slack thread: where its violation was posted, and what was posted. */
export interface AlertThread extends PostedMessage {
  /** The routing destination the original was posted to. */
  readonly destination: string;
  /** The original message as posted (a resolution re-sends it with a banner). */
  readonly original: SlackMessage;
  /** The violation whose post started the thread. */
  readonly openedBy: string;
  /** ISO time of that post. */
  readonly postedAt: string;
  /** The last alert of the pair delivered in this thread, and its kind. */
  readonly lastEventId: string;
  readonly lastKind: AlertKind;
  /**
   * When the pair's last violation in this thread happened (its `eventTime`): how long it was open,
   * for a resolution that does not say (alerts without `openedAt`).
   */
  readonly openedAt: string;
}

/** The threads of pairs in bot mode (implemented by `AlertThreadRepository` on the outbox table). */
export interface AlertThreadStore {
  /** The threads of these pairs by `stateKeyId`; none for a pair without one or past its TTL. */
  getMany(keys: readonly StateKey[], now?: Date): Promise<ReadonlyMap<string, AlertThread>>;
  put(key: StateKey, thread: AlertThread, now?: Date): Promise<void>;
  /** Records the last alert delivered in the thread of message `ts`, and renews its TTL. */
  touch(
    key: StateKey,
    ts: string,
    last: { eventId: string; kind: AlertThread['lastKind']; openedAt?: string },
    now?: Date,
  ): Promise<void>;
  /** Forgets the thread of message `ts` (a newer thread of the pair is left alone). */
  forget(key: StateKey, ts: string): Promise<void>;
}
