/**
 * The consumer use case: one ordered batch of raw records (a Kinesis shard's batch) → events
 * stored once, compliance state moved forward in order, alert decisions queued, poison records
 * quarantined.
 *
 * Steps, batch-wide so that each costs one round trip per 25–100 records rather than one per event:
 * 1. validate every record; rejected → quarantine, skipped → counted; repeated ids → duplicates;
 * 2. read which event ids are already done (duplicates) and the current state of every key;
 * 3. decide each compliance change in record order against the state, kept up to date in memory;
 * 4. enqueue the alerts (conditional per event id) BEFORE the state moves;
 * 5. write the newest state of each key, conditionally on its order;
 * 6. store the events with `done = true` — last, so that "done" means every effect is durable.
 *
 * At-least-once: a crash or a failed step leaves records not done; their redelivery repeats
 * steps 3–5, which are idempotent (equal order counts as newest and re-derives the same alert,
 * which the outbox ignores because its event id is already there; the state write is the same).
 *
 * Failures are values: the result names the first record whose processing did not complete,
 * and the caller has that record and everything after it redelivered. Only the records before it
 * count in the summary, so that a redelivered record is counted once, when it completes.
 *
 * Why one file: the six steps are one ordered sequence whose order is the at-least-once guarantee,
 * over the batch's in-memory slots (candidates, repeats, each key's state) that every step reads and
 * updates; split, each step would need those types and the order would live in no one file.
 */
import {
  type Alert,
  type ComplianceState,
  decide,
  type StateKey,
  stateKeyId,
} from '../domain/compliance-state.js';
import {
  type ComplianceChange,
  type ConfigEvent,
  type ConfigurationItemChange,
  parseConfigEvent,
} from '../domain/config-event.js';
import { conflictingDuplicateReason, eventFingerprint } from '../domain/event-identity.js';
import type { FlappingOptions } from '../domain/flapping.js';
import {
  type AlertOutbox,
  AlertsNotQueuedError,
  type EventStore,
  type StateStore,
} from '../ports/hot-store.js';
import type { Quarantine, QuarantinedRecord } from '../ports/quarantine.js';
import type { ResourceStore } from '../ports/resource-records.js';
import { EventsNotStoredError, KeptContentLaterError, ResourcesNotRecordedError } from './errors.js';

/** One raw record, in stream order. */
export interface IncomingRecord {
  /** The record's text (base64 already decoded). */
  readonly text: string;
  readonly sequenceNumber?: string;
  readonly partitionKey?: string;
}

export interface ProcessBatchDeps {
  readonly events: EventStore;
  readonly states: StateStore;
  readonly outbox: AlertOutbox;
  readonly quarantine: Quarantine;
  /**
   * The resource records that configuration item changes update (tags, last changes), read by the
   * notifier for routing and "what changed". @default - none: item changes are only stored
   */
  readonly resources?: ResourceStore;
  /**
   * When a pair is flapping (src/domain/flapping.ts): more than `maxChanges` changes in `windowMs`.
   * @default FLAPPING_DEFAULTS (more than 4 in 24 h)
   */
  readonly flapping?: FlappingOptions;
  /** @default - the system clock */
  readonly now?: () => Date;
}

/**
 * Counts of one batch. Record counts cover only the records that completed; `failed` records
 * (from the first unfinished one to the end) are redelivered and counted when they complete:
 * received = accepted + duplicates + skipped + rejected + failed; stale ⊂ accepted.
 * Alert counts are the alerts this batch newly put in the outbox, so that summed over batches each
 * decision counts once, even when it was queued by a run that failed later and its redelivery
 * finds the event stale or re-derives the same alert.
 */
export interface BatchSummary {
  received: number;
  /** Valid events stored for the first time. */
  accepted: number;
  /** Valid events already stored (done), or repeated within the batch. */
  duplicates: number;
  /** Accepted compliance changes older than their key's state: kept in history, no state change, no alert. */
  stale: number;
  skipped: number;
  rejected: number;
  /** Violations newly queued. */
  violations: number;
  /** Resolutions newly queued. */
  resolutions: number;
  /** Flapping alerts newly queued (a pair flagged once, then quiet until stable). */
  flapping: number;
  failed: number;
}

/** What happened to one record. */
export type RecordOutcome =
  | {
      readonly kind: 'accepted';
      readonly event: ConfigEvent;
      /** Older than the state of its key. */
      stale: boolean;
      /** The alert decided for it (queued now, or already queued by an earlier delivery). */
      alert: Alert | null;
    }
  | { readonly kind: 'duplicate'; readonly event: ConfigEvent }
  | { readonly kind: 'skipped'; readonly reason: string }
  | { readonly kind: 'rejected'; readonly reason: string };

export type BatchStep =
  | 'quarantine'
  | 'read-events'
  | 'read-states'
  | 'enqueue-alerts'
  | 'write-states'
  | 'write-resources'
  | 'write-events';

/** A step that failed (after the SDK's and our own bounded retries). */
export interface BatchFailure {
  readonly step: BatchStep;
  readonly error: unknown;
  /** Records whose processing it left unfinished. */
  readonly records: number;
}

export interface BatchResult {
  readonly summary: BatchSummary;
  /** Index of the first record whose processing did not complete, or null when all did. */
  readonly firstFailed: number | null;
  /** Outcome per record, in order (past `firstFailed`: what was decided before the failure). */
  readonly outcomes: readonly RecordOutcome[];
  readonly failures: readonly BatchFailure[];
}

/** One state key of a batch. */
interface KeySlot {
  /** The key, as the last candidate event of it in the batch names it (what `getMany` reads). */
  key: StateKey;
  /** Its stored state, once read. */
  stored: ComplianceState | undefined;
  /** The state the batch's events have moved it to, if any (written in step 5). */
  newest: ComplianceState | undefined;
}

interface Candidate {
  readonly index: number;
  readonly event: ConfigEvent;
  readonly outcome: Extract<RecordOutcome, { kind: 'accepted' }>;
  /** {@link stateKeyId} of a compliance change (computed once: it is a long string), else null. */
  readonly keyId: string | null;
  /** {@link eventFingerprint}: what the event says happened. */
  readonly fingerprint: string;
}

/** A later record of the batch with a candidate's id but other content: settled after the claim. */
interface Repeat {
  readonly index: number;
  readonly event: ConfigEvent;
  readonly fingerprint: string;
}

/**
 * Processes one ordered batch. Never throws for an expected outcome (rejected, skipped,
 * duplicate, stale) nor for a failed store call: those come back in the result.
 */
export async function processBatch(
  records: readonly IncomingRecord[],
  deps: ProcessBatchDeps,
): Promise<BatchResult> {
  const n = records.length;
  const outcomes = new Array<RecordOutcome>(n);
  const failures: BatchFailure[] = [];
  let firstFailed = n;
  const failAt = (index: number) => {
    if (index < firstFailed) firstFailed = index;
  };
  const receivedAt = (deps.now?.() ?? new Date()).toISOString();

  // 1. Validate. Repeated ids within the batch: the first occurrence is the event; a repeat with
  // other content is a conflicting duplicate (src/domain/event-identity.ts), rejected.
  const rejected: { index: number; record: QuarantinedRecord }[] = [];
  const candidates: Candidate[] = [];
  /** The candidate of each id (its first occurrence in the batch). */
  const firstOf = new Map<string, Candidate>();
  const repeats: Repeat[] = [];
  const quarantineRecord = (i: number, reason: string): QuarantinedRecord => {
    const record = records[i] as IncomingRecord;
    return {
      reason,
      data: record.text,
      ...(record.sequenceNumber === undefined ? {} : { sequenceNumber: record.sequenceNumber }),
      ...(record.partitionKey === undefined ? {} : { partitionKey: record.partitionKey }),
      receivedAt,
    };
  };
  for (let i = 0; i < n; i++) {
    const record = records[i] as IncomingRecord;
    const parsed = parseConfigEvent(record.text);
    let reason: string;
    if (parsed.status === 'accepted') {
      const event = parsed.event;
      const problem = deps.events.storableProblem(event);
      if (problem === null) {
        const fingerprint = eventFingerprint(event);
        const first = firstOf.get(event.eventId);
        if (first === undefined) {
          const outcome = { kind: 'accepted' as const, event, stale: false, alert: null };
          outcomes[i] = outcome;
          const keyId = stateKeyIdOf(event);
          const candidate = { index: i, event, outcome, keyId, fingerprint };
          firstOf.set(event.eventId, candidate);
          candidates.push(candidate);
        } else {
          // Same content: a duplicate; other content: settled once the claim says which is kept.
          outcomes[i] = { kind: 'duplicate', event };
          if (first.fingerprint !== fingerprint) repeats.push({ index: i, event, fingerprint });
        }
        continue;
      } else {
        reason = problem;
      }
    } else if (parsed.status === 'skipped') {
      outcomes[i] = { kind: 'skipped', reason: parsed.reason };
      continue;
    } else {
      reason = parsed.reason;
    }
    outcomes[i] = { kind: 'rejected', reason };
    rejected.push({ index: i, record: quarantineRecord(i, reason) });
  }

  // Quarantine runs alongside the rest; a failure there only marks the rejected records unfinished.
  const quarantined =
    rejected.length === 0
      ? Promise.resolve()
      : deps.quarantine.put(rejected.map((r) => r.record)).catch((error: unknown) => {
          failures.push({ step: 'quarantine', error, records: rejected.length });
          failAt((rejected[0] as { index: number }).index);
        });

  const queued = { violations: 0, resolutions: 0, flapping: 0 };
  /** Kept fingerprint of the ids whose stored event has other content than the batch's first record. */
  const kept = new Map<string, string>();
  /** Those of them whose kept event is finished (a repeat with its content is a duplicate). */
  const keptDone = new Set<string>();
  const fresh = await applyEvents(candidates, outcomes, deps, failures, failAt, queued, kept, keptDone);
  // Item changes update their resource's record before they are marked done (step 6).
  if (deps.resources) await recordResources(fresh, deps.resources, failures, failAt);
  // Conflicting duplicates: a record whose id is kept with other content, stored before (found by
  // the claim) or first in this batch. Rejected and quarantined, never applied.
  const conflicting: number[] = candidates.filter((c) => kept.has(c.event.eventId)).map((c) => c.index);
  /** Ids whose kept content is a later record of the batch than their first occurrence. */
  const keptLater = new Set<string>();
  for (const repeat of repeats) {
    const id = repeat.event.eventId;
    const keptFingerprint = kept.get(id) ?? firstOf.get(id)?.fingerprint;
    if (repeat.fingerprint !== keptFingerprint) conflicting.push(repeat.index);
    else if (kept.has(id) && !keptDone.has(id) && !keptLater.has(id)) {
      // The id was claimed (by another shard's consumer or by the archive transform, which claims
      // ids too) with the content of this later record, not of the batch's first one: this record
      // is the event, and only it may apply it. Its redelivery, from it on, finds it first of its
      // batch and claimed with its content, and applies it (or finds it done: a duplicate). An
      // unfinished claim of another consumer is redelivered the same way: applying it twice is
      // idempotent (outbox keyed by event id, state conditional on its order).
      keptLater.add(id);
      failures.push({ step: 'read-events', error: new KeptContentLaterError(id), records: 1 });
      failAt(repeat.index);
    }
  }
  conflicting.sort((x, y) => x - y);
  for (const i of conflicting) {
    const event = (outcomes[i] as { event: ConfigEvent }).event;
    outcomes[i] = { kind: 'rejected', reason: conflictingDuplicateReason(event.eventId) };
  }
  if (conflicting.length > 0) {
    try {
      await deps.quarantine.put(
        conflicting.map((i) => quarantineRecord(i, (outcomes[i] as { reason: string }).reason)),
      );
    } catch (error) {
      failures.push({ step: 'quarantine', error, records: conflicting.length });
      failAt(conflicting[0] as number);
    }
  }
  // 6. Done marks only for the completed prefix: a record past the first failure is redelivered
  // and must then be processed (and counted) as new, not as a duplicate.
  await quarantined;
  const finished = fresh.filter((c) => c.index < firstFailed);
  if (finished.length > 0) {
    try {
      const { failed } = await deps.events.markDone(
        finished.map((c) => c.event),
        finished.map((c) => c.fingerprint),
      );
      if (failed.size > 0) {
        failures.push({
          step: 'write-events',
          error: new EventsNotStoredError([...failed]),
          records: failed.size,
        });
        for (const c of finished) if (failed.has(c.event.eventId)) failAt(c.index);
      }
    } catch (error) {
      failures.push({ step: 'write-events', error, records: finished.length });
      failAt((finished[0] as Candidate).index);
    }
  }

  return {
    summary: { ...summarize(outcomes, firstFailed), ...queued },
    firstFailed: firstFailed === n ? null : firstFailed,
    outcomes,
    failures,
  };
}

/** Steps 2–5 for the valid, first-seen events; returns those not done before (to be marked done). */
async function applyEvents(
  candidates: readonly Candidate[],
  outcomes: RecordOutcome[],
  deps: ProcessBatchDeps,
  failures: BatchFailure[],
  failAt: (index: number) => void,
  queued: { violations: number; resolutions: number; flapping: number },
  kept: Map<string, string>,
  keptDone: Set<string>,
): Promise<Candidate[]> {
  if (candidates.length === 0) return [];

  // 2. Which ids are done, and the current states, read together (one round trip of latency).
  // One slot per state key holds everything the batch knows of it, so each event costs one map
  // lookup of its (long) key id rather than one per step.
  const slots = new Map<string, KeySlot>();
  for (const c of candidates) {
    if (c.keyId === null) continue;
    const slot = slots.get(c.keyId);
    if (slot) slot.key = c.event as ComplianceChange;
    else slots.set(c.keyId, { key: c.event as ComplianceChange, stored: undefined, newest: undefined });
  }
  const [doneRead, statesRead] = await Promise.allSettled([
    deps.events.claim(
      candidates.map((c) => c.event),
      candidates.map((c) => c.fingerprint),
    ),
    slots.size > 0 ? deps.states.getMany(Array.from(slots.values(), (s) => s.key)) : Promise.resolve([]),
  ]);
  if (doneRead.status === 'rejected') {
    failures.push({ step: 'read-events', error: doneRead.reason, records: candidates.length });
    failAt((candidates[0] as Candidate).index);
    return [];
  }
  const fresh: Candidate[] = [];
  for (const c of candidates) {
    const stored = doneRead.value.conflicts.get(c.event.eventId);
    if (stored !== undefined) {
      kept.set(c.event.eventId, stored); // rejected by the caller, with any repeat of other content
      if (doneRead.value.done.has(c.event.eventId)) keptDone.add(c.event.eventId);
    } else if (doneRead.value.done.has(c.event.eventId)) {
      outcomes[c.index] = { kind: 'duplicate', event: c.event };
    } else {
      fresh.push(c);
    }
  }
  const changes = fresh.filter((c) => c.keyId !== null);
  if (changes.length === 0) return fresh;
  if (statesRead.status === 'rejected') {
    failures.push({ step: 'read-states', error: statesRead.reason, records: changes.length });
    failAt((changes[0] as Candidate).index);
    return fresh;
  }
  let k = 0;
  for (const slot of slots.values()) {
    const state = statesRead.value[k++];
    if (state) slot.stored = state;
  }

  // 3. Decide in record order; several events of one key in a batch see each other's effect.
  const byKind: Record<Alert['kind'], Alert[]> = { violation: [], resolution: [], flapping: [] };
  /** The events that moved their key's state, in record order. */
  const moving: Candidate[] = [];
  /** The keys whose state moved, in the order they first did. */
  const moved: KeySlot[] = [];
  for (const c of changes) {
    const slot = slots.get(c.keyId as string) as KeySlot;
    const decision = decide(c.event as ComplianceChange, slot.newest ?? slot.stored, deps.flapping);
    if (!decision.newest) {
      c.outcome.stale = true;
      continue;
    }
    moving.push(c);
    if (slot.newest === undefined) moved.push(slot);
    slot.newest = decision.state;
    if (decision.alert) {
      c.outcome.alert = decision.alert;
      byKind[decision.alert.kind].push(decision.alert);
    }
  }
  if (moving.length === 0) return fresh;
  const firstMoving = (moving[0] as Candidate).index; // changes are in record order

  // 4. Alerts before state: once the state has moved, a redelivery would find the event stale and
  // never re-derive its alert.
  // One call per kind, so the outbox's count of new items tells how many of each were new.
  const kinds = (Object.keys(byKind) as Alert['kind'][]).filter((kind) => byKind[kind].length > 0);
  if (kinds.length > 0) {
    const settled = await Promise.allSettled(kinds.map((kind) => deps.outbox.enqueue(byKind[kind])));
    // A failed call may still have queued some: count them now, their redelivery finds them there.
    kinds.forEach((kind, i) => {
      queued[kindCount[kind]] = enqueuedBy(settled[i] as PromiseSettledResult<{ enqueued: number }>);
    });
    const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) {
      failures.push({ step: 'enqueue-alerts', error: failed.reason, records: moving.length });
      failAt(firstMoving);
      return fresh;
    }
  }

  // 5. The newest state of each key (unless it is exactly the stored one: a redelivery).
  const writes: ComplianceState[] = [];
  for (const slot of moved) {
    const state = slot.newest as ComplianceState;
    if (slot.stored?.order !== state.order) writes.push(state);
  }
  if (writes.length === 0) return fresh;
  try {
    const { failed } = await deps.states.putIfNewer(writes);
    if (failed.size > 0) {
      failures.push({ step: 'write-states', error: failed.values().next().value, records: failed.size });
      for (const c of moving) if (failed.has(c.keyId as string)) failAt(c.index);
    }
  } catch (error) {
    failures.push({ step: 'write-states', error, records: moving.length });
    failAt(firstMoving);
  }
  return fresh;
}

/**
 * The resource records of the batch's new configuration item changes (tags, last changes): one
 * merge per resource, idempotent and order-independent (src/domain/resource-record.ts), so a
 * redelivery or a reordering leaves the same record. An item without a capture time has no place
 * in the record and is only stored. A failed merge leaves its events unfinished (redelivered).
 */
async function recordResources(
  fresh: readonly Candidate[],
  store: ResourceStore,
  failures: BatchFailure[],
  failAt: (index: number) => void,
): Promise<void> {
  const items: { index: number; event: ConfigurationItemChange }[] = [];
  for (const c of fresh) {
    if (c.event.kind === 'configuration-item-change' && c.event.change !== null && c.event.resourceId) {
      items.push({ index: c.index, event: c.event });
    }
  }
  if (items.length === 0) return;
  const observations = items.map(({ event }) => ({
    account: event.account,
    region: event.region,
    resourceType: event.resourceType,
    resourceId: event.resourceId,
    eventId: event.eventId,
    tags: event.tags,
    change: event.change as NonNullable<ConfigurationItemChange['change']>,
  }));
  try {
    const { failed } = await store.record(observations);
    if (failed.size === 0) return;
    failures.push({
      step: 'write-resources',
      error: new ResourcesNotRecordedError([...failed]),
      records: failed.size,
    });
    for (const item of items) if (failed.has(item.event.eventId)) failAt(item.index);
  } catch (error) {
    failures.push({ step: 'write-resources', error, records: items.length });
    failAt((items[0] as { index: number }).index);
  }
}

/** The state key an event moves: a compliance change moves its pair's; an item change none. */
function stateKeyIdOf(event: ConfigEvent): string | null {
  switch (event.kind) {
    case 'compliance-change':
      return stateKeyId(event);
    case 'configuration-item-change':
      return null;
    default: {
      const unknown: never = event;
      throw new Error(`no state key for event kind ${JSON.stringify((unknown as ConfigEvent).kind)}`);
    }
  }
}

/** The summary count of each alert kind. */
const kindCount = {
  violation: 'violations',
  resolution: 'resolutions',
  flapping: 'flapping',
} as const satisfies Record<Alert['kind'], keyof BatchSummary>;

/** Alerts newly queued by one `enqueue` call, including those queued before it failed. */
function enqueuedBy(settled: PromiseSettledResult<{ enqueued: number }>): number {
  if (settled.status === 'fulfilled') return settled.value.enqueued;
  return settled.reason instanceof AlertsNotQueuedError ? settled.reason.enqueued : 0;
}

/** All-zero counts, the start of a sum of batch summaries. */
export function emptyBatchSummary(): BatchSummary {
  return {
    received: 0,
    accepted: 0,
    duplicates: 0,
    stale: 0,
    skipped: 0,
    rejected: 0,
    violations: 0,
    resolutions: 0,
    flapping: 0,
    failed: 0,
  };
}

function summarize(outcomes: readonly RecordOutcome[], completed: number): BatchSummary {
  const summary = emptyBatchSummary();
  summary.received = outcomes.length;
  summary.failed = outcomes.length - completed;
  for (let i = 0; i < completed; i++) {
    const outcome = outcomes[i] as RecordOutcome;
    switch (outcome.kind) {
      case 'accepted':
        summary.accepted += 1;
        if (outcome.stale) summary.stale += 1;
        break;
      case 'duplicate':
        summary.duplicates += 1;
        break;
      case 'skipped':
        summary.skipped += 1;
        break;
      case 'rejected':
        summary.rejected += 1;
        break;
    }
  }
  return summary;
}
