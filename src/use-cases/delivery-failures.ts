/**
 * What the notifier does when a post fails (src/use-cases/deliver-alerts.ts drains; this decides
 * the backoffs and when alerts are parked). An item is marked delivered only after a successful
 * post. A failed post leaves its alerts pending (`attempts + 1`), so alerts are delayed, never lost;
 * the consumer only enqueues, so the Kinesis stream is never blocked by Slack.
 * - Slack down (5xx, 429, a network error before the message was sent — after the client's own
 *   bounded retries): the webhook's route gate closes for max(Retry-After, the backoff of
 *   TRANSIENT_BASE_MS up to TRANSIENT_CAP_MS; Retry-After capped at RETRY_AFTER_CAP_MS), and the
 *   drain stops. Stream and schedule
 *   triggers inside that window only read the gate.
 * - No answer to a message that was sent (a timeout or a reset after the request went out —
 *   Slack may have posted it and answered late, or never): ambiguous, so it is not re-posted in
 *   this drain. Its alerts stay pending with `unconfirmed_posts + 1` (counted in `unconfirmed`,
 *   not in `failed`), the gate closes as for an outage and the drain stops. The next drain
 *   re-posts them once, logged as a possible duplicate (counted in `possibleDuplicates`); if that
 *   post goes unanswered too, they are parked instead of being posted a third time.
 * - Webhook broken (`no_service`, `channel_not_found`, 403/404/410): logged at error level with
 *   Slack's error text (never the URL) and counted in `failed`; the alerts stay pending and the
 *   gate closes for the backoff of WEBHOOK_BASE_MS up to WEBHOOK_CAP_MS — a bounded retry cadence until someone fixes
 *   the secret or the channel, after which the backlog goes out (as digests if large). Nothing is
 *   dropped except by the outbox TTL.
 * - One message refused (`invalid_payload`, `invalid_blocks`…, with HTTP 400 or 200 — any
 *   answer but `ok` is an error — or a render error): only its
 *   alerts are retried later (the backoff of MESSAGE_BASE_MS up to MESSAGE_CAP_MS) so they never block the
 *   ones behind them; after `maxMessageAttempts` they are parked (out of the pending index, kept
 *   in the table, logged at error level).
 *
 * The numbers live in the constants below (each backoff doubles per consecutive failure, from its
 * base to its cap: src/domain/backoff.ts); docs/slack.md's failure table gives them for operators.
 *
 * Alerts refused or parked by this process are deferred in memory until their retry time: the
 * lagging pending index can still list them without it, and re-trying them at once would use up
 * their attempts within one drain.
 */
import { backoffDelay } from '../domain/backoff.js';
import type { AlertOutbox, PendingAlert } from '../ports/alert-outbox.js';
import type { Logger } from '../ports/logger.js';
import type { PostResult } from '../ports/message-sink.js';

const TRANSIENT_BASE_MS = 30_000;
const TRANSIENT_CAP_MS = 5 * 60_000;
const RETRY_AFTER_CAP_MS = 15 * 60_000;
const WEBHOOK_BASE_MS = 5 * 60_000;
const WEBHOOK_CAP_MS = 60 * 60_000;
const MESSAGE_BASE_MS = 60_000;
const MESSAGE_CAP_MS = 60 * 60_000;
/**
 * Unanswered posts after which an alert is parked rather than posted again: the first may have
 * landed, the re-post may have too, a third could make it three times.
 */
export const MAX_UNCONFIRMED_POSTS = 2;
/** Event ids named in a log line at most. */
export const LOGGED_IDS = 10;
/** Far longer than the pending index's propagation lag (usually well under a second). */
export const RECENTLY_DELIVERED_MS = 5 * 60_000;

export interface FailurePolicyDeps {
  readonly outbox: AlertOutbox;
  readonly clock: () => Date;
  readonly maxMessageAttempts: number;
  readonly logger?: Pick<Logger, 'warn' | 'error'> | undefined;
}

export interface FailurePolicy {
  /** Whether this process refused or parked `id` and its retry time has not come yet. */
  isDeferred(id: string, nowMs: number): boolean;
  /** Forgets the deferrals whose time has come. */
  forgetExpired(nowMs: number): void;
  /** Only this message was refused: retry its alerts later, park them after too many attempts. */
  refuseMessage(
    ids: readonly string[],
    reason: string,
    byId: ReadonlyMap<string, PendingAlert>,
  ): Promise<void>;
  /**
   * A message was sent and not answered: its alerts stay pending with one more unconfirmed post,
   * for the next drain to re-post once; those already re-posted once are parked instead.
   */
  recordUnconfirmed(
    reason: string,
    ids: readonly string[],
    byId: ReadonlyMap<string, PendingAlert>,
  ): Promise<void>;
  /** Alerts posted twice without an answer: parked, never posted a third time. */
  parkUnconfirmed(ids: readonly string[], reason?: string): Promise<void>;
  /** Slack is down or the webhook is broken: keep the alerts, pause the whole webhook for a while. */
  closeGate(
    destination: string,
    posted: Extract<PostResult, { ok: false }>,
    ids: readonly string[],
    failures: number,
  ): Promise<void>;
}

/** The failure policy of one notifier; its deferrals live across drains. */
export function createFailurePolicy(deps: FailurePolicyDeps): FailurePolicy {
  const { clock, logger, maxMessageAttempts } = deps;
  /**
   * Event ids this process refused or parked, with the time before which they must not be tried
   * again (see the module comment).
   */
  const deferredUntil = new Map<string, number>();

  async function parkUnconfirmed(ids: readonly string[], reason?: string): Promise<void> {
    const now = clock();
    const parked = `delivery unconfirmed: Slack never answered ${MAX_UNCONFIRMED_POSTS} posts of these alerts (each may be in the channel); parked rather than posted again${reason ? ` (last: ${reason})` : ''}`;
    logger?.error(
      'Slack never answered two posts of these alerts; they are parked in the outbox, not re-posted',
      {
        reason: parked,
        alerts: ids.length,
        eventIds: ids.slice(0, LOGGED_IDS),
      },
    );
    await deps.outbox.park(ids, parked, now);
    for (const id of ids) deferredUntil.set(id, now.getTime() + RECENTLY_DELIVERED_MS);
  }

  return {
    isDeferred: (id, nowMs) => (deferredUntil.get(id) ?? 0) > nowMs,

    forgetExpired(nowMs) {
      for (const [id, until] of deferredUntil) if (until <= nowMs) deferredUntil.delete(id);
    },

    async refuseMessage(ids, reason, byId) {
      const now = clock();
      const attempts = 1 + Math.max(0, ...ids.map((id) => byId.get(id)?.attempts ?? 0));
      if (attempts >= maxMessageAttempts) {
        logger?.error('Slack refused a message repeatedly; its alerts are parked in the outbox', {
          reason,
          alerts: ids.length,
          attempts,
        });
        await deps.outbox.park(ids, reason, now);
        for (const id of ids) deferredUntil.set(id, now.getTime() + RECENTLY_DELIVERED_MS);
        return;
      }
      const delay = backoffDelay(attempts, {
        baseMs: MESSAGE_BASE_MS,
        capMs: MESSAGE_CAP_MS,
        jitter: 'none',
      });
      logger?.error('Slack refused a message; its alerts will be retried', {
        reason,
        alerts: ids.length,
        attempts,
        retryInMs: delay,
      });
      await deps.outbox.recordFailure(ids, reason, { now, retryAt: new Date(now.getTime() + delay) });
      for (const id of ids) deferredUntil.set(id, now.getTime() + delay);
    },

    async recordUnconfirmed(reason, ids, byId) {
      await deps.outbox.recordUnconfirmed(ids, reason, clock());
      const exhausted = ids.filter(
        (id) => (byId.get(id)?.unconfirmedPosts ?? 0) + 1 >= MAX_UNCONFIRMED_POSTS,
      );
      const again = ids.length - exhausted.length;
      if (again > 0) {
        logger?.warn(
          'Slack did not answer a message it may have posted; a later drain re-posts its alerts once (a possible duplicate)',
          { reason, alerts: again },
        );
      }
      if (exhausted.length > 0) await parkUnconfirmed(exhausted, reason);
    },

    parkUnconfirmed,

    async closeGate(destination, posted, ids, failures) {
      const now = clock();
      const delay = posted.retryable
        ? Math.max(
            Math.min(posted.retryAfterMs ?? 0, RETRY_AFTER_CAP_MS),
            backoffDelay(failures, { baseMs: TRANSIENT_BASE_MS, capMs: TRANSIENT_CAP_MS, jitter: 'none' }),
          )
        : backoffDelay(failures, { baseMs: WEBHOOK_BASE_MS, capMs: WEBHOOK_CAP_MS, jitter: 'none' });
      const extra = {
        destination,
        reason: posted.reason,
        alerts: ids.length,
        consecutiveFailures: failures,
        retryInMs: delay,
      };
      if (posted.ambiguous) logger?.warn('Slack did not answer; delivery paused', extra);
      else if (posted.retryable) logger?.warn('Slack unavailable; alerts stay queued', extra);
      else logger?.error('Slack webhook rejected the message: check the webhook configuration', extra);
      // An unanswered post was recorded as such (recordUnconfirmed), not as a failure.
      if (!posted.ambiguous) await deps.outbox.recordFailure(ids, posted.reason, { now });
      await deps.outbox.blockRoute(new Date(now.getTime() + delay), posted.reason, now, destination);
    },
  };
}
