/**
 * The status of the last sync (reconciliation): one item `SYNC#latest` in the events table, beside
 * the `EVT#<id>` items. It carries no index keys, so neither event index ever lists it, and the API
 * function that reads the events table can read it without another grant. Each sync overwrites it
 * whole (a retried save writes the same item); it expires like the events, 90 days after the last
 * save, so coverage of an organization that stopped syncing does not claim to be current.
 */
import { gunzipSync, gzipSync } from 'node:zlib';
import { DeleteCommand, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type {
  ReconcileCheckpoint,
  SyncCheckpointStore,
  SyncStatus,
  SyncStatusStore,
} from '../../ports/config-compliance.js';
import type { DocumentSender } from './batch-write.js';
import { expiresAt } from './table-definitions.js';

export const SYNC_STATUS_PK = 'SYNC#latest';
export const SYNC_CHECKPOINT_PK = 'SYNC#checkpoint';

export class SyncStatusRepository implements SyncStatusStore {
  constructor(
    private readonly doc: DocumentSender,
    private readonly tableName: string,
  ) {}

  async save(status: SyncStatus): Promise<void> {
    await this.doc.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          pk: SYNC_STATUS_PK,
          status: JSON.stringify(status),
          sync_time: status.syncTime,
          // From the write, not the sync's own clock (the demo dates its baseline 90 days back).
          expired_at: expiresAt(Date.now() / 1000),
        },
      }),
    );
  }

  async latest(): Promise<SyncStatus | null> {
    const out = await this.doc.send(
      new GetCommand({ TableName: this.tableName, Key: { pk: SYNC_STATUS_PK }, ConsistentRead: true }),
    );
    const text = out.Item?.status;
    if (typeof text !== 'string') return null;
    return JSON.parse(text) as SyncStatus;
  }
}

/**
 * The checkpoint of a paused sync (the reconciler Lambda pauses before its timeout): one item
 * `SYNC#checkpoint` in the events table, its JSON gzipped. The sources our state knew at the
 * sync's start are in it, and an organization of 1,000 accounts in 17 regions lists 17,000 of
 * them: 458 KB of JSON, over DynamoDB's 400 KB item limit, and 44 KB gzipped (measured with
 * 1,000 account ids × 17 region names). It
 * expires after a day: a sync that was not resumed by then starts over.
 */
export class SyncCheckpointRepository implements SyncCheckpointStore {
  constructor(
    private readonly doc: DocumentSender,
    private readonly tableName: string,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async load(): Promise<{ checkpoint: ReconcileCheckpoint; savedAt: string } | null> {
    const out = await this.doc.send(
      new GetCommand({ TableName: this.tableName, Key: { pk: SYNC_CHECKPOINT_PK }, ConsistentRead: true }),
    );
    const item = out.Item;
    if (!item || !(item.checkpoint instanceof Uint8Array) || typeof item.saved_at !== 'string') return null;
    if (typeof item.expired_at === 'number' && item.expired_at * 1000 < this.now().getTime()) return null;
    const checkpoint = JSON.parse(gunzipSync(item.checkpoint).toString('utf8')) as ReconcileCheckpoint;
    return { checkpoint, savedAt: item.saved_at };
  }

  async save(checkpoint: ReconcileCheckpoint): Promise<void> {
    const now = this.now();
    await this.doc.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          pk: SYNC_CHECKPOINT_PK,
          sync_id: checkpoint.syncId,
          saved_at: now.toISOString(),
          checkpoint: gzipSync(JSON.stringify(checkpoint)),
          expired_at: Math.floor(now.getTime() / 1000) + 86_400,
        },
      }),
    );
  }

  async clear(): Promise<void> {
    await this.doc.send(new DeleteCommand({ TableName: this.tableName, Key: { pk: SYNC_CHECKPOINT_PK } }));
  }
}
