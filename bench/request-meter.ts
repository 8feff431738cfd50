/**
 * Request meters for the AWS SDK clients of the embedded stack (`npm run bench:e2e`).
 *
 * Added to a client's middleware stack (`attach`), a meter counts what the code under test really
 * sends, at the SDK: no estimate of "how many calls a batch should make". The document client
 * shares its DynamoDB client's middleware stack, so attaching to `stack.doc` covers the consumer,
 * the outbox and the notifier. A middleware added after the client's creation applies to every
 * later `send` (the SDK resolves the stack per call unless `cacheMiddleware` is on, which the
 * document client forbids).
 *
 * DynamoDB. Every request that can report capacity asks for it (`ReturnConsumedCapacity: TOTAL`)
 * and the meter sums the `ConsumedCapacity` of the answers. dynalite answers it (GetItem, PutItem,
 * UpdateItem, DeleteItem, BatchGetItem, BatchWriteItem, Query, Scan; node_modules/dynalite/db
 * `capacityUnits`: 1 WCU per KB of the larger of the old and new item, rounded up per item, reads
 * 4 KB). Two writes AWS bills are not in dynalite's answers, so they are computed here by
 * DynamoDB's documented rule from the actual request items, and reported apart:
 * - a conditional write whose condition fails "still consumes write capacity units" based on the
 *   item's size, at least 1 ("Capacity unit consumption for write operations",
 *   https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/read-write-operations.html);
 *   the new item's size stands for the existing one's (same key, same shape);
 * - global secondary index writes ("Provisioned throughput considerations for Global Secondary
 *   Indexes" → writes,
 *   https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/GSI.html#GSI.ThroughputConsiderations.Writes):
 *   a write that gives an item an index entry is one write of the projected item's size rounded up
 *   to 1 KB, one that changes its index key two (delete, put), one that removes it one, one that
 *   only changes projected attributes one. Which items have an entry is remembered from the writes
 *   seen ({@link IndexTracker}), exact on a store the meter saw from empty; entries it did not see
 *   whole (deletes, updates) count 1 WCU, a lower bound.
 * Item sizes follow "Item sizes and formats" (attribute names and values in UTF-8 bytes, numbers
 * about 1 byte per 2 significant digits + 1, 3 bytes per list or map + 1 per element,
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/CapacityUnitCalculations.html).
 * The same rule applied to the successful puts is kept too (`ruleWcu`), to check dynalite's count.
 *
 * Kinesis. Calls per operation, records and bytes put and got, empty GetRecords.
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { MiddlewareStack } from '@smithy/types';
import {
  type IndexDefinition,
  indexProjection,
  type TableDefinition,
} from '../src/adapters/dynamodb/table-definitions.js';

/** What a meter needs of a client: its middleware stack. */
export interface MeteredClient {
  // Any SDK client's stack (bench/ allows `any`).
  readonly middlewareStack: MiddlewareStack<any, any>;
}

type Item = Record<string, AttributeValue>;

const KB = 1024;
const encoder = new TextEncoder();
const utf8Bytes = (text: string) => (isAscii(text) ? text.length : encoder.encode(text).length);
function isAscii(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0x7f) return false;
  return true;
}

/** Bytes of a number in DynamoDB's encoding: about 1 byte per 2 significant digits, plus 1. */
function numberSize(text: string): number {
  const digits = text.replace(/^[-+]/, '').replace(/e.*$/i, '').replace('.', '').replace(/^0+/, '');
  const significant = digits.replace(/0+$/, '').length;
  if (significant === 0) return 1;
  return Math.ceil(significant / 2) + 1;
}

/** Size of one attribute value (without its name), by "Item sizes and formats". */
export function valueSize(value: AttributeValue): number {
  if (value.S !== undefined) return utf8Bytes(value.S);
  if (value.N !== undefined) return numberSize(value.N);
  if (value.B !== undefined) return value.B.byteLength;
  if (value.BOOL !== undefined || value.NULL !== undefined) return 1;
  if (value.SS !== undefined) return value.SS.reduce((sum, s) => sum + utf8Bytes(s), 0);
  if (value.NS !== undefined) return value.NS.reduce((sum, n) => sum + numberSize(n), 0);
  if (value.BS !== undefined) return value.BS.reduce((sum, b) => sum + b.byteLength, 0);
  if (value.L !== undefined) return 3 + value.L.reduce((sum, v) => sum + 1 + valueSize(v), 0);
  if (value.M !== undefined) return 3 + Object.keys(value.M).length + itemSize(value.M);
  return 0;
}

/** Size of an item: for every attribute, its name's UTF-8 bytes plus its value's size. */
export function itemSize(item: Item): number {
  let size = 0;
  for (const name in item) size += utf8Bytes(name) + valueSize(item[name] as AttributeValue);
  return size;
}

/**
 * Whether a request is among a BatchWriteItem's `UnprocessedItems`: the service sends back the
 * requests themselves (deserialized again, so compared by content).
 */
function isLeftOver(request: object, left: ReadonlySet<object>): boolean {
  if (left.size === 0) return false;
  const text = JSON.stringify(request, (_k, v) =>
    v instanceof Uint8Array ? Buffer.from(v).toString('base64') : v,
  );
  for (const other of left) {
    if (
      JSON.stringify(other, (_k, v) => (v instanceof Uint8Array ? Buffer.from(v).toString('base64') : v)) ===
      text
    ) {
      return true;
    }
  }
  return false;
}

/** Write units of one item write: 1 per KB, rounded up, at least 1. */
export function writeUnits(item: Item | undefined): number {
  return item ? Math.max(1, Math.ceil(itemSize(item) / KB)) : 1;
}

/** The part of `item` an index holds: its keys, the table's keys and the projected attributes. */
function projected(table: TableDefinition, index: IndexDefinition, item: Item): Item {
  const projection = indexProjection(table, index);
  if (projection.ProjectionType === 'ALL') return item;
  const out: Item = {};
  for (const name of [
    table.partitionKey,
    ...(table.sortKey ? [table.sortKey] : []),
    index.partitionKey,
    index.sortKey,
    ...projection.NonKeyAttributes,
  ]) {
    const value = item[name];
    if (value !== undefined) out[name] = value;
  }
  return out;
}

/** A string or number key value as text, or undefined (a missing attribute is not indexed). */
function keyText(value: AttributeValue | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (value.S !== undefined) return `S${value.S}`;
  if (value.N !== undefined) return `N${value.N}`;
  if (value.B !== undefined) return `B${Buffer.from(value.B).toString('base64')}`;
  return undefined;
}

/** 53-bit FNV-1a-style hash: the tracker keeps numbers, not key strings, so it barely moves RSS. */
function hash(text: string): number {
  let h1 = 0x811c9dc5;
  let h2 = 0x01000193;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 0x01000193);
    h2 = Math.imul(h2 ^ c, 0x5bd1e995);
  }
  return (h1 >>> 0) * 0x200000 + ((h2 >>> 0) & 0x1fffff);
}

/** The index entry of an item: the hash of its index key, or undefined when it has none. */
function entryOf(index: IndexDefinition, item: Item): number | undefined {
  const pk = keyText(item[index.partitionKey]);
  const sk = keyText(item[index.sortKey]);
  return pk === undefined || sk === undefined ? undefined : hash(`${pk}\u0000${sk}`);
}

function itemKeyOf(table: TableDefinition, key: Item): number {
  return hash(`${keyText(key[table.partitionKey])}\u0000${table.sortKey ? keyText(key[table.sortKey]) : ''}`);
}

/**
 * Global secondary index writes by DynamoDB's documented rule, for a store the meter has seen
 * from empty (a fresh data directory): it remembers which items have an entry in which index, so
 * that a write is billed as the index sees it: a new entry 1 write of the projected size, a
 * changed index key 2 (delete, then put), a removed one 1, an unchanged key 1 if the write can
 * change a projected attribute, else none. Sizes of entries the meter did not see whole (deletes,
 * updates) count 1 WCU: a lower bound.
 */
export class IndexTracker {
  private readonly entries = new Map<string, Map<number, number>>();

  private of(tableName: string, index: IndexDefinition): Map<number, number> {
    const id = `${tableName}\u0000${index.indexName}`;
    let map = this.entries.get(id);
    if (!map) {
      map = new Map();
      this.entries.set(id, map);
    }
    return map;
  }

  /** A whole-item put (PutItem, a BatchWriteItem PutRequest); returns the index write units. */
  put(tableName: string, table: TableDefinition | undefined, item: Item): number {
    if (!table) return 0;
    const key = itemKeyOf(table, item);
    let units = 0;
    for (const index of table.indexes) {
      const map = this.of(tableName, index);
      const before = map.get(key);
      const after = entryOf(index, item);
      if (after === undefined) {
        if (before !== undefined) units += 1;
        map.delete(key);
        continue;
      }
      units += writeUnits(projected(table, index, item)) + (before !== undefined && before !== after ? 1 : 0);
      map.set(key, after);
    }
    return units;
  }

  /** A delete (DeleteItem, a BatchWriteItem DeleteRequest). */
  delete(tableName: string, table: TableDefinition | undefined, key: Item): number {
    if (!table) return 0;
    const id = itemKeyOf(table, key);
    let units = 0;
    for (const index of table.indexes) {
      const map = this.of(tableName, index);
      if (map.delete(id)) units += 1;
    }
    return units;
  }

  /** An UpdateItem that succeeded: its SET / REMOVE / ADD / DELETE clauses decide. */
  update(tableName: string, table: TableDefinition | undefined, input: Record<string, unknown>): number {
    if (!table || table.indexes.length === 0) return 0;
    const key = itemKeyOf(table, input.Key as Item);
    const names = (input.ExpressionAttributeNames ?? {}) as Record<string, string>;
    const values = (input.ExpressionAttributeValues ?? {}) as Item;
    const resolve = (token: string) => names[token] ?? token;
    const set = new Map<string, AttributeValue | null>(); // null: set to an expression
    const removed = new Set<string>();
    const touched = new Set<string>();
    const clauses = String(input.UpdateExpression ?? '').split(/\b(SET|REMOVE|ADD|DELETE)\b/i);
    for (let i = 1; i < clauses.length; i += 2) {
      const verb = (clauses[i] as string).toUpperCase();
      for (const part of (clauses[i + 1] ?? '').split(',')) {
        const target = part.trim().match(/^(#?[A-Za-z_][\w]*)/)?.[1];
        if (!target) continue;
        const name = resolve(target);
        touched.add(name);
        if (verb === 'REMOVE') removed.add(name);
        else if (verb === 'SET') {
          const value = part.match(/=\s*(:[A-Za-z_]\w*)\s*$/)?.[1];
          set.set(name, value ? (values[value] ?? null) : null);
        }
      }
    }
    let units = 0;
    for (const index of table.indexes) {
      const map = this.of(tableName, index);
      const before = map.get(key);
      const keys = [index.partitionKey, index.sortKey];
      if (keys.some((k) => removed.has(k))) {
        if (before !== undefined) units += 1;
        map.delete(key);
        continue;
      }
      if (keys.some((k) => set.has(k))) {
        const pk = set.get(index.partitionKey);
        const sk = set.get(index.sortKey);
        // Both keys set to known values: the new entry is known; otherwise it counts as a change.
        const after =
          pk && sk ? entryOf(index, { [index.partitionKey]: pk, [index.sortKey]: sk }) : undefined;
        units += before === undefined || (after !== undefined && before === after) ? 1 : 2;
        map.set(key, after ?? Number.NaN);
        continue;
      }
      if (before === undefined) continue;
      const projection = indexProjection(table, index);
      const projectedTouched =
        projection.ProjectionType === 'ALL' || projection.NonKeyAttributes.some((a) => touched.has(a));
      if (projectedTouched) units += 1;
    }
    return units;
  }
}

/** GSI write units of a put of `item` into an empty `table`: one write per index whose keys it has. */
export function indexWriteUnits(table: TableDefinition | undefined, item: Item): number {
  return new IndexTracker().put('table', table, item);
}

export interface OperationCounts {
  /** Logical calls (`send`). */
  calls: number;
  /** HTTP requests, retries included. */
  attempts: number;
  /** Calls that failed, by error name. */
  errors: Record<string, number>;
}

export interface DynamoCounts {
  readonly operations: Record<string, OperationCounts>;
  /** Logical calls, all operations. */
  readonly calls: number;
  /** HTTP requests, retries included (what AWS bills per request in on-demand mode). */
  readonly requests: number;
  /** Write units in dynalite's `ConsumedCapacity` answers (table writes). */
  readonly reportedWcu: number;
  /** `reportedWcu` per operation. */
  readonly reportedWcuByOperation: Record<string, number>;
  /** Read units in dynalite's `ConsumedCapacity` answers. */
  readonly reportedRcu: number;
  /** Write units of failed conditional writes, computed by the documented rule. */
  readonly failedConditionWcu: number;
  /** Global secondary index write units, computed by the documented rule. */
  readonly indexWcu: number;
  /** The documented rule applied to the successful puts (new item size only), to check `reportedWcu`. */
  readonly ruleWcu: number;
  /** Items written (puts and deletes that were processed), per table. */
  readonly itemsWritten: Record<string, number>;
  /** Answers that carried no ConsumedCapacity although it was asked for. */
  readonly missingCapacity: number;
}

/** Reported + failed conditions + indexes: the write units AWS would bill. */
export function billedWcu(counts: DynamoCounts): number {
  return counts.reportedWcu + counts.failedConditionWcu + counts.indexWcu;
}

const CAPACITY_OPERATIONS = new Set([
  'GetItem',
  'PutItem',
  'UpdateItem',
  'DeleteItem',
  'BatchGetItem',
  'BatchWriteItem',
  'Query',
  'Scan',
  'TransactGetItems',
  'TransactWriteItems',
]);
const WRITE_OPERATIONS = new Set([
  'PutItem',
  'UpdateItem',
  'DeleteItem',
  'BatchWriteItem',
  'TransactWriteItems',
]);

interface ConsumedCapacity {
  readonly CapacityUnits?: number;
  readonly TableName?: string;
}

export interface DynamoMeter {
  /** Adds the meter's middleware to a DynamoDB or document client (once per stack). */
  attach(client: MeteredClient): void;
  snapshot(): DynamoCounts;
  reset(): void;
}

/**
 * A DynamoDB meter; `tableOf` names the definition of a physical table (for its indexes), or
 * undefined for tables it does not know (no index writes are computed for them).
 */
export function createDynamoMeter(
  tableOf: (tableName: string) => TableDefinition | undefined = () => undefined,
): DynamoMeter {
  let counts = empty();
  const indexes = new IndexTracker();
  function empty() {
    return {
      operations: {} as Record<string, OperationCounts>,
      reportedWcu: 0,
      reportedWcuByOperation: {} as Record<string, number>,
      reportedRcu: 0,
      failedConditionWcu: 0,
      indexWcu: 0,
      ruleWcu: 0,
      itemsWritten: {} as Record<string, number>,
      missingCapacity: 0,
    };
  }
  const operation = (name: string): OperationCounts => {
    counts.operations[name] ??= { calls: 0, attempts: 0, errors: {} };
    return counts.operations[name];
  };
  const wrote = (table: string, n: number) => {
    counts.itemsWritten[table] = (counts.itemsWritten[table] ?? 0) + n;
  };

  /** Index and rule units of the writes that were processed (`unprocessed` left out). */
  function accountWrites(name: string, input: Record<string, unknown>, output: Record<string, unknown>) {
    if (name === 'PutItem') {
      const table = String(input.TableName);
      const item = input.Item as Item;
      counts.ruleWcu += writeUnits(item);
      counts.indexWcu += indexes.put(table, tableOf(table), item);
      wrote(table, 1);
    } else if (name === 'UpdateItem') {
      const table = String(input.TableName);
      counts.indexWcu += indexes.update(table, tableOf(table), input);
      wrote(table, 1);
    } else if (name === 'DeleteItem') {
      const table = String(input.TableName);
      counts.indexWcu += indexes.delete(table, tableOf(table), input.Key as Item);
      wrote(table, 1);
    } else if (name === 'BatchWriteItem') {
      const requests = (input.RequestItems ?? {}) as Record<
        string,
        { PutRequest?: { Item: Item }; DeleteRequest?: { Key: Item } }[]
      >;
      const unprocessed = (output.UnprocessedItems ?? {}) as Record<
        string,
        { PutRequest?: { Item: Item }; DeleteRequest?: { Key: Item } }[]
      >;
      for (const [table, list] of Object.entries(requests)) {
        const left = new Set(unprocessed[table] ?? []);
        const definition = tableOf(table);
        let processed = 0;
        for (const request of list) {
          if (isLeftOver(request, left)) continue;
          processed++;
          if (request.PutRequest) {
            counts.ruleWcu += writeUnits(request.PutRequest.Item);
            counts.indexWcu += indexes.put(table, definition, request.PutRequest.Item);
          } else if (request.DeleteRequest) {
            counts.indexWcu += indexes.delete(table, definition, request.DeleteRequest.Key);
          }
        }
        wrote(table, processed);
      }
    }
  }

  function accountCapacity(name: string, output: Record<string, unknown>) {
    const consumed = output.ConsumedCapacity as ConsumedCapacity | ConsumedCapacity[] | undefined;
    if (consumed === undefined) {
      counts.missingCapacity += 1;
      return;
    }
    const units = (Array.isArray(consumed) ? consumed : [consumed]).reduce(
      (sum, c) => sum + (c.CapacityUnits ?? 0),
      0,
    );
    if (WRITE_OPERATIONS.has(name)) {
      counts.reportedWcu += units;
      counts.reportedWcuByOperation[name] = (counts.reportedWcuByOperation[name] ?? 0) + units;
    } else counts.reportedRcu += units;
  }

  return {
    attach(client) {
      // Before serialization: ask for the capacity (a top-level member; the document client's
      // marshalling leaves it alone).
      client.middlewareStack.add(
        (next, context) => async (args) => {
          const name = String(context.commandName ?? '').replace(/Command$/, '');
          if (!CAPACITY_OPERATIONS.has(name)) return next(args);
          const input = args.input as Record<string, unknown>;
          return next({ ...args, input: { ...input, ReturnConsumedCapacity: 'TOTAL' } });
        },
        { step: 'initialize', name: 'benchMeterAskCapacity', priority: 'low' },
      );
      // After serialization, before the retries: one logical call, its marshalled input and its output.
      client.middlewareStack.add(
        (next, context) => async (args) => {
          const name = String(context.commandName ?? '').replace(/Command$/, '');
          const counter = operation(name);
          counter.calls += 1;
          const input = args.input as Record<string, unknown>;
          try {
            const result = await next(args);
            const output = (result.output ?? {}) as Record<string, unknown>;
            if (CAPACITY_OPERATIONS.has(name)) accountCapacity(name, output);
            accountWrites(name, input, output);
            return result;
          } catch (err) {
            const errorName = (err as { name?: string }).name ?? 'Error';
            counter.errors[errorName] = (counter.errors[errorName] ?? 0) + 1;
            if (errorName === 'ConditionalCheckFailedException' && name === 'PutItem') {
              counts.failedConditionWcu += writeUnits(input.Item as Item);
            } else if (errorName === 'ConditionalCheckFailedException') {
              counts.failedConditionWcu += 1;
            }
            throw err;
          }
        },
        { step: 'build', name: 'benchMeterCount', priority: 'low' },
      );
      // Inside the retry middleware: every HTTP request.
      client.middlewareStack.add(
        (next, context) => async (args) => {
          operation(String(context.commandName ?? '').replace(/Command$/, '')).attempts += 1;
          return next(args);
        },
        { step: 'deserialize', name: 'benchMeterAttempts', priority: 'low' },
      );
    },
    snapshot() {
      const operations = structuredClone(counts.operations);
      const all = Object.values(operations);
      return {
        ...structuredClone(counts),
        operations,
        calls: all.reduce((sum, o) => sum + o.calls, 0),
        requests: all.reduce((sum, o) => sum + o.attempts, 0),
      };
    },
    reset() {
      counts = empty();
    },
  };
}

export interface KinesisCounts {
  readonly operations: Record<string, OperationCounts>;
  readonly calls: number;
  readonly requests: number;
  readonly recordsPut: number;
  readonly bytesPut: number;
  readonly recordsGot: number;
  readonly bytesGot: number;
  /** GetRecords answers without records (idle polls). */
  readonly emptyGets: number;
}

export interface KinesisMeter {
  attach(client: MeteredClient): void;
  snapshot(): KinesisCounts;
  reset(): void;
}

export function createKinesisMeter(): KinesisMeter {
  let counts = empty();
  function empty() {
    return {
      operations: {} as Record<string, OperationCounts>,
      recordsPut: 0,
      bytesPut: 0,
      recordsGot: 0,
      bytesGot: 0,
      emptyGets: 0,
    };
  }
  const operation = (name: string): OperationCounts => {
    counts.operations[name] ??= { calls: 0, attempts: 0, errors: {} };
    return counts.operations[name];
  };
  type Data = { Data?: Uint8Array; PartitionKey?: string };
  return {
    attach(client) {
      client.middlewareStack.add(
        (next, context) => async (args) => {
          const name = String(context.commandName ?? '').replace(/Command$/, '');
          const counter = operation(name);
          counter.calls += 1;
          try {
            const result = await next(args);
            const input = args.input as { Records?: Data[] };
            const output = (result.output ?? {}) as { Records?: Data[]; FailedRecordCount?: number };
            if (name === 'PutRecords') {
              const records = input.Records ?? [];
              counts.recordsPut += records.length - (output.FailedRecordCount ?? 0);
              for (const r of records)
                counts.bytesPut += (r.Data?.byteLength ?? 0) + (r.PartitionKey?.length ?? 0);
            } else if (name === 'GetRecords') {
              const records = output.Records ?? [];
              if (records.length === 0) counts.emptyGets += 1;
              counts.recordsGot += records.length;
              for (const r of records) counts.bytesGot += r.Data?.byteLength ?? 0;
            }
            return result;
          } catch (err) {
            const errorName = (err as { name?: string }).name ?? 'Error';
            counter.errors[errorName] = (counter.errors[errorName] ?? 0) + 1;
            throw err;
          }
        },
        { step: 'initialize', name: 'benchMeterCount', priority: 'low' },
      );
      client.middlewareStack.add(
        (next, context) => async (args) => {
          operation(String(context.commandName ?? '').replace(/Command$/, '')).attempts += 1;
          return next(args);
        },
        { step: 'deserialize', name: 'benchMeterAttempts', priority: 'low' },
      );
    },
    snapshot() {
      const operations = structuredClone(counts.operations);
      const all = Object.values(operations);
      return {
        ...structuredClone(counts),
        operations,
        calls: all.reduce((sum, o) => sum + o.calls, 0),
        requests: all.reduce((sum, o) => sum + o.attempts, 0),
      };
    },
    reset() {
      counts = empty();
    },
  };
}
