/**
 * The dashboard in a real browser (Debian's Chromium through playwright-core) against a running
 * local stack: the embedded stack ingests a small generated organization, the local server serves
 * the API app and the page; the figures on the page must equal the API's, every request must stay
 * on the local server, and a screenshot goes to test-output/dashboard.png.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedStack } from '../../pipeline/embedded/stack.js';
import { generateOrganization, organizationProfile } from '../../pipeline/generate/organization.js';
import { type LocalServer, startLocalServer } from '../../pipeline/server/local-server.js';
import { EventQueryRepository } from '../../src/adapters/dynamodb/event-query.repository.js';
import { createApiApp } from '../../src/api/app.js';

const SCREENSHOT = new URL('../../test-output/dashboard.png', import.meta.url).pathname;
const DAY_MS = 86_400_000;
const yesterday = new Date(Date.now() - DAY_MS).toISOString().slice(0, 10);
const ORG = { accounts: 5, regions: 2, days: 40, end: yesterday, seed: 11, storm: 40 };

let dataDir: string;
let userDataDir: string;
let stack: Awaited<ReturnType<typeof startEmbeddedStack>>;
let server: LocalServer;
let context: BrowserContext;
let page: Page;
const offsite: string[] = [];
const pageErrors: string[] = [];

async function api(path: string, params: Record<string, string> = {}): Promise<any> {
  const query = new URLSearchParams(params);
  const res = await fetch(`${server.url}${path}${query.size > 0 ? `?${query}` : ''}`);
  expect(res.status).toBe(200);
  return res.json();
}

/** The range the page asks for: `days` whole UTC days up to and including today. */
function rangeOf(days: number): { start_date: string; end_date: string } {
  const end = Math.floor(Date.now() / DAY_MS) * DAY_MS + DAY_MS;
  return { start_date: new Date(end - days * DAY_MS).toISOString(), end_date: new Date(end).toISOString() };
}

const formatScore = (score: number | null) => (score === null ? '—' : `${score.toFixed(2)}%`);
const formatInt = (n: number) => n.toLocaleString('en-US');

async function loaded(p: Page, previous = ''): Promise<void> {
  await p.waitForFunction(
    (prev) => {
      const state = document.body.dataset.loaded;
      return state !== undefined && state !== prev;
    },
    previous,
    { timeout: 30_000 },
  );
  const state = await p.evaluate(() => document.body.dataset.loaded ?? '');
  expect(state, (await p.locator('#notice').textContent()) ?? '').not.toMatch(/^error/);
}

beforeAll(async () => {
  // Prepare: a stack on a temp data dir with a small organization (storm included).
  dataDir = mkdtempSync(join(tmpdir(), 'dashboard-test-'));
  stack = await startEmbeddedStack({
    dataDir,
    slackWebhookUrl: null,
    messageLog: () => {},
    ignoreRunning: true,
  });
  await stack.ingest([...generateOrganization(ORG)].map((value) => ({ value })));
  const app = createApiApp({
    events: new EventQueryRepository(stack.doc, stack.tables.events),
    queryEngine: await stack.queryEngine(),
    logger: { info: () => {}, error: (m, e) => console.error(m, e) },
  });
  server = await startLocalServer({ app, port: 0 });

  userDataDir = mkdtempSync(join(tmpdir(), 'chromium-profile-'));
  context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
      '--disable-sync',
    ],
    viewport: { width: 1440, height: 900 },
    deviceScaleFactor: 1,
  });
  page = context.pages()[0] ?? (await context.newPage());
  page.on('request', (request) => {
    if (!request.url().startsWith(server.url) && !request.url().startsWith('data:'))
      offsite.push(request.url());
  });
  page.on('pageerror', (err) => pageErrors.push(err.message));
  page.on('console', (msg) => {
    if (msg.type() === 'error') pageErrors.push(msg.text());
  });
}, 240_000);

afterAll(async () => {
  await context?.close();
  await server?.close();
  await stack?.close();
  for (const dir of [dataDir, userDataDir]) if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('dashboard', () => {
  it('shows the API figures for the organization, offline, and saves a screenshot', async () => {
    // Act
    const started = performance.now();
    await page.goto(`${server.url}/#days=30`);
    await loaded(page);
    const loadMs = performance.now() - started;
    mkdirSync(new URL('.', `file://${SCREENSHOT}`).pathname, { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });

    // Assess: the same requests the page made, straight from the API.
    const range = rangeOf(30);
    const [summary, trends, remediation] = await Promise.all([
      api('/compliance/summary', range),
      api('/compliance/trends', range),
      api('/compliance/remediation', range),
    ]);
    const text = (id: string) => page.getByTestId(id).textContent();

    expect(await text('org-score')).toBe(formatScore(summary.compliance_score));
    expect(await text('total-events')).toBe(formatInt(summary.total_events));
    const organizationLast = trends.organization.at(-1);
    expect(await text('open-violations')).toBe(formatInt(organizationLast.non_compliant));
    expect(await text('remediated')).toBe(
      formatInt(remediation.items.reduce((sum: number, item: any) => sum + item.remediated, 0)),
    );

    // Score per account: one row per account, the last trend point of each.
    const profile = organizationProfile(ORG);
    const rows = page.getByTestId('accounts').locator('tbody tr');
    expect(await rows.count()).toBe(profile.accounts.length);
    for (const account of trends.accounts) {
      const row = page.locator(`[data-testid="accounts"] tr[data-account="${account.account}"]`);
      const last = account.points.at(-1);
      expect(await row.locator('[data-field="score"]').textContent()).toBe(
        formatScore(last.compliance_score),
      );
      expect(await row.locator('[data-field="open"]').textContent()).toBe(formatInt(last.non_compliant));
    }

    // Top rules: open violations at the end of the range summed by base rule name.
    const open = new Map<string, number>();
    for (const item of remediation.items) {
      open.set(item.base_rule_name, (open.get(item.base_rule_name) ?? 0) + item.open_violations);
    }
    const expectedRules = [...open.entries()]
      .filter(([, n]) => n > 0)
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
      .slice(0, 8);
    const shownRules = await page
      .getByTestId('top-rules')
      .locator('tbody tr')
      .evaluateAll((trs) =>
        trs.map((tr) => [tr.getAttribute('data-rule'), tr.querySelector('[data-field="open"]')?.textContent]),
      );
    expect(shownRules).toEqual(expectedRules.map(([name, n]) => [name, formatInt(n)]));

    // Latest violations: real events from /events that entered NON_COMPLIANT.
    const latestIds = await page
      .getByTestId('latest-violations')
      .locator('tbody tr')
      .evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-event')));
    expect(latestIds.length).toBeGreaterThan(0);
    const events = await api('/events', { ...range, limit: '500' });
    const violations = events.items.filter(
      (e: any) =>
        e.detail.kind === 'compliance-change' &&
        e.detail.newStatus === 'NON_COMPLIANT' &&
        e.detail.oldStatus !== 'NON_COMPLIANT',
    );
    expect(latestIds).toEqual(violations.slice(0, latestIds.length).map((e: any) => e.id));

    // The trend chart is drawn.
    expect(await page.getByTestId('trend-chart').locator('svg path').count()).toBeGreaterThan(1);

    expect(offsite).toEqual([]);
    expect(pageErrors).toEqual([]);
    console.info(`dashboard loaded in ${Math.round(loadMs)} ms`);
  });

  it('filters by account and shows that account’s figures', async () => {
    // Prepare
    const profile = organizationProfile(ORG);
    const account = profile.accounts[2] as string;
    const before = await page.evaluate(() => document.body.dataset.loaded ?? '');
    // Act
    await page.locator('#f-account').selectOption(account);
    await loaded(page, before);
    // Assess
    const range = rangeOf(30);
    const summary = await api('/compliance/summary', { account, ...range });
    expect(await page.getByTestId('org-score').textContent()).toBe(formatScore(summary.compliance_score));
    expect(await page.getByTestId('total-events').textContent()).toBe(formatInt(summary.total_events));
    expect(page.url()).toContain(`account=${account}`);
    expect(await page.getByTestId('accounts').locator('tbody tr.selected').getAttribute('data-account')).toBe(
      account,
    );
    expect(offsite).toEqual([]);
    expect(pageErrors).toEqual([]);
  });
});
