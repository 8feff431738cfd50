/**
 * The Slack thread of each (resource, rule) pair in bot mode: the channel and `ts` of the message a
 * violation was posted as, so its resolution can update that message and reply in its thread, and a
 * re-opened violation can reply there instead of posting anew (docs/slack.md "Bot mode"). Written
 * and read by the notifier only (src/use-cases/deliver-alerts.ts).
 *
 * Why the outbox table and not the state item. The issue asks to "keep each violation's channel and
 * ts in the state", but the state item is the consumer's: compliance-state.repository.ts writes it
 * with a whole-item PutCommand (conditional on the evaluation order), so every newer evaluation of
 * the pair — the resolution itself, typically, and often before its alert is delivered — would
 * replace the item and erase a `ts` the notifier had added. Making the consumer carry the ts over
 * would need a read-modify-write under the order condition on the hot path of every evaluation, for
 * a value only the notifier uses; and the notifier may write the outbox table, not the state table.
 * So the thread is an item of its own in the outbox table, written by the one writer that needs it:
 *
 * - `pk = THREAD#<SHA-256 of the state table keys>` (keys.ts {@link threadPk}); no GSI keys (it never
 *   shows up as pending).
 * - `channel`, `ts` (the original message), `destination` (the routing destination it was posted
 *   to: a later alert routed elsewhere does not touch it), `original` (the message as posted, JSON:
 *   a resolution rewrites it with a "resolved" banner, so the update shows exactly what was posted,
 *   and re-sending it is idempotent), `opened_by` (the violation's event id), `last_event_id`,
 *   `last_kind`, `opened_at` (the last violation's time in the thread, for "resolved after"),
 *   `posted_at`, `updated_at`, and the pair's fields (account, region, rule_name,
 *   resource_type, resource_id) for an operator.
 * - `expired_at`: 90 days after the last write (each lifecycle step renews it), as the rest of the
 *   hot store. An item past it is treated as gone before DynamoDB deletes it: the next alert of the
 *   pair is posted as a new message.
 *
 * The outbox table's stream wakes the notifier on INSERTs; a thread's first put is one. That costs
 * an invocation that finds nothing new (the stream trigger's filter keeps to `ALERT#` keys where
 * the construct sets it).
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { AlertKind, StateKey } from '../../domain/compliance-state.js';
import { stateKeyId } from '../../domain/compliance-state.js';
import type { AlertThread } from '../../ports/alert-outbox.js';
import type { SlackMessage } from '../../ports/message-sink.js';
import { batchGetAll, type DocumentSender } from './batch-write.js';
import { threadPk } from './keys.js';
import { expiresAt, TTL_ATTRIBUTE } from './table-definitions.js';

export type { AlertThread } from '../../ports/alert-outbox.js';

export class AlertThreadRepository {
  constructor(
    private readonly doc: DocumentSender,
    readonly tableName: string,
  ) {}

  /**
   * The threads of `keys`, by {@link stateKeyId}; pairs without one (or with one past its TTL) are
   * absent. Strongly consistent: the thread a moment-old post wrote must be seen.
   */
  async getMany(keys: readonly StateKey[], now: Date = new Date()): Promise<Map<string, AlertThread>> {
    const byPk = new Map<string, string>();
    for (const key of keys) byPk.set(threadPk(key), stateKeyId(key));
    const out = new Map<string, AlertThread>();
    if (byPk.size === 0) return out;
    const items = await batchGetAll(
      this.doc,
      this.tableName,
      [...byPk.keys()].map((pk) => ({ pk })),
      { consistentRead: true },
    );
    const nowSeconds = Math.floor(now.getTime() / 1000);
    for (const item of items) {
      const id = byPk.get(String(item.pk));
      if (id === undefined) continue;
      if (typeof item[TTL_ATTRIBUTE] === 'number' && item[TTL_ATTRIBUTE] < nowSeconds) continue;
      const thread = fromItem(item);
      if (thread) out.set(id, thread);
    }
    return out;
  }

  /**
   * Keeps the thread a violation's post started. Unconditional: one drain at a time writes threads,
   * and a re-post of the same violation (after a crash before it was marked delivered) rightly
   * points the thread at the newer message. Idempotent.
   */
  async put(key: StateKey, thread: AlertThread, now: Date = new Date()): Promise<void> {
    await this.doc.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          pk: threadPk(key),
          account: key.account,
          region: key.region,
          rule_name: key.ruleName,
          resource_type: key.resourceType,
          resource_id: key.resourceId,
          channel: thread.channel,
          ts: thread.ts,
          destination: thread.destination,
          original: JSON.stringify(thread.original),
          opened_by: thread.openedBy,
          posted_at: thread.postedAt,
          last_event_id: thread.lastEventId,
          last_kind: thread.lastKind,
          opened_at: thread.openedAt,
          updated_at: now.toISOString(),
          [TTL_ATTRIBUTE]: expiresAt(now.getTime() / 1000),
        },
      }),
    );
  }

  /**
   * Records the last alert delivered in the thread (with `openedAt`, a violation that re-opened the
   * pair) and renews its TTL, if the thread is still the one of message `ts` (a thread replaced
   * meanwhile is left alone). Idempotent.
   */
  async touch(
    key: StateKey,
    ts: string,
    last: { eventId: string; kind: AlertKind; openedAt?: string },
    now: Date = new Date(),
  ): Promise<void> {
    const opened = last.openedAt === undefined ? '' : ', opened_at = :opened';
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: threadPk(key) },
          UpdateExpression: `SET last_event_id = :id, last_kind = :kind, updated_at = :now, #ttl = :ttl${opened}`,
          ConditionExpression: 'ts = :ts',
          ExpressionAttributeNames: { '#ttl': TTL_ATTRIBUTE },
          ExpressionAttributeValues: {
            ':id': last.eventId,
            ':kind': last.kind,
            ':now': now.toISOString(),
            ':ttl': expiresAt(now.getTime() / 1000),
            ':ts': ts,
            ...(last.openedAt === undefined ? {} : { ':opened': last.openedAt }),
          },
        }),
      );
    } catch (err) {
      if (!(err instanceof ConditionalCheckFailedException)) throw err;
    }
  }

  /**
   * Forgets the thread of message `ts` (Slack no longer has it, or it can no longer be edited): the
   * pair's next violation starts a new one. A thread replaced meanwhile is left alone. Idempotent.
   */
  async forget(key: StateKey, ts: string): Promise<void> {
    try {
      await this.doc.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: { pk: threadPk(key) },
          ConditionExpression: 'ts = :ts',
          ExpressionAttributeValues: { ':ts': ts },
        }),
      );
    } catch (err) {
      if (!(err instanceof ConditionalCheckFailedException)) throw err;
    }
  }
}

function fromItem(item: Record<string, unknown>): AlertThread | null {
  const { channel, ts, destination, original } = item;
  if (typeof channel !== 'string' || typeof ts !== 'string' || typeof destination !== 'string') return null;
  let message: SlackMessage | null = null;
  try {
    const parsed: unknown = typeof original === 'string' ? JSON.parse(original) : null;
    const candidate = parsed as Partial<SlackMessage> | null;
    if (candidate && typeof candidate.text === 'string' && Array.isArray(candidate.blocks)) {
      message = candidate as SlackMessage;
    }
  } catch {
    message = null;
  }
  if (message === null) return null;
  const kind = item.last_kind;
  return {
    channel,
    ts,
    destination,
    original: message,
    openedBy: String(item.opened_by ?? ''),
    postedAt: String(item.posted_at ?? ''),
    lastEventId: String(item.last_event_id ?? ''),
    lastKind: kind === 'resolution' || kind === 'flapping' ? kind : 'violation',
    openedAt: String(item.opened_at ?? item.posted_at ?? ''),
  };
}
