/**
 * The hot store as the consumer use case needs it (src/use-cases/process-batch.ts): the events
 * table, the state table and the alert outbox's enqueue side. DynamoDB adapters implement them in
 * src/adapters/dynamodb/ (EventStoreRepository, ComplianceStateRepository,
 * AlertOutboxRepository); tests use the in-memory ones of test/helpers/in-memory-hot-store.ts.
 */
import type { Alert, ComplianceState, StateKey } from '../domain/compliance-state.js';
import type { ConfigEvent } from '../domain/config-event.js';

/** The events table, as the use case needs it (DynamoDB: `EventStoreRepository`). */
export interface EventStore {
  /** Why this event cannot be stored (a key or item size limit), or null. Checked before any write. */
  storableProblem(event: ConfigEvent): string | null;
  /**
   * Claims the events' ids before their effects (first received wins): `done` are stored and
   * finished (duplicates, or, for an id in `conflicts`, its kept event is finished), `conflicts`
   * were received before with other content (id → the kept event's fingerprint); the others are
   * this batch's to process. `fingerprints`, aligned with `events`, are their fingerprints
   * (src/domain/event-identity.ts) when the caller has them (default: computed here).
   */
  claim(
    events: readonly ConfigEvent[],
    fingerprints?: readonly string[],
  ): Promise<{ done: Set<string>; conflicts: Map<string, string> }>;
  /** Stores the events as done (`fingerprints` as for `claim`); returns the ids that could not be written. */
  markDone(
    events: readonly ConfigEvent[],
    fingerprints?: readonly string[],
  ): Promise<{ failed: Set<string> }>;
}

/**
 * The events table as the archive transformation needs it (src/use-cases/archive-transform.ts):
 * the same claim as the consumer's, so that the first claim of an id decides its content for
 * both the hot store and the archive.
 */
export type EventIdClaims = Pick<EventStore, 'storableProblem' | 'claim'>;

/** The state table, as the use case needs it (DynamoDB: `ComplianceStateRepository`). */
export interface StateStore {
  /** Current state of each key, aligned with `keys` (undefined: no state yet). */
  getMany(keys: readonly StateKey[]): Promise<(ComplianceState | undefined)[]>;
  /** Writes each state unless a newer one is stored; returns the key ids whose write failed. */
  putIfNewer(states: readonly ComplianceState[]): Promise<{ failed: Map<string, unknown> }>;
}

/**
 * The alert outbox (DynamoDB: `AlertOutboxRepository`): conditional per event id. A call that
 * fails after queuing some rejects with {@link AlertsNotQueuedError} saying how many.
 */
export interface AlertOutbox {
  enqueue(alerts: readonly Alert[]): Promise<{ enqueued: number }>;
}

/**
 * The outbox left some alerts unqueued after its retries; `enqueued` others were newly queued by
 * the same call before it gave up, and are counted as queued (their redelivery finds them there).
 */
export class AlertsNotQueuedError extends Error {
  constructor(
    readonly enqueued: number,
    readonly failed: number,
    options?: ErrorOptions,
  ) {
    const cause =
      options?.cause instanceof Error ? ` (first: ${options.cause.name}: ${options.cause.message})` : '';
    super(
      `${failed} alert(s) could not be queued${cause}; expected every alert queued: they will be redelivered`,
      options,
    );
    this.name = 'AlertsNotQueuedError';
  }
}
