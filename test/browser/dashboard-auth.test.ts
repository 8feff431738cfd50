/**
 * The dashboard as hosted in AWS, in a real browser: the page is served from an https origin with
 * a `config.json` and the CSP CloudFront sends (src/api/csp.ts with the API and the hosted UI in
 * connect-src). The Cognito hosted UI, its token endpoint and the dashboard API are stand-ins
 * answered through playwright routing (no network); the API's answers come from the real Hono app
 * over empty stores. Checked: the authorization code grant with PKCE (S256) and state, tokens in
 * sessionStorage, the ID token on every API request, renewal and a new sign-in on 401, a forged
 * answer refused, and sign-out.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { type Browser, type BrowserContext, chromium, type Page, type Route } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DASHBOARD_SOURCE_DIR } from '../../infra/constructs/dashboard-hosting.js';
import { createApiApp } from '../../src/api/app.js';
import { contentSecurityPolicy } from '../../src/api/csp.js';
import type { MuteStore } from '../../src/ports/mutes.js';
import type { QueryEngine } from '../../src/ports/query-engine.js';
import { findChromium } from '../helpers/browser.js';

const PAGE = 'https://dashboard.test';
const API = 'https://api.test';
const AUTH = 'https://auth.test';
const CLIENT_ID = 'client-123';
const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
};

/** An unsigned JWT with the claims the page reads (the stand-in API checks it by equality). */
function jwt(claims: Record<string, unknown>): string {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'none' })}.${part(claims)}.sig`;
}

const engine: QueryEngine = {
  name: 'duckdb',
  execute: async () => ({ status: 'succeeded', queryId: 'q', rows: [] }),
  poll: async () => ({ status: 'succeeded', queryId: 'q', rows: [] }),
  close: async () => undefined,
};
const apiApp = createApiApp({
  events: { page: async () => ({ items: [], last: null }) },
  syncStatus: { latest: async () => null },
  openViolations: {
    page: async () => ({ items: [], last: null }),
    all: async () => ({ items: [], complete: true }),
  },
  // The Muted panel reads /compliance/muted: no mute in force.
  mutes: { list: async () => [] } as unknown as MuteStore,
  queryEngine: engine,
  logger: { info: () => {}, error: () => {} },
  allowedOrigins: [PAGE],
});

interface StandIns {
  identityProvider: string | null;
  authorize: URL[];
  tokenForms: URLSearchParams[];
  revoked: URLSearchParams[];
  logouts: URL[];
  apiCalls: { path: string; authorization: string | null }[];
  /** ID tokens the API accepts; any other gets 401. */
  accepted: Set<string>;
  /** Whether a token renewed with the refresh token is accepted (false: only a new sign-in helps). */
  acceptRenewed: boolean;
  issued: number;
}

let browser: Browser;
let context: BrowserContext;
/** Keeps the context alive between tests (a single-process Chromium exits with its last page). */
let keeper: Page;
let page: Page;
let idp: StandIns;
const pageErrors: string[] = [];

async function serveDashboard(route: Route): Promise<void> {
  const url = new URL(route.request().url());
  if (url.pathname === '/config.json') {
    await route.fulfill({
      contentType: 'application/json',
      body: JSON.stringify({
        apiUrl: `${API}/v1/`,
        region: 'eu-west-1',
        auth: {
          domain: AUTH,
          clientId: CLIENT_ID,
          userPoolId: 'eu-west-1_TEST',
          scopes: ['openid', 'email', 'profile'],
          identityProvider: idp.identityProvider,
        },
      }),
    });
    return;
  }
  const name = url.pathname === '/' ? 'index.html' : url.pathname.slice(1);
  const type = TYPES[extname(name)];
  if (!type || name.includes('/')) {
    await route.fulfill({ status: 403, body: 'AccessDenied' });
    return;
  }
  await route.fulfill({
    contentType: type,
    body: readFileSync(join(DASHBOARD_SOURCE_DIR, name)),
    // The response headers policy of infra/constructs/dashboard-hosting.ts.
    headers: {
      'content-security-policy': contentSecurityPolicy([API, AUTH]),
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
    },
  });
}

/** Issues a new ID token for the stand-in user and lets the API accept it. */
function tokenAnswer(grant: string | null): Record<string, unknown> {
  idp.issued += 1;
  const idToken = jwt({
    email: 'analyst@example.com',
    exp: Math.floor(Date.now() / 1000) + 3600,
    n: idp.issued,
  });
  const signIn = grant === 'authorization_code';
  if (signIn || idp.acceptRenewed) idp.accepted.add(idToken);
  return {
    id_token: idToken,
    access_token: `access-${idp.issued}`,
    // The refresh answer carries no new refresh token, as Cognito's.
    ...(signIn ? { refresh_token: 'refresh-1' } : {}),
    expires_in: 3600,
    token_type: 'Bearer',
  };
}

/** The hosted UI sending the browser on (Chromium does not follow a routed 302 of a navigation). */
function redirect(location: string) {
  const attribute = location.replaceAll('&', '&amp;').replaceAll('"', '&quot;');
  return { contentType: 'text/html', body: `<meta http-equiv="refresh" content="0;url=${attribute}">` };
}

async function serveHostedUi(route: Route): Promise<void> {
  const request = route.request();
  const url = new URL(request.url());
  const cors = { 'access-control-allow-origin': PAGE };
  if (url.pathname === '/oauth2/authorize') {
    idp.authorize.push(url);
    // The user signs in; the hosted UI sends the browser back with a code and the same state.
    const back = new URLSearchParams({
      code: `code-${idp.authorize.length}`,
      state: url.searchParams.get('state') ?? '',
    });
    await route.fulfill(redirect(`${PAGE}/?${back}`));
  } else if (url.pathname === '/oauth2/token' && request.method() === 'POST') {
    const form = new URLSearchParams(request.postData() ?? '');
    idp.tokenForms.push(form);
    await route.fulfill({
      contentType: 'application/json',
      headers: cors,
      body: JSON.stringify(tokenAnswer(form.get('grant_type'))),
    });
  } else if (url.pathname === '/oauth2/revoke') {
    idp.revoked.push(new URLSearchParams(request.postData() ?? ''));
    await route.fulfill({ status: 200, headers: cors, body: '' });
  } else if (url.pathname === '/logout') {
    idp.logouts.push(url);
    await route.fulfill(redirect(url.searchParams.get('logout_uri') ?? PAGE));
  } else {
    await route.fulfill({ status: 404, body: 'not found' });
  }
}

async function serveApi(route: Route): Promise<void> {
  const request = route.request();
  const url = new URL(request.url());
  if (request.method() === 'OPTIONS') {
    // The preflight, as the dashboard API's mock integration answers it.
    await route.fulfill({
      status: 204,
      headers: {
        'access-control-allow-origin': PAGE,
        'access-control-allow-methods': 'GET,OPTIONS',
        'access-control-allow-headers': 'Authorization,Accept,Content-Type',
        vary: 'Origin',
      },
    });
    return;
  }
  const authorization = (await request.allHeaders()).authorization ?? null;
  idp.apiCalls.push({ path: url.pathname, authorization });
  if (!authorization || !idp.accepted.has(authorization)) {
    // API Gateway's own 401 (the Cognito authorizer), with the CORS header of its gateway responses.
    await route.fulfill({
      status: 401,
      contentType: 'application/json',
      headers: { 'access-control-allow-origin': PAGE, vary: 'Origin' },
      body: JSON.stringify({ message: 'Unauthorized' }),
    });
    return;
  }
  // The stage prefix is API Gateway's; the function sees the path without it.
  const forwarded = new Request(`${API}${url.pathname.replace(/^\/v1/, '')}${url.search}`, {
    headers: { origin: PAGE, accept: 'application/json' },
  });
  const response = await apiApp.fetch(forwarded);
  const headers: Record<string, string> = {};
  response.headers.forEach((value, name) => {
    headers[name] = value;
  });
  await route.fulfill({
    status: response.status,
    headers,
    body: Buffer.from(await response.arrayBuffer()),
  });
}

async function loaded(p: Page = page): Promise<string> {
  await p.waitForFunction(() => document.body.dataset.loaded !== undefined, undefined, { timeout: 30_000 });
  return p.evaluate(() => document.body.dataset.loaded ?? '');
}

beforeAll(async () => {
  const found = await findChromium();
  browser = await chromium.launch({
    executablePath: found.executablePath,
    headless: true,
    args: [...found.args, '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
  context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  keeper = await context.newPage();
  await context.route(`${PAGE}/**`, serveDashboard);
  await context.route(`${AUTH}/**`, serveHostedUi);
  await context.route(`${API}/**`, serveApi);
  // Anything else would be a request the page must not make.
  await context.route(
    (url) => ![PAGE, AUTH, API].includes(url.origin) && url.protocol !== 'about:',
    (route) => {
      pageErrors.push(`unexpected request ${route.request().url()}`);
      return route.abort();
    },
  );
}, 120_000);

afterAll(async () => {
  await keeper?.close();
  await context?.close();
  await browser?.close();
});

beforeEach(async () => {
  idp = {
    identityProvider: null,
    authorize: [],
    tokenForms: [],
    revoked: [],
    logouts: [],
    apiCalls: [],
    accepted: new Set(),
    acceptRenewed: true,
    issued: 0,
  };
  pageErrors.length = 0;
  // A new tab: its own sessionStorage, so no test sees another's tokens.
  page = await context.newPage();
  page.on('pageerror', (err) => pageErrors.push(err.message));
  page.on('console', (msg) => {
    if (msg.type() === 'error' && !/status of 401/.test(msg.text())) pageErrors.push(msg.text());
  });
});

afterEach(async () => {
  for (const p of context.pages()) if (p !== keeper) await p.close();
});

describe('dashboard hosted in AWS (config.json present)', () => {
  it('signs in with the code grant and PKCE, then calls the API with the ID token', async () => {
    // Act
    await page.goto(`${PAGE}/#days=90`);
    const state = await loaded();

    // Assess: the authorize request.
    expect(idp.authorize).toHaveLength(1);
    const authorize = idp.authorize[0]!.searchParams;
    expect(Object.fromEntries(authorize)).toMatchObject({
      response_type: 'code',
      client_id: CLIENT_ID,
      redirect_uri: `${PAGE}/`,
      scope: 'openid email profile',
      code_challenge_method: 'S256',
    });
    expect(authorize.get('state')).toMatch(/^[A-Za-z0-9_-]{43,}$/);
    expect(authorize.has('identity_provider')).toBe(false);

    // The code exchange, with the verifier whose SHA-256 is the challenge.
    expect(idp.tokenForms).toHaveLength(1);
    const form = idp.tokenForms[0]!;
    expect(Object.fromEntries(form)).toMatchObject({
      grant_type: 'authorization_code',
      code: 'code-1',
      client_id: CLIENT_ID,
      redirect_uri: `${PAGE}/`,
    });
    const verifier = form.get('code_verifier') ?? '';
    expect(verifier).toMatch(/^[A-Za-z0-9_-]{43,128}$/);
    expect(createHash('sha256').update(verifier).digest('base64url')).toBe(authorize.get('code_challenge'));

    // Every API request went to apiUrl with the ID token, and the figures loaded.
    expect(state).not.toMatch(/^error/);
    const [idToken] = [...idp.accepted];
    expect(idp.apiCalls.length).toBeGreaterThanOrEqual(5);
    for (const call of idp.apiCalls) {
      expect(call.path).toMatch(/^\/v1\//);
      expect(call.authorization).toBe(idToken);
    }
    expect(idp.apiCalls.map((c) => c.path)).toEqual(
      expect.arrayContaining(['/v1/compliance/summary', '/v1/coverage']),
    );

    // The code and state left the address bar; the filters came back; tokens are in this tab only.
    expect(page.url()).toBe(`${PAGE}/#days=90`);
    const stored = await page.evaluate(() => ({
      session: sessionStorage.getItem('config-monitor.tokens'),
      local: localStorage.length,
      cookies: document.cookie,
    }));
    expect(JSON.parse(stored.session ?? '{}')).toMatchObject({ idToken, refreshToken: 'refresh-1' });
    expect(stored.local).toBe(0);
    expect(stored.cookies).toBe('');

    // The header names the user and links to the hosted UI's logout.
    await expect
      .poll(() => page.locator('#session').textContent())
      .toContain('Signed in as analyst@example.com');
    const logout = new URL((await page.getByTestId('sign-out').getAttribute('href')) ?? '');
    expect(`${logout.origin}${logout.pathname}`).toBe(`${AUTH}/logout`);
    expect(Object.fromEntries(logout.searchParams)).toEqual({ client_id: CLIENT_ID, logout_uri: `${PAGE}/` });
    expect(pageErrors).toEqual([]);
  });

  it('asks the federated identity provider at once, unless the page is opened with #signin=cognito', async () => {
    idp.identityProvider = 'Corp';
    await page.goto(`${PAGE}/`);
    await loaded();
    expect(idp.authorize[0]?.searchParams.get('identity_provider')).toBe('Corp');

    // A new tab (its own sessionStorage) of an administrator of the pool itself.
    const second = await context.newPage();
    await second.goto(`${PAGE}/#signin=cognito`);
    await loaded(second);
    expect(idp.authorize).toHaveLength(2);
    expect(idp.authorize[1]?.searchParams.has('identity_provider')).toBe(false);
    expect(second.url()).toBe(`${PAGE}/#signin=cognito`);
  });

  it('refuses an answer whose state this tab did not send, without exchanging the code', async () => {
    // Act: a crafted link carrying someone else's code.
    await page.goto(`${PAGE}/?code=stolen&state=forged`);
    const state = await loaded();

    // Assess
    expect(state).toBe('error-auth');
    expect(idp.tokenForms).toEqual([]);
    expect(await page.locator('#notice').textContent()).toMatch(/state mismatch.*Sign in again/);
    expect(page.url()).toBe(`${PAGE}/`);
    expect(idp.apiCalls).toEqual([]);
  });

  it('renews the token on 401 and, when the API still refuses, signs in again', async () => {
    // Prepare: a signed-in tab whose sign-in is older than a minute.
    await page.goto(`${PAGE}/`);
    await loaded();
    await page.evaluate(() => {
      const tokens = JSON.parse(sessionStorage.getItem('config-monitor.tokens') ?? '{}');
      sessionStorage.setItem(
        'config-monitor.tokens',
        JSON.stringify({ ...tokens, signedInAt: Date.now() - 600_000 }),
      );
    });
    // The API stops accepting every token issued so far, and a renewed one, until a new sign-in.
    idp.accepted.clear();
    idp.acceptRenewed = false;
    const authorizeBefore = idp.authorize.length;
    const renewal = idp.tokenForms.length;

    // Act
    await page.reload();
    await page.waitForFunction(() => document.body.dataset.loaded !== undefined, undefined, {
      timeout: 30_000,
    });
    await expect.poll(() => idp.authorize.length, { timeout: 30_000 }).toBe(authorizeBefore + 1);
    await loaded();

    // Assess: one refresh_token grant, then a new interactive sign-in, then the figures.
    const grants = idp.tokenForms.slice(renewal).map((f) => f.get('grant_type'));
    expect(grants).toEqual(['refresh_token', 'authorization_code']);
    expect(idp.tokenForms[renewal]?.get('refresh_token')).toBe('refresh-1');
    expect(await page.evaluate(() => document.body.dataset.loaded ?? '')).not.toMatch(/^error/);
  });

  it('does not loop through the hosted UI when the API refuses a fresh sign-in', async () => {
    // Prepare: an API that accepts no token at all (a wrong user pool on the authorizer).
    idp.acceptRenewed = false;
    const reject = (route: Route) => {
      idp.accepted.clear();
      return route.fallback();
    };
    await context.route(`${API}/**`, reject);

    // Act
    await page.goto(`${PAGE}/`);
    await expect
      .poll(() => page.locator('#notice').textContent(), { timeout: 30_000 })
      .toMatch(/refused a fresh sign-in/);
    await context.unroute(`${API}/**`, reject);

    // Assess: one sign-in, one renewal, no second trip to the hosted UI.
    expect(idp.authorize).toHaveLength(1);
    expect(idp.tokenForms.map((f) => f.get('grant_type'))).toEqual(['authorization_code', 'refresh_token']);
  });

  it('signs out: forgets the tokens, revokes the refresh token and goes through the hosted UI logout', async () => {
    await page.goto(`${PAGE}/`);
    await loaded();
    const authorizeBefore = idp.authorize.length;

    // Act
    await page.getByTestId('sign-out').click();
    await expect.poll(() => idp.logouts.length, { timeout: 30_000 }).toBe(1);

    // Assess
    expect(Object.fromEntries(idp.logouts[0]!.searchParams)).toEqual({
      client_id: CLIENT_ID,
      logout_uri: `${PAGE}/`,
    });
    await expect.poll(() => idp.revoked.length).toBe(1);
    expect(Object.fromEntries(idp.revoked[0]!)).toEqual({ token: 'refresh-1', client_id: CLIENT_ID });
    // Back on the page without tokens: it asks the hosted UI for a new sign-in.
    await expect.poll(() => idp.authorize.length, { timeout: 30_000 }).toBe(authorizeBefore + 1);
    await expect.poll(() => idp.tokenForms.length, { timeout: 30_000 }).toBe(2);
    await page.waitForURL(`${PAGE}/`);
    expect(await loaded()).not.toMatch(/^error/);
  });
});
