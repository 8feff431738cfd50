/**
 * The local server of `config-monitor up`: the same API app over HTTP on 127.0.0.1, the dashboard's
 * static files with a strict CSP, and no answer to a foreign Host (DNS rebinding).
 */
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalServer, startLocalServer } from '../../pipeline/server/local-server.js';
import { createApiApp } from '../../src/api/app.js';
import { FakeQueryEngine } from '../helpers/fake-query-engine.js';

let server: LocalServer;

function get(
  path: string,
  host?: string,
): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port: server.port, path, headers: host ? { host } : {} },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk) => {
          body += chunk;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

beforeAll(async () => {
  const engine = new FakeQueryEngine();
  engine.rows = {
    compliance_score: [
      { compliant: 3, non_compliant: 1, not_applicable: 0, insufficient_data: 0, compliance_score: 75 },
    ],
  };
  const app = createApiApp({
    events: { page: async () => ({ items: [], last: null }) },
    syncStatus: { latest: async () => null },
    queryEngine: engine,
    logger: { info: () => {}, error: () => {} },
  });
  server = await startLocalServer({ app, port: 0 });
});

afterAll(async () => {
  await server?.close();
});

describe('local server', () => {
  it('listens on 127.0.0.1 only', () => {
    expect(server.url).toBe(`http://127.0.0.1:${server.port}`);
  });

  it('serves the dashboard page with a CSP that allows only this origin', async () => {
    // Act
    const page = await get('/');
    // Assess
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.headers['content-security-policy']).toContain("default-src 'self'");
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    expect(page.body).toContain('<script type="module" src="/app.js"></script>');
  });

  it.each([
    ['/app.js', 'text/javascript; charset=utf-8'],
    ['/styles.css', 'text/css; charset=utf-8'],
  ])('serves %s as %s', async (path, type) => {
    const res = await get(path);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe(type);
  });

  it('references no asset outside this server (works offline)', async () => {
    const page = await get('/');
    const script = await get('/app.js');
    const css = await get('/styles.css');
    for (const text of [page.body, script.body, css.body]) {
      expect(text).not.toMatch(/(src|href)=["']https?:|@import|url\(\s*["']?https?:|fetch\(\s*["']https?:/);
    }
  });

  it('serves the API routes of the shared app', async () => {
    const res = await get('/compliance/summary?account=123456789012');
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toMatchObject({ compliance_score: 75 });
    const bad = await get('/compliance/summary?account=1234');
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.body)).toMatchObject({ parameter: 'account' });
  });

  it.each(['evil.example', `evil.example:${0}`, '127.0.0.1.nip.io'])('refuses Host %s', async (host) => {
    const res = await get('/healthz', host);
    expect(res.status).toBe(403);
  });

  it('accepts localhost as a Host', async () => {
    const res = await get('/healthz', `localhost:${server.port}`);
    expect(res.status).toBe(200);
  });

  it('does not serve files outside the dashboard', async () => {
    const res = await get('/../package.json');
    expect(res.status).toBe(404);
    const traversal = await get('/%2e%2e/package.json');
    expect(traversal.status).toBe(404);
  });
});
