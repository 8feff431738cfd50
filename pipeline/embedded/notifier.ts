/**
 * Alert delivery in the embedded stack: the notifier the notifier Lambda runs, wired to the local
 * outbox, sink and mutes; the loop that drains it until done (`ingest`); and the background
 * drains of `up`, as the outbox stream trigger and the 1-minute schedule do in AWS.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { AlertOutboxRepository } from '../../src/adapters/dynamodb/alert-outbox.repository.js';
import { AlertThreadRepository } from '../../src/adapters/dynamodb/alert-thread.repository.js';
import { MuteRepository } from '../../src/adapters/dynamodb/mute.repository.js';
import { HotStateOpenPairs } from '../../src/adapters/dynamodb/open-pairs.js';
import { ResourceRecordRepository } from '../../src/adapters/dynamodb/resource-record.repository.js';
import { accountsMapOus } from '../../src/adapters/organizations/accounts-map.account-ous.js';
import { createSlackMessageRenderer } from '../../src/adapters/slack/slack-messages.js';
import type { RoutingConfig } from '../../src/domain/routing-config.js';
import { createAlertContexts } from '../../src/use-cases/alert-contexts.js';
import {
  createNotifier,
  type DestinationSink,
  type DrainResult,
  type Notifier,
} from '../../src/use-cases/deliver-alerts.js';
import { createDeliveryMutes } from '../../src/use-cases/mutes.js';
import type { StackLogger } from './stack-logger.js';

/** How long `deliverAlerts` drains at most. */
const DEFAULT_DELIVERY_TIMEOUT_MS = 120_000;
/** A drain this soon after alerts are queued (batching the alerts of the next batches too). */
const SOON_MS = 1000;
/** A drain this often, for the alerts waiting for a retry. */
const SCHEDULE_MS = 60_000;

export interface NotifierOptions {
  readonly doc: DynamoDBDocumentClient;
  readonly tables: { readonly state: string; readonly mutes: string; readonly events: string };
  readonly outbox: AlertOutboxRepository;
  /** Each destination's sink and pacing (sink-selection.ts). */
  readonly destinations: Readonly<Record<string, DestinationSink>>;
  /** Routes, severity overrides, the accounts map (OUs from its `ou`). */
  readonly routing: RoutingConfig;
  /** The settings the notifier Lambda reads. */
  readonly alerts: { readonly digestThreshold: number; readonly dashboardUrl: string | null };
  readonly logger: StackLogger;
}

export function createStackNotifier(options: NotifierOptions): Notifier {
  const { doc, tables, outbox, logger } = options;
  return createNotifier({
    outbox,
    destinations: options.destinations,
    defaultDestination: options.routing.defaultDestination,
    // Routed when delivered: OUs from the accounts map, tags and changes from the resource records
    // the consumer keeps in the events table.
    contexts: createAlertContexts({
      routing: options.routing,
      ous: accountsMapOus(options.routing),
      resources: new ResourceRecordRepository(doc, tables.events),
    }),
    digestThreshold: options.alerts.digestThreshold,
    renderer: createSlackMessageRenderer({ dashboardUrl: options.alerts.dashboardUrl }),
    logger,
    // Bot destinations keep each pair's thread beside the alerts (alert-thread.repository.ts).
    threads: new AlertThreadRepository(doc, outbox.tableName),
    // Mutes are read once per drain: added or removed by `config-monitor mute` (directly in this
    // dynalite) or the API, they hold from the next drain on.
    mutes: createDeliveryMutes({
      store: new MuteRepository(doc, tables.mutes),
      open: new HotStateOpenPairs(doc, tables.state),
      outbox,
    }),
  });
}

export interface DeliverOptions {
  timeoutMs?: number;
  onDrain?: (result: DrainResult) => void;
}

/** Drains the alert outbox until empty, the sink fails, or the time is up. Sums the drains. */
export async function deliverAlerts(
  notifier: Notifier,
  deliverOptions: DeliverOptions = {},
): Promise<DrainResult> {
  const deadline = Date.now() + (deliverOptions.timeoutMs ?? DEFAULT_DELIVERY_TIMEOUT_MS);
  const total: DrainResult = {
    messages: 0,
    violations: 0,
    resolutions: 0,
    pending: 0,
    failed: 0,
    unconfirmed: 0,
    possibleDuplicates: 0,
  };
  for (;;) {
    const budget = deadline - Date.now();
    if (budget <= 0) break;
    const result = await notifier.drain({ timeBudgetMs: budget });
    total.messages += result.messages;
    total.violations += result.violations;
    total.resolutions += result.resolutions;
    total.failed += result.failed;
    total.unconfirmed += result.unconfirmed;
    total.possibleDuplicates += result.possibleDuplicates;
    if (result.muted !== undefined) total.muted = (total.muted ?? 0) + result.muted;
    if (result.realerts !== undefined) total.realerts = (total.realerts ?? 0) + result.realerts;
    total.pending = result.pending;
    deliverOptions.onDrain?.(total);
    // Done, or the sink is failing, unanswered or paused (the alerts stay queued for `up`).
    const moved = result.messages + (result.muted ?? 0) + (result.realerts ?? 0);
    if (result.pending === 0 || result.failed > 0 || result.unconfirmed > 0 || moved === 0) break;
  }
  return total;
}

export interface BackgroundDelivery {
  /** Drains now, then every minute and soon after each `schedule()`. */
  start(): void;
  /** Asks for a drain soon (alerts were queued); nothing before `start()`. */
  schedule(): void;
  stop(): void;
}

/**
 * Background delivery (`up`): soon after alerts are queued, and every minute for retries. No
 * drain starts while `paused()` (an ingest drains at its end and reports the messages).
 */
export function createBackgroundDelivery(options: {
  readonly notifier: Notifier;
  readonly logger: StackLogger;
  readonly paused: () => boolean;
}): BackgroundDelivery {
  const { notifier, logger, paused } = options;
  let started = false;
  let deliveryTimer: NodeJS.Timeout | undefined;
  let scheduleTimer: NodeJS.Timeout | undefined;
  const backgroundDrain = () => {
    deliveryTimer = undefined;
    if (paused()) return;
    notifier.drain().catch((err: unknown) => logger.error('alert delivery failed', { error: String(err) }));
  };
  return {
    start() {
      started = true;
      scheduleTimer = setInterval(backgroundDrain, SCHEDULE_MS);
      scheduleTimer.unref();
      backgroundDrain();
    },
    schedule() {
      if (!started) return;
      deliveryTimer ??= setTimeout(backgroundDrain, SOON_MS);
    },
    stop() {
      if (scheduleTimer) clearInterval(scheduleTimer);
      if (deliveryTimer) clearTimeout(deliveryTimer);
    },
  };
}
