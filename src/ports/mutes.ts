/**
 * The mute store, as the use cases need it (src/use-cases/mutes.ts, the alert notifier, the API,
 * the CLI and the report). DynamoDB: `MuteRepository` (src/adapters/dynamodb/mute.repository.ts).
 */
import type { Alert, StateKey } from '../domain/compliance-state.js';
import type { Mute } from '../domain/mute.js';

export type MuteAction = 'add' | 'remove' | 'expire';

/** One line of the audit log: who changed which mute, when and why. Append-only. */
export interface MuteAuditEntry {
  /** ISO time of the change. */
  readonly at: string;
  readonly muteId: string;
  readonly action: MuteAction;
  /** The IAM principal, the Cognito user, `local:<OS user>`, or `config-monitor` for an expiry. */
  readonly actor: string;
  /** The mute's reason (add), the removal's reason (remove, may be null), what the expiry did. */
  readonly reason: string | null;
  /** The mute as it was after the change. */
  readonly mute: Mute;
  /**
   * Written before the change and set once it is done: an entry left false records an attempt that
   * failed midway (the change may not have happened).
   */
  readonly applied: boolean;
}

/** The last alert of a pair a mute held back: what its end needs to alert the pair again. */
export interface HeldPair extends StateKey {
  readonly kind: Alert['kind'];
  readonly eventId: string;
  /** The last violation held back for the pair (re-posted at the mute's end if still open). */
  readonly violation: Alert | null;
  readonly heldAt: string;
}

export interface MuteStore {
  /** Stores a new mute (its audit entry first). */
  create(mute: Mute, actor: string): Promise<Mute>;
  /** Every stored mute, in force or ended (ended ones stay until their TTL), oldest first. */
  list(): Promise<Mute[]>;
  get(id: string): Promise<Mute | null>;
  /**
   * Ends a mute in force now (`removed_at`); throws `MuteNotFoundError` for an unknown id and
   * `MuteEndedError` for one already expired or removed.
   */
  remove(id: string, actor: string, reason: string | null, now: Date): Promise<Mute>;
  /** Records that the end of a mute was handled (re-alerts queued); false if it already was. */
  markEndHandled(mute: Mute, summary: string, now: Date): Promise<boolean>;
  /** The audit log, newest first; of one mute when `muteId` is given. */
  audit(options?: { muteId?: string; limit?: number }): Promise<MuteAuditEntry[]>;
  /** Records, per mute, the last alert it held back for each pair. */
  recordHeld(held: readonly { mute: Mute; alert: Alert }[], now: Date): Promise<void>;
  /** The pairs a mute held back alerts of. */
  held(muteId: string): Promise<HeldPair[]>;
}

/** Where the end of a mute finds the pairs that are still non-compliant. */
export interface OpenPairSource {
  /**
   * The pairs NON_COMPLIANT now among those of `account` (and `region`, when given), as the hot
   * state knows them (a state unchanged for its retention is no longer there).
   */
  openPairs(account: string, region: string | null): Promise<OpenPair[]>;
  /** The current state of each pair (null: none known), aligned with `keys`. */
  statusOf(keys: readonly StateKey[]): Promise<(OpenPairStatus | null)[]>;
}

export interface OpenPair extends StateKey {
  readonly eventId: string;
  readonly annotation: string | null;
  readonly orderingTimestamp: string;
  /** When the pair became non-compliant (notification time), when known. */
  readonly openedAt: string | null;
}

export interface OpenPairStatus {
  readonly status: Alert['newStatus'];
}

/** No mute has this id (never created, or deleted by its TTL after it ended). */
export class MuteNotFoundError extends Error {
  constructor(readonly id: string) {
    super(`no mute ${id}; "config-monitor mute list --all" shows the stored ones`);
    this.name = 'MuteNotFoundError';
  }
}

/** The mute is no longer in force: it expired or was removed. */
export class MuteEndedError extends Error {
  constructor(readonly mute: Mute) {
    super(
      mute.removedAt !== null && mute.removedAt < mute.until
        ? `mute ${mute.id} was already removed at ${mute.removedAt} by ${mute.removedBy ?? 'unknown'}`
        : `mute ${mute.id} already expired at ${mute.until}`,
    );
    this.name = 'MuteEndedError';
  }
}
