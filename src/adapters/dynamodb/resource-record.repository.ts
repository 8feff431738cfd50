/**
 * Resource records (src/domain/resource-record.ts) in the events table: one item per resource,
 * `pk = RES#<account>#<region>#<stateSk(type, id)>` (the state table's sort-key form, hashed when
 * long, so the key stays under DynamoDB's 2,048-byte partition key limit whatever the resource id).
 * The items carry no index keys, so the events indexes never see them; nothing scans the events
 * table. docs/hot-store.md lists the access patterns.
 *
 * Writes are read-merge-write with optimistic concurrency: the merged record is put only if the
 * item's revision (`rev`) is still the one read (`attribute_not_exists(pk)` for a new one); a lost
 * race re-reads and merges again. Merging is order-independent and idempotent, so redelivered and
 * reordered item changes give the same record, and a redelivery whose merge changes nothing writes
 * nothing. TTL: 90 days after the last write, like the rest of the hot store.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import {
  mergeResourceRecord,
  normalizeTags,
  type RecordedChange,
  type ResourceKey,
  type ResourceObservation,
  type ResourceRecord,
  resourceKeyId,
} from '../../domain/resource-record.js';
import type { ResourceStore } from '../../ports/resource-records.js';
import { batchGetAll, type DocumentSender, forEachLimited, type RetryOptions } from './batch-write.js';
import { stateSk } from './keys.js';
import { expiresAt } from './table-definitions.js';

const PUT_CONCURRENCY = 16;
/**
 * Lost races before a resource's merge is reported failed (and its events redelivered). A resource's
 * item changes share a shard (partitioned by resource id), so races are rare: a resharding or a
 * redrive running beside the consumer. Each retry waits a little, with jitter.
 */
const MAX_RACES = 12;
const RACE_BACKOFF_MS = 10;

/** Table key of a resource record. */
export function resourcePk(key: ResourceKey): string {
  return `RES#${key.account}#${key.region}#${stateSk(key)}`;
}

interface Stored {
  readonly record: ResourceRecord;
  readonly rev: number;
}

export class ResourceRecordRepository implements ResourceStore {
  constructor(
    private readonly doc: DocumentSender,
    readonly tableName: string,
    private readonly retry: RetryOptions = {},
    private readonly clock: () => Date = () => new Date(),
  ) {}

  async record(observations: readonly ResourceObservation[]): Promise<{ failed: Set<string> }> {
    const failed = new Set<string>();
    if (observations.length === 0) return { failed };
    const byResource = new Map<string, ResourceObservation[]>();
    for (const o of observations) {
      const id = resourceKeyId(o);
      const list = byResource.get(id);
      if (list) list.push(o);
      else byResource.set(id, [o]);
    }
    const groups = [...byResource.values()];
    let stored: Map<string, Stored>;
    try {
      stored = await this.readMany(
        groups.map((g) => g[0] as ResourceObservation),
        true,
      );
    } catch {
      for (const o of observations) failed.add(o.eventId);
      return { failed };
    }
    await forEachLimited(groups, PUT_CONCURRENCY, async (group) => {
      const key = group[0] as ResourceObservation;
      try {
        await this.mergeOne(key, group, stored.get(resourceKeyId(key)));
      } catch {
        for (const o of group) failed.add(o.eventId);
      }
    });
    return { failed };
  }

  async getMany(keys: readonly ResourceKey[]): Promise<(ResourceRecord | undefined)[]> {
    const found = await this.readMany(keys, false);
    return keys.map((key) => found.get(resourceKeyId(key))?.record);
  }

  /** Merges and writes one resource, re-reading after each lost race. */
  private async mergeOne(
    key: ResourceKey,
    observations: readonly ResourceObservation[],
    first: Stored | undefined,
  ): Promise<void> {
    let current = first;
    for (let race = 0; race < MAX_RACES; race++) {
      const { record, changed } = mergeResourceRecord(key, current?.record, observations);
      if (!changed) return;
      const now = this.clock();
      try {
        await this.doc.send(
          new PutCommand({
            TableName: this.tableName,
            Item: toItem(record, (current?.rev ?? 0) + 1, now),
            ...(current
              ? { ConditionExpression: 'rev = :rev', ExpressionAttributeValues: { ':rev': current.rev } }
              : { ConditionExpression: 'attribute_not_exists(pk)' }),
          }),
        );
        return;
      } catch (err) {
        if (!(err instanceof ConditionalCheckFailedException)) throw err;
        await new Promise((r) => setTimeout(r, Math.random() * RACE_BACKOFF_MS * (race + 1)));
        const res = await this.doc.send(
          new GetCommand({ TableName: this.tableName, Key: { pk: resourcePk(key) }, ConsistentRead: true }),
        );
        current = res.Item ? fromItem(res.Item) : undefined;
      }
    }
    throw new Error(`resource record ${resourcePk(key).slice(0, 200)} lost ${MAX_RACES} write races`);
  }

  private async readMany(
    keys: readonly ResourceKey[],
    consistentRead: boolean,
  ): Promise<Map<string, Stored>> {
    const pks = new Map<string, string>();
    for (const key of keys) pks.set(resourcePk(key), resourceKeyId(key));
    const out = new Map<string, Stored>();
    if (pks.size === 0) return out;
    const items = await batchGetAll(
      this.doc,
      this.tableName,
      [...pks.keys()].map((pk) => ({ pk })),
      { ...this.retry, consistentRead },
    );
    const nowSeconds = Math.floor(this.clock().getTime() / 1000);
    for (const item of items) {
      const id = pks.get(String(item.pk));
      if (id === undefined) continue;
      // TTL deletion lags: an expired record is as good as none.
      if (typeof item.expired_at === 'number' && item.expired_at < nowSeconds) continue;
      out.set(id, fromItem(item));
    }
    return out;
  }
}

/**
 * The item of a record. Tags and changes are stored as JSON text: tag keys are untrusted and a map
 * attribute named `__proto__` would not survive unmarshalling into a plain object.
 */
function toItem(record: ResourceRecord, rev: number, now: Date): Record<string, unknown> {
  return {
    pk: resourcePk(record),
    kind: 'resource',
    account: record.account,
    region: record.region,
    resource_type: record.resourceType,
    resource_id: record.resourceId,
    tags_json: record.tags === null ? null : JSON.stringify(record.tags),
    tags_capture_time: record.tagsFrom?.captureTime ?? null,
    tags_event_id: record.tagsFrom?.eventId ?? null,
    changes_json: JSON.stringify(record.changes),
    rev,
    updated_at: now.toISOString(),
    expired_at: expiresAt(now.getTime() / 1000),
  };
}

function fromItem(item: Record<string, unknown>): Stored {
  const tags = typeof item.tags_json === 'string' ? normalizeTags(JSON.parse(item.tags_json)) : null;
  const changes =
    typeof item.changes_json === 'string' ? (JSON.parse(item.changes_json) as RecordedChange[]) : [];
  const tagsFrom =
    typeof item.tags_capture_time === 'string' && typeof item.tags_event_id === 'string'
      ? { captureTime: item.tags_capture_time, eventId: item.tags_event_id }
      : null;
  return {
    record: {
      account: String(item.account),
      region: String(item.region),
      resourceType: String(item.resource_type),
      resourceId: String(item.resource_id),
      tags,
      tagsFrom,
      changes,
    },
    rev: typeof item.rev === 'number' ? item.rev : 0,
  };
}
