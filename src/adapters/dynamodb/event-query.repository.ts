/**
 * Reads recent events from the events table for `GET /events`, newest first, one page a call.
 *
 * Access patterns (docs/hot-store.md):
 * - one account: index `by-account-day`, `gsi1pk = <account>#<day>` per day, `gsi1sk` range;
 * - all accounts: index `by-day`, the 8 shards `gsi2pk = <day>#00…07` per day, merged by `gsi2sk`.
 * Both sort keys are `<eventTimeISO>#<eventId>` (keys.ts), so `[start, end)` is a key condition
 * and a page ends at a position (day, sort key) that the next page continues strictly below:
 * keyset pagination that works across shards, unlike a single LastEvaluatedKey.
 *
 * Read-only; items past `expired_at` are filtered out because TTL deletion lags by up to 2 days.
 */
import { QueryCommand, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import type { ConfigEvent } from '../../domain/config-event.js';
import { DAY_MS, previousUtcDay, utcDayOf } from '../../domain/utc-day.js';
import type { DocumentSender } from './batch-write.js';
import { accountDayKey, dayShardKeys } from './keys.js';
import { EVENTS_TABLE, HOT_RETENTION_DAYS } from './table-definitions.js';

/** Largest page DynamoDB is asked for; a filtered query may need several. */
const MAX_QUERY_LIMIT = 1_000;
/** Days read in parallel at most (× 8 shards without an account filter). */
const MAX_DAY_BATCH = 8;

/** One event as the API returns it. Times are epoch seconds. */
export interface EventView {
  readonly id: string;
  readonly account: string;
  readonly region: string;
  readonly source: string;
  readonly detail_type: string;
  readonly published_at: number;
  readonly expired_at: number;
  /** The normalized event (src/domain/config-event.ts). */
  readonly detail: ConfigEvent;
}

/** Where a page ended: the next page holds strictly older events, starting in `day`. */
export interface EventPosition {
  readonly day: string;
  readonly sortKey: string;
}

export interface EventPageQuery {
  readonly account: string | null;
  readonly region: string | null;
  /** Inclusive lower bound, normalized ISO; null = the start of retention. */
  readonly start: string | null;
  /** Exclusive upper bound, normalized ISO; null = now (plus a day of clock skew). */
  readonly end: string | null;
  /** 1 … 500, validated by the API. */
  readonly limit: number;
  readonly after: EventPosition | null;
  readonly now: Date;
  /**
   * Keeps only the events it accepts (the API's severity filter, which DynamoDB cannot evaluate):
   * a page then reads past the others. @default - every event
   */
  readonly accept?: (event: EventView) => boolean;
}

export interface EventPage {
  readonly items: EventView[];
  /** Position of the last item when the page is full (more may follow), else null. */
  readonly last: EventPosition | null;
}

interface Hit {
  readonly view: EventView;
  readonly sortKey: string;
}

const PROJECTION = '#id, account, #region, #source, detail_type, published_at, expired_at, detail, gsi1sk';
const NAMES = { '#id': 'id', '#region': 'region', '#source': 'source' };

export class EventQueryRepository {
  constructor(
    private readonly doc: DocumentSender,
    readonly tableName: string,
  ) {}

  /** One page of events matching the filters, newest first. */
  async page(query: EventPageQuery): Promise<EventPage> {
    const nowMs = query.now.getTime();
    // Nothing older than retention (+ TTL lag) can be live; nothing later than a day ahead is plausible.
    const floor = new Date(nowMs - (HOT_RETENTION_DAYS + 2) * DAY_MS).toISOString();
    const ceiling = new Date(nowMs + DAY_MS).toISOString();
    const lower = query.start !== null && query.start > floor ? query.start : floor;
    let upper = query.end !== null && query.end < ceiling ? query.end : ceiling;
    if (query.after !== null && query.after.sortKey < upper) upper = query.after.sortKey;
    if (upper <= lower) return { items: [], last: null };

    const hits: Hit[] = [];
    // A bare ISO bound is exclusive (its day is that of the instant before); a sort key holds its own day.
    const lastDay = upper.length > 24 ? upper.slice(0, 10) : utcDayOf(Date.parse(upper) - 1);
    const firstDay = lower.slice(0, 10);
    // Days are read newest first; after a day that did not fill the page, the next ones are read
    // in parallel batches (1, 2, 4, 8 days) so a sparse tail of retention costs a few round trips.
    let batch = 1;
    for (let day = lastDay; day >= firstDay && hits.length < query.limit; ) {
      const days: string[] = [];
      for (; days.length < batch && day >= firstDay; day = previousUtcDay(day)) days.push(day);
      const wanted = query.limit - hits.length;
      const perDay = await Promise.all(
        days.map((d) =>
          this.mergeDay(
            query,
            query.account === null ? dayShardKeys(d) : [accountDayKey(query.account, d)],
            lower,
            upper,
            wanted,
          ),
        ),
      );
      hits.push(...perDay.flat().slice(0, wanted));
      batch = Math.min(MAX_DAY_BATCH, batch * 2);
    }
    const lastHit = hits.length === query.limit ? hits[hits.length - 1] : undefined;
    return {
      items: hits.map((hit) => hit.view),
      last: lastHit ? { day: lastHit.sortKey.slice(0, 10), sortKey: lastHit.sortKey } : null,
    };
  }

  /**
   * The newest `wanted` items of one day over its partitions: a k-way merge by sort key that reads
   * each partition lazily, a small page at a time, so a page of N events reads about N items plus
   * one page per shard rather than N per shard.
   */
  private async mergeDay(
    query: EventPageQuery,
    partitions: readonly string[],
    lower: string,
    upper: string,
    wanted: number,
  ): Promise<Hit[]> {
    const chunk = Math.min(MAX_QUERY_LIMIT, Math.ceil(wanted / partitions.length) + 8);
    const cursors: PartitionCursor[] = partitions.map((pk) => ({
      pk,
      buffer: [],
      next: undefined,
      done: false,
    }));
    const out: Hit[] = [];
    while (out.length < wanted) {
      await Promise.all(
        cursors
          .filter((c) => c.buffer.length === 0 && !c.done)
          .map((c) => this.fill(query, c, lower, upper, chunk)),
      );
      let best: PartitionCursor | undefined;
      for (const cursor of cursors) {
        const head = cursor.buffer[0];
        if (head && (!best || head.sortKey > (best.buffer[0] as Hit).sortKey)) best = cursor;
      }
      if (!best) break;
      out.push(best.buffer.shift() as Hit);
    }
    return out;
  }

  /** Reads the partition's next page(s) until it yields a matching item or is exhausted. */
  private async fill(
    query: EventPageQuery,
    cursor: PartitionCursor,
    lower: string,
    upper: string,
    limit: number,
  ): Promise<void> {
    const byAccount = query.account !== null;
    const [pkName, skName] = byAccount ? ['gsi1pk', 'gsi1sk'] : ['gsi2pk', 'gsi2sk'];
    const index = EVENTS_TABLE.indexes[byAccount ? 0 : 1].indexName;
    const filters = ['expired_at > :now'];
    const values: Record<string, unknown> = {
      ':pk': cursor.pk,
      ':lower': lower,
      // BETWEEN is inclusive: a bare ISO `end` equals no sort key (they all carry `#<id>`), and an
      // `after` key equals exactly the item already returned, dropped below.
      ':upper': upper,
      ':now': Math.floor(query.now.getTime() / 1000),
    };
    if (query.region !== null) {
      filters.push('#region = :region');
      values[':region'] = query.region;
    }
    const input: QueryCommandInput = {
      TableName: this.tableName,
      IndexName: index,
      KeyConditionExpression: `${pkName} = :pk AND ${skName} BETWEEN :lower AND :upper`,
      FilterExpression: filters.join(' AND '),
      ProjectionExpression: PROJECTION,
      ExpressionAttributeNames: NAMES,
      ExpressionAttributeValues: values,
      ScanIndexForward: false,
      Limit: limit,
    };
    do {
      const res = await this.doc.send(
        new QueryCommand(cursor.next === undefined ? input : { ...input, ExclusiveStartKey: cursor.next }),
      );
      for (const item of res.Items ?? []) {
        const sortKey = String(item.gsi1sk);
        if (sortKey >= upper) continue;
        const view = toView(item);
        if (query.accept === undefined || query.accept(view)) cursor.buffer.push({ view, sortKey });
      }
      cursor.next = res.LastEvaluatedKey;
      cursor.done = cursor.next === undefined;
    } while (cursor.buffer.length === 0 && !cursor.done);
  }
}

/** Read state of one index partition during a merge. */
interface PartitionCursor {
  readonly pk: string;
  /** Items read and not merged yet, newest first. */
  buffer: Hit[];
  next: Record<string, unknown> | undefined;
  done: boolean;
}

function toView(item: Record<string, unknown>): EventView {
  return {
    id: String(item.id),
    account: String(item.account),
    region: String(item.region),
    source: String(item.source),
    detail_type: String(item.detail_type),
    published_at: Number(item.published_at),
    expired_at: Number(item.expired_at),
    detail: item.detail as ConfigEvent,
  };
}
