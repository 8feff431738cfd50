/**
 * The hot-store tables, defined once: the CDK master stack builds them from this, and the embedded
 * stack creates them on dynalite from this. All keys and attributes are strings unless noted.
 * docs/hot-store.md lists every access pattern next to the key that serves it.
 */

export interface IndexDefinition {
  readonly indexName: string;
  readonly partitionKey: string;
  readonly sortKey: string;
  /**
   * Attributes copied into the index besides the keys (projection INCLUDE); key attributes of the
   * table or the index in this list are projected anyway and left out of `NonKeyAttributes`.
   * @default every attribute (projection ALL)
   */
  readonly include?: readonly string[];
}

export interface TableDefinition {
  /** Logical name; the physical name is `<prefix>-<logicalName>` (see {@link tableName}). */
  readonly logicalName: 'events' | 'state' | 'outbox' | 'mutes';
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

/**
 * What `GET /events` reads from an events index item (event-query.repository.ts): every attribute
 * of the event view it returns, and `gsi1sk`, the sort key it pages by on both indexes. The indexes
 * project only these: each index write is billed on the projected item's size, so projecting ALL
 * would also copy `received_at`, `kind`, `done`, `day` and the other index's keys into both indexes.
 */
export const EVENT_INDEX_ATTRIBUTES = [
  'id',
  'account',
  'region',
  'source',
  'detail_type',
  'published_at',
  'expired_at',
  'detail',
  'gsi1sk',
] as const;

export const EVENTS_TABLE = {
  logicalName: 'events',
  partitionKey: 'pk',
  indexes: [
    {
      indexName: 'by-account-day',
      partitionKey: 'gsi1pk',
      sortKey: 'gsi1sk',
      include: EVENT_INDEX_ATTRIBUTES,
    },
    { indexName: 'by-day', partitionKey: 'gsi2pk', sortKey: 'gsi2sk', include: EVENT_INDEX_ATTRIBUTES },
  ],
  ttlAttribute: TTL_ATTRIBUTE,
  stream: false,
} as const satisfies TableDefinition;

/**
 * What `GET /violations` reads from the state table's sparse `open` index
 * (open-violation.repository.ts): the fields of a listed violation and the TTL. Only states that are
 * NON_COMPLIANT carry the index keys (`open_pk`, `open_sk`), so the index holds the open violations
 * and nothing else, and a state that leaves NON_COMPLIANT leaves the index with the same write.
 */
export const OPEN_INDEX_ATTRIBUTES = [
  'account',
  'region',
  'rule_name',
  'resource_type',
  'resource_id',
  'opened_at',
  'ordering_timestamp',
  'event_id',
  'annotation',
  'expired_at',
] as const;

export const STATE_TABLE = {
  logicalName: 'state',
  partitionKey: 'pk',
  sortKey: 'sk',
  indexes: [
    { indexName: 'open', partitionKey: 'open_pk', sortKey: 'open_sk', include: OPEN_INDEX_ATTRIBUTES },
  ],
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

/**
 * Mutes, their audit log and what they held back (mute.repository.ts). A table of its own rather
 * than `MUTE#` items in the outbox: the API function, which may only read the other tables, gets
 * write access to this one alone; mutes outlive the outbox's 90-day TTL rules (their TTL follows
 * their expiry, the audit log has none); and mute changes do not wake the notifier, as writes to the
 * outbox's stream would. On demand, a few hundred items: its cost is nil.
 */
export const MUTES_TABLE = {
  logicalName: 'mutes',
  partitionKey: 'pk',
  sortKey: 'sk',
  indexes: [],
  ttlAttribute: TTL_ATTRIBUTE,
  stream: false,
} as const satisfies TableDefinition;

export const TABLES: readonly TableDefinition[] = [EVENTS_TABLE, STATE_TABLE, OUTBOX_TABLE, MUTES_TABLE];

/** The projection of an index, as CreateTable and CloudFormation spell it. */
export type IndexProjection =
  | { readonly ProjectionType: 'ALL' }
  | { readonly ProjectionType: 'INCLUDE'; readonly NonKeyAttributes: readonly string[] };

/**
 * The projection of `index` on `table`: INCLUDE of its `include` list without the key attributes
 * (the table's and the index's keys are always projected), else ALL. Both the CDK construct and
 * create-tables (dynalite) build their indexes from this, so the cloud and local tables agree.
 */
export function indexProjection(
  table: Pick<TableDefinition, 'partitionKey' | 'sortKey'>,
  index: IndexDefinition,
): IndexProjection {
  if (index.include === undefined) return { ProjectionType: 'ALL' };
  const keys = new Set([table.partitionKey, table.sortKey, index.partitionKey, index.sortKey]);
  return { ProjectionType: 'INCLUDE', NonKeyAttributes: index.include.filter((a) => !keys.has(a)) };
}

/** Physical table name for a prefix (for example the stage: `prod-events`). */
export function tableName(prefix: string, table: Pick<TableDefinition, 'logicalName'>): string {
  return `${prefix}-${table.logicalName}`;
}
