/**
 * The transactional alert outbox: the consumer enqueues alert decisions here before it moves the
 * compliance state forward, and the notifier drains the pending ones to Slack. Same SDK calls on
 * DynamoDB and dynalite.
 *
 * Items and the access pattern each key serves (table `OUTBOX_TABLE`, see table-definitions.ts):
 * - `pk = ALERT#<eventId>` — one item per alert decision. Get/put by event id; the conditional put
 *   (`attribute_not_exists(pk)`) makes enqueue idempotent: an event id is enqueued at most once,
 *   however often Kinesis/Lambda redeliver it.
 * - GSI `pending`: `pending_pk = <route>` (`default`: one queue for every destination, since alerts
 *   are routed when they are delivered, not when they are queued), `pending_sk =
 *   <createdAtISO>#<eventId>` — "oldest pending alerts", in order; a drain reads on from the last
 *   sort key it listed (`after`), so a destination that is paused does not hide those behind it. Sparse: delivery
 *   (or parking) REMOVEs both keys, so the index only ever holds what is still to be sent and a
 *   drain reads no delivered history. One partition key per webhook is fine: the alert rate is
 *   bounded by the transitions, not by the event rate, and the distinct sort keys let DynamoDB
 *   split the index partition for heat during a storm.
 * - `pk = ROUTE#<destination>` — the delivery gate of one destination (blocked until, consecutive
 *   failures, last error), so that a Slack outage or a broken webhook is retried on a bounded
 *   cadence across Lambda invocations, and one destination's outage pauses only its own alerts.
 *   The default destination `default` keeps the item it had before routing. No GSI keys.
 * - `pk = LEASE#<route>` — the drain lease of the queue (one for every destination): `lease_owner` (the holder's token, which
 *   names the Lambda request that holds it) and `lease_until` (ISO expiry). Taken, renewed and
 *   released with conditional writes (see {@link AlertOutboxRepository.acquireDrainLease}), so at
 *   most one drain posts to a webhook at a time without reserved concurrency. No GSI keys, no TTL.
 * - `unconfirmed_posts` on an alert item: how many of its posts were sent but never answered
 *   (Slack may have posted them); the notifier re-posts such an alert once at most, then parks it.
 * - `muted_by` on an alert item: the mute that held it back (src/domain/mute.ts). It is marked
 *   delivered (`delivered_at`, `message_ref = muted:<mute id>`) without being posted.
 * - `expired_at` (epoch seconds, 90 days after enqueue) — DynamoDB TTL; it also bounds how long an
 *   alert can stay undeliverable (a webhook broken for 90 days).
 *
 * Why one file: one table; its item kinds (alerts, route gates, the lease) share the key layout,
 * the conditional-write helpers and the TTL above, and the notifier's guarantees rest on how they
 * are written together.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { Alert } from '../../domain/compliance-state.js';
import type { LeaseAttempt, PendingAlert, RouteGate } from '../../ports/alert-outbox.js';
import { AlertsNotQueuedError } from '../../ports/hot-store.js';
import { batchGetAll, batchWriteAll, forEachLimited } from './batch-write.js';
import { expiresAt, OUTBOX_TABLE, TTL_ATTRIBUTE } from './table-definitions.js';

/**
 * The one queue of pending alerts (the pending index's partition key, and the lease's name): alerts
 * are routed to destinations when they are delivered, not when they are queued.
 */
export const DEFAULT_ROUTE = 'default';
const PENDING_INDEX = OUTBOX_TABLE.indexes[0].indexName;
/** Parallel single-item writes: conditional puts and REMOVE updates cannot be batched. */
const WRITE_CONCURRENCY = 16;
/**
 * From how many alerts a message's `markDelivered` reads and puts them back in batches (2 requests
 * per 25-100 alerts) rather than updating each: below it, one update each is fewer requests.
 */
const BATCHED_MARK_MIN = 3;

export type { LeaseAttempt, PendingAlert, RouteGate } from '../../ports/alert-outbox.js';

/**
 * The alert outbox on DynamoDB (or dynalite).
 *
 * `new AlertOutboxRepository(doc, tableName(prefix, OUTBOX_TABLE))`.
 */
export class AlertOutboxRepository {
  /** The queue this repository enqueues to and lists ({@link DEFAULT_ROUTE}). */
  readonly route: string = DEFAULT_ROUTE;

  constructor(
    private readonly doc: DynamoDBDocumentClient,
    readonly tableName: string,
  ) {}

  /**
   * Enqueues alerts, one conditional put each keyed by `ALERT#<eventId>`. An alert whose event id
   * is already in the outbox (pending or delivered) is left alone and not counted: redelivery of an
   * event never produces a second message. On any other write error the remaining puts still run,
   * then {@link AlertsNotQueuedError} is thrown carrying how many were newly enqueued, so the caller
   * (the consumer) counts those once and reports the record as a batch failure to retry it.
   */
  async enqueue(alerts: readonly Alert[], now: Date = new Date()): Promise<{ enqueued: number }> {
    const createdAt = now.toISOString();
    const expiry = expiresAt(now.getTime() / 1000);
    // Within one call, the same event id twice would race two conditional puts; keep the first.
    const unique = [...new Map(alerts.map((a) => [a.eventId, a])).values()];
    let enqueued = 0;
    let failed = 0;
    let firstError: unknown;
    await forEachLimited(unique, WRITE_CONCURRENCY, async (alert) => {
      try {
        await this.doc.send(
          new PutCommand({
            TableName: this.tableName,
            Item: {
              pk: alertKey(alert.eventId),
              event_id: alert.eventId,
              kind: alert.kind,
              alert: { ...alert },
              route: this.route,
              created_at: createdAt,
              attempts: 0,
              pending_pk: this.route,
              pending_sk: `${createdAt}#${alert.eventId}`,
              [TTL_ATTRIBUTE]: expiry,
            },
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
        );
        enqueued += 1;
      } catch (err) {
        if (err instanceof ConditionalCheckFailedException) return;
        failed += 1;
        firstError ??= err;
      }
    });
    if (failed > 0) throw new AlertsNotQueuedError(enqueued, failed, { cause: firstError });
    return { enqueued };
  }

  /**
   * Up to `limit` pending alerts of this route, oldest first, after the pending sort key `after`
   * when given (`pendingSortKey` of src/ports/alert-outbox.ts of the last one a drain listed). Alerts parked for a later
   * retry (`retry_at` in the future, see {@link recordFailure}) are skipped, so they never block the
   * ones behind them.
   */
  async listPending(limit: number, now: Date = new Date(), after?: string): Promise<PendingAlert[]> {
    const out: PendingAlert[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.doc.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: PENDING_INDEX,
          KeyConditionExpression:
            after === undefined ? 'pending_pk = :route' : 'pending_pk = :route AND pending_sk > :after',
          FilterExpression: 'attribute_not_exists(retry_at) OR retry_at <= :now',
          ExpressionAttributeValues: {
            ':route': this.route,
            ':now': now.toISOString(),
            ...(after === undefined ? {} : { ':after': after }),
          },
          // The filter runs after Limit; ask a little more than needed to save round trips.
          Limit: Math.min(Math.max(limit - out.length, 1) + 50, 1000),
          ExclusiveStartKey: startKey,
        }),
      );
      for (const item of page.Items ?? []) {
        if (out.length >= limit) break;
        out.push(toPending(item));
      }
      startKey = page.LastEvaluatedKey;
    } while (startKey && out.length < limit);
    return this.stillPending(out);
  }

  /**
   * The listed alerts that the table itself, read strongly consistent, still has pending. The
   * pending index is a GSI and GSIs are only eventually consistent
   * (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/GSI.html#GSI.Reads): an
   * alert another drainer marked delivered a moment ago (before a lease handover) can still be
   * listed, and must not be posted again. Its count of unconfirmed posts is taken from the same
   * read: the index may not show the last one yet, and it bounds how often the alert is re-posted.
   */
  private async stillPending(listed: readonly PendingAlert[]): Promise<PendingAlert[]> {
    if (listed.length === 0) return [];
    const items = await batchGetAll(
      this.doc,
      this.tableName,
      listed.map((alert) => ({ pk: alertKey(alert.id) })),
      { consistentRead: true, attributes: ['event_id', 'pending_pk', 'unconfirmed_posts'] },
    );
    const pending = new Map(
      items
        .filter((item) => item.pending_pk !== undefined)
        .map((item) => [
          String(item.event_id),
          typeof item.unconfirmed_posts === 'number' ? item.unconfirmed_posts : 0,
        ]),
    );
    return listed.flatMap((alert) => {
      const unconfirmedPosts = pending.get(alert.id);
      if (unconfirmedPosts === undefined) return [];
      return unconfirmedPosts === alert.unconfirmedPosts ? [alert] : [{ ...alert, unconfirmedPosts }];
    });
  }

  /** Number of alerts still pending on this route (including those waiting for a retry time). */
  async countPending(): Promise<number> {
    let count = 0;
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.doc.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: PENDING_INDEX,
          KeyConditionExpression: 'pending_pk = :route',
          ExpressionAttributeValues: { ':route': this.route },
          Select: 'COUNT',
          ExclusiveStartKey: startKey,
        }),
      );
      count += page.Count ?? 0;
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return count;
  }

  /**
   * Marks alerts delivered in message `messageRef`: sets `delivered_at` and REMOVEs the pending
   * GSI keys. Idempotent (a second call rewrites the same values); ids not in the outbox are ignored.
   */
  async markDelivered(ids: readonly string[], messageRef: string, now: Date = new Date()): Promise<void> {
    const update = (id: string) =>
      this.updateExisting(id, {
        UpdateExpression:
          'SET delivered_at = :now, message_ref = :ref REMOVE pending_pk, pending_sk, retry_at, parked_at',
        ExpressionAttributeValues: { ':now': now.toISOString(), ':ref': messageRef },
      });
    if (ids.length < BATCHED_MARK_MIN) {
      await forEachLimited(ids, WRITE_CONCURRENCY, update);
      return;
    }
    // A digest's alerts: read them (100 a request, strongly consistent) and put each back whole,
    // delivered and without the pending keys (25 a request), instead of one UpdateItem an alert:
    // 22,556 alerts of a storm took 22,556 requests, now about 1,130. A read-then-put is safe here
    // because only the drain holding the lease writes pending items (see DrainLease); the consumer's
    // enqueue is conditional on the item being absent, so it never overwrites one. Each put is a
    // whole-item overwrite, so a retry or a crash half-way is idempotent; ids not in the outbox are
    // ignored, as the update's condition ignores them.
    const items = await batchGetAll(
      this.doc,
      this.tableName,
      ids.map((id) => ({ pk: alertKey(id) })),
      { consistentRead: true },
    );
    const delivered = items.map((item) => {
      const { pending_pk: _pk, pending_sk: _sk, retry_at: _retry, parked_at: _parked, ...kept } = item;
      return { PutRequest: { Item: { ...kept, delivered_at: now.toISOString(), message_ref: messageRef } } };
    });
    const { unprocessed } = await batchWriteAll(this.doc, this.tableName, delivered);
    // What the batch could not write after its retries goes one update at a time.
    await forEachLimited(
      unprocessed.map((r) =>
        String((r.PutRequest?.Item as { event_id?: unknown } | undefined)?.event_id ?? ''),
      ),
      WRITE_CONCURRENCY,
      update,
    );
  }

  /**
   * Marks alerts a mute held back as delivered-as-muted: `delivered_at`, `muted_by = <mute id>`,
   * `message_ref = muted:<mute id>`, and the pending GSI keys REMOVEd. They were never posted; the
   * item keeps the alert until its TTL. Idempotent; ids not in the outbox are ignored.
   */
  async markMuted(ids: readonly string[], muteId: string, now: Date = new Date()): Promise<void> {
    await forEachLimited(ids, WRITE_CONCURRENCY, (id) =>
      this.updateExisting(id, {
        UpdateExpression:
          'SET delivered_at = :now, message_ref = :ref, muted_by = :mute REMOVE pending_pk, pending_sk, retry_at, parked_at',
        ExpressionAttributeValues: { ':now': now.toISOString(), ':ref': `muted:${muteId}`, ':mute': muteId },
      }),
    );
  }

  /**
   * Records a failed delivery attempt: `attempts + 1`, `last_error`, and, with `retryAt`, the time
   * before which {@link listPending} skips these alerts. The alerts stay pending. Only pending items
   * are touched (a concurrent delivery wins).
   */
  async recordFailure(
    ids: readonly string[],
    reason: string,
    options: { now?: Date; retryAt?: Date } = {},
  ): Promise<void> {
    const now = (options.now ?? new Date()).toISOString();
    const setRetry = options.retryAt ? ', retry_at = :retry' : '';
    await forEachLimited(ids, WRITE_CONCURRENCY, (id) =>
      this.updateExisting(
        id,
        {
          UpdateExpression: `SET last_error = :reason, last_attempt_at = :now${setRetry} ADD attempts :one`,
          ExpressionAttributeValues: {
            ':reason': reason.slice(0, 1000),
            ':now': now,
            ':one': 1,
            ...(options.retryAt ? { ':retry': options.retryAt.toISOString() } : {}),
          },
        },
        'attribute_exists(pending_pk)',
      ),
    );
  }

  /**
   * Records a post of these alerts that was sent but not answered (a timeout or a reset after the
   * request went out): Slack may have posted it. `unconfirmed_posts + 1`, `attempts + 1`,
   * `last_error`, `last_unconfirmed_at`; the alerts stay pending, so a later drain decides (it
   * re-posts them at most once, as a possible duplicate). Only pending items are touched.
   */
  async recordUnconfirmed(ids: readonly string[], reason: string, now: Date = new Date()): Promise<void> {
    await forEachLimited(ids, WRITE_CONCURRENCY, (id) =>
      this.updateExisting(
        id,
        {
          UpdateExpression:
            'SET last_error = :reason, last_attempt_at = :now, last_unconfirmed_at = :now ADD attempts :one, unconfirmed_posts :one',
          ExpressionAttributeValues: {
            ':reason': reason.slice(0, 1000),
            ':now': now.toISOString(),
            ':one': 1,
          },
        },
        'attribute_exists(pending_pk)',
      ),
    );
  }

  /**
   * Takes alerts out of the pending index without delivering them (`parked_at`, `last_error`): for
   * a message Slack rejects as invalid however often it is retried, or one whose posts went
   * unanswered twice (re-posting could duplicate it once more). The item stays in the table
   * until its TTL, so it can be found and re-queued by hand; the caller logs it at error level.
   */
  async park(ids: readonly string[], reason: string, now: Date = new Date()): Promise<void> {
    await forEachLimited(ids, WRITE_CONCURRENCY, (id) =>
      this.updateExisting(
        id,
        {
          UpdateExpression:
            'SET parked_at = :now, last_error = :reason REMOVE pending_pk, pending_sk, retry_at',
          ExpressionAttributeValues: { ':now': now.toISOString(), ':reason': reason.slice(0, 1000) },
        },
        'attribute_exists(pending_pk)',
      ),
    );
  }

  /** The delivery gate of a destination (open when never written). @default - this route's */
  async getRouteGate(destination: string = this.route): Promise<RouteGate> {
    const res = await this.doc.send(
      new GetCommand({ TableName: this.tableName, Key: { pk: routeKey(destination) }, ConsistentRead: true }),
    );
    const item = res.Item;
    return {
      blockedUntil: typeof item?.blocked_until === 'string' ? item.blocked_until : null,
      consecutiveFailures: typeof item?.consecutive_failures === 'number' ? item.consecutive_failures : 0,
      lastError: typeof item?.last_error === 'string' ? item.last_error : null,
    };
  }

  /** Closes the gate until `until` after a failed post; counts consecutive failures for the backoff. */
  async blockRoute(
    until: Date,
    reason: string,
    now: Date = new Date(),
    destination: string = this.route,
  ): Promise<void> {
    await this.doc.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { pk: routeKey(destination) },
        UpdateExpression:
          'SET blocked_until = :until, last_error = :reason, updated_at = :now ADD consecutive_failures :one',
        ExpressionAttributeValues: {
          ':until': until.toISOString(),
          ':reason': reason.slice(0, 1000),
          ':now': now.toISOString(),
          ':one': 1,
        },
      }),
    );
  }

  /** Opens the gate after a successful post. */
  async clearRouteGate(now: Date = new Date(), destination: string = this.route): Promise<void> {
    await this.doc.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { pk: routeKey(destination) },
        UpdateExpression:
          'SET consecutive_failures = :zero, updated_at = :now REMOVE blocked_until, last_error',
        ExpressionAttributeValues: { ':zero': 0, ':now': now.toISOString() },
      }),
    );
  }

  /**
   * Takes the drain lease of this route for `owner` until `until`, if nobody holds it or the
   * holder's lease has expired (`lease_until < now`). One conditional write: DynamoDB evaluates the
   * condition and applies the update atomically on the item, so of two drains racing for a free
   * lease exactly one succeeds. ISO-8601 UTC strings of one fixed format compare like the times.
   */
  async acquireDrainLease(owner: string, until: Date, now: Date = new Date()): Promise<LeaseAttempt> {
    const acquired = await this.updateLease(
      'SET lease_owner = :owner, lease_until = :until, acquired_at = :now',
      'attribute_not_exists(lease_owner) OR lease_until < :now',
      { ':owner': owner, ':until': until.toISOString(), ':now': now.toISOString() },
    );
    if (acquired) return { acquired: true };
    const res = await this.doc.send(
      new GetCommand({ TableName: this.tableName, Key: { pk: leaseKey(this.route) }, ConsistentRead: true }),
    );
    const item = res.Item;
    return {
      acquired: false,
      holder: typeof item?.lease_owner === 'string' ? item.lease_owner : null,
      until: typeof item?.lease_until === 'string' ? item.lease_until : null,
    };
  }

  /**
   * Extends the lease to `until` if `owner` still holds it (`lease_owner = owner`); false when it
   * was taken over after expiring, in which case the caller must stop posting at once.
   */
  async renewDrainLease(owner: string, until: Date, now: Date = new Date()): Promise<boolean> {
    return this.updateLease('SET lease_until = :until, renewed_at = :now', 'lease_owner = :owner', {
      ':owner': owner,
      ':until': until.toISOString(),
      ':now': now.toISOString(),
    });
  }

  /** Gives the lease back if `owner` still holds it; a lease already taken over is left alone. */
  async releaseDrainLease(owner: string, now: Date = new Date()): Promise<void> {
    await this.updateLease('SET released_at = :now REMOVE lease_owner, lease_until', 'lease_owner = :owner', {
      ':owner': owner,
      ':now': now.toISOString(),
    });
  }

  /** One conditional update of this route's lease item; false when its condition did not hold. */
  private async updateLease(
    update: string,
    condition: string,
    values: Record<string, string>,
  ): Promise<boolean> {
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: leaseKey(this.route) },
          UpdateExpression: update,
          ConditionExpression: condition,
          ExpressionAttributeValues: values,
        }),
      );
      return true;
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException) return false;
      throw err;
    }
  }

  private async updateExisting(
    id: string,
    update: { UpdateExpression: string; ExpressionAttributeValues: Record<string, unknown> },
    condition = 'attribute_exists(pk)',
  ): Promise<void> {
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: alertKey(id) },
          ConditionExpression: condition,
          ...update,
        }),
      );
    } catch (err) {
      if (!(err instanceof ConditionalCheckFailedException)) throw err;
    }
  }
}

function alertKey(eventId: string): string {
  return `ALERT#${eventId}`;
}

function routeKey(route: string): string {
  return `ROUTE#${route}`;
}

function leaseKey(route: string): string {
  return `LEASE#${route}`;
}

function toPending(item: Record<string, unknown>): PendingAlert {
  return {
    id: String(item.event_id),
    alert: item.alert as Alert,
    createdAt: String(item.created_at),
    attempts: typeof item.attempts === 'number' ? item.attempts : 0,
    lastError: typeof item.last_error === 'string' ? item.last_error : null,
    unconfirmedPosts: typeof item.unconfirmed_posts === 'number' ? item.unconfirmed_posts : 0,
  };
}
