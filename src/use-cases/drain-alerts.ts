/**
 * One drain of the alert outbox while holding the lease (src/use-cases/deliver-alerts.ts takes the
 * lease and serializes drains): round by round, it lists the pending alerts on from the last one
 * listed, skips those this process just delivered or deferred (the pending index is a GSI, read
 * eventually consistent), holds back what mutes cover, looks up each alert's context and route,
 * splits the round by destination, plans each destination's messages (digests in its own storm),
 * and posts them through the lanes (src/use-cases/delivery-lanes.ts), each message's alerts marked
 * delivered right after its post. It stops when the queue is empty, every destination is paused,
 * the time budget is spent or the lease is lost.
 *
 * Why one file: the drain is one ordered sequence of steps, and the order is what keeps the
 * guarantees (mutes before listing, marking delivered before the thread write, pacing and the lease
 * check before each post); the steps that stand alone are its lanes, threads and failure policy.
 *
 * Mutes (with `mutes`): read once per drain, before anything is listed. A pending alert whose pair a
 * mute in force covers is held back: recorded under the mute, marked delivered-as-muted in the
 * outbox (`muted_by`; never posted, never lost) and counted in `muted`. The mutes are those in force
 * when the alert is delivered, not when it was decided: a mute added after a violation was queued
 * still holds it back, and once a mute has expired or been removed the next alert goes out. The same
 * step queues the re-alerts of the mutes that ended since the last drain (src/use-cases/mutes.ts).
 */
import { randomUUID } from 'node:crypto';
import { type AlertContext, defaultAlertContext } from '../domain/alert-context.js';
import {
  type Digest,
  type DigestOptions,
  digestOf,
  type PlannedMessage,
  planMessages,
} from '../domain/alert-digest.js';
import type { Alert } from '../domain/compliance-state.js';
import { type Mute, mutesCovering } from '../domain/mute.js';
import {
  type AlertOutbox,
  type AlertThread,
  type PendingAlert,
  pendingSortKey,
} from '../ports/alert-outbox.js';
import type { Logger } from '../ports/logger.js';
import type { MessageRenderer } from '../ports/message-renderer.js';
import { decisionOrder, type ThreadLifecycle } from './alert-threads.js';
import {
  type FailurePolicy,
  LOGGED_IDS,
  MAX_UNCONFIRMED_POSTS,
  RECENTLY_DELIVERED_MS,
} from './delivery-failures.js';
import type { DestinationLanes, DestinationResult, DestinationSink, Outgoing } from './delivery-lanes.js';
import type { DeliveryMutes } from './mutes.js';

/** Looks up what a message says of each alert beyond its decision, route included (src/use-cases/alert-contexts.ts). */
export interface AlertContextSource {
  /**
   * The contexts of `alerts`, aligned with them. Rejects when a lookup fails (AWS Organizations,
   * the hot store): the drain then stops and the alerts stay pending rather than go astray.
   */
  contextsFor(alerts: readonly Alert[]): Promise<AlertContext[]>;
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

export interface AlertDrainDeps {
  readonly outbox: AlertOutbox;
  readonly mutes?: DeliveryMutes | undefined;
  readonly contexts: AlertContextSource;
  readonly destinations: Readonly<Record<string, DestinationSink>>;
  readonly defaultDestination: string;
  /** Whether the result counts per destination (`byDestination`). */
  readonly split: boolean;
  readonly lanes: DestinationLanes;
  readonly threads: ThreadLifecycle;
  readonly failures: FailurePolicy;
  readonly renderer: MessageRenderer;
  /** Alerts a minute above which digests replace single messages (named in digests). */
  readonly threshold: number;
  readonly digest?: DigestOptions | undefined;
  /** Pending alerts read per round. */
  readonly batchSize: number;
  readonly clock: () => Date;
  readonly logger?: Pick<Logger, 'info' | 'warn' | 'error'> | undefined;
}

/** One drain, given its time budget and a check that the lease is still held (renewing it). */
export type AlertDrain = (timeBudgetMs: number, keepLease: () => Promise<boolean>) => Promise<DrainResult>;

/** The drain of one notifier; what it remembers of recent deliveries lives across drains. */
export function createAlertDrain(deps: AlertDrainDeps): AlertDrain {
  const { contexts, destinations, defaultDestination, lanes, renderer, threshold, batchSize, clock, logger } =
    deps;
  const threadLifecycle = deps.threads;
  const failurePolicy = deps.failures;
  const destinationNames = Object.keys(destinations);
  /** Event ids delivered in the last few minutes by this process (see the GSI note below). */
  const recentlyDelivered = new Map<string, number>();

  return async function drainHolding(
    timeBudgetMs: number,
    keepLease: () => Promise<boolean>,
  ): Promise<DrainResult> {
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
    const { paused, consecutiveFailures, perDestination, count, pause } = await lanes.open(deps.split);
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
  };

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
}
