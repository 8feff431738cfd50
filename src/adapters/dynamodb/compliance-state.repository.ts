/**
 * The state table: the newest evaluation per (account, region, rule name, resource type,
 * resource id). Keys in keys.ts; access patterns in docs/hot-store.md.
 *
 * Idempotent and order-safe: a state is written only with `attribute_not_exists(pk) OR
 * #order <= :order`, so a replay of the same evaluation rewrites the same item and an older one
 * can never overwrite a newer one, whatever the delivery order.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { type ComplianceState, type StateKey, stateKeyId } from '../../domain/compliance-state.js';
import type { ComplianceType } from '../../domain/config-event.js';
import type { FlappingRecord } from '../../domain/flapping.js';
import { batchGetAll, type DocumentSender, forEachLimited, type RetryOptions } from './batch-write.js';
import { openPk, openSk, stateKeyAttributes } from './keys.js';
import { expiresAt } from './table-definitions.js';

/** Conditional puts cannot be batched; this many are in flight at once. */
const PUT_CONCURRENCY = 16;

/** A state-table item, as written. */
export interface StateItem {
  readonly pk: string;
  readonly sk: string;
  readonly account: string;
  readonly region: string;
  readonly rule_name: string;
  readonly resource_type: string;
  readonly resource_id: string;
  readonly status: ComplianceType;
  /** {@link orderOf} of the evaluation: compares as text, greater is newer. */
  readonly order: string;
  readonly event_id: string;
  readonly ordering_timestamp: string;
  readonly annotation: string | null;
  /** ISO time of the write. */
  readonly updated_at: string;
  /**
   * TTL: 90 days after the write (receipt), epoch seconds. Never from the evaluation's own times:
   * a rollout's `orderingTimestamp` can be years old, and a TTL already past would let DynamoDB
   * delete the state and with it the out-of-order guard of its key.
   */
  readonly expired_at: number;
  /**
   * NON_COMPLIANT states only: when the pair became non-compliant ({@link ComplianceState.openedAt})
   * and the keys of the sparse `open` index (keys.ts) that `GET /violations` reads.
   */
  readonly opened_at?: string;
  readonly open_pk?: string;
  readonly open_sk?: string;
  /**
   * The pair's recent changes (src/domain/flapping.ts, {@link FlappingRecord}): their notification
   * times, a few at most, and while it is flagged as flapping the event that flagged it and the
   * count then. Absent on a pair that never changed, and on states written before flapping.
   */
  readonly flapping_changes?: readonly string[];
  readonly flapping_flagged_by?: string;
  readonly flapping_flagged_changes?: number;
}

/** The flapping attributes of a state (none when it has no record). */
function flappingAttributes(
  record: FlappingRecord | undefined,
): Pick<StateItem, 'flapping_changes' | 'flapping_flagged_by' | 'flapping_flagged_changes'> {
  if (!record || (record.changes.length === 0 && !record.flagged)) return {};
  return {
    flapping_changes: record.changes,
    ...(record.flagged
      ? { flapping_flagged_by: record.flagged.eventId, flapping_flagged_changes: record.flagged.changes }
      : {}),
  };
}

/** The flapping record of a state item, if it has one. */
function flappingOf(item: Record<string, unknown>): FlappingRecord | undefined {
  const changes = item.flapping_changes;
  if (!Array.isArray(changes)) return undefined;
  const flaggedBy = item.flapping_flagged_by;
  return {
    changes: changes.filter((t): t is string => typeof t === 'string'),
    ...(typeof flaggedBy === 'string'
      ? { flagged: { eventId: flaggedBy, changes: Number(item.flapping_flagged_changes ?? 0) } }
      : {}),
  };
}

/** The `open` index attributes of a NON_COMPLIANT state (none for any other status). */
export function openAttributes(
  state: Pick<ComplianceState, 'status' | 'openedAt' | 'orderingTimestamp'>,
  keys: { pk: string; sk: string },
): Pick<StateItem, 'opened_at' | 'open_pk' | 'open_sk'> {
  if (state.status !== 'NON_COMPLIANT') return {};
  // A writer that does not know when the pair opened (a state built by hand) dates it by its
  // evaluation; the consumer always knows (decide).
  const openedAt = state.openedAt ?? state.orderingTimestamp;
  return { opened_at: openedAt, open_pk: openPk(keys), open_sk: openSk(openedAt, keys) };
}

/** Builds the item of a state. */
export function toStateItem(state: ComplianceState, now: Date): StateItem {
  const keys = stateKeyAttributes(state);
  return {
    ...keys,
    account: state.account,
    region: state.region,
    rule_name: state.ruleName,
    resource_type: state.resourceType,
    resource_id: state.resourceId,
    status: state.status,
    order: state.order,
    event_id: state.eventId,
    ordering_timestamp: state.orderingTimestamp,
    annotation: state.annotation,
    updated_at: now.toISOString(),
    expired_at: expiresAt(now.getTime() / 1000),
    ...openAttributes(state, keys),
    ...flappingAttributes(state.flapping),
  };
}

/** Reads a state back from its item (the full key fields are attributes, even when `sk` is hashed). */
export function fromStateItem(item: Record<string, unknown>): ComplianceState {
  return {
    account: String(item.account),
    region: String(item.region),
    ruleName: String(item.rule_name),
    resourceType: String(item.resource_type),
    resourceId: String(item.resource_id),
    status: item.status as ComplianceType,
    order: String(item.order),
    eventId: String(item.event_id),
    orderingTimestamp: String(item.ordering_timestamp),
    annotation: typeof item.annotation === 'string' ? item.annotation : null,
    ...(typeof item.opened_at === 'string' ? { openedAt: item.opened_at } : {}),
    ...(item.flapping_changes === undefined ? {} : { flapping: flappingOf(item) }),
  };
}

/** Outcome of {@link ComplianceStateRepository.putIfNewer}, per state key id. */
export interface PutStatesResult {
  /** States written. */
  readonly written: number;
  /** States not written because a newer (greater order) state was already there: expected, not an error. */
  readonly superseded: number;
  /** Key id ({@link stateKeyId}) → error, for writes that failed (throttling, timeouts…). */
  readonly failed: Map<string, unknown>;
}

export class ComplianceStateRepository {
  constructor(
    private readonly doc: DocumentSender,
    readonly tableName: string,
    private readonly retry: RetryOptions = {},
  ) {}

  /**
   * Every stored state (a paged Scan, strongly consistent): the reconciler compares them with AWS
   * Config's. Expired items DynamoDB has not deleted yet are skipped.
   */
  async *listStates(now: Date = new Date()): AsyncIterable<ComplianceState> {
    let startKey: Record<string, unknown> | undefined;
    const nowSeconds = Math.floor(now.getTime() / 1000);
    do {
      const page = await this.doc.send(
        new ScanCommand({ TableName: this.tableName, ConsistentRead: true, ExclusiveStartKey: startKey }),
      );
      for (const item of page.Items ?? []) {
        if (typeof item.expired_at === 'number' && item.expired_at < nowSeconds) continue;
        yield fromStateItem(item);
      }
      startKey = page.LastEvaluatedKey as Record<string, unknown> | undefined;
    } while (startKey);
  }

  /** The stored state of one key, or null. */
  async get(key: StateKey): Promise<ComplianceState | null> {
    const res = await this.doc.send(
      new GetCommand({ TableName: this.tableName, Key: stateKeyAttributes(key), ConsistentRead: true }),
    );
    return res.Item ? fromStateItem(res.Item) : null;
  }

  /**
   * Current states of `keys`, aligned with them (undefined: no state yet). Strongly consistent: a
   * stale read could make a late, older evaluation look newest and raise an alert.
   */
  async getMany(keys: readonly StateKey[]): Promise<(ComplianceState | undefined)[]> {
    const result = new Array<ComplianceState | undefined>(keys.length).fill(undefined);
    const positions = new Map<string, { pk: string; sk: string; at: number[] }>();
    keys.forEach((key, i) => {
      const attributes = stateKeyAttributes(key);
      const composite = `${attributes.pk}\u0000${attributes.sk}`;
      const entry = positions.get(composite);
      if (entry) entry.at.push(i);
      else positions.set(composite, { ...attributes, at: [i] });
    });
    if (positions.size === 0) return result;
    const items = await batchGetAll(
      this.doc,
      this.tableName,
      [...positions.values()].map(({ pk, sk }) => ({ pk, sk })),
      { ...this.retry, consistentRead: true },
    );
    for (const item of items) {
      const entry = positions.get(`${String(item.pk)}\u0000${String(item.sk)}`);
      if (!entry) continue;
      const state = fromStateItem(item);
      for (const i of entry.at) result[i] = state;
    }
    return result;
  }

  /**
   * Writes each state unless the stored one is newer (`order` greater). Never throws for one
   * key: failures are returned per key id so the caller retries just the events of those keys.
   */
  async putIfNewer(states: readonly ComplianceState[], now: Date = new Date()): Promise<PutStatesResult> {
    let written = 0;
    let superseded = 0;
    const failed = new Map<string, unknown>();
    await forEachLimited(states, PUT_CONCURRENCY, async (state) => {
      try {
        await this.doc.send(
          new PutCommand({
            TableName: this.tableName,
            Item: toStateItem(state, now),
            ConditionExpression: 'attribute_not_exists(pk) OR #order <= :order',
            ExpressionAttributeNames: { '#order': 'order' },
            ExpressionAttributeValues: { ':order': state.order },
          }),
        );
        written += 1;
      } catch (err) {
        if (err instanceof ConditionalCheckFailedException) superseded += 1;
        else failed.set(stateKeyId(state), err);
      }
    });
    return { written, superseded, failed };
  }
}
