/**
 * The 202's `poll` path keeps what came before the app's routes in the URL the client called: the
 * API Gateway stage (`/v1/queries/<id>`), so `new URL(poll, apiUrl)` reaches it; locally it stays
 * `/queries/<id>`.
 */
import { describe, expect, it } from 'vitest';
import { basePathOf, runSavedQueryRoute, type SavedQueryRoute } from '../../src/api/routes/query-runner.js';
import { FakeQueryEngine } from '../helpers/fake-query-engine.js';

const ROUTE: SavedQueryRoute = {
  calls: () => ({ summary: { name: 'compliance_summary', params: {} } }),
  shape: (rows) => rows,
};

async function pollPath(basePath?: string): Promise<{ id: string; poll: string }> {
  const engine = new FakeQueryEngine();
  engine.slow = true;
  const answer = await runSavedQueryRoute(
    { engine, waitMs: 0, tokenKey: 'k', ...(basePath === undefined ? {} : { basePath }) },
    'summary',
    ROUTE,
    {},
  );
  if (answer.status !== 202) throw new Error('expected a 202');
  return { id: answer.body.query_id, poll: answer.body.poll };
}

describe('202 poll path', () => {
  it('carries the stage when the request came through API Gateway', async () => {
    const basePath = basePathOf({
      event: { path: '/compliance/summary' },
      requestContext: { path: '/v1/compliance/summary', stage: 'v1' },
    });
    const { id, poll } = await pollPath(basePath);
    expect(poll).toBe(`/v1/queries/${id}`);
    expect(new URL(poll, 'https://abc123.execute-api.eu-west-1.amazonaws.com/v1/').pathname).toBe(
      `/v1/queries/${id}`,
    );
  });

  it('stays /queries/<id> locally (no Lambda bindings)', async () => {
    const { id, poll } = await pollPath(basePathOf(undefined));
    expect(poll).toBe(`/queries/${id}`);
    expect((await pollPath()).poll).toMatch(/^\/queries\//);
  });

  it.each([
    [
      'the stage',
      { event: { path: '/queries/x' }, requestContext: { path: '/v1/queries/x', stage: 'v1' } },
      '/v1',
    ],
    [
      'a custom domain base path',
      {
        event: { path: '/compliance/summary' },
        requestContext: { path: '/monitor/compliance/summary', stage: 'v1' },
      },
      '/monitor',
    ],
    [
      'a custom domain mapped at its root',
      {
        event: { path: '/compliance/summary' },
        requestContext: { path: '/compliance/summary', stage: 'v1' },
      },
      '',
    ],
    ['only the stage known', { requestContext: { stage: 'v1' } }, '/v1'],
    ['an HTTP API default stage', { requestContext: { stage: '$default' } }, ''],
  ])('takes the base path from %s', (_name, bindings, expected) => {
    expect(basePathOf(bindings)).toBe(expected);
  });
});
