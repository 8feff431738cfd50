/**
 * The status of the last sync (reconciliation): one item `SYNC#latest` in the events table, beside
 * the `EVT#<id>` items. It carries no index keys, so neither event index ever lists it, and the API
 * function that reads the events table can read it without another grant. Each sync overwrites it
 * whole (a retried save writes the same item); it expires like the events, 90 days after the last
 * sync, so coverage of an organization that stopped syncing does not claim to be current.
 */
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { SyncStatus, SyncStatusStore } from '../../ports/config-compliance.js';
import type { DocumentSender } from './batch-write.js';
import { expiresAt } from './table-definitions.js';

export const SYNC_STATUS_PK = 'SYNC#latest';

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
          expired_at: expiresAt(Date.parse(status.syncTime) / 1000),
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
