/**
 * In-memory stand-ins of the hot store, the outbox and the quarantine, with the same semantics
 * as the DynamoDB adapters (done marks by event id, state written only when not older, enqueue
 * once per event id). For unit tests of the consumer's logic and for the benchmark only;
 * integration tests use dynalite.
 *
 * `failNext` makes the next call(s) of a method throw, to exercise partial batch failures.
 */
import { eventStorableProblem } from '../../src/adapters/dynamodb/event-store.repository.js';
import {
  type Alert,
  type ComplianceState,
  type StateKey,
  stateKeyId,
} from '../../src/domain/compliance-state.js';
import type { ConfigEvent } from '../../src/domain/config-event.js';
import { eventFingerprint } from '../../src/domain/event-identity.js';
import type { EventStore, StateStore } from '../../src/ports/hot-store.js';
import type { Quarantine, QuarantinedRecord } from '../../src/ports/quarantine.js';
import type { ProcessBatchDeps } from '../../src/use-cases/process-batch.js';
import { FaultPlan } from './fault-plan.js';
import { InMemoryOutbox } from './in-memory-outbox.js';

export { InMemoryOutbox } from './in-memory-outbox.js';

export class InMemoryEventStore implements EventStore {
  /** Fingerprint by id, of events stored as done (not the events: holding them would make the benchmark measure the heap). */
  readonly items = new Map<string, string>();
  /** Fingerprint by id, of claims not yet done. */
  readonly claims = new Map<string, string>();
  readonly faults = new FaultPlan();
  /** Ids whose next markDone is reported unprocessed (like BatchWriteItem leftovers). */
  readonly leaveUnprocessed = new Set<string>();

  storableProblem(event: ConfigEvent): string | null {
    return eventStorableProblem(event);
  }

  async claim(
    events: readonly ConfigEvent[],
    fingerprints?: readonly string[],
  ): Promise<{ done: Set<string>; conflicts: Map<string, string> }> {
    this.faults.check('claim');
    const done = new Set<string>();
    const conflicts = new Map<string, string>();
    for (let i = 0; i < events.length; i++) {
      const event = events[i] as ConfigEvent;
      const fingerprint = fingerprints?.[i] ?? eventFingerprint(event);
      const stored = this.items.get(event.eventId) ?? this.claims.get(event.eventId);
      if (stored === undefined) this.claims.set(event.eventId, fingerprint);
      else if (stored !== fingerprint) conflicts.set(event.eventId, stored);
      if (stored !== undefined && this.items.has(event.eventId)) done.add(event.eventId);
    }
    return { done, conflicts };
  }

  async markDone(
    events: readonly ConfigEvent[],
    fingerprints?: readonly string[],
  ): Promise<{ failed: Set<string> }> {
    this.faults.check('markDone');
    const failed = new Set<string>();
    for (let i = 0; i < events.length; i++) {
      const event = events[i] as ConfigEvent;
      if (this.leaveUnprocessed.delete(event.eventId)) failed.add(event.eventId);
      else {
        this.items.set(event.eventId, fingerprints?.[i] ?? eventFingerprint(event));
        this.claims.delete(event.eventId);
      }
    }
    return { failed };
  }
}

export class InMemoryStateStore implements StateStore {
  /** By resource id, then a short scan: no long composite key to build and hash per lookup. */
  private readonly byResource = new Map<string, ComplianceState[]>();
  readonly faults = new FaultPlan();
  /** Key ids ({@link stateKeyId}) whose next put fails (per key, like one throttled PutItem). */
  readonly failKeys = new Set<string>();
  writes = 0;
  size = 0;

  get(key: StateKey): ComplianceState | undefined {
    const states = this.byResource.get(key.resourceId);
    return states ? states[this.indexIn(states, key)] : undefined;
  }

  async getMany(keys: readonly StateKey[]): Promise<(ComplianceState | undefined)[]> {
    this.faults.check('getMany');
    return keys.map((key) => this.get(key));
  }

  async putIfNewer(states: readonly ComplianceState[]): Promise<{ failed: Map<string, unknown> }> {
    this.faults.check('putIfNewer');
    const failed = new Map<string, unknown>();
    for (const state of states) {
      if (this.failKeys.size > 0 && this.failKeys.delete(stateKeyId(state))) {
        failed.set(stateKeyId(state), new Error('injected put failure'));
        continue;
      }
      let list = this.byResource.get(state.resourceId);
      if (!list) {
        list = [];
        this.byResource.set(state.resourceId, list);
      }
      const at = this.indexIn(list, state);
      const stored = list[at];
      if (stored && stored.order > state.order) continue;
      if (!stored) this.size += 1;
      list[at < 0 ? list.length : at] = state;
      this.writes += 1;
    }
    return { failed };
  }

  private indexIn(states: readonly ComplianceState[], key: StateKey): number {
    for (let i = 0; i < states.length; i++) {
      const s = states[i] as ComplianceState;
      if (
        s.ruleName === key.ruleName &&
        s.account === key.account &&
        s.region === key.region &&
        s.resourceType === key.resourceType
      ) {
        return i;
      }
    }
    return -1;
  }
}

export class InMemoryQuarantine implements Quarantine {
  readonly records: QuarantinedRecord[] = [];
  readonly faults = new FaultPlan();

  async put(records: readonly QuarantinedRecord[]): Promise<void> {
    this.faults.check('put');
    this.records.push(...records);
  }
}

/** A fresh set of in-memory stores, ready for `processBatch` / `createBatchHandler`. */
export function inMemoryDeps(options: { now?: () => Date; onEnqueue?: (alert: Alert) => void } = {}) {
  const deps = {
    events: new InMemoryEventStore(),
    states: new InMemoryStateStore(),
    outbox: new InMemoryOutbox(options.onEnqueue),
    quarantine: new InMemoryQuarantine(),
    ...(options.now ? { now: options.now } : {}),
  };
  return deps satisfies ProcessBatchDeps;
}
