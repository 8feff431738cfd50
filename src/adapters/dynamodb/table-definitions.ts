/**
 * The hot-store tables, defined once: the CDK master stack builds them from this, and the embedded
 * stack creates them on dynalite from this. All keys and attributes are strings unless noted.
 * docs/hot-store.md lists every access pattern next to the key that serves it.
 */

export interface IndexDefinition {
  readonly indexName: string;
  readonly partitionKey: string;
  readonly sortKey: string;
}

export interface TableDefinition {
  /** Logical name; the physical name is `<prefix>-<logicalName>` (see {@link tableName}). */
  readonly logicalName: 'events' | 'state' | 'outbox';
  readonly partitionKey: string;
  readonly sortKey?: string;
  readonly indexes: readonly IndexDefinition[];
  /** Number attribute holding epoch seconds after which DynamoDB TTL deletes the item. */
  readonly ttlAttribute: string;
  /** Whether a DynamoDB stream (new images) feeds a consumer in AWS. */
  readonly stream: boolean;
}

/** TTL attribute of every table, epoch seconds (the API reports it as `expired_at`). */
export const TTL_ATTRIBUTE = 'expired_at';
export const HOT_RETENTION_DAYS = 90;

/** The TTL value of an item whose retention starts at `epochSeconds`: {@link HOT_RETENTION_DAYS} later. */
export function expiresAt(epochSeconds: number): number {
  return Math.floor(epochSeconds) + HOT_RETENTION_DAYS * 86_400;
}

export const EVENTS_TABLE = {
  logicalName: 'events',
  partitionKey: 'pk',
  indexes: [
    { indexName: 'by-account-day', partitionKey: 'gsi1pk', sortKey: 'gsi1sk' },
    { indexName: 'by-day', partitionKey: 'gsi2pk', sortKey: 'gsi2sk' },
  ],
  ttlAttribute: TTL_ATTRIBUTE,
  stream: false,
} as const satisfies TableDefinition;

export const STATE_TABLE = {
  logicalName: 'state',
  partitionKey: 'pk',
  sortKey: 'sk',
  indexes: [],
  ttlAttribute: TTL_ATTRIBUTE,
  stream: false,
} as const satisfies TableDefinition;

export const OUTBOX_TABLE = {
  logicalName: 'outbox',
  partitionKey: 'pk',
  indexes: [{ indexName: 'pending', partitionKey: 'pending_pk', sortKey: 'pending_sk' }],
  ttlAttribute: TTL_ATTRIBUTE,
  stream: true,
} as const satisfies TableDefinition;

export const TABLES: readonly TableDefinition[] = [EVENTS_TABLE, STATE_TABLE, OUTBOX_TABLE];

/** Physical table name for a prefix (for example the stage: `prod-events`). */
export function tableName(prefix: string, table: Pick<TableDefinition, 'logicalName'>): string {
  return `${prefix}-${table.logicalName}`;
}
