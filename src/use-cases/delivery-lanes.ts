/**
 * The notifier's per-destination lanes (src/use-cases/deliver-alerts.ts drains through them).
 * Each destination has its own sink, its own route gate (`ROUTE#<destination>`: a Slack outage or a
 * broken webhook pauses that destination only; its alerts stay pending while the others go on),
 * its own pacing (`minIntervalMs` between two of its posts; posts to different destinations
 * interleave, the next post always going to the destination ready first) and its own storm
 * detector, so each is digested in its own storm. The detectors and the time of each destination's
 * last post live across drains; the gates are read once per drain, so a destination paused when a
 * drain starts stays paused for that drain.
 */
import { StormDetector } from '../domain/alert-digest.js';
import type { Alert } from '../domain/compliance-state.js';
import type { AlertOutbox, RouteGate } from '../ports/alert-outbox.js';
import type { Logger } from '../ports/logger.js';
import type { MessageSink, SlackMessage } from '../ports/message-sink.js';

/** Where the alerts of one destination go, and how fast. */
export interface DestinationSink {
  readonly sink: MessageSink;
  /** Minimum time between two posts to this destination. @default - the notifier's `minIntervalMs` */
  readonly minIntervalMs?: number;
  /**
   * A bot destination's channel id: with a sink that can `update` and the notifier's `threads`, its
   * single alerts follow the thread lifecycle (src/use-cases/alert-threads.ts). A thread kept for
   * another channel is not used. @default - none: every message is a new post (webhook mode)
   */
  readonly channel?: string;
}

/** What one destination got in a drain (`DrainResult.byDestination`). */
export interface DestinationResult {
  messages: number;
  violations: number;
  resolutions: number;
  failed: number;
  unconfirmed: number;
  paused: boolean;
}

/** One message queued in a destination's lane. */
export interface Outgoing {
  readonly destination: string;
  readonly message: SlackMessage;
  readonly ids: readonly string[];
  readonly violations: number;
  readonly resolutions: number;
  /** A message of one alert: that alert (its pair may have a thread). */
  readonly single?: Alert;
}

export interface DestinationLanesDeps {
  readonly destinations: Readonly<Record<string, DestinationSink>>;
  readonly outbox: Pick<AlertOutbox, 'getRouteGate'>;
  /** Alerts a minute above which a destination is in a storm. */
  readonly threshold: number;
  /** The pacing of a destination without its own `minIntervalMs`. */
  readonly minIntervalMs: number;
  readonly clock: () => Date;
  readonly sleep: (ms: number) => Promise<void>;
  readonly logger?: Pick<Logger, 'info'> | undefined;
}

/** The lanes as one drain sees them: which are paused, their gates' failure counts, their results. */
export interface DrainLanes {
  /** Destinations not posted to in this drain: paused before it, or failed during it. */
  readonly paused: Set<string>;
  readonly consecutiveFailures: Map<string, number>;
  /** Each destination's counts, when the drain reports them. */
  readonly perDestination: Record<string, DestinationResult> | undefined;
  count(d: string, field: Exclude<keyof DestinationResult, 'paused'>, n: number): void;
  /** A destination failed: none of its messages in this drain; its alerts stay pending. */
  pause(d: string, queues: Map<string, Outgoing[]>): void;
}

export interface DestinationLanes {
  readonly names: readonly string[];
  /** Reads each destination's gate, once, for one drain; `split`: count per destination. */
  open(split: boolean): Promise<DrainLanes>;
  /** Whether `alerts` pending now make a storm for destination `d`. */
  isStorm(d: string, alerts: number): boolean;
  /** `alerts` were delivered to `d` (they count towards its storm). */
  recordDelivered(d: string, alerts: number): void;
  /** A post to `d` just ended (its pacing counts from now). */
  posted(d: string): void;
  /** The destination with messages waiting whose next post may start first (its pacing). */
  nextReady(queues: ReadonlyMap<string, readonly Outgoing[]>): string | undefined;
  /** Waits until destination `d` may be posted to. */
  pace(d: string): Promise<void>;
}

export function createDestinationLanes(deps: DestinationLanesDeps): DestinationLanes {
  const { destinations, clock, logger } = deps;
  const names = Object.keys(destinations);
  /** Per destination: its storm detector and when it was last posted to (both live across drains). */
  const detectors = new Map(names.map((d) => [d, new StormDetector(deps.threshold)]));
  const lastPostAtMs = new Map(names.map((d) => [d, Number.NEGATIVE_INFINITY]));
  const intervalOf = (d: string) => destinations[d]?.minIntervalMs ?? deps.minIntervalMs;

  return {
    names,

    async open(split) {
      // Each destination's gate, read once: a destination paused now stays paused for this drain.
      const gates = new Map<string, RouteGate>();
      await Promise.all(
        names.map(async (d) => {
          gates.set(d, await deps.outbox.getRouteGate(d));
        }),
      );
      const nowIso = clock().toISOString();
      const paused = new Set<string>();
      const consecutiveFailures = new Map<string, number>();
      for (const [d, gate] of gates) {
        consecutiveFailures.set(d, gate.consecutiveFailures);
        if (gate.blockedUntil && gate.blockedUntil > nowIso) {
          paused.add(d);
          logger?.info('Slack delivery paused after a failure', {
            destination: d,
            blockedUntil: gate.blockedUntil,
            lastError: gate.lastError,
          });
        }
      }
      const perDestination = split
        ? Object.fromEntries(
            names.map((d): [string, DestinationResult] => [
              d,
              {
                messages: 0,
                violations: 0,
                resolutions: 0,
                failed: 0,
                unconfirmed: 0,
                paused: paused.has(d),
              },
            ]),
          )
        : undefined;
      return {
        paused,
        consecutiveFailures,
        perDestination,
        count(d, field, n) {
          const entry = perDestination?.[d];
          if (entry) entry[field] += n;
        },
        pause(d, queues) {
          queues.delete(d);
          paused.add(d);
          const entry = perDestination?.[d];
          if (entry) entry.paused = true;
        },
      };
    },

    isStorm(d, alerts) {
      const detector = detectors.get(d) as StormDetector;
      return detector.isStorm(clock().getTime(), alerts);
    },

    recordDelivered(d, alerts) {
      detectors.get(d)?.record(clock().getTime(), alerts);
    },

    posted(d) {
      lastPostAtMs.set(d, clock().getTime());
    },

    nextReady(queues) {
      let best: string | undefined;
      let bestAt = Number.POSITIVE_INFINITY;
      for (const [d, queue] of queues) {
        if (queue.length === 0) continue;
        const readyAt = (lastPostAtMs.get(d) ?? Number.NEGATIVE_INFINITY) + intervalOf(d);
        if (best === undefined || readyAt < bestAt) {
          best = d;
          bestAt = readyAt;
        }
      }
      return best;
    },

    async pace(d) {
      const last = lastPostAtMs.get(d) ?? Number.NEGATIVE_INFINITY;
      const wait = last + intervalOf(d) - clock().getTime();
      if (wait > 0) await deps.sleep(wait);
    },
  };
}
