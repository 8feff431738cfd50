/**
 * Reads the open violations (NON_COMPLIANT states) for `GET /violations` from the state table's
 * sparse `open` index: only NON_COMPLIANT states carry its keys, so it holds exactly the pairs
 * open now, in {@link OPEN_SHARDS} partitions `open_pk = OPEN#00…07`, each sorted by
 * `open_sk = <opened at>#<hash>` (keys.ts, docs/hot-store.md).
 *
 * Two reads:
 * - {@link OpenViolationRepository.page}: one page in the index's order (when the pairs opened,
 *   oldest or newest first), a k-way merge over the shards that reads each lazily and continues
 *   strictly after a position: keyset pagination across shards, as `GET /events` does;
 * - {@link OpenViolationRepository.all}: every match, up to a bound, for the orders the index does
 *   not have (severity, account, …), sorted by the caller.
 *
 * Account, region and rule are filter expressions on the index (they cut what is returned, not
 * what is read); what DynamoDB cannot test (the base rule name exactly, severity) is checked
 * here. Read-only; items past `expired_at` are skipped because TTL deletion lags.
 */
import { QueryCommand, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { baseRuleName } from '../../domain/config-event.js';
import type { DocumentSender } from './batch-write.js';
import { openShardKeys } from './keys.js';
import { OPEN_INDEX_ATTRIBUTES, STATE_TABLE } from './table-definitions.js';

/** Largest page DynamoDB is asked for at once. */
const MAX_QUERY_LIMIT = 1_000;
const INDEX = STATE_TABLE.indexes[0];

/** One open violation, as the index holds it. */
export interface OpenViolation {
  readonly account: string;
  readonly region: string;
  readonly ruleName: string;
  readonly resourceType: string;
  readonly resourceId: string;
  /** When the pair became non-compliant (normalized ISO). */
  readonly openedAt: string;
  /** The `orderingTimestamp` of its latest evaluation. */
  readonly lastEvaluated: string;
  readonly eventId: string;
  readonly annotation: string | null;
  /** Its `open_sk`: the position a page ends at. */
  readonly sortKey: string;
}

export interface OpenViolationFilter {
  readonly account: string | null;
  readonly region: string | null;
  /** A base rule name (every conformance-pack instance of it) or a rule name as deployed. */
  readonly rule: string | null;
  /** A further test (severity): only violations it accepts are returned. */
  readonly accept?: (violation: OpenViolation) => boolean;
  readonly now: Date;
}

export interface OpenPageQuery extends OpenViolationFilter {
  /** Newest first (`open_sk` descending) or oldest first. */
  readonly descending: boolean;
  /** The `open_sk` the previous page ended at; this page holds what strictly follows it. */
  readonly after: string | null;
  readonly limit: number;
}

export interface OpenPage {
  readonly items: OpenViolation[];
  /** The sort key of the last item when the page is full (more may follow), else null. */
  readonly last: string | null;
}

interface ShardCursor {
  readonly pk: string;
  buffer: OpenViolation[];
  next: Record<string, unknown> | undefined;
  done: boolean;
}

const NAMES: Record<string, string> = Object.fromEntries(
  [...OPEN_INDEX_ATTRIBUTES, INDEX.sortKey].map((name, i) => [`#a${i}`, name]),
);
const PROJECTION = Object.keys(NAMES).join(', ');
const NAME_OF = Object.fromEntries(Object.entries(NAMES).map(([alias, name]) => [name, alias])) as Record<
  string,
  string
>;

export class OpenViolationRepository {
  constructor(
    private readonly doc: DocumentSender,
    readonly tableName: string,
  ) {}

  /** One page of open violations matching the filter, in the order they opened. */
  async page(query: OpenPageQuery): Promise<OpenPage> {
    // Unfiltered, a page needs about limit / 8 items per shard; a filter may skip most of what is
    // read, so then each request reads as much as DynamoDB gives (few round trips, not many).
    const filtered = query.account !== null || query.region !== null || query.rule !== null || !!query.accept;
    const chunk = filtered ? MAX_QUERY_LIMIT : Math.min(MAX_QUERY_LIMIT, Math.ceil(query.limit / 4) + 8);
    const cursors: ShardCursor[] = openShardKeys().map((pk) => ({
      pk,
      buffer: [],
      next: undefined,
      done: false,
    }));
    const items: OpenViolation[] = [];
    const better = query.descending
      ? (a: OpenViolation, b: OpenViolation) => a.sortKey > b.sortKey
      : (a: OpenViolation, b: OpenViolation) => a.sortKey < b.sortKey;
    while (items.length < query.limit) {
      await Promise.all(
        cursors.filter((c) => c.buffer.length === 0 && !c.done).map((c) => this.fill(query, c, chunk)),
      );
      let best: ShardCursor | undefined;
      for (const cursor of cursors) {
        const head = cursor.buffer[0];
        if (head && (!best || better(head, best.buffer[0] as OpenViolation))) best = cursor;
      }
      if (!best) break;
      items.push(best.buffer.shift() as OpenViolation);
    }
    const full = items.length === query.limit;
    return { items, last: full ? (items[items.length - 1] as OpenViolation).sortKey : null };
  }

  /**
   * Every open violation matching the filter, in no particular order, when there are at most
   * `max`; otherwise `complete` is false and the items are the first `max + 1` read.
   */
  async all(
    filter: OpenViolationFilter,
    max: number,
  ): Promise<{ items: OpenViolation[]; complete: boolean }> {
    const items: OpenViolation[] = [];
    const cursors: ShardCursor[] = openShardKeys().map((pk) => ({
      pk,
      buffer: [],
      next: undefined,
      done: false,
    }));
    const query: OpenPageQuery = { ...filter, descending: false, after: null, limit: max + 1 };
    await Promise.all(
      cursors.map(async (cursor) => {
        while (!cursor.done && items.length <= max) {
          await this.fill(query, cursor, MAX_QUERY_LIMIT);
          items.push(...cursor.buffer);
          cursor.buffer = [];
        }
      }),
    );
    return items.length > max
      ? { items: items.slice(0, max + 1), complete: false }
      : { items, complete: true };
  }

  /** Reads the shard's next page(s) until it yields a matching item or is exhausted. */
  private async fill(query: OpenPageQuery, cursor: ShardCursor, limit: number): Promise<void> {
    const values: Record<string, unknown> = {
      ':pk': cursor.pk,
      ':now': Math.floor(query.now.getTime() / 1000),
    };
    const filters = [`${NAME_OF.expired_at} > :now`];
    if (query.account !== null) {
      filters.push(`${NAME_OF.account} = :account`);
      values[':account'] = query.account;
    }
    if (query.region !== null) {
      filters.push(`${NAME_OF.region} = :region`);
      values[':region'] = query.region;
    }
    if (query.rule !== null) {
      filters.push(`(${NAME_OF.rule_name} = :rule OR begins_with(${NAME_OF.rule_name}, :pack))`);
      values[':rule'] = query.rule;
      values[':pack'] = `${query.rule}-conformance-pack-`;
    }
    let keyCondition = 'open_pk = :pk';
    if (query.after !== null) {
      keyCondition += ` AND ${NAME_OF.open_sk} ${query.descending ? '<' : '>'} :after`;
      values[':after'] = query.after;
    }
    const input: QueryCommandInput = {
      TableName: this.tableName,
      IndexName: INDEX.indexName,
      KeyConditionExpression: keyCondition,
      FilterExpression: filters.join(' AND '),
      ProjectionExpression: PROJECTION,
      ExpressionAttributeNames: NAMES,
      ExpressionAttributeValues: values,
      ScanIndexForward: !query.descending,
      Limit: limit,
    };
    do {
      const res = await this.doc.send(
        new QueryCommand(cursor.next === undefined ? input : { ...input, ExclusiveStartKey: cursor.next }),
      );
      for (const item of res.Items ?? []) {
        const violation = toViolation(item);
        if (query.rule !== null && !matchesRule(violation.ruleName, query.rule)) continue;
        if (query.accept && !query.accept(violation)) continue;
        cursor.buffer.push(violation);
      }
      cursor.next = res.LastEvaluatedKey;
      cursor.done = cursor.next === undefined;
    } while (cursor.buffer.length === 0 && !cursor.done);
  }
}

/** A rule filter matches the rule as deployed, or every conformance-pack instance of a base name. */
export function matchesRule(ruleName: string, rule: string): boolean {
  return ruleName === rule || baseRuleName(ruleName) === rule;
}

function toViolation(item: Record<string, unknown>): OpenViolation {
  return {
    account: String(item.account),
    region: String(item.region),
    ruleName: String(item.rule_name),
    resourceType: String(item.resource_type),
    resourceId: String(item.resource_id),
    openedAt: String(item.opened_at),
    lastEvaluated: String(item.ordering_timestamp),
    eventId: String(item.event_id),
    annotation: typeof item.annotation === 'string' ? item.annotation : null,
    sortKey: String(item.open_sk),
  };
}
