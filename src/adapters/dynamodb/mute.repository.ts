/**
 * Mutes, their audit log and the alerts they held back, in the mutes table (`MUTES_TABLE`, see
 * table-definitions.ts). Same SDK calls on DynamoDB and dynalite.
 *
 * Items and the access pattern each key serves:
 * - `pk = MUTE`, `sk = <mute id>` — one mute. "Every mute" is one Query of one partition: mutes are
 *   made by people, a few hundred at most, and the notifier reads them once per drain (a minute).
 *   `expired_at` (the TTL) is the mute's `until` plus {@link MUTE_KEEP_DAYS}: readers decide by
 *   `until` and `removed_at`, never by the TTL, and the days after the end let a drain that runs late
 *   still see the end (to alert again the pairs still non-compliant) and `mute list --all` show it.
 * - `pk = AUDIT`, `sk = <ISO time>#<mute id>#<action>` — the audit log, newest first by a reverse
 *   Query. Append-only (conditional put on a new key) and kept: no TTL; a change a person makes is a
 *   few hundred bytes.
 * - `pk = HELD#<mute id>`, `sk = <32 hex of SHA-256 of the pair's key>` — the last alert of a pair
 *   that the mute held back (its end alerts the pair again if its last held alert was a violation
 *   and it is still non-compliant). Same TTL as the mute.
 *
 * DynamoDB has transactions and dynalite has none, so a change is written in three steps, in an
 * order that never leaves a change without its audit entry: the entry (`applied = false`), the
 * change, then `applied = true` on the entry.
 */
import { createHash } from 'node:crypto';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { type Alert, type StateKey, stateKeyId } from '../../domain/compliance-state.js';
import { hasEnded, type Mute, muteEnd, SYSTEM_ACTOR } from '../../domain/mute.js';
import {
  type HeldPair,
  type MuteAction,
  type MuteAuditEntry,
  MuteEndedError,
  MuteNotFoundError,
  type MuteStore,
} from '../../ports/mutes.js';
import { batchWriteAll, type DocumentSender, type WriteRequest } from './batch-write.js';
import { TTL_ATTRIBUTE } from './table-definitions.js';

/** Days a mute stays in the table after its expiry (see the module comment). */
export const MUTE_KEEP_DAYS = 30;
const MUTE_PK = 'MUTE';
const AUDIT_PK = 'AUDIT';
const HELD_PREFIX = 'HELD#';

function ttlOf(mute: Pick<Mute, 'until'>): number {
  return Math.floor(Date.parse(mute.until) / 1000) + MUTE_KEEP_DAYS * 86_400;
}

function muteItem(mute: Mute): Record<string, unknown> {
  return {
    pk: MUTE_PK,
    sk: mute.id,
    id: mute.id,
    account: mute.account,
    region: mute.region,
    rule: mute.rule,
    resource: mute.resource,
    until: mute.until,
    reason: mute.reason,
    created_at: mute.createdAt,
    created_by: mute.createdBy,
    removed_at: mute.removedAt,
    removed_by: mute.removedBy,
    removal_reason: mute.removalReason,
    end_handled_at: mute.endHandledAt,
    [TTL_ATTRIBUTE]: ttlOf(mute),
  };
}

function text(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}

/** A mute read back from its item (or from an audit entry's copy). */
export function fromMuteItem(item: Record<string, unknown>): Mute {
  return {
    id: String(item.id),
    account: String(item.account),
    region: text(item.region),
    rule: text(item.rule),
    resource: text(item.resource),
    until: String(item.until),
    reason: String(item.reason),
    createdAt: String(item.created_at),
    createdBy: String(item.created_by),
    removedAt: text(item.removed_at),
    removedBy: text(item.removed_by),
    removalReason: text(item.removal_reason),
    endHandledAt: text(item.end_handled_at),
  };
}

function pairHash(key: StateKey): string {
  return createHash('sha256').update(stateKeyId(key), 'utf8').digest('hex').slice(0, 32);
}

export class MuteRepository implements MuteStore {
  constructor(
    private readonly doc: DocumentSender,
    readonly tableName: string,
  ) {}

  async create(mute: Mute, actor: string): Promise<Mute> {
    await this.changed(mute, 'add', actor, mute.reason, new Date(mute.createdAt), () =>
      this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: muteItem(mute),
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      ),
    );
    return mute;
  }

  async list(): Promise<Mute[]> {
    const mutes: Mute[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.doc.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': MUTE_PK },
          ConsistentRead: true,
          ExclusiveStartKey: startKey,
        }),
      );
      for (const item of page.Items ?? []) mutes.push(fromMuteItem(item));
      startKey = page.LastEvaluatedKey as Record<string, unknown> | undefined;
    } while (startKey);
    return mutes.sort((a, b) => (a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : 0));
  }

  async get(id: string): Promise<Mute | null> {
    const res = await this.doc.send(
      new GetCommand({ TableName: this.tableName, Key: { pk: MUTE_PK, sk: id }, ConsistentRead: true }),
    );
    return res.Item ? fromMuteItem(res.Item) : null;
  }

  async remove(id: string, actor: string, reason: string | null, now: Date): Promise<Mute> {
    const current = await this.get(id);
    if (!current) throw new MuteNotFoundError(id);
    if (hasEnded(current, now)) throw new MuteEndedError(current);
    const at = now.toISOString();
    const removed: Mute = { ...current, removedAt: at, removedBy: actor, removalReason: reason };
    await this.changed(removed, 'remove', actor, reason, now, async () => {
      try {
        await this.doc.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: { pk: MUTE_PK, sk: id },
            UpdateExpression: 'SET removed_at = :at, removed_by = :by, removal_reason = :reason',
            // Still in force: not removed by someone else meanwhile, not expired.
            ConditionExpression:
              'attribute_exists(pk) AND (attribute_not_exists(removed_at) OR removed_at = :null) AND #until > :at',
            ExpressionAttributeNames: { '#until': 'until' },
            ExpressionAttributeValues: { ':at': at, ':by': actor, ':reason': reason, ':null': null },
          }),
        );
      } catch (err) {
        if (err instanceof ConditionalCheckFailedException) {
          const now2 = await this.get(id);
          throw now2 ? new MuteEndedError(now2) : new MuteNotFoundError(id);
        }
        throw err;
      }
    });
    return removed;
  }

  async markEndHandled(mute: Mute, summary: string, now: Date): Promise<boolean> {
    const at = now.toISOString();
    const handled: Mute = { ...mute, endHandledAt: at };
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: MUTE_PK, sk: mute.id },
          UpdateExpression: 'SET end_handled_at = :at',
          ConditionExpression:
            'attribute_exists(pk) AND (attribute_not_exists(end_handled_at) OR end_handled_at = :null)',
          ExpressionAttributeValues: { ':at': at, ':null': null },
        }),
      );
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException) return false;
      throw err;
    }
    // Only the drain that marked it records the expiry (a removal has its own entry already).
    if (mute.removedAt === null || mute.removedAt >= mute.until) {
      const entry = auditEntry(handled, 'expire', SYSTEM_ACTOR, summary, new Date(muteEnd(mute)), true);
      await this.putAudit(entry, at);
    }
    return true;
  }

  async audit(options: { muteId?: string; limit?: number } = {}): Promise<MuteAuditEntry[]> {
    const limit = options.limit ?? 100;
    const entries: MuteAuditEntry[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.doc.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk',
          ...(options.muteId === undefined
            ? { ExpressionAttributeValues: { ':pk': AUDIT_PK } }
            : {
                FilterExpression: 'mute_id = :id',
                ExpressionAttributeValues: { ':pk': AUDIT_PK, ':id': options.muteId },
              }),
          ScanIndexForward: false,
          ConsistentRead: true,
          ExclusiveStartKey: startKey,
        }),
      );
      for (const item of page.Items ?? []) {
        if (entries.length >= limit) break;
        entries.push({
          at: String(item.at),
          muteId: String(item.mute_id),
          action: item.action as MuteAction,
          actor: String(item.actor),
          reason: text(item.reason),
          mute: fromMuteItem(item.mute as Record<string, unknown>),
          applied: item.applied === true,
        });
      }
      startKey = page.LastEvaluatedKey as Record<string, unknown> | undefined;
    } while (startKey && entries.length < limit);
    return entries;
  }

  async recordHeld(held: readonly { mute: Mute; alert: Alert }[], now: Date): Promise<void> {
    if (held.length === 0) return;
    const at = now.toISOString();
    // One item per (mute, pair): the last alert of a batch wins (alerts come oldest first).
    const items = new Map<string, Record<string, unknown>>();
    for (const { mute, alert } of held) {
      const sk = pairHash(alert);
      const key = `${mute.id}\u0000${sk}`;
      const previous = items.get(key);
      items.set(key, {
        pk: HELD_PREFIX + mute.id,
        sk,
        account: alert.account,
        region: alert.region,
        rule_name: alert.ruleName,
        resource_type: alert.resourceType,
        resource_id: alert.resourceId,
        kind: alert.kind,
        event_id: alert.eventId,
        violation: alert.kind === 'violation' ? { ...alert } : (previous?.violation ?? null),
        held_at: at,
        [TTL_ATTRIBUTE]: ttlOf(mute),
      });
    }
    // A resolution held after a violation overwrites it: the pair is closed, nothing to re-post.
    const requests: WriteRequest[] = [...items.values()].map((Item) => ({ PutRequest: { Item } }));
    const { unprocessed } = await batchWriteAll(this.doc, this.tableName, requests);
    if (unprocessed.length > 0) {
      throw new Error(`${unprocessed.length} held-alert records of mutes were not written after retries`);
    }
  }

  async held(muteId: string): Promise<HeldPair[]> {
    const out: HeldPair[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.doc.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': HELD_PREFIX + muteId },
          ConsistentRead: true,
          ExclusiveStartKey: startKey,
        }),
      );
      for (const item of page.Items ?? []) {
        out.push({
          account: String(item.account),
          region: String(item.region),
          ruleName: String(item.rule_name),
          resourceType: String(item.resource_type),
          resourceId: String(item.resource_id),
          kind: item.kind === 'resolution' ? 'resolution' : 'violation',
          eventId: String(item.event_id),
          violation: (item.violation as Alert | null | undefined) ?? null,
          heldAt: String(item.held_at),
        });
      }
      startKey = page.LastEvaluatedKey as Record<string, unknown> | undefined;
    } while (startKey);
    return out;
  }

  /** Audit entry (not applied), the change, then the entry marked applied. */
  private async changed(
    mute: Mute,
    action: MuteAction,
    actor: string,
    reason: string | null,
    at: Date,
    change: () => Promise<unknown>,
  ): Promise<void> {
    const entry = auditEntry(mute, action, actor, reason, at, false);
    const sk = await this.putAudit(entry, new Date().toISOString());
    await change();
    await this.doc.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { pk: AUDIT_PK, sk },
        UpdateExpression: 'SET applied = :true',
        ExpressionAttributeValues: { ':true': true },
      }),
    );
  }

  /** Appends an entry under a new key; returns its sort key. */
  private async putAudit(entry: MuteAuditEntry, writtenAt: string): Promise<string> {
    const sk = `${entry.at}#${entry.muteId}#${entry.action}`;
    await this.doc.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          pk: AUDIT_PK,
          sk,
          at: entry.at,
          mute_id: entry.muteId,
          action: entry.action,
          actor: entry.actor,
          reason: entry.reason,
          mute: muteItem(entry.mute),
          applied: entry.applied,
          written_at: writtenAt,
        },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
    return sk;
  }
}

function auditEntry(
  mute: Mute,
  action: MuteAction,
  actor: string,
  reason: string | null,
  at: Date,
  applied: boolean,
): MuteAuditEntry {
  return { at: at.toISOString(), muteId: mute.id, action, actor, reason, mute, applied };
}
