/**
 * An in-memory alert outbox with the semantics of `AlertOutboxRepository` (enqueue once per event
 * id, oldest pending first, retry times, unconfirmed posts, parking, route gate), for tests whose subject is the
 * notifier at volumes dynalite is too slow for (20,000 conditional puts take ~40 s there). The
 * DynamoDB behaviour itself is covered by test/integration/alert-outbox.test.ts.
 */

import type { Alert } from '../../src/domain/compliance-state.js';
import type { AlertOutbox, PendingAlert, RouteGate } from '../../src/ports/alert-outbox.js';
import type { AlertOutbox as HotStoreOutbox } from '../../src/ports/hot-store.js';
import { FaultPlan } from './fault-plan.js';

interface Item {
  alert: Alert;
  createdAt: string;
  attempts: number;
  lastError: string | null;
  unconfirmedPosts: number;
  retryAt: string | null;
  pending: boolean;
  deliveredIn: string | null;
  parked: boolean;
}

/**
 * The one in-memory outbox of the tests: the consumer's port (src/ports/hot-store.ts, `enqueue`)
 * and the notifier's (src/ports/alert-outbox.ts).
 */
export class InMemoryOutbox implements AlertOutbox, HotStoreOutbox {
  readonly items = new Map<string, Item>();
  /** `faults.fail('enqueue')` makes the next enqueue throw a throttling error. */
  readonly faults = new FaultPlan();
  /** Called with each newly enqueued alert (the consumer benchmark renders it there). */
  constructor(private readonly onEnqueue?: (alert: Alert) => void) {}

  /** Every alert ever enqueued, by event id, in enqueue order. */
  get alerts(): ReadonlyMap<string, Alert> {
    return new Map([...this.items].map(([id, item]) => [id, item.alert]));
  }
  /** The route gate of each destination (`default` before routing). */
  readonly gates = new Map<string, RouteGate>();

  async enqueue(alerts: readonly Alert[], now: Date = new Date()): Promise<{ enqueued: number }> {
    this.faults.check('enqueue');
    let enqueued = 0;
    for (const alert of alerts) {
      if (this.items.has(alert.eventId)) continue;
      this.onEnqueue?.(alert);
      this.items.set(alert.eventId, {
        alert,
        createdAt: now.toISOString(),
        attempts: 0,
        lastError: null,
        unconfirmedPosts: 0,
        retryAt: null,
        pending: true,
        deliveredIn: null,
        parked: false,
      });
      enqueued += 1;
    }
    return { enqueued };
  }

  async listPending(limit: number, now: Date = new Date(), after?: string): Promise<PendingAlert[]> {
    return [...this.items.entries()]
      .filter(([, i]) => i.pending && (!i.retryAt || i.retryAt <= now.toISOString()))
      .filter(([id, i]) => after === undefined || `${i.createdAt}#${id}` > after)
      .sort(([a, x], [b, y]) => `${x.createdAt}#${a}`.localeCompare(`${y.createdAt}#${b}`))
      .slice(0, limit)
      .map(([id, i]) => ({
        id,
        alert: i.alert,
        createdAt: i.createdAt,
        attempts: i.attempts,
        lastError: i.lastError,
        unconfirmedPosts: i.unconfirmedPosts,
      }));
  }

  async countPending(): Promise<number> {
    return [...this.items.values()].filter((i) => i.pending).length;
  }

  async markDelivered(ids: readonly string[], messageRef: string): Promise<void> {
    for (const id of ids) {
      const item = this.items.get(id);
      if (item) Object.assign(item, { pending: false, deliveredIn: messageRef, retryAt: null });
    }
  }

  async recordFailure(
    ids: readonly string[],
    reason: string,
    options: { retryAt?: Date } = {},
  ): Promise<void> {
    for (const id of ids) {
      const item = this.items.get(id);
      if (!item?.pending) continue;
      item.attempts += 1;
      item.lastError = reason;
      if (options.retryAt) item.retryAt = options.retryAt.toISOString();
    }
  }

  async recordUnconfirmed(ids: readonly string[], reason: string): Promise<void> {
    for (const id of ids) {
      const item = this.items.get(id);
      if (!item?.pending) continue;
      item.attempts += 1;
      item.unconfirmedPosts += 1;
      item.lastError = reason;
    }
  }

  async park(ids: readonly string[], reason: string): Promise<void> {
    for (const id of ids) {
      const item = this.items.get(id);
      if (item?.pending) Object.assign(item, { pending: false, parked: true, lastError: reason });
    }
  }

  async getRouteGate(destination = 'default'): Promise<RouteGate> {
    return {
      ...(this.gates.get(destination) ?? { blockedUntil: null, consecutiveFailures: 0, lastError: null }),
    };
  }

  async blockRoute(until: Date, reason: string, _now?: Date, destination = 'default'): Promise<void> {
    const gate = await this.getRouteGate(destination);
    this.gates.set(destination, {
      blockedUntil: until.toISOString(),
      consecutiveFailures: gate.consecutiveFailures + 1,
      lastError: reason,
    });
  }

  async clearRouteGate(_now?: Date, destination = 'default'): Promise<void> {
    this.gates.set(destination, { blockedUntil: null, consecutiveFailures: 0, lastError: null });
  }
}
