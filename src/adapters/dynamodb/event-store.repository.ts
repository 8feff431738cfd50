/**
 * The events table: every accepted Config event (compliance changes and configuration-item
 * changes) for 90 days, one item per EventBridge id. Keys in keys.ts; access patterns in
 * docs/hot-store.md.
 *
 * Idempotent by construction: the item key is the event id and a write is a whole-item overwrite
 * with values derived only from the event, so writing an event twice leaves the same item.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { ConfigEvent } from '../../domain/config-event.js';
import { eventFingerprint } from '../../domain/event-identity.js';
import {
  batchGetAll,
  batchWriteAll,
  type DocumentSender,
  forEachLimited,
  type RetryOptions,
} from './batch-write.js';
import {
  accountDayKey,
  dayOf,
  dayShardKey,
  dayShardOf,
  eventIdProblem,
  eventPk,
  eventTimeSortKey,
} from './keys.js';
import { expiresAt } from './table-definitions.js';

/**
 * Budget for one event item (DynamoDB's limit is 400 KB, names included). Only hostile input gets
 * near it: the normalized event keeps ids, names and the annotation, never the configuration item.
 */
export const MAX_EVENT_ITEM_BYTES = 350_000;

/**
 * The attributes of a claim item, and only those: the archive transformation's IAM grant lets it
 * put items of these attributes alone (infra/constructs/archive.ts), so it can claim an id and
 * never write an event.
 */
export const CLAIM_ITEM_ATTRIBUTES = ['pk', 'id', 'fingerprint', 'done', 'expired_at'] as const;

/** Conditional claim puts in flight per batch. */
const CLAIM_CONCURRENCY = 32;

/** An events-table item, as written (plain JS values; numbers are epoch seconds). */
export interface EventItem {
  readonly pk: string;
  readonly id: string;
  readonly account: string;
  readonly region: string;
  readonly source: string;
  readonly detail_type: string;
  /** EventBridge `time`, epoch seconds. */
  readonly published_at: number;
  /** When the consumer stored it, epoch seconds. */
  readonly received_at: number;
  /**
   * TTL: `received_at` + 90 days, epoch seconds. From receipt, not from the event's own times: a
   * replayed or late event must not arrive already expired.
   */
  readonly expired_at: number;
  readonly detail: ConfigEvent;
  readonly kind: ConfigEvent['kind'];
  /** True once the consumer finished every effect of the event (state, alert). */
  readonly done: boolean;
  /** What the event says happened (src/domain/event-identity.ts): tells a redelivery from a conflicting id. */
  readonly fingerprint: string;
  /** `YYYY-MM-DD` of the event time. */
  readonly day: string;
  readonly gsi1pk: string;
  readonly gsi1sk: string;
  readonly gsi2pk: string;
  readonly gsi2sk: string;
}

/**
 * Builds the item of an event received at `receivedAt`; pure, so the same event and receipt
 * always give the same item (a redelivery rewrites it with a later TTL and nothing else changed).
 */
export function toEventItem(
  event: ConfigEvent,
  receivedAt: Date = new Date(),
  fingerprint: string = eventFingerprint(event),
): EventItem {
  const publishedAt = Math.floor(Date.parse(event.eventTime) / 1000);
  const receivedAtSeconds = Math.floor(receivedAt.getTime() / 1000);
  const day = dayOf(event.eventTime);
  const sortKey = eventTimeSortKey(event.eventTime, event.eventId);
  return {
    pk: eventPk(event.eventId),
    id: event.eventId,
    account: event.account,
    region: event.region,
    source: event.source,
    detail_type: event.detailType,
    published_at: publishedAt,
    received_at: receivedAtSeconds,
    expired_at: expiresAt(receivedAtSeconds),
    detail: event,
    kind: event.kind,
    done: true,
    fingerprint,
    day,
    gsi1pk: accountDayKey(event.account, day),
    gsi1sk: sortKey,
    gsi2pk: dayShardKey(day, dayShardOf(event.eventId)),
    gsi2sk: sortKey,
  };
}

/**
 * Why an event cannot be stored, or null: an id too long for the keys, or an item over
 * {@link MAX_EVENT_ITEM_BYTES}. Such an event is quarantined: a write that can never succeed
 * would otherwise fail its batch for ever and block the shard.
 */
export function eventStorableProblem(event: ConfigEvent): string | null {
  const idProblem = eventIdProblem(event.eventId);
  if (idProblem) return idProblem;
  // Cheap bound first (≤ 3 UTF-8 bytes per UTF-16 unit); measure exactly only when it may be big.
  let units = 0;
  const fields = event as unknown as Record<string, unknown>;
  for (const key in fields) {
    const value = fields[key];
    if (typeof value === 'string') units += value.length;
  }
  if (units * 3 + 8_192 <= MAX_EVENT_ITEM_BYTES) return null;
  const bytes = Buffer.byteLength(JSON.stringify(toEventItem(event)), 'utf8');
  if (bytes <= MAX_EVENT_ITEM_BYTES) return null;
  return `event is ${bytes} bytes once stored; at most ${MAX_EVENT_ITEM_BYTES} allowed (resourceId, annotation too long)`;
}

export class EventStoreRepository {
  constructor(
    private readonly doc: DocumentSender,
    readonly tableName: string,
    private readonly retry: RetryOptions = {},
    /** The receipt clock the TTL counts from. @default - the system clock */
    private readonly clock: () => Date = () => new Date(),
  ) {}

  /** See {@link eventStorableProblem}. */
  storableProblem(event: ConfigEvent): string | null {
    return eventStorableProblem(event);
  }

  /** The stored item of an event id, or null. */
  async get(eventId: string): Promise<EventItem | null> {
    const res = await this.doc.send(
      new GetCommand({ TableName: this.tableName, Key: { pk: eventPk(eventId) }, ConsistentRead: true }),
    );
    return (res.Item as EventItem | undefined) ?? null;
  }

  /** The ids among these whose event is stored and done (strongly consistent). */
  async findDone(eventIds: readonly string[]): Promise<Set<string>> {
    if (eventIds.length === 0) return new Set();
    const items = await batchGetAll(
      this.doc,
      this.tableName,
      eventIds.map((id) => ({ pk: eventPk(id) })),
      { ...this.retry, attributes: ['id', 'done'], consistentRead: true },
    );
    return new Set(items.filter((item) => item.done === true).map((item) => String(item.id)));
  }

  /**
   * Claims the events' ids before any of their effects: an event id is one event, and the first
   * record received with it wins (src/domain/event-identity.ts). For each event:
   * - stored and done with the same content → `done` (a redelivery: a duplicate);
   * - stored or claimed with other content → `conflicts` (rejected, never applied), and in `done`
   *   too when the kept event is finished;
   * - absent, or claimed with the same content by an unfinished earlier try → claimed for this
   *   batch (`attribute_not_exists(pk)` on the put: of two consumers racing on one id across
   *   shards, exactly one writes the claim, and the other then reads it).
   * Strongly consistent reads, so an event finished by the previous batch of the shard is seen.
   * Items written before fingerprints existed count as the same content.
   */
  async claim(
    events: readonly ConfigEvent[],
    fingerprints?: readonly string[],
  ): Promise<{ done: Set<string>; conflicts: Map<string, string> }> {
    const done = new Set<string>();
    const conflicts = new Map<string, string>();
    if (events.length === 0) return { done, conflicts };
    const stored = await batchGetAll(
      this.doc,
      this.tableName,
      events.map((event) => ({ pk: eventPk(event.eventId) })),
      { ...this.retry, attributes: ['id', 'done', 'fingerprint'], consistentRead: true },
    );
    const byId = new Map(stored.map((item) => [String(item.id), item]));
    const unclaimed: { event: ConfigEvent; fingerprint: string }[] = [];
    const classify = (event: ConfigEvent, fingerprint: string, item: Record<string, unknown>) => {
      if (item.fingerprint !== undefined && item.fingerprint !== fingerprint) {
        conflicts.set(event.eventId, String(item.fingerprint));
      }
      if (item.done === true) done.add(event.eventId);
    };
    for (let i = 0; i < events.length; i++) {
      const event = events[i] as ConfigEvent;
      const fingerprint = fingerprints?.[i] ?? eventFingerprint(event);
      const item = byId.get(event.eventId);
      if (item) classify(event, fingerprint, item);
      else unclaimed.push({ event, fingerprint });
    }
    const expiry = expiresAt(Math.floor(this.clock().getTime() / 1000));
    await forEachLimited(unclaimed, CLAIM_CONCURRENCY, async ({ event, fingerprint }) => {
      try {
        await this.doc.send(
          new PutCommand({
            TableName: this.tableName,
            // No index keys: a claim is not an event yet, and /events does not list it.
            Item: {
              pk: eventPk(event.eventId),
              id: event.eventId,
              fingerprint,
              done: false,
              expired_at: expiry,
            } satisfies Record<(typeof CLAIM_ITEM_ATTRIBUTES)[number], unknown>,
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
        );
      } catch (err) {
        if (!(err instanceof ConditionalCheckFailedException)) throw err;
        // Another consumer claimed it a moment ago: its content decides.
        const item = await this.get(event.eventId);
        if (item) classify(event, fingerprint, item as unknown as Record<string, unknown>);
      }
    });
    return { done, conflicts };
  }

  /**
   * Stores the events with `done = true`, after every other effect of theirs is durable.
   * Returns the ids still unwritten after the bounded retries of `UnprocessedItems` (those
   * events are not finished and must be redelivered).
   */
  async markDone(
    events: readonly ConfigEvent[],
    fingerprints?: readonly string[],
  ): Promise<{ failed: Set<string> }> {
    if (events.length === 0) return { failed: new Set() };
    const receivedAt = this.clock();
    const { unprocessed } = await batchWriteAll(
      this.doc,
      this.tableName,
      events.map((event, i) => ({
        PutRequest: {
          Item: toEventItem(
            event,
            receivedAt,
            fingerprints?.[i] ?? eventFingerprint(event),
          ) as unknown as Record<string, unknown>,
        },
      })),
      this.retry,
    );
    return { failed: new Set(unprocessed.map((request) => String(request.PutRequest?.Item?.id))) };
  }
}
