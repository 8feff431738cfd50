/**
 * `GET /events` through `createApiApp` against real dynalite: events stored by the consumer's own
 * repository, read back page by page over both day indexes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventQueryRepository } from '../../src/adapters/dynamodb/event-query.repository.js';
import { EventStoreRepository } from '../../src/adapters/dynamodb/event-store.repository.js';
import { EVENTS_TABLE, tableName } from '../../src/adapters/dynamodb/table-definitions.js';
import { createApiApp } from '../../src/api/app.js';
import { type ConfigEvent, parseConfigEvent } from '../../src/domain/config-event.js';
import { complianceEvent, type Status } from '../helpers/archive-events.js';
import { FakeQueryEngine } from '../helpers/fake-query-engine.js';
import { type LocalDynamo, startLocalDynamo } from '../helpers/local-aws.js';

const ACCOUNTS = ['111111111111', '222222222222', '333333333333'];
const REGIONS = ['eu-west-1', 'us-east-1'];
const STATUSES: Status[] = ['COMPLIANT', 'NON_COMPLIANT', 'NOT_APPLICABLE'];
const NOW = new Date('2024-03-10T12:00:00Z');

let dynamo: LocalDynamo;
let events: ConfigEvent[];
let app: ReturnType<typeof createApiApp>;

function toEvent(raw: Record<string, unknown>): ConfigEvent {
  const outcome = parseConfigEvent(raw);
  if (outcome.status !== 'accepted') throw new Error(`fixture not accepted: ${JSON.stringify(outcome)}`);
  return outcome.event;
}

/** Newest first, as the API orders: by event time, then id. */
function newestFirst(list: readonly ConfigEvent[]): ConfigEvent[] {
  const key = (e: ConfigEvent) => `${e.eventTime}#${e.eventId}`;
  return [...list].sort((a, b) => (key(a) < key(b) ? 1 : -1));
}

async function get(path: string): Promise<{ status: number; body: any }> {
  const res = await app.request(path);
  return { status: res.status, body: await res.json() };
}

async function allPages(query: string, limit: number): Promise<{ ids: string[]; pages: number }> {
  const ids: string[] = [];
  let next: string | null = null;
  let pages = 0;
  do {
    const cursor: string = next ? `&next=${next}` : '';
    const res = await get(`/events?${query}&limit=${limit}${cursor}`);
    expect(res.status).toBe(200);
    ids.push(...res.body.items.map((item: any) => item.id));
    next = res.body.next;
    pages++;
  } while (next !== null && pages < 100);
  return { ids, pages };
}

beforeAll(async () => {
  // Prepare: 3 accounts × 2 regions over 6 days, several events at the same instant (ties by id),
  // one event just expired (TTL lag: still stored) and one at the very start of a day.
  dynamo = await startLocalDynamo();
  const prefix = await dynamo.newPrefix();
  const table = tableName(prefix, EVENTS_TABLE);
  const raw: Record<string, unknown>[] = [];
  let n = 0;
  for (let day = 4; day <= 9; day++) {
    for (const account of ACCOUNTS) {
      for (const region of REGIONS) {
        for (let k = 0; k < 2; k++) {
          n++;
          raw.push(
            complianceEvent({
              id: `evt-${String(n).padStart(4, '0')}`,
              account,
              region,
              resourceId: `bucket-${n}`,
              // Every fourth a CRITICAL rule, the others MEDIUM (s3-bucket-versioning-enabled).
              ...(n % 4 === 0 ? { rule: 'restricted-ssh-conformance-pack-ab12cd34e' } : {}),
              newStatus: STATUSES[n % 3] as Status,
              at: `2024-03-0${day}T${k === 0 ? '00:00:00' : '10:30:00'}.000Z`,
              recordedAt: `2024-03-0${day}T${k === 0 ? '00:00:00' : '10:30:00'}.000Z`,
            }),
          );
        }
      }
    }
  }
  events = raw.map(toEvent);
  // Received live, at NOW; the expired one was received 91 days before it (TTLs count from receipt).
  await new EventStoreRepository(dynamo.doc, table, {}, () => NOW).markDone(events);
  const expired = toEvent(
    complianceEvent({ id: 'evt-expired', newStatus: 'NON_COMPLIANT', at: '2023-12-10T11:00:00.000Z' }),
  );
  const receivedLongAgo = new Date(NOW.getTime() - 91 * 86_400_000);
  await new EventStoreRepository(dynamo.doc, table, {}, () => receivedLongAgo).markDone([expired]);
  events.push(expired);
  app = createApiApp({
    events: new EventQueryRepository(dynamo.doc, table),
    syncStatus: { latest: async () => null },
    queryEngine: new FakeQueryEngine(),
    accounts: { [ACCOUNTS[0] as string]: { name: 'payments-prod' } },
    now: () => NOW,
    logger: { info: () => {}, error: () => {} },
  });
});

afterAll(async () => {
  await dynamo?.close();
});

const live = () => events.filter((e) => e.eventId !== 'evt-expired');

describe('GET /events account names', () => {
  it("names each event's account from the accounts map, null for one it does not list", async () => {
    const res = await get('/events?limit=100');
    const names = new Map(res.body.items.map((item: any) => [item.account, item.account_name]));
    expect(names.get(ACCOUNTS[0])).toBe('payments-prod');
    expect(names.get(ACCOUNTS[1])).toBeNull();
  });
});

describe('GET /events?severity=…', () => {
  const critical = (e: ConfigEvent) =>
    e.kind === 'compliance-change' && e.ruleName.startsWith('restricted-ssh');

  it('pages through the compliance changes of rules of that severity only, newest first', async () => {
    // Act
    const { ids, pages } = await allPages('severity=CRITICAL', 4);
    // Assess
    const expected = newestFirst(live().filter(critical)).map((e) => e.eventId);
    expect(expected.length).toBeGreaterThan(8);
    expect(ids).toEqual(expected);
    expect(pages).toBe(Math.ceil(expected.length / 4) + (expected.length % 4 === 0 ? 1 : 0));
  });

  it('takes several severities, within an account', async () => {
    const { ids } = await allPages(`severity=MEDIUM,CRITICAL&account=${ACCOUNTS[1]}`, 7);
    expect(ids).toEqual(newestFirst(live().filter((e) => e.account === ACCOUNTS[1])).map((e) => e.eventId));
  });

  it('finds nothing of a severity no rule has', async () => {
    const res = await get('/events?severity=LOW');
    expect(res.body).toEqual({ items: [], next: null });
  });

  it('refuses a cursor issued for other severities, naming next', async () => {
    // Prepare
    const first = await get('/events?severity=CRITICAL&limit=2');
    // Act
    const res = await get(`/events?severity=MEDIUM&limit=2&next=${first.body.next}`);
    const without = await get(`/events?limit=2&next=${first.body.next}`);
    // Assess
    expect(res.status).toBe(400);
    expect(res.body.parameter).toBe('next');
    expect(res.body.message).toContain('severity');
    expect(without.status).toBe(400);
  });
});

describe('GET /events', () => {
  it('returns items in the documented shape, newest first', async () => {
    // Act
    const res = await get('/events?limit=3');
    // Assess
    expect(res.status).toBe(200);
    const expected = newestFirst(live()).slice(0, 3);
    expect(res.body.items.map((i: any) => i.id)).toEqual(expected.map((e) => e.eventId));
    const first = res.body.items[0];
    expect(Object.keys(first).sort()).toEqual(
      [
        'account',
        'account_name',
        'detail',
        'detail_type',
        'expired_at',
        'id',
        'published_at',
        'region',
        'source',
      ].sort(),
    );
    const published = Math.floor(Date.parse(expected[0]!.eventTime) / 1000);
    expect(first).toMatchObject({
      source: 'aws.config',
      detail_type: 'Config Rules Compliance Change',
      published_at: published,
      expired_at: Math.floor(NOW.getTime() / 1000) + 90 * 86_400,
      detail: { kind: 'compliance-change', eventId: expected[0]!.eventId },
    });
    expect(res.body.next).toEqual(expect.any(String));
  });

  it.each([1, 7, 36, 500])('pages through every live event exactly once with limit %i', async (limit) => {
    // Act
    const { ids } = await allPages('source=aws.config', limit);
    // Assess
    expect(ids).toEqual(newestFirst(live()).map((e) => e.eventId));
  });

  it('pages one account through its account-day partitions', async () => {
    const { ids } = await allPages('account=222222222222', 5);
    expect(ids).toEqual(
      newestFirst(live().filter((e) => e.account === '222222222222')).map((e) => e.eventId),
    );
  });

  it('filters by region and account together', async () => {
    const { ids } = await allPages('account=111111111111&region=us-east-1', 4);
    expect(ids).toEqual(
      newestFirst(live().filter((e) => e.account === '111111111111' && e.region === 'us-east-1')).map(
        (e) => e.eventId,
      ),
    );
  });

  it('applies a half-open range: start included, end excluded', async () => {
    // Act
    const { ids } = await allPages('start_date=2024-03-05&end_date=2024-03-07', 500);
    // Assess
    const inRange = live().filter(
      (e) => e.eventTime >= '2024-03-05' && e.eventTime < '2024-03-07T00:00:00.000Z',
    );
    expect(ids).toEqual(newestFirst(inRange).map((e) => e.eventId));
    expect(ids).toContain(live().find((e) => e.eventTime === '2024-03-05T00:00:00.000Z')?.eventId);
    expect(live().some((e) => e.eventTime === '2024-03-07T00:00:00.000Z')).toBe(true);
    expect(ids.every((id) => live().find((e) => e.eventId === id)!.eventTime < '2024-03-07')).toBe(true);
  });

  it('filters out an item past expired_at that TTL has not deleted yet', async () => {
    const { ids } = await allPages('start_date=2023-12-01', 500);
    expect(ids).not.toContain('evt-expired');
  });

  it('answers an empty page with a null cursor when nothing matches', async () => {
    const res = await get('/events?account=999999999999');
    expect(res.body).toEqual({ items: [], next: null });
  });

  it('refuses a cursor reused with other filters, or tampered, with a 400 naming next', async () => {
    // Prepare
    const first = await get('/events?account=111111111111&limit=2');
    const next: string = first.body.next;
    const payload = JSON.parse(Buffer.from(next.split('.')[0]!, 'base64url').toString());
    const forged = `${Buffer.from(JSON.stringify({ ...payload, k: `${payload.k}x` })).toString('base64url')}.${next.split('.')[1]}`;
    // Act
    const reused = await get(`/events?account=222222222222&limit=2&next=${next}`);
    const tampered = await get(`/events?account=111111111111&limit=2&next=${forged}`);
    // Assess
    expect(reused.status).toBe(400);
    expect(reused.body.parameter).toBe('next');
    expect(tampered.status).toBe(400);
    expect(tampered.body.parameter).toBe('next');
  });
});
