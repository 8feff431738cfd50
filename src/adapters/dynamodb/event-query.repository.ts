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
import type { DocumentSender } from './batch-write.js';
import { accountDayKey, dayShardKeys } from './keys.js';
import { EVENTS_TABLE, HOT_RETENTION_DAYS } from './table-definitions.js';

const DAY_MS = 86_400_000;
/** Largest page DynamoDB is asked for; a filtered query may need several. */
const MAX_QUERY_LIMIT = 1_000;

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
    const lastDay = upper.length > 24 ? upper.slice(0, 10) : dayOfInstant(Date.parse(upper) - 1);
    for (let day = lastDay; day >= lower.slice(0, 10) && hits.length < query.limit; day = previousDay(day)) {
      const partitions = query.account === null ? dayShardKeys(day) : [accountDayKey(query.account, day)];
      const remaining = query.limit - hits.length;
      const perPartition = await Promise.all(
        partitions.map((pk) => this.queryPartition(query, pk, lower, upper, remaining)),
      );
      const merged = perPartition
        .flat()
        .sort((a, b) => (a.sortKey < b.sortKey ? 1 : a.sortKey > b.sortKey ? -1 : 0));
      hits.push(...merged.slice(0, remaining));
    }
    const lastHit = hits.length === query.limit ? hits[hits.length - 1] : undefined;
    return {
      items: hits.map((hit) => hit.view),
      last: lastHit ? { day: lastHit.sortKey.slice(0, 10), sortKey: lastHit.sortKey } : null,
    };
  }

  /** Up to `wanted` matching items of one index partition with `lower ≤ sort key < upper`, newest first. */
  private async queryPartition(
    query: EventPageQuery,
    pk: string,
    lower: string,
    upper: string,
    wanted: number,
  ): Promise<Hit[]> {
    const byAccount = query.account !== null;
    const [pkName, skName] = byAccount ? ['gsi1pk', 'gsi1sk'] : ['gsi2pk', 'gsi2sk'];
    const index = EVENTS_TABLE.indexes[byAccount ? 0 : 1].indexName;
    const filters = ['expired_at > :now'];
    const values: Record<string, unknown> = {
      ':pk': pk,
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
      Limit: Math.min(MAX_QUERY_LIMIT, wanted + 1),
    };
    const hits: Hit[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const res = await this.doc.send(
        new QueryCommand(startKey === undefined ? input : { ...input, ExclusiveStartKey: startKey }),
      );
      for (const item of res.Items ?? []) {
        const sortKey = String(item.gsi1sk);
        if (sortKey >= upper) continue;
        hits.push({ view: toView(item), sortKey });
      }
      startKey = res.LastEvaluatedKey;
    } while (startKey !== undefined && hits.length < wanted);
    return hits.slice(0, wanted);
  }
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

function dayOfInstant(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

function previousDay(day: string): string {
  return dayOfInstant(Date.parse(`${day}T00:00:00.000Z`) - DAY_MS);
}
