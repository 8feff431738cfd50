/**
 * The mute routes through `createApiApp` against real dynalite: create, list, remove, the audit log
 * with the caller from the API Gateway request context (IAM userArn, Cognito claims) or the local
 * OS user; every invalid parameter or body field a 400 naming it; and `/compliance/muted` over
 * canned saved-query rows (counts, list, score with and without the muted pairs, 202 + poll).
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { MuteRepository } from '../../src/adapters/dynamodb/mute.repository.js';
import { MUTES_TABLE, tableName } from '../../src/adapters/dynamodb/table-definitions.js';
import { createApiApp } from '../../src/api/app.js';
import { complianceScore } from '../../src/domain/compliance-state.js';
import type { QueryRow } from '../../src/ports/query-engine.js';
import { FakeQueryEngine } from '../helpers/fake-query-engine.js';
import { type LocalDynamo, startLocalDynamo } from '../helpers/local-aws.js';

const NOW = new Date('2024-05-01T12:00:00.000Z');
const ALICE = 'arn:aws:sts::123456789012:assumed-role/Admin/alice';
const IAM_ENV = { requestContext: { requestId: 'r-1', identity: { userArn: ALICE } } };
const COGNITO_ENV = { requestContext: { authorizer: { claims: { email: 'bob@example.com', sub: 'x' } } } };

let dynamo: LocalDynamo;
let store: MuteRepository;
let engine: FakeQueryEngine;

beforeAll(async () => {
  dynamo = await startLocalDynamo();
});
afterAll(async () => {
  await dynamo?.close();
});
beforeEach(async () => {
  store = new MuteRepository(dynamo.doc, tableName(await dynamo.newPrefix(), MUTES_TABLE));
  engine = new FakeQueryEngine();
});

function app(options: { localActor?: string } = {}) {
  return createApiApp({
    events: { page: async () => ({ items: [], last: null }) } as never,
    syncStatus: { latest: async () => null },
    mutes: store,
    queryEngine: engine,
    now: () => NOW,
    logger: { info: () => {}, error: () => {} },
    ...options,
  });
}

async function call(
  method: string,
  path: string,
  options: { body?: unknown; env?: unknown; contentType?: string | null; localActor?: string } = {},
): Promise<{ status: number; body: any }> {
  const headers: Record<string, string> = {};
  if (options.contentType !== null) headers['content-type'] = options.contentType ?? 'application/json';
  const init: RequestInit = { method, headers };
  if (options.body !== undefined)
    init.body = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
  const a = app(options.localActor ? { localActor: options.localActor } : {});
  const res = await a.request(path, init, options.env as never);
  return { status: res.status, body: await res.json() };
}

const valid = {
  account: '123456789012',
  region: 'eu-west-1',
  until: '2024-06-01',
  reason: 'accepted until the migration',
};

describe('POST/GET/DELETE /mutes', () => {
  it('creates a mute as the IAM principal, lists it, removes it as a Cognito user, with the audit log', async () => {
    // Act
    const created = await call('POST', '/mutes', { body: valid, env: IAM_ENV });
    const id = created.body.mute?.id;
    const listed = await call('GET', '/mutes');
    const removed = await call('DELETE', `/mutes/${id}?reason=fixed`, {
      env: COGNITO_ENV,
      contentType: null,
    });
    const inForce = await call('GET', '/mutes');
    const all = await call('GET', '/mutes?all=true');
    const audit = await call('GET', `/mutes/audit?id=${id}`);
    const again = await call('DELETE', `/mutes/${id}`, { env: IAM_ENV });

    // Assess
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body.mute).toMatchObject({
      account: '123456789012',
      region: 'eu-west-1',
      rule: null,
      resource: null,
      until: '2024-06-01T00:00:00.000Z',
      reason: 'accepted until the migration',
      created_at: NOW.toISOString(),
      created_by: ALICE,
      in_force: true,
    });
    expect(listed.body.mutes.map((m: { id: string }) => m.id)).toEqual([id]);
    expect(removed.status, JSON.stringify(removed.body)).toBe(200);
    expect(removed.body.mute).toMatchObject({
      removed_by: 'cognito:bob@example.com',
      removal_reason: 'fixed',
      in_force: false,
    });
    expect(inForce.body).toEqual({ mutes: [] });
    expect(all.body.mutes).toHaveLength(1);
    expect(audit.body.entries.map((e: { action: string; actor: string }) => [e.action, e.actor])).toEqual([
      ['remove', 'cognito:bob@example.com'],
      ['add', ALICE],
    ]);
    expect(again.status).toBe(409);
    expect(again.body.error).toBe('conflict');
  });

  it('names the local OS user when the request context has none (the local server)', async () => {
    const created = await call('POST', '/mutes', { body: valid, localActor: 'local:carol' });
    expect(created.body.mute.created_by).toBe('local:carol');
  });

  it('refuses a mutation it cannot attribute (403) and a body that is not JSON (415)', async () => {
    expect((await call('POST', '/mutes', { body: valid })).status).toBe(403);
    const form = await call('POST', '/mutes', {
      body: 'account=123456789012',
      contentType: 'application/x-www-form-urlencoded',
      env: IAM_ENV,
    });
    expect(form).toMatchObject({ status: 415, body: { error: 'unsupported_media_type' } });
    expect(await store.list()).toEqual([]);
  });

  it.each([
    [{ ...valid, account: '12345' }, 'account', /exactly 12 ASCII digits/],
    [{ ...valid, region: 'mars-1' }, 'region', /AWS region/],
    [{ ...valid, rule: '' }, 'rule', /1 to 256 characters/],
    [{ ...valid, resource: 'r'.repeat(769) }, 'resource', /1 to 768 characters/],
    [{ ...valid, until: undefined }, 'until', /a mute without an expiry is refused/],
    [{ ...valid, until: 'soon' }, 'until', /ISO 8601 date/],
    [{ ...valid, until: '2024-04-30' }, 'until', /in the future/],
    [{ ...valid, until: '2025-06-01' }, 'until', /at most 366 days ahead/],
    [{ ...valid, reason: undefined }, 'reason', /a mute without a reason is refused/],
    [{ ...valid, reason: 'x'.repeat(501) }, 'reason', /at most 500 characters/],
    [{ ...valid, reason: 42 }, 'reason', /must be a string/],
    [{ ...valid, severity: 'high' }, 'severity', /unknown field "severity"/],
    [[valid], 'body', /JSON object/],
    ['{not json', 'body', /JSON object/],
  ])('POST refuses %j with a 400 naming %s', async (body, parameter, message) => {
    // Act
    const res = await call('POST', '/mutes', { body, env: IAM_ENV });

    // Assess
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error: 'invalid_parameter', parameter });
    expect(res.body.message).toMatch(message);
    expect(await store.list()).toEqual([]);
  });

  it.each([
    ['GET', '/mutes?all=yes', 'all'],
    ['GET', '/mutes?state=all', 'state'],
    ['GET', '/mutes/audit?id=bogus', 'id'],
    ['GET', '/mutes/audit?limit=0', 'limit'],
    ['POST', '/mutes?account=123456789012', 'account'],
    ['DELETE', '/mutes/bogus', 'id'],
    ['DELETE', '/mutes/m-0123456789ab?why=x', 'why'],
    ['GET', '/compliance/muted?account=1', 'account'],
    ['GET', '/compliance/muted?region=moon', 'region'],
  ])('%s %s is a 400 naming %s', async (method, path, parameter) => {
    const res = await call(method, path, { body: method === 'POST' ? valid : undefined, env: IAM_ENV });
    expect(res.status).toBe(400);
    expect(res.body.parameter).toBe(parameter);
  });

  it('DELETE of an unknown mute is a 404', async () => {
    const res = await call('DELETE', '/mutes/m-0123456789ab', { env: IAM_ENV });
    expect(res).toMatchObject({ status: 404, body: { error: 'not_found' } });
  });
});

describe('GET /compliance/muted', () => {
  const row = (
    account: string,
    resource: string,
    status: string,
    rule = 's3-bucket-versioning-enabled',
  ): QueryRow => ({
    account,
    region: 'eu-west-1',
    rule_name: rule,
    base_rule_name: rule,
    resource_type: 'AWS::S3::Bucket',
    resource_id: resource,
    status,
  });

  it('lists and counts the muted pairs and gives the score with and without them', async () => {
    // Prepare: one account muted whole, one rule muted in another account; the org counts.
    await call('POST', '/mutes', { body: { ...valid, region: undefined }, env: IAM_ENV });
    await call('POST', '/mutes', {
      body: { ...valid, account: '210987654321', rule: 'iam-password-policy' },
      env: IAM_ENV,
    });
    engine.rows.compliance_score = [{ compliant: 80, non_compliant: 20, compliance_score: 80 }];
    engine.rows.current_state = [
      row('123456789012', 'a', 'NON_COMPLIANT'),
      row('123456789012', 'b', 'COMPLIANT'),
      row('210987654321', 'c', 'NON_COMPLIANT', 'iam-password-policy-conformance-pack-x1'),
      row('210987654321', 'd', 'NON_COMPLIANT'),
    ];

    // Act
    const res = await call('GET', '/compliance/muted');

    // Assess: one current_state per muted account, plus the score.
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(engine.calls.map((c) => [c.name, c.params.account ?? null]).sort()).toEqual([
      ['compliance_score', null],
      ['current_state', '123456789012'],
      ['current_state', '210987654321'],
    ]);
    // The fake answers every current_state with all rows: each pair still counts once.
    expect(res.body.muted).toEqual({
      compliant: 1,
      non_compliant: 2,
      not_applicable: 0,
      insufficient_data: 0,
    });
    expect(res.body.compliance_score).toBe(80);
    expect(res.body.compliance_score_without_muted).toBe(complianceScore(79, 18));
    expect(
      res.body.pairs.map((p: { resource_id: string; status: string }) => [p.resource_id, p.status]),
    ).toEqual([
      ['a', 'NON_COMPLIANT'],
      ['c', 'NON_COMPLIANT'],
      ['b', 'COMPLIANT'],
    ]);
    expect(res.body.pairs[1]).toMatchObject({
      base_rule_name: 'iam-password-policy',
      mute_ids: [expect.any(String)],
    });
    expect(res.body.mutes).toHaveLength(2);
  });

  it('answers 202 with a poll that shapes the same answer once the archive is done', async () => {
    // Prepare
    await call('POST', '/mutes', { body: valid, env: IAM_ENV });
    engine.rows.compliance_score = [{ compliant: 3, non_compliant: 1, compliance_score: 75 }];
    engine.rows.current_state = [row('123456789012', 'a', 'NON_COMPLIANT')];
    engine.slow = true;

    // Act
    const first = await call('GET', '/compliance/muted?account=123456789012');
    engine.release();
    const polled = await call('GET', first.body.poll);

    // Assess
    expect(first.status).toBe(202);
    expect(first.body.poll).toMatch(/^\/queries\//);
    expect(polled.status, JSON.stringify(polled.body)).toBe(200);
    expect(polled.body).toMatchObject({
      account: '123456789012',
      muted: { non_compliant: 1 },
      compliance_score: 75,
      compliance_score_without_muted: 100,
    });
  });

  it('with no mute in force, nothing is muted and both scores agree', async () => {
    engine.rows.compliance_score = [{ compliant: 3, non_compliant: 1, compliance_score: 75 }];
    const res = await call('GET', '/compliance/muted');
    expect(res.body).toMatchObject({
      mutes: [],
      muted: { non_compliant: 0 },
      compliance_score: 75,
      compliance_score_without_muted: 75,
    });
    expect(engine.calls.map((c) => c.name)).toEqual(['compliance_score']);
  });
});
