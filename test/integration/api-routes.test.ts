/**
 * Every route through `createApiApp`, the app the Lambda serves: valid requests, each validation
 * rule (no query may start on a bad parameter), the 202 + poll path with a slow engine, and errors
 * that never leak internals.
 */
import { describe, expect, it } from 'vitest';
import {
  AthenaQueryCancelledError,
  AthenaQueryFailedError,
  AthenaQueryTimeoutError,
  AthenaThrottledError,
} from '../../src/adapters/athena/errors.js';
import { DuckDbQueryFailedError } from '../../src/adapters/duckdb/errors.js';
import type { EventPage, EventPageQuery } from '../../src/adapters/dynamodb/event-query.repository.js';
import { type ApiDeps, type ApiLogger, createApiApp } from '../../src/api/app.js';
import { encodePollId } from '../../src/api/poll-id.js';
import { FakeQueryEngine } from '../helpers/fake-query-engine.js';
import { failingSyncStatus, InMemorySyncStatusStore, syncStatus } from '../helpers/sync-status.js';

const NOW = new Date('2024-03-10T15:00:00Z');

class FakeEvents {
  readonly queries: EventPageQuery[] = [];
  async page(query: EventPageQuery): Promise<EventPage> {
    this.queries.push(query);
    return { items: [], last: null };
  }
}

interface Logged {
  level: string;
  message: string;
  extra: Record<string, unknown> | undefined;
}

function setup(
  options: { waitMs?: number; syncStatus?: ApiDeps['syncStatus']; accounts?: ApiDeps['accounts'] } = {},
) {
  const engine = new FakeQueryEngine();
  const events = new FakeEvents();
  const syncStatus = options.syncStatus ?? new InMemorySyncStatusStore();
  const logs: Logged[] = [];
  const logger: ApiLogger = {
    info: (message, extra) => logs.push({ level: 'info', message, extra }),
    error: (message, extra) => logs.push({ level: 'error', message, extra }),
  };
  const app = createApiApp({
    events,
    syncStatus,
    queryEngine: engine,
    logger,
    queryWaitMs: options.waitMs ?? 20_000,
    now: () => NOW,
    ...(options.accounts ? { accounts: options.accounts } : {}),
  });
  const get = async (path: string) => {
    const res = await app.request(path);
    return { status: res.status, body: (await res.json()) as any, headers: res.headers };
  };
  return { app, engine, events, logs, get };
}

const SUMMARY_ROWS = [
  { dimension: 'new_status', value: 'COMPLIANT', events: 7, compliant: 7, non_compliant: 0 },
  { dimension: 'new_status', value: 'NON_COMPLIANT', events: 3, compliant: 0, non_compliant: 3 },
  { dimension: 'new_status', value: 'NOT_APPLICABLE', events: 1, compliant: 0, non_compliant: 0 },
  {
    dimension: 'rule_name',
    value: 's3-bucket-versioning-enabled',
    events: 6,
    compliant: 4,
    non_compliant: 2,
  },
  { dimension: 'rule_name', value: '__proto__', events: 5, compliant: 3, non_compliant: 1 },
  { dimension: 'resource_type', value: 'AWS::S3::Bucket', events: 11, compliant: 7, non_compliant: 3 },
];
const SCORE_ROWS = [
  { compliant: 8, non_compliant: 2, not_applicable: 1, insufficient_data: 0, compliance_score: 80 },
];

describe('GET /healthz', () => {
  it('answers ok with a request id and touches no dependency', async () => {
    // Prepare
    const { get, engine, events } = setup();
    // Act
    const res = await get('/healthz');
    // Assess
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ok' });
    expect(res.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect(engine.calls).toEqual([]);
    expect(events.queries).toEqual([]);
  });
});

describe('GET /compliance/summary', () => {
  it('shapes the saved queries into the documented body', async () => {
    // Prepare
    const { get, engine } = setup();
    engine.rows = { compliance_summary: SUMMARY_ROWS, compliance_score: SCORE_ROWS };
    // Act
    const res = await get(
      '/compliance/summary?account=123456789012&region=eu-west-1&start_date=2024-03-01&end_date=2024-03-08T00:00:00%2B01:00',
    );
    // Assess
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      total_events: 11,
      compliant: 7,
      non_compliant: 3,
      not_applicable: 1,
      insufficient_data: 0,
      by_rule: {
        's3-bucket-versioning-enabled': { compliant: 4, non_compliant: 2 },
        // A computed key: a literal `__proto__:` would set the prototype instead of a property.
        ['__proto__']: { compliant: 3, non_compliant: 1 },
      },
      by_resource_type: { 'AWS::S3::Bucket': { compliant: 7, non_compliant: 3 } },
      compliance_score: 80,
    });
    expect(engine.calls).toEqual([
      {
        name: 'compliance_summary',
        params: {
          account: '123456789012',
          region: 'eu-west-1',
          severity: null,
          start: '2024-03-01T00:00:00.000Z',
          end: '2024-03-07T23:00:00.000Z',
        },
        waitMs: 20_000,
      },
      {
        name: 'compliance_score',
        params: {
          account: '123456789012',
          region: 'eu-west-1',
          severity: null,
          as_of: '2024-03-07T23:00:00.000Z',
        },
        waitMs: 20_000,
      },
    ]);
  });

  it('passes severities to both saved queries as one parameter, never as SQL', async () => {
    // Prepare
    const { get, engine } = setup();
    engine.rows = { compliance_summary: SUMMARY_ROWS, compliance_score: SCORE_ROWS };
    // Act
    const res = await get('/compliance/summary?severity=CRITICAL,HIGH&account=123456789012');
    // Assess
    expect(res.status).toBe(200);
    expect(res.body.compliance_score).toBe(80);
    expect(engine.calls.map((call) => [call.name, call.params.severity])).toEqual([
      ['compliance_summary', 'CRITICAL,HIGH'],
      ['compliance_score', 'CRITICAL,HIGH'],
    ]);
  });

  it('answers zeros and a null score on an empty archive', async () => {
    const { get, engine } = setup();
    engine.rows = {
      compliance_score: [
        { compliant: 0, non_compliant: 0, not_applicable: 0, insufficient_data: 0, compliance_score: null },
      ],
    };
    const res = await get('/compliance/summary');
    expect(res.body).toEqual({
      total_events: 0,
      compliant: 0,
      non_compliant: 0,
      not_applicable: 0,
      insufficient_data: 0,
      by_rule: {},
      by_resource_type: {},
      compliance_score: null,
    });
  });
});

describe('GET /compliance/trends', () => {
  it('defaults to the last 30 days and sums accounts into the organization series', async () => {
    // Prepare
    const { get, engine } = setup();
    engine.rows = {
      compliance_trend: [
        { day: '2024-03-09', account: '111111111111', compliant: 9, non_compliant: 1, compliance_score: 90 },
        { day: '2024-03-09', account: '222222222222', compliant: 1, non_compliant: 1, compliance_score: 50 },
        {
          day: '2024-03-10',
          account: '111111111111',
          compliant: 10,
          non_compliant: 0,
          compliance_score: 100,
        },
      ],
    };
    // Act
    const res = await get('/compliance/trends');
    // Assess
    expect(res.status).toBe(200);
    expect(engine.calls[0]?.params).toEqual({
      account: null,
      region: null,
      severity: null,
      start: '2024-02-10T00:00:00.000Z',
      end: '2024-03-11T00:00:00.000Z',
    });
    expect(res.body.days).toHaveLength(30);
    expect(res.body.days.at(-1)).toBe('2024-03-10');
    expect(res.body.organization).toEqual([
      { day: '2024-03-09', compliance_score: 83.33, compliant: 10, non_compliant: 2 },
      { day: '2024-03-10', compliance_score: 100, compliant: 10, non_compliant: 0 },
    ]);
    expect(res.body.accounts.map((a: any) => a.account)).toEqual(['111111111111', '222222222222']);
  });
});

describe('account names from the accounts map', () => {
  const accounts = {
    '111111111111': { name: 'payments-prod', owner: 'team-payments' },
    // Own keys only: an id is never a property of Object.prototype.
    constructor: { name: 'not an account' },
  };

  it('names the accounts of /compliance/trends, null for one the map does not list', async () => {
    // Prepare
    const { get, engine } = setup({ accounts });
    engine.rows = {
      compliance_trend: [
        { day: '2024-03-09', account: '111111111111', compliant: 1, non_compliant: 1, compliance_score: 50 },
        { day: '2024-03-09', account: '222222222222', compliant: 1, non_compliant: 0, compliance_score: 100 },
      ],
    };
    // Act
    const res = await get('/compliance/trends');
    // Assess
    expect(res.body.accounts.map((a: any) => [a.account, a.account_name])).toEqual([
      ['111111111111', 'payments-prod'],
      ['222222222222', null],
    ]);
  });

  it('names the accounts of /compliance/remediation items', async () => {
    // Prepare
    const { get, engine } = setup({ accounts });
    const item = {
      rule_name: 'r',
      base_rule_name: 'r',
      remediated: 1,
      median_seconds: 1,
      p90_seconds: 1,
      open_violations: 0,
    };
    engine.rows = {
      time_to_remediate: [
        { account: '111111111111', ...item },
        { account: '333333333333', ...item },
      ],
    };
    // Act
    const res = await get('/compliance/remediation');
    // Assess
    expect(res.body.items.map((i: any) => [i.account, i.account_name])).toEqual([
      ['111111111111', 'payments-prod'],
      ['333333333333', null],
    ]);
  });

  it('leaves names null without an accounts map', async () => {
    const { get, engine } = setup();
    engine.rows = {
      compliance_trend: [
        { day: '2024-03-09', account: '111111111111', compliant: 1, non_compliant: 0, compliance_score: 100 },
      ],
    };
    const res = await get('/compliance/trends');
    expect(res.body.accounts[0].account_name).toBeNull();
  });
});

describe('GET /compliance/remediation', () => {
  it('passes the range and shapes one item per rule and account', async () => {
    const { get, engine } = setup();
    engine.rows = {
      time_to_remediate: [
        {
          account: '111111111111',
          rule_name: 'restricted-ssh-conformance-pack-abc',
          base_rule_name: 'restricted-ssh',
          remediated: 4,
          median_seconds: 3600,
          p90_seconds: 7200,
          open_violations: 1,
        },
      ],
    };
    const res = await get('/compliance/remediation?start_date=2024-01-01');
    expect(res.status).toBe(200);
    expect(res.body.items).toEqual([
      {
        account: '111111111111',
        account_name: null,
        rule_name: 'restricted-ssh-conformance-pack-abc',
        base_rule_name: 'restricted-ssh',
        remediated: 4,
        median_seconds: 3600,
        p90_seconds: 7200,
        open_violations: 1,
      },
    ]);
    expect(engine.calls[0]).toMatchObject({
      name: 'time_to_remediate',
      params: { account: null, region: null, start: '2024-01-01T00:00:00.000Z', end: null },
    });
    // No overall row from the engine: nothing remediated, no median.
    expect(res.body.organization).toEqual({ remediated: 0, median_seconds: null, p90_seconds: null });
  });

  it('gives the organization-wide figure of the same range from time_to_remediate_overall', async () => {
    const { get, engine } = setup();
    engine.rows = {
      time_to_remediate: [],
      time_to_remediate_overall: [{ remediated: 9, median_seconds: 5400, p90_seconds: 86_400 }],
    };
    const res = await get('/compliance/remediation?account=111111111111&end_date=2024-02-01');
    expect(res.status).toBe(200);
    expect(res.body.organization).toEqual({ remediated: 9, median_seconds: 5400, p90_seconds: 86_400 });
    const overall = engine.calls.find((call: any) => call.name === 'time_to_remediate_overall');
    expect(overall?.params).toEqual({
      account: '111111111111',
      region: null,
      severity: null,
      start: null,
      end: '2024-02-01T00:00:00.000Z',
    });
  });
});

describe('GET /resources/timeline', () => {
  it('binds an odd resource id as a parameter, unchanged', async () => {
    // Prepare
    const { get, engine } = setup();
    const id = "bucket' OR 1=1 --";
    // Act
    const res = await get(
      `/resources/timeline?account=123456789012&region=eu-west-1&resource_type=AWS::S3::Bucket&resource_id=${encodeURIComponent(id)}`,
    );
    // Assess
    expect(res.status).toBe(200);
    expect(engine.calls[0]).toMatchObject({
      name: 'resource_timeline',
      params: {
        account: '123456789012',
        region: 'eu-west-1',
        resource_type: 'AWS::S3::Bucket',
        resource_id: id,
        start: null,
        end: null,
      },
    });
    expect(res.body).toMatchObject({ resource_id: id, items: [] });
  });
});

const VALID: Record<string, string> = {
  '/events': '',
  '/compliance/summary': '',
  '/compliance/trends': '',
  '/compliance/remediation': '',
  '/resources/timeline': 'account=123456789012&region=eu-west-1&resource_type=AWS::S3::Bucket&resource_id=b',
};

const RANGE_CASES: [string, string, string][] = [
  ['account', '12345678901', 'short account'],
  ['account', '1234567890123', 'long account'],
  ['account', '12345678901x', 'non-digit account'],
  ['account', '１２３４５６７８９０１２', 'fullwidth digits'],
  ['account', '١٢٣٤٥٦٧٨٩٠١٢', 'Arabic-Indic digits'],
  ['account', "' OR 1=1 --", 'SQL injection'],
  ['account', '"; drop table events', 'SQL injection'],
  ['region', 'eu-west-1; drop table x', 'injection in region'],
  ['region', 'EU-WEST-1', 'upper-case region'],
  ['start_date', '2024-02-30', 'impossible date'],
  ['start_date', '2024-03-01T10:00:00', 'date-time without zone'],
  ['end_date', 'next week', 'not a date'],
  ['severity', 'critical', 'lower-case severity'],
  ['severity', 'SEVERE', 'unknown severity'],
  ['severity', 'HIGH,HIGH', 'repeated severity'],
  ['severity', 'HIGH,', 'empty severity'],
  ['severity', "HIGH' OR 1=1 --", 'SQL injection in severity'],
];

describe.each(Object.keys(VALID).filter((path) => path !== '/resources/timeline'))(
  '%s validation',
  (path) => {
    it.each(RANGE_CASES)('%s=%j (%s) is a 400 naming the parameter; nothing runs', async (name, value) => {
      // Prepare
      const { get, engine, events } = setup();
      // Act
      const res = await get(`${path}?${name}=${encodeURIComponent(value)}`);
      // Assess
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ error: 'invalid_parameter', parameter: name });
      expect(res.body.message).toContain(name);
      expect(engine.calls).toEqual([]);
      expect(events.queries).toEqual([]);
    });

    it('a reversed range is a 400 naming end_date', async () => {
      const { get, engine, events } = setup();
      const res = await get(`${path}?start_date=2024-03-02&end_date=2024-03-01`);
      expect(res.status).toBe(400);
      expect(res.body.parameter).toBe('end_date');
      expect(engine.calls).toEqual([]);
      expect(events.queries).toEqual([]);
    });

    it('an unknown parameter is a 400', async () => {
      const { get } = setup();
      const res = await get(`${path}?acount=123456789012`);
      expect(res.status).toBe(400);
      expect(res.body.parameter).toBe('acount');
    });

    it('a repeated parameter is a 400', async () => {
      const { get } = setup();
      const res = await get(`${path}?account=123456789012&account=210987654321`);
      expect(res.status).toBe(400);
      expect(res.body.parameter).toBe('account');
    });
  },
);

describe('GET /coverage', () => {
  it('answers 200 with last_sync null and what to run when no sync ran', async () => {
    // Prepare
    const { get, engine, events } = setup();
    // Act
    const res = await get('/coverage');
    // Assess
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      last_sync: null,
      sources: null,
      unhealthy_sources: [],
      without_rules: [],
      summary: [],
      hint: 'no sync yet: run config-monitor sync --aggregator NAME',
    });
    expect(engine.calls).toEqual([]);
    expect(events.queries).toEqual([]);
  });

  it('shapes the last sync: unhealthy sources, account/regions without rules, one wording', async () => {
    // Prepare
    const { get } = setup({ syncStatus: new InMemorySyncStatusStore(syncStatus()) });
    // Act
    const res = await get('/coverage');
    // Assess
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      last_sync: '2024-03-10T06:00:00.000Z',
      sources: { ok: 10, failed: 2 },
      unhealthy_sources: [
        {
          account: '111111111111',
          region: 'eu-west-1',
          status: 'FAILED',
          last_update_time: '2024-03-09T22:00:00.000Z',
          error: 'AccessDeniedException: the aggregator cannot read this account',
        },
        {
          account: '222222222222',
          region: 'us-east-1',
          status: 'OUTDATED',
          last_update_time: '2024-03-01T00:00:00.000Z',
          error: null,
        },
      ],
      without_rules: [
        { account: '333333333333', region: 'eu-west-1' },
        { account: '333333333333', region: 'us-east-1' },
        { account: '444444444444', region: 'us-east-1' },
      ],
      summary: ['2 aggregator sources failed or are outdated', '2 accounts in 2 regions report no rules'],
      hint: null,
    });
  });

  it('has no sentence when every source is healthy and reports rules', async () => {
    // Prepare
    const healthy = syncStatus({
      sources: { ok: 12, failed: 0 },
      coverage: { unhealthySources: [], withoutRules: [] },
    });
    const { get } = setup({ syncStatus: new InMemorySyncStatusStore(healthy) });
    // Act
    const res = await get('/coverage');
    // Assess
    expect(res.body).toMatchObject({ sources: { ok: 12, failed: 0 }, unhealthy_sources: [], summary: [] });
  });

  it('refuses a parameter it does not take', async () => {
    // Prepare
    const store = new InMemorySyncStatusStore(syncStatus());
    const { get } = setup({ syncStatus: store });
    // Act
    const res = await get('/coverage?account=111111111111');
    // Assess
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error: 'invalid_parameter', parameter: 'account' });
    expect(store.reads).toBe(0);
  });

  it('a failed read is a 500 with a request id and no internals; the cause is logged', async () => {
    // Prepare
    const { get, logs } = setup({
      syncStatus: failingSyncStatus(
        new Error('AccessDeniedException: arn:aws:dynamodb:eu-west-1:999999999999:table/events-secret'),
      ),
    });
    // Act
    const res = await get('/coverage');
    // Assess
    expect(res.status).toBe(500);
    expect(res.body).toEqual({
      error: 'internal_error',
      message: 'the request failed; quote the request id to the operator',
      request_id: res.headers.get('x-request-id'),
    });
    expect(JSON.stringify(res.body)).not.toContain('arn:');
    expect(logs.some((l) => l.level === 'error' && JSON.stringify(l.extra).includes('events-secret'))).toBe(
      true,
    );
  });
});

describe.each([
  ['/compliance/trends', 'compliance_trend'],
  ['/compliance/remediation', 'time_to_remediate'],
  ['/compliance/remediation', 'time_to_remediate_overall'],
])('%s?severity=…', (path, query) => {
  it(`passes the severities to ${query} as one parameter`, async () => {
    const { get, engine } = setup();
    const res = await get(`${path}?severity=MEDIUM,LOW&start_date=2024-03-01`);
    expect(res.status).toBe(200);
    expect(engine.calls.find((call) => call.name === query)?.params).toMatchObject({
      severity: 'MEDIUM,LOW',
      start: '2024-03-01T00:00:00.000Z',
    });
  });
});

describe('GET /events validation', () => {
  it.each([
    ['limit', '0'],
    ['limit', '501'],
    ['limit', 'ten'],
    ['source', 'aws.ec2'],
    ['next', 'eyJkIjoiMjAyNC0wMy0wMSJ9.AAAAAAAAAAAAAAAAAAAAAA'],
    ['next', "' OR 1=1 --"],
  ])('%s=%j is a 400 naming it', async (name, value) => {
    const { get, events } = setup();
    const res = await get(`/events?${name}=${encodeURIComponent(value)}`);
    expect(res.status).toBe(400);
    expect(res.body.parameter).toBe(name);
    expect(events.queries).toEqual([]);
  });

  it('passes validated values to the hot store', async () => {
    const { get, events } = setup();
    const res = await get('/events?account=123456789012&limit=5&source=aws.config&start_date=1709251200');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ items: [], next: null });
    expect(events.queries[0]).toMatchObject({
      account: '123456789012',
      limit: 5,
      start: '2024-03-01T00:00:00.000Z',
      after: null,
      now: NOW,
    });
  });
});

describe('GET /resources/timeline validation', () => {
  it.each([
    ['account', 'empty', ''],
    ['resource_type', 'injection', "AWS::S3::Bucket' --"],
    ['resource_id', '769 characters', 'x'.repeat(769)],
  ])('%s (%s) is a 400 naming it', async (name, _label, value) => {
    const { get, engine } = setup();
    const query = new URLSearchParams(VALID['/resources/timeline']);
    query.set(name, value);
    const res = await get(`/resources/timeline?${query}`);
    expect(res.status).toBe(400);
    expect(res.body.parameter).toBe(name);
    expect(engine.calls).toEqual([]);
  });

  it('a missing required parameter is a 400 naming it', async () => {
    const { get } = setup();
    const res = await get(
      '/resources/timeline?account=123456789012&region=eu-west-1&resource_type=AWS::S3::Bucket',
    );
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({
      parameter: 'resource_id',
      message: expect.stringContaining('required'),
    });
  });
});

describe('slow queries', () => {
  it('answer 202 with a poll URL, then the result once the engine is done', async () => {
    // Prepare
    const { get, engine } = setup({ waitMs: 50 });
    engine.rows = { compliance_summary: SUMMARY_ROWS, compliance_score: SCORE_ROWS };
    engine.slow = true;
    // Act
    const first = await get('/compliance/summary?account=123456789012');
    const stillRunning = await get(first.body.poll);
    engine.release();
    const done = await get(first.body.poll);
    // Assess
    expect(engine.calls.map((c) => c.waitMs)).toEqual([50, 50]);
    expect(first.status).toBe(202);
    expect(first.body).toEqual({ query_id: expect.any(String), poll: `/queries/${first.body.query_id}` });
    expect(stillRunning.status).toBe(202);
    expect(stillRunning.body.query_id).toBe(first.body.query_id);
    expect(done.status).toBe(200);
    expect(done.body.compliance_score).toBe(80);
    expect(done.body.total_events).toBe(11);
    expect(engine.polls).toEqual(['q-1', 'q-2', 'q-1', 'q-2']);
  });

  it.each([
    '/compliance/trends',
    '/compliance/remediation',
    `/resources/timeline?${VALID['/resources/timeline']}`,
  ])('%s also answers 202 and polls to the same body as a fast run', async (path) => {
    // Prepare
    const fast = setup();
    const slow = setup({ waitMs: 10 });
    slow.engine.slow = true;
    // Act
    const expected = await fast.get(path);
    const accepted = await slow.get(path);
    slow.engine.release();
    const polled = await slow.get(accepted.body.poll);
    // Assess
    expect(accepted.status).toBe(202);
    expect(polled.status).toBe(200);
    expect(polled.body).toEqual(expected.body);
  });

  it('reruns on poll a query that had already finished when the 202 was sent', async () => {
    // Prepare: the score is fast, the summary slow; the engine forgets returned results.
    const { get, engine } = setup({ waitMs: 10 });
    engine.rows = { compliance_summary: SUMMARY_ROWS, compliance_score: SCORE_ROWS };
    engine.slowQueries.add('compliance_summary');
    // Act
    const first = await get('/compliance/summary');
    engine.release();
    const done = await get(first.body.poll);
    // Assess
    expect(first.status).toBe(202);
    expect(done.status).toBe(200);
    expect(done.body).toMatchObject({ total_events: 11, compliance_score: 80 });
    expect(engine.calls.map((c) => c.name)).toEqual([
      'compliance_summary',
      'compliance_score',
      'compliance_score',
    ]);
    expect(engine.polls).toEqual(['q-1']);
  });

  it('a poll id whose result the engine forgot is a 404', async () => {
    // Prepare
    const { get, engine } = setup({ waitMs: 10 });
    engine.slow = true;
    const first = await get('/compliance/trends');
    engine.release();
    await get(first.body.poll);
    // Act
    const again = await get(first.body.poll);
    // Assess
    expect(again.status).toBe(404);
    expect(again.body).toMatchObject({ error: 'not_found' });
  });

  it('a tampered poll id is a 400, not a 500', async () => {
    // Prepare
    const { get, engine } = setup({ waitMs: 10 });
    engine.slow = true;
    const first = await get('/compliance/summary');
    const id: string = first.body.query_id;
    const tampered = `${id.slice(0, 5)}${id[5] === 'A' ? 'B' : 'A'}${id.slice(6)}`;
    // Act
    const res = await get(`/queries/${tampered}`);
    // Assess
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error: 'invalid_parameter', parameter: 'id' });
    expect(engine.polls).toEqual([]);
  });
});

describe('GET /queries/{id} signed with the right key', () => {
  it('is a 400 when it names saved queries its route does not run, with no engine call', async () => {
    // Prepare: what a holder of the key could sign; the default key of createApiApp is used here.
    const app = createApiApp({
      events: new FakeEvents(),
      syncStatus: new InMemorySyncStatusStore(),
      queryEngine: new FakeQueryEngine(),
      logger: { info: () => {}, error: () => {} },
      tokenKey: 'known-key',
    });
    const forged = encodePollId(
      { route: 'summary', queries: { summary: 'q-1', daily_report: 'q-2' }, params: {} },
      'known-key',
    );
    // Act
    const res = await app.request(`/queries/${forged}`);
    // Assess
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: 'invalid_parameter', parameter: 'id' });
  });
});

describe('errors', () => {
  it('an engine failure is a 500 with a request id and no internals; the cause is logged', async () => {
    // Prepare
    const { get, engine, logs } = setup();
    engine.failure = new Error(
      'AccessDeniedException: arn:aws:athena:eu-west-1:999999999999:workgroup/secret-wg',
    );
    // Act
    const res = await get('/compliance/summary');
    // Assess
    expect(res.status).toBe(500);
    expect(res.body).toEqual({
      error: 'internal_error',
      message: 'the request failed; quote the request id to the operator',
      request_id: res.headers.get('x-request-id'),
    });
    expect(JSON.stringify(res.body)).not.toMatch(/arn:|secret-wg|Error|at /);
    const logged = logs.find((l) => l.level === 'error');
    expect(logged?.extra).toMatchObject({ request_id: res.body.request_id });
    expect(JSON.stringify(logged?.extra)).toContain('secret-wg');
  });

  const secret = new Error('SYNTAX_ERROR: table secret_db.compliance_events');
  it.each([
    [
      'AthenaQueryFailedError',
      502,
      'query_failed',
      () => new AthenaQueryFailedError('q-1', 'trend', 2, 1, false, secret.message),
    ],
    [
      'AthenaQueryCancelledError',
      502,
      'query_failed',
      () => new AthenaQueryCancelledError('q-1', secret.message),
    ],
    [
      'DuckDbQueryFailedError',
      502,
      'query_failed',
      () => new DuckDbQueryFailedError('compliance_trend', secret),
    ],
    [
      'AthenaQueryTimeoutError',
      502,
      'query_failed',
      () => new AthenaQueryTimeoutError('secret_db-q-1', 60_000),
    ],
    [
      'AthenaThrottledError',
      503,
      'engine_busy',
      () => new AthenaThrottledError('GetQueryExecution', 5, secret),
    ],
  ] as const)('an engine %s is a %i %s, logged with its cause', async (_name, status, code, failure) => {
    // Prepare
    const { get, engine, logs } = setup();
    engine.failure = failure();
    // Act
    const res = await get('/compliance/trends');
    // Assess
    expect(res.status).toBe(status);
    expect(res.body).toMatchObject({ error: code, request_id: res.headers.get('x-request-id') });
    expect(JSON.stringify(res.body)).not.toContain('secret_db');
    expect(JSON.stringify(logs.find((l) => l.level === 'error')?.extra)).toContain('secret_db');
  });

  it('an unknown route is a JSON 404', async () => {
    const { get } = setup();
    const res = await get('/admin');
    expect(res.status).toBe(404);
    expect(res.body).toMatchObject({ error: 'not_found' });
  });

  it('a malformed percent-encoding is a 400 or ignored, never a 500', async () => {
    const { get } = setup();
    const res = await get('/compliance/summary?account=%E0%A4%A');
    expect(res.status).toBe(400);
  });
});
