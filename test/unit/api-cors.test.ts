/**
 * CORS of the API for the hosted dashboard (src/api/cors.ts): the page's origins get
 * `Access-Control-Allow-Origin`, every other origin gets none, and without configured origins (the
 * local server) the app sends no CORS header at all. No network: the app is called in memory.
 */
import { describe, expect, it } from 'vitest';
import { createApiApp } from '../../src/api/app.js';
import { DASHBOARD_ORIGINS_ENV, isOrigin } from '../../src/api/cors.js';
import { loadApiConfig } from '../../src/handlers/api.config.js';
import type { QueryEngine } from '../../src/ports/query-engine.js';

const PAGE = 'https://d111111abcdef8.cloudfront.net';
const CUSTOM = 'https://monitor.example.com';

const unused = () => {
  throw new Error('not called by these tests');
};
const engine: QueryEngine = { name: 'duckdb', execute: unused, poll: unused, close: async () => undefined };

function app(allowedOrigins?: readonly string[]) {
  return createApiApp({
    events: { page: unused },
    syncStatus: { latest: unused },
    queryEngine: engine,
    logger: { info: () => undefined, error: () => undefined },
    ...(allowedOrigins ? { allowedOrigins } : {}),
  });
}

function get(path: string, headers: Record<string, string> = {}) {
  return new Request(`https://api.example.com${path}`, { headers });
}

describe('API CORS for the hosted dashboard', () => {
  const withOrigins = app([CUSTOM, PAGE]);

  it.each([PAGE, CUSTOM])(
    'answers the allowed origin %s with its own origin and Vary: Origin',
    async (origin) => {
      // Act
      const response = await withOrigins.fetch(get('/healthz', { Origin: origin }));

      // Assess
      expect(response.status).toBe(200);
      expect(response.headers.get('access-control-allow-origin')).toBe(origin);
      expect(response.headers.get('vary')).toMatch(/\bOrigin\b/);
      expect(response.headers.get('access-control-allow-credentials')).toBeNull();
    },
  );

  it('lets the page read the Link header of a CSV page and the request id', async () => {
    const response = await withOrigins.fetch(get('/healthz', { Origin: PAGE }));
    expect(response.headers.get('access-control-expose-headers')).toBe('Link,x-request-id');
  });

  it.each([
    ['another site', 'https://evil.example.com'],
    ['the page over http', 'http://d111111abcdef8.cloudfront.net'],
    ['a subdomain of the page', 'https://x.monitor.example.com'],
    ['the page with a trailing slash', `${PAGE}/`],
    ['null (a sandboxed frame or file:)', 'null'],
  ])('sends no Access-Control-Allow-Origin to %s', async (_name, origin) => {
    const response = await withOrigins.fetch(get('/healthz', { Origin: origin }));

    expect(response.status).toBe(200);
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
    // Still Vary: Origin, so a shared cache never hands one origin's answer to another.
    expect(response.headers.get('vary')).toMatch(/\bOrigin\b/);
  });

  it('sends none to a request without Origin (tools, same-origin GETs)', async () => {
    const response = await withOrigins.fetch(get('/healthz'));

    expect(response.headers.get('access-control-allow-origin')).toBeNull();
  });

  it.each([
    ['an unknown route (404)', '/nowhere', 404],
    ['an invalid parameter (400)', '/healthz?x=1', 400],
  ])('keeps the header on error answers: %s', async (_name, path, status) => {
    const response = await withOrigins.fetch(get(path, { Origin: PAGE }));

    expect(response.status).toBe(status);
    expect(response.headers.get('access-control-allow-origin')).toBe(PAGE);
    expect(await response.json()).toMatchObject({ request_id: expect.any(String) });
  });

  it('answers a preflight of an allowed origin with the methods and headers the page uses', async () => {
    const response = await withOrigins.fetch(
      new Request(`https://api.example.com/events`, {
        method: 'OPTIONS',
        headers: {
          Origin: PAGE,
          'Access-Control-Request-Method': 'GET',
          'Access-Control-Request-Headers': 'authorization',
        },
      }),
    );

    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBe(PAGE);
    expect(response.headers.get('access-control-allow-methods')).toBe('GET,OPTIONS');
    expect(response.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('authorization');
  });

  it('sends no CORS header at all without configured origins (the local server: one origin)', async () => {
    const response = await app().fetch(get('/healthz', { Origin: PAGE }));

    expect(response.headers.get('access-control-allow-origin')).toBeNull();
    expect(response.headers.get('vary')).toBeNull();
  });
});

describe(`${DASHBOARD_ORIGINS_ENV} in the API configuration`, () => {
  const base = { EVENTS_TABLE_NAME: 't', STATE_TABLE_NAME: 's', ATHENA_WORKGROUP: 'w', ATHENA_DATABASE: 'd' };

  it('is empty when not set', () => {
    expect(loadApiConfig(base).dashboardAllowedOrigins).toEqual([]);
  });

  it('reads comma-separated origins', () => {
    const config = loadApiConfig({ ...base, [DASHBOARD_ORIGINS_ENV]: `${CUSTOM}, ${PAGE}` });

    expect(config.dashboardAllowedOrigins).toEqual([CUSTOM, PAGE]);
  });

  it.each(['https://monitor.example.com/', 'monitor.example.com', 'https://a.example.com/path', `${PAGE},`])(
    'fails the cold start on %s, naming the variable',
    (value) => {
      expect(() => loadApiConfig({ ...base, [DASHBOARD_ORIGINS_ENV]: value })).toThrow(
        new RegExp(`environment variable ${DASHBOARD_ORIGINS_ENV} is .*expected comma-separated origins`),
      );
    },
  );

  it.each([
    [PAGE, true],
    ['http://127.0.0.1:8787', true],
    [`${PAGE}/`, false],
    ['ftp://example.com', false],
    ['null', false],
  ])('isOrigin(%s) is %s', (value, expected) => {
    expect(isOrigin(value)).toBe(expected);
  });
});
