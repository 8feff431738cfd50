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
import { OpenViolationRepository } from '../../src/adapters/dynamodb/open-violation.repository.js';
import { SyncStatusRepository } from '../../src/adapters/dynamodb/sync-status.repository.js';
import { createApiApp } from '../../src/api/app.js';
import { findChromium } from '../helpers/browser.js';
import { syncStatus, unhealthySource } from '../helpers/sync-status.js';

const SCREENSHOT = new URL('../../test-output/dashboard.png', import.meta.url).pathname;
const DAY_MS = 86_400_000;
const yesterday = new Date(Date.now() - DAY_MS).toISOString().slice(0, 10);
const ORG = { accounts: 5, regions: 2, days: 40, end: yesterday, seed: 11, storm: 40 };

let dataDir: string;
let userDataDir: string;
let stack: Awaited<ReturnType<typeof startEmbeddedStack>>;
let syncStatuses: SyncStatusRepository;
let server: LocalServer;
let context: BrowserContext;
let page: Page;
const offsite: string[] = [];
const pageErrors: string[] = [];
/** Answers to the page's `./config.json` probe (auth.js): the local server has none, so 404. */
const configProbes: number[] = [];

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

/** A fresh load of the page (a `goto` to the same URL would only change the hash). */
async function open(p: Page): Promise<void> {
  await p.goto('about:blank');
  await p.goto(`${server.url}/#days=30`);
}

/** Waits for the coverage panel's own load (it is independent of the figures). */
async function coverageLoaded(p: Page): Promise<void> {
  await p.waitForFunction(() => document.body.dataset.coverage !== undefined, undefined, { timeout: 30_000 });
  expect(await p.evaluate(() => document.body.dataset.coverage)).toBe('loaded');
}

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
  syncStatuses = new SyncStatusRepository(stack.doc, stack.tables.events);
  const app = createApiApp({
    events: new EventQueryRepository(stack.doc, stack.tables.events),
    syncStatus: syncStatuses,
    openViolations: new OpenViolationRepository(stack.doc, stack.tables.state),
    queryEngine: await stack.queryEngine(),
    logger: { info: () => {}, error: (m, e) => console.error(m, e) },
  });
  server = await startLocalServer({ app, port: 0 });

  userDataDir = mkdtempSync(join(tmpdir(), 'chromium-profile-'));
  const browser = await findChromium();
  console.info(`dashboard browser test: Chromium from ${browser.source} (${browser.executablePath})`);
  context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: browser.executablePath,
    headless: true,
    args: [
      ...browser.args,
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
  page.on('response', (response) => {
    if (response.url() === `${server.url}/config.json`) configProbes.push(response.status());
  });
  page.on('pageerror', (err) => pageErrors.push(err.message));
  page.on('console', (msg) => {
    // Chromium logs the probe's 404, which is how the page knows it is not hosted in AWS: no
    // sign-in, the same-origin API. Any other failed resource is an error.
    if (msg.type() === 'error' && msg.location().url !== `${server.url}/config.json`)
      pageErrors.push(msg.text());
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
    await page.goto(`${server.url}/#days=30`);
    await loaded(page);
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

    // Without config.json the page signs no one in and calls its own origin's API.
    expect(configProbes.length).toBeGreaterThan(0);
    expect(new Set(configProbes)).toEqual(new Set([404]));
    expect(await page.getByTestId('sign-out').count()).toBe(0);
    expect(offsite).toEqual([]);
    expect(pageErrors).toEqual([]);
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

  it('shows the empty coverage state before any sync', async () => {
    // Act
    await open(page);
    await coverageLoaded(page);
    // Assess
    const panel = page.getByTestId('coverage');
    expect((await panel.locator('[data-field="no-sync"]').textContent())?.replace(/\s+/g, ' ').trim()).toBe(
      'No sync yet: run config-monitor sync --aggregator NAME to read the organization’s current compliance.',
    );
    expect(await panel.locator('code').textContent()).toBe('config-monitor sync --aggregator NAME');
    expect(pageErrors).toEqual([]);
  });

  it('shows the last sync’s coverage, with untrusted text as text', async () => {
    // Prepare: a sync an hour ago; one source's error is hostile markup (it comes from another account).
    const hostile = '<img src=x onerror="window.__xss=1"><b>bold</b> & <script>window.__xss=2</script>';
    const syncTime = new Date(Date.now() - 3_600_000).toISOString();
    const status = syncStatus({
      syncTime,
      coverage: {
        unhealthySources: [
          unhealthySource({ error: hostile }),
          unhealthySource({
            account: '222222222222',
            region: 'us-east-1',
            status: 'OUTDATED',
            lastUpdateTime: new Date(Date.now() - 9 * DAY_MS).toISOString(),
            error: null,
          }),
        ],
        withoutRules: ['333333333333/us-east-1', '333333333333/eu-west-1', '444444444444/us-east-1'],
      },
    });
    await syncStatuses.save(status);
    // Act
    await open(page);
    await coverageLoaded(page);
    await page.getByTestId('coverage').screenshot({ path: SCREENSHOT.replace(/\.png$/, '-coverage.png') });
    // Assess: the same figures and sentences as the API.
    const coverage = await api('/coverage');
    const panel = page.getByTestId('coverage');
    const field = (name: string) => panel.locator(`[data-field="${name}"]`).first().textContent();
    expect(await field('last-sync')).toContain('60 min ago');
    expect(await panel.locator('[data-field="last-sync"] time').getAttribute('datetime')).toBe(syncTime);
    expect(await field('last-sync-absolute')).toMatch(/^\d{1,2} [A-Z][a-z]{2} \d{4}, \d{2}:\d{2} UTC$/);
    expect(await field('sources')).toBe('10 ok · 2 failed or outdated');
    expect(await panel.locator('[data-field="summary"] li').allTextContents()).toEqual(coverage.summary);
    expect(coverage.summary).toEqual([
      '2 aggregator sources failed or are outdated',
      '2 accounts in 2 regions report no rules',
    ]);
    const sources = panel.locator('[data-field="unhealthy-sources"] li');
    expect(
      await sources.evaluateAll((lis) =>
        lis.map((li) => [
          li.querySelector('[data-field="account"]')?.textContent,
          li.querySelector('[data-field="region"]')?.textContent,
          li.querySelector('[data-field="status"]')?.textContent,
          li.querySelector('[data-field="error"]')?.textContent ?? null,
        ]),
      ),
    ).toEqual([
      ['111111111111', 'eu-west-1', 'failed', hostile],
      ['222222222222', 'us-east-1', 'outdated', null],
    ]);
    expect(
      await panel
        .locator('[data-field="without-rules"] li')
        .evaluateAll((lis) =>
          lis.map((li) => [
            li.querySelector('[data-field="account"]')?.textContent,
            li.querySelector('[data-field="regions"]')?.textContent,
          ]),
        ),
    ).toEqual([
      ['333333333333', 'eu-west-1, us-east-1'],
      ['444444444444', 'us-east-1'],
    ]);
    // The hostile error stayed text: no element was made from it and nothing ran.
    expect(await panel.locator('img, b, script').count()).toBe(0);
    expect(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss)).toBeUndefined();
    expect(offsite).toEqual([]);
    expect(pageErrors).toEqual([]);
  });

  it('fits a 390 px wide screen without horizontal scrolling', async () => {
    // Prepare: a long unbroken error, as AWS Config messages with ARNs can be.
    await syncStatuses.save(
      syncStatus({
        syncTime: new Date(Date.now() - 60_000).toISOString(),
        sources: { ok: 11, failed: 1 },
        coverage: {
          unhealthySources: [
            unhealthySource({ error: `AccessDenied:${'arn:aws:iam::111111111111:role/x'.repeat(8)}` }),
          ],
          withoutRules: ['333333333333/ap-southeast-2'],
        },
      }),
    );
    await page.setViewportSize({ width: 390, height: 844 });
    try {
      // Act
      await open(page);
      await loaded(page);
      await coverageLoaded(page);
      await page
        .getByTestId('coverage')
        .screenshot({ path: SCREENSHOT.replace(/\.png$/, '-coverage-390.png') });
      // Assess
      const widths = await page.evaluate(() => {
        const panel = document.querySelector('[data-testid="coverage"]') as HTMLElement;
        return {
          page: document.documentElement.scrollWidth,
          viewport: document.documentElement.clientWidth,
          panel: panel.scrollWidth,
          panelBox: panel.clientWidth,
        };
      });
      expect(widths.panel).toBeLessThanOrEqual(widths.panelBox);
      expect(widths.page).toBeLessThanOrEqual(widths.viewport);
      expect(pageErrors).toEqual([]);
    } finally {
      await page.setViewportSize({ width: 1440, height: 900 });
    }
  });
});
