/**
 * Drains the alert outbox to Slack (or the outbox folder): paced, storm-aware, and never losing an
 * alert.
 *
 * - Pacing: at most one post per `minIntervalMs` (about 1 s for a webhook) from this deliverer; in
 *   AWS only the holder of the webhook's drain lease posts (see "One drain at a time" below), so
 *   this is the rate per webhook.
 * - Storms: when more than `digestThreshold` alerts arrive within a minute (pending now plus
 *   delivered in the last minute), violations and resolutions go out as digests grouped by account
 *   and rule (see domain/alert-digest.ts): 20,000 alerts become a few dozen messages at most.
 * - Failures: an item is marked delivered only after a successful post; a failed post leaves its
 *   alerts pending, so alerts are delayed, never lost. The backoffs of a destination's gate, the
 *   retries of a refused message and the parking of alerts Slack keeps refusing or never answers
 *   are src/use-cases/delivery-failures.ts.
 *
 * Exactly once, as far as Slack allows: incoming webhooks have no idempotency key, so a crash (or
 * a Lambda timeout) after Slack accepted a post and before `markDelivered` re-posts that one
 * message on the next drain. To keep that window to one message, each message's alerts are
 * marked delivered right after its post (not at the end of the drain), a post is never started
 * when the time budget cannot cover it, and drains never overlap (serialized here; across Lambda
 * instances by the drain lease). A message that was sent but not answered is not re-posted in the
 * same drain and at most once by a later one (src/use-cases/delivery-failures.ts), so a late or
 * silent Slack can at worst duplicate each such message once: an alert reaches the channel at most
 * twice.
 *
 * One drain at a time, without reserved concurrency: reserving concurrency fails to deploy in
 * accounts whose Lambda quota is under 101, so with `lease` set every drain first takes the
 * webhook's lease in the outbox table — a conditional write that succeeds only when nobody holds it
 * or the holder's `lease_until` has passed, naming this drain as `lease_owner`.
 * - At most one concurrent drain: DynamoDB applies a conditional write atomically on one item, so of
 *   any number of drains racing for the lease one wins; the others return at once without posting
 *   (their alerts stay pending, for the holder or the next trigger). The holder renews the lease
 *   (`lease_owner = me`) before it lists or posts once `leaseRenewIntervalMs` have passed since the
 *   last renewal, so every post starts with at least `leaseDurationMs - leaseRenewIntervalMs` (45 s
 *   by default) of lease left, more than a post (the notifier's client gives up within ~15 s) and
 *   its outbox write take; the lease therefore cannot expire under a post in flight. If a renewal
 *   finds the lease taken over, the drain stops before its next post. It releases the lease at the
 *   end (conditionally, so it never frees a successor's lease).
 * - A crash (or a Lambda timeout) while holding it is safe: nothing is lost — the alerts are still
 *   pending in the outbox — and the lease expires by itself at `lease_until`, at most
 *   `leaseDurationMs` (60 s) later, after which the next trigger (the one-minute schedule at the
 *   latest) takes it over. The cost is a delay, and the usual one-message re-post window.
 * - Clocks: `lease_until` is compared with the taker's clock; Lambda hosts are NTP-synced to well
 *   under a second, far inside the 45 s margin.
 *
 * Destinations (with `destinations` and `contexts`): each pending alert is routed when it is
 * delivered, not when it was queued (src/domain/routing.ts), so a corrected route, severity override
 * or account name applies to everything still pending. Each destination is a lane with its own
 * sink, route gate, pacing and storm detector (src/use-cases/delivery-lanes.ts). Every alert keeps
 * one place in the one pending queue (`pending_pk = default`) and a drain reads on from the last
 * alert it listed, so alerts of a paused destination do not hide those behind them. One drain lease covers the whole
 * drain rather than one per destination: the lease exists so that one writer paces each webhook,
 * and one drain posting to every destination in turn does that with one lease item and one
 * conditional write per renewal (per-destination leases would let two drains list the same pending
 * alerts and race to post them). Without routing there is one destination, `default`, and the
 * behaviour is the one described above.
 *
 * Mutes (with `mutes`): read once per drain, before anything is listed. A pending alert whose pair a
 * mute in force covers is held back: recorded under the mute, marked delivered-as-muted in the
 * outbox (`muted_by`; never posted, never lost) and counted in `muted`. The mutes are those in force
 * when the alert is delivered, not when it was decided: a mute added after a violation was queued
 * still holds it back, and once a mute has expired or been removed the next alert goes out. The same
 * step queues the re-alerts of the mutes that ended since the last drain (src/use-cases/mutes.ts).
 *
 * Threads (bot mode): a pair's later alerts go in the thread of its violation's message, and the
 * original is rewritten with a banner (src/use-cases/alert-threads.ts).
 */
import { randomUUID } from 'node:crypto';
import { type AlertContext, defaultAlertContext } from '../domain/alert-context.js';
import {
  DIGEST_DEFAULTS,
  type Digest,
  type DigestOptions,
  digestOf,
  type PlannedMessage,
  planMessages,
} from '../domain/alert-digest.js';
import type { Alert } from '../domain/compliance-state.js';
import { type Mute, mutesCovering } from '../domain/mute.js';
import { DEFAULT_DESTINATION } from '../domain/routing-config.js';
import {
  type AlertOutbox,
  type AlertThread,
  type AlertThreadStore,
  type DrainLease,
  type PendingAlert,
  pendingSortKey,
} from '../ports/alert-outbox.js';
import type { Logger } from '../ports/logger.js';
import type { MessageRenderer } from '../ports/message-renderer.js';
import type { MessageSink } from '../ports/message-sink.js';

export type { AlertOutbox, AlertThreadStore, DrainLease } from '../ports/alert-outbox.js';
export type { MessageRenderer, ThreadChange } from '../ports/message-renderer.js';
export type { DestinationResult, DestinationSink } from './delivery-lanes.js';

/** The levels the deliverer logs at (Powertools' Logger fits). Never given the webhook URL. */
export type DeliveryLogger = Pick<Logger, 'info' | 'warn' | 'error'>;

import { createThreadLifecycle, decisionOrder } from './alert-threads.js';
import {
  createFailurePolicy,
  LOGGED_IDS,
  MAX_UNCONFIRMED_POSTS,
  RECENTLY_DELIVERED_MS,
} from './delivery-failures.js';
import {
  createDestinationLanes,
  type DestinationResult,
  type DestinationSink,
  type Outgoing,
} from './delivery-lanes.js';
import type { DeliveryMutes } from './mutes.js';

/** Looks up what a message says of each alert beyond its decision, route included (src/use-cases/alert-contexts.ts). */
export interface AlertContextSource {
  /**
   * The contexts of `alerts`, aligned with them. Rejects when a lookup fails (AWS Organizations,
   * the hot store): the drain then stops and the alerts stay pending rather than go astray.
   */
  contextsFor(alerts: readonly Alert[]): Promise<AlertContext[]>;
}

export interface AlertDelivererDeps {
  readonly outbox: AlertOutbox;
  /** The default destination's sink. Required unless `destinations` is given. */
  readonly sink?: MessageSink;
  /**
   * Every destination a route may name, by name (see "Destinations" above).
   * @default - one, `default`, posting to `sink`
   */
  readonly destinations?: Readonly<Record<string, DestinationSink>>;
  /** Where alerts no route matches go (and those routed to a destination not in `destinations`). @default 'default' */
  readonly defaultDestination?: string;
  /** Each alert's context and route. @default - the catalog's severity, everything to the default destination */
  readonly contexts?: AlertContextSource;
  /**
   * Serializes drains across processes (Lambda instances); see "One drain at a time" above.
   * @default - none: drains are serialized within this process only (the embedded stack)
   */
  readonly lease?: DrainLease;
  /** How long a taken or renewed lease lasts. @default 60000 */
  readonly leaseDurationMs?: number;
  /** Time after which the holder renews; must be shorter than `leaseDurationMs`. @default 15000 */
  readonly leaseRenewIntervalMs?: number;
  /** @default - `() => new Date()` */
  readonly clock?: () => Date;
  /** @default - a real timer */
  readonly sleep?: (ms: number) => Promise<void>;
  /** Alerts a minute above which digests replace single messages. @default 10 */
  readonly digestThreshold?: number;
  /** Minimum time between two posts: ~1000 for a webhook, 0 for the folder sink. @default 1000 */
  readonly minIntervalMs?: number;
  /**
   * Time within which a drain may *start* a post; leave the client's worst-case post duration and
   * a few seconds for the outbox write between this and the Lambda timeout. @default 45000
   */
  readonly timeBudgetMs?: number;
  /** Pending alerts read per round (a storm is digested round by round). @default 5000 */
  readonly batchSize?: number;
  /** Attempts before a message Slack keeps refusing is parked. @default 5 */
  readonly maxMessageAttempts?: number;
  readonly digest?: DigestOptions;
  /** The messages (the Slack adapter's createSlackMessageRenderer: templates/*.liquid). */
  readonly renderer: MessageRenderer;
  readonly logger?: DeliveryLogger;
  /** Holds back the alerts of muted pairs (see "Mutes" above). @default - no mutes */
  readonly mutes?: DeliveryMutes;
  /** Where bot destinations keep each pair's thread (see "Threads" above). @default - no threads */
  readonly threads?: AlertThreadStore;
}

export interface DrainResult {
  /** Messages posted (or written to the outbox folder) in this drain. */
  messages: number;
  /** Violations delivered in this drain, alone or in a digest. */
  violations: number;
  /** Resolutions delivered in this drain, alone or in a digest. */
  resolutions: number;
  /**
   * Alerts still queued after this drain (including those waiting for a retry time); read from the
   * pending index, eventually consistent, so it may briefly include alerts just delivered.
   */
  pending: number;
  /** Alerts whose post failed in this drain (they stay pending, or are parked: src/use-cases/delivery-failures.ts). */
  failed: number;
  /**
   * Messages sent in this drain that Slack never answered (timeout or reset after sending): they
   * may be in the channel. Not in `messages`; their alerts stay pending (src/use-cases/delivery-failures.ts).
   */
  unconfirmed: number;
  /**
   * Messages posted in this drain (counted in `messages`) that carried alerts an earlier,
   * unanswered post may already have delivered: each may be a duplicate of that earlier post.
   */
  possibleDuplicates: number;
  /**
   * With mutes: alerts held back in this drain because a mute in force covers their pair (marked
   * delivered-as-muted in the outbox, not posted, not in `messages`, `violations`, `resolutions`).
   */
  muted?: number;
  /** With mutes: re-alerts queued in this drain by mutes that ended on pairs still non-compliant. */
  realerts?: number;
  /**
   * With threads: original messages rewritten in this drain (chat.update), not counted in `messages`
   * (each such alert's own message is its reply in the thread, which is).
   */
  threadUpdates?: number;
  /** Set when another drain held the lease, so this one delivered nothing. */
  leaseHeldBy?: { holder: string | null; until: string | null };
  /**
   * With `destinations`: what each destination got in this drain (the counts above, split; they add
   * up to them). `paused` names the destinations whose gate was closed or closed during the drain.
   */
  byDestination?: Record<string, DestinationResult>;
}

export interface DrainOptions {
  readonly timeBudgetMs?: number;
  /** Names this drain in the lease (`lease_owner`), e.g. the Lambda request id. @default 'drainer' */
  readonly holder?: string;
}

export interface AlertDeliverer {
  /** Delivers what is pending until the queue is empty, the webhook fails, or the time budget is spent. */
  drain(options?: DrainOptions): Promise<DrainResult>;
}

/** Builds the notifier's use case; see the module comment for the delivery guarantees. */
export function createAlertDeliverer(deps: AlertDelivererDeps): AlertDeliverer {
  const clock = deps.clock ?? (() => new Date());
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const threshold = deps.digestThreshold ?? DIGEST_DEFAULTS.threshold;
  const minIntervalMs = deps.minIntervalMs ?? 1000;
  const batchSize = deps.batchSize ?? 5000;
  const maxMessageAttempts = deps.maxMessageAttempts ?? 5;
  const leaseDurationMs = deps.leaseDurationMs ?? 60_000;
  const leaseRenewIntervalMs = deps.leaseRenewIntervalMs ?? 15_000;
  if (!(leaseRenewIntervalMs > 0 && leaseDurationMs > leaseRenewIntervalMs)) {
    throw new RangeError(
      `leaseDurationMs (${leaseDurationMs}) must exceed leaseRenewIntervalMs (${leaseRenewIntervalMs}) > 0`,
    );
  }
  const renderer = deps.renderer;
  const logger = deps.logger;
  const defaultDestination = deps.defaultDestination ?? DEFAULT_DESTINATION;
  const destinations: Readonly<Record<string, DestinationSink>> =
    deps.destinations ?? (deps.sink ? { [defaultDestination]: { sink: deps.sink } } : {});
  if (!Object.hasOwn(destinations, defaultDestination)) {
    throw new RangeError(
      `the default destination ${JSON.stringify(defaultDestination)} has no sink (destinations: ${Object.keys(destinations).join(', ') || 'none'}); pass sink or a destinations entry for it`,
    );
  }
  const destinationNames = Object.keys(destinations);
  const threadLifecycle = createThreadLifecycle({
    destinations,
    renderer,
    threads: deps.threads,
    clock,
    logger,
  });
  const contexts: AlertContextSource = deps.contexts ?? {
    contextsFor: async (alerts) => alerts.map((alert) => defaultAlertContext(alert)),
  };
  const lanes = createDestinationLanes({
    destinations,
    outbox: deps.outbox,
    threshold,
    minIntervalMs,
    clock,
    sleep,
    logger,
  });
  /** Event ids delivered in the last few minutes by this process (see the GSI note in drainOnce). */
  const recentlyDelivered = new Map<string, number>();
  const failurePolicy = createFailurePolicy({ outbox: deps.outbox, clock, maxMessageAttempts, logger });
  let queue: Promise<unknown> = Promise.resolve();

  /** Takes the lease (when configured), drains while holding it, and releases it. */
  async function drainOnce(options: DrainOptions): Promise<DrainResult> {
    const timeBudgetMs = options.timeBudgetMs ?? deps.timeBudgetMs ?? 45_000;
    const lease = deps.lease;
    if (!lease) return drainHolding(timeBudgetMs, async () => true);
    const owner = `${options.holder ?? 'drainer'}#${randomUUID()}`;
    const takenAt = clock();
    const attempt = await lease.acquireDrainLease(
      owner,
      new Date(takenAt.getTime() + leaseDurationMs),
      takenAt,
    );
    if (!attempt.acquired) {
      logger?.info('Another drain holds the outbox lease; its alerts are left to it', {
        holder: attempt.holder,
        leaseUntil: attempt.until,
      });
      return {
        messages: 0,
        violations: 0,
        resolutions: 0,
        pending: await deps.outbox.countPending(),
        failed: 0,
        unconfirmed: 0,
        possibleDuplicates: 0,
        leaseHeldBy: { holder: attempt.holder, until: attempt.until },
      };
    }
    let renewedAtMs = takenAt.getTime();
    const keepLease = async (): Promise<boolean> => {
      const now = clock();
      if (now.getTime() - renewedAtMs < leaseRenewIntervalMs) return true;
      const kept = await lease.renewDrainLease(owner, new Date(now.getTime() + leaseDurationMs), now);
      if (!kept) {
        logger?.warn('The outbox lease was taken over; stopping this drain', { owner });
        return false;
      }
      renewedAtMs = now.getTime();
      return true;
    };
    try {
      return await drainHolding(timeBudgetMs, keepLease);
    } finally {
      await lease.releaseDrainLease(owner, clock());
    }
  }

  async function drainHolding(timeBudgetMs: number, keepLease: () => Promise<boolean>): Promise<DrainResult> {
    const startedMs = clock().getTime();
    const result: DrainResult = {
      messages: 0,
      violations: 0,
      resolutions: 0,
      pending: 0,
      failed: 0,
      unconfirmed: 0,
      possibleDuplicates: 0,
    };
    const remaining = () => timeBudgetMs - (clock().getTime() - startedMs);
    // Mutes first: ends queue their re-alerts even while Slack is paused. Unreadable mutes fail the
    // drain (the alerts stay pending) rather than post what may be muted.
    let inForce: readonly Mute[] = [];
    if (deps.mutes) {
      const begun = await deps.mutes.begin(clock());
      inForce = begun.inForce;
      result.muted = 0;
      result.realerts = begun.ends.realerts;
      if (begun.ends.mutes > 0) {
        logger?.info('Mutes ended; their pairs still non-compliant alert again', {
          mutes: begun.ends.mutes,
          realerts: begun.ends.realerts,
        });
      }
      for (const failure of begun.ends.failures) {
        logger?.error('The end of a mute was not handled; the next drain retries it', {
          muteId: failure.muteId,
          error:
            failure.error instanceof Error
              ? `${failure.error.name}: ${failure.error.message}`
              : String(failure.error),
        });
      }
    }
    const { paused, consecutiveFailures, perDestination, count, pause } = await lanes.open(
      Boolean(deps.destinations),
    );
    if (perDestination) result.byDestination = perDestination;
    if (paused.size === destinationNames.length) {
      result.pending = await deps.outbox.countPending();
      return result;
    }
    forgetOldDeliveries();

    /** Reads on from the last alert listed: those left pending for a paused destination stay behind. */
    let after: string | undefined;
    drain: while (remaining() > 0) {
      if (!(await keepLease())) break;
      const listed = await deps.outbox.listPending(batchSize, clock(), after);
      const last = listed[listed.length - 1];
      if (last === undefined) break;
      after = pendingSortKey(last);
      // The pending index is a GSI, read eventually consistent: an alert marked delivered a moment
      // ago can still be listed. Never post it again.
      const nowMs = clock().getTime();
      const candidates = listed.filter(
        (item) => !recentlyDelivered.has(item.id) && !failurePolicy.isDeferred(item.id, nowMs),
      );
      // Never a third post of an alert whose two posts went unanswered (e.g. a crash between
      // recording the second and parking it): park it now.
      const exhausted = candidates.filter((item) => item.unconfirmedPosts >= MAX_UNCONFIRMED_POSTS);
      if (exhausted.length > 0) await failurePolicy.parkUnconfirmed(exhausted.map((item) => item.id));
      const unmuted = candidates.filter((item) => item.unconfirmedPosts < MAX_UNCONFIRMED_POSTS);
      if (unmuted.length === 0) continue;
      const items = inForce.length > 0 ? await holdBackMuted(unmuted, inForce, result) : unmuted;
      if (items.length === 0) continue;
      let looked: AlertContext[];
      try {
        looked = await contexts.contextsFor(items.map((item) => item.alert));
      } catch (err) {
        logger?.error('Could not look up the alerts’ routes; they stay pending for the next drain', {
          alerts: items.length,
          error: err instanceof Error ? `${err.name}: ${err.message}` : String(err),
        });
        break;
      }
      const byId = new Map(items.map((item) => [item.id, item]));
      const contextOf = new Map(
        items.map((item, i) => [item.id, looked[i] ?? defaultAlertContext(item.alert)]),
      );

      // Split the round by destination; each plans its own messages (digests in its own storm).
      const groups = new Map<string, PendingAlert[]>();
      for (const item of items) {
        let d = (contextOf.get(item.id) as AlertContext).route.destination;
        if (!Object.hasOwn(destinations, d)) {
          logger?.warn('An alert was routed to a destination without a sink; it goes to the default one', {
            destination: d,
            eventId: item.id,
          });
          d = defaultDestination;
        }
        if (paused.has(d)) continue;
        const group = groups.get(d);
        if (group) group.push(item);
        else groups.set(d, [item]);
      }
      const queues = new Map<string, Outgoing[]>();
      for (const [d, group] of groups) {
        const storm = lanes.isStorm(d, group.length);
        // A pair's violation and resolution queued by one consumer batch share createdAt and would
        // go out in event id order; in a thread the order is the story, so take decision order.
        if (!storm && threadLifecycle.keepsThreads(d)) group.sort(decisionOrder);
        const plan = planMessages(group, storm, deps.digest);
        if (storm) {
          logger?.info('Alert storm: sending digests', {
            destination: d,
            pending: group.length,
            messages: plan.length,
          });
        }
        const queue: Outgoing[] = [];
        for (const planned of plan) {
          try {
            queue.push(...render(d, planned, group, contextOf));
          } catch (err) {
            result.failed += planned.ids.length;
            count(d, 'failed', planned.ids.length);
            const reason = `render failed: ${err instanceof Error ? err.message : String(err)}`;
            await failurePolicy.refuseMessage(planned.ids, reason, byId);
          }
        }
        queues.set(d, queue);
      }
      let threads: Map<string, AlertThread>;
      try {
        threads = await threadLifecycle.threadsOf(queues);
      } catch (err) {
        logger?.error('Could not read the alerts’ Slack threads; they stay pending for the next drain', {
          error: err instanceof Error ? `${err.name}: ${err.message}` : String(err),
        });
        break;
      }

      // Post, always to the destination ready first, each paced on its own.
      for (;;) {
        const next = lanes.nextReady(queues);
        if (next === undefined) break;
        const out = queues.get(next)?.shift() as Outgoing;
        await lanes.pace(next);
        if (remaining() <= 0) break drain;
        if (!(await keepLease())) break drain;
        const reposted = out.ids.filter((id) => (byId.get(id)?.unconfirmedPosts ?? 0) > 0);
        const sent = await threadLifecycle.send(next, out, threads, result);
        const posted = sent.result;
        lanes.posted(next);
        if (posted.ok) {
          // Mark right away: the window in which a crash re-posts is this one message.
          await deps.outbox.markDelivered(out.ids, randomUUID(), clock());
          // Then the thread: a crash before this write loses only the thread (see "Threads").
          await threadLifecycle.keepThread(next, out, sent, threads);
          if (reposted.length > 0) {
            result.possibleDuplicates += 1;
            logger?.warn('Re-posted alerts whose earlier post Slack never answered: a possible duplicate', {
              destination: next,
              alerts: out.ids.length,
              reposted: reposted.length,
              eventIds: reposted.slice(0, LOGGED_IDS),
            });
          }
          const deliveredAt = clock().getTime();
          for (const id of out.ids) recentlyDelivered.set(id, deliveredAt);
          lanes.recordDelivered(next, out.ids.length);
          result.messages += 1;
          result.violations += out.violations;
          result.resolutions += out.resolutions;
          count(next, 'messages', 1);
          count(next, 'violations', out.violations);
          count(next, 'resolutions', out.resolutions);
          if ((consecutiveFailures.get(next) ?? 0) > 0) {
            await deps.outbox.clearRouteGate(clock(), next);
            consecutiveFailures.set(next, 0);
          }
          continue;
        }
        if (posted.ambiguous) {
          // Slack may have posted it: never again in this drain; the next one decides.
          result.unconfirmed += 1;
          count(next, 'unconfirmed', 1);
          const failures = (consecutiveFailures.get(next) ?? 0) + 1;
          consecutiveFailures.set(next, failures);
          await failurePolicy.recordUnconfirmed(posted.reason, out.ids, byId);
          await failurePolicy.closeGate(next, posted, out.ids, failures);
          pause(next, queues);
          continue;
        }
        result.failed += out.ids.length;
        count(next, 'failed', out.ids.length);
        if (!posted.retryable && posted.scope === 'message') {
          await failurePolicy.refuseMessage(out.ids, posted.reason, byId);
          continue;
        }
        const failures = (consecutiveFailures.get(next) ?? 0) + 1;
        consecutiveFailures.set(next, failures);
        await failurePolicy.closeGate(next, posted, out.ids, failures);
        pause(next, queues);
      }
      if (paused.size === destinationNames.length) break;
    }
    result.pending = await deps.outbox.countPending();
    return result;
  }

  /**
   * Holds back the alerts whose pair a mute in force covers (recorded under each covering mute, then
   * marked delivered-as-muted under the first); returns the others.
   */
  async function holdBackMuted(
    items: readonly PendingAlert[],
    inForce: readonly Mute[],
    result: DrainResult,
  ): Promise<PendingAlert[]> {
    const now = clock();
    const rest: PendingAlert[] = [];
    const held: { mute: Mute; alert: Alert }[] = [];
    const byMute = new Map<string, string[]>();
    for (const item of items) {
      const covering = mutesCovering(inForce, item.alert, now);
      const first = covering[0];
      if (first === undefined) {
        rest.push(item);
        continue;
      }
      for (const mute of covering) held.push({ mute, alert: item.alert });
      const ids = byMute.get(first.id);
      if (ids) ids.push(item.id);
      else byMute.set(first.id, [item.id]);
    }
    if (held.length === 0) return rest;
    // What a mute held back is recorded before the alerts leave the pending index: a failure in
    // between leaves them pending, and the next drain holds them back again.
    await deps.mutes?.recordHeld(held, now);
    let count = 0;
    for (const [muteId, ids] of byMute) {
      if (deps.outbox.markMuted) await deps.outbox.markMuted(ids, muteId, now);
      else await deps.outbox.markDelivered(ids, `muted:${muteId}`, now);
      for (const id of ids) recentlyDelivered.set(id, now.getTime());
      count += ids.length;
    }
    result.muted = (result.muted ?? 0) + count;
    logger?.info('Alerts held back by mutes: recorded as delivered-as-muted, not posted', {
      alerts: count,
      mutes: [...byMute.keys()].slice(0, LOGGED_IDS),
    });
    return rest;
  }

  function render(
    destination: string,
    planned: PlannedMessage,
    items: readonly PendingAlert[],
    contextOf: ReadonlyMap<string, AlertContext>,
  ): Outgoing[] {
    if (planned.type === 'single') {
      const { alert } = planned.item;
      return [
        {
          destination,
          message: renderer.alert(alert, contextOf.get(planned.item.id) ?? defaultAlertContext(alert)),
          ids: planned.ids,
          violations: alert.kind === 'violation' ? 1 : 0,
          resolutions: alert.kind === 'resolution' ? 1 : 0,
          single: alert,
        },
      ];
    }
    const createdAt = new Map(items.map((item) => [item.id, item.createdAt]));
    const inDigest = new Set(planned.ids);
    const digestContexts = new Map(
      items
        .filter((item) => inDigest.has(item.id))
        .map((item) => [item.id, contextOf.get(item.id) ?? defaultAlertContext(item.alert)]),
    );
    return renderDigest(destination, planned.digest, createdAt, digestContexts);
  }

  /** Renders a digest; if its groups do not all fit Slack's limits, splits it in two, recursively. */
  function renderDigest(
    destination: string,
    digest: Digest,
    createdAt: ReadonlyMap<string, string>,
    contexts: ReadonlyMap<string, AlertContext>,
  ): Outgoing[] {
    const rendered = renderer.digest(digest, threshold, contexts);
    if (rendered.droppedBlocks > 0 && digest.groups.length > 1) {
      const half = Math.ceil(digest.groups.length / 2);
      return [
        ...renderDigest(destination, digestOf(digest.groups.slice(0, half), createdAt), createdAt, contexts),
        ...renderDigest(destination, digestOf(digest.groups.slice(half), createdAt), createdAt, contexts),
      ];
    }
    return [
      {
        destination,
        message: rendered.message,
        ids: digest.ids,
        violations: digest.violations,
        resolutions: digest.resolutions,
      },
    ];
  }

  function forgetOldDeliveries(): void {
    const nowMs = clock().getTime();
    const horizon = nowMs - RECENTLY_DELIVERED_MS;
    for (const [id, at] of recentlyDelivered) {
      if (at >= horizon) break; // insertion order is delivery order
      recentlyDelivered.delete(id);
    }
    failurePolicy.forgetExpired(nowMs);
  }

  return {
    drain(options = {}) {
      const run = queue.then(() => drainOnce(options));
      queue = run.catch(() => undefined);
      return run;
    },
  };
}
