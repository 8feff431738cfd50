/**
 * Drains the alert outbox to Slack (or the outbox folder): paced, storm-aware, and never losing an
 * alert.
 *
 * - Pacing: at most one post per `minIntervalMs` (about 1 s for a webhook) from this notifier; in
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
 * alert it listed, so alerts of a paused destination do not hide those behind them. One drain
 * lease covers the whole drain rather than one per destination: the lease exists so that one writer
 * paces each webhook, and one drain posting to every destination in turn does that with one lease
 * item and one conditional write per renewal (per-destination leases would let two drains list the
 * same pending alerts and race to post them). Without routing there is one destination, `default`,
 * and the behaviour is the one described above.
 *
 * Each drain (src/use-cases/drain-alerts.ts) holds back what mutes cover, routes and plans each
 * round of pending alerts, and posts it through the lanes.
 *
 * Threads (bot mode): a pair's later alerts go in the thread of its violation's message, and the
 * original is rewritten with a banner (src/use-cases/alert-threads.ts).
 */
import { randomUUID } from 'node:crypto';
import { defaultAlertContext } from '../domain/alert-context.js';
import { DIGEST_DEFAULTS, type DigestOptions } from '../domain/alert-digest.js';
import { DEFAULT_DESTINATION } from '../domain/routing-config.js';
import type { AlertOutbox, AlertThreadStore, DrainLease } from '../ports/alert-outbox.js';
import type { Logger } from '../ports/logger.js';
import type { MessageRenderer } from '../ports/message-renderer.js';
import type { MessageSink } from '../ports/message-sink.js';

export type { AlertOutbox, AlertThreadStore, DrainLease } from '../ports/alert-outbox.js';
export type { MessageRenderer, ThreadChange } from '../ports/message-renderer.js';
export type { DestinationResult, DestinationSink } from './delivery-lanes.js';
export type { AlertContextSource, DrainResult } from './drain-alerts.js';

/** The levels the notifier logs at (Powertools' Logger fits). Never given the webhook URL. */
export type DeliveryLogger = Pick<Logger, 'info' | 'warn' | 'error'>;

import { createThreadLifecycle } from './alert-threads.js';
import { createFailurePolicy } from './delivery-failures.js';
import { createDestinationLanes, type DestinationSink } from './delivery-lanes.js';
import { type AlertContextSource, createAlertDrain, type DrainResult } from './drain-alerts.js';
import type { DeliveryMutes } from './mutes.js';

export interface NotifierDeps {
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
  /** Holds back the alerts of muted pairs (src/use-cases/drain-alerts.ts, "Mutes"). @default - no mutes */
  readonly mutes?: DeliveryMutes;
  /** Where bot destinations keep each pair's thread (src/use-cases/alert-threads.ts). @default - no threads */
  readonly threads?: AlertThreadStore;
}

export interface DrainOptions {
  readonly timeBudgetMs?: number;
  /** Names this drain in the lease (`lease_owner`), e.g. the Lambda request id. @default 'drainer' */
  readonly holder?: string;
}

export interface Notifier {
  /** Delivers what is pending until the queue is empty, the webhook fails, or the time budget is spent. */
  drain(options?: DrainOptions): Promise<DrainResult>;
}

/** Builds the notifier's use case; see the module comment for the delivery guarantees. */
export function createNotifier(deps: NotifierDeps): Notifier {
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
  const failurePolicy = createFailurePolicy({ outbox: deps.outbox, clock, maxMessageAttempts, logger });
  const drainHolding = createAlertDrain({
    outbox: deps.outbox,
    mutes: deps.mutes,
    contexts,
    destinations,
    defaultDestination,
    split: Boolean(deps.destinations),
    lanes,
    threads: threadLifecycle,
    failures: failurePolicy,
    renderer,
    threshold,
    digest: deps.digest,
    batchSize,
    clock,
    logger,
  });
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

  return {
    drain(options = {}) {
      const run = queue.then(() => drainOnce(options));
      queue = run.catch(() => undefined);
      return run;
    },
  };
}
