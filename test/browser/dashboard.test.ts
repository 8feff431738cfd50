/**
 * The dashboard in a real browser (Debian's Chromium through playwright-core) against a running
 * local stack: the embedded stack ingests a small generated organization, the local server serves
 * the API app and the page; the figures on the page must equal the API's, every request must stay
 * on the local server, and a screenshot goes to test-output/dashboard.png.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedStack } from '../../pipeline/embedded/stack.js';
import { generateOrganization, organizationProfile } from '../../pipeline/generate/organization.js';
import { type LocalServer, startLocalServer } from '../../pipeline/server/local-server.js';
import { EventQueryRepository } from '../../src/adapters/dynamodb/event-query.repository.js';
import { MuteRepository } from '../../src/adapters/dynamodb/mute.repository.js';
import { OpenViolationRepository } from '../../src/adapters/dynamodb/open-violation.repository.js';
import { SyncStatusRepository } from '../../src/adapters/dynamodb/sync-status.repository.js';
import { createApiApp } from '../../src/api/app.js';
import { complianceEvent } from '../helpers/archive-events.js';
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
  const res: Response = await fetch(`${server.url}${path}${query.size > 0 ? `?${query}` : ''}`);
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

/** Waits for a load to settle (any state but loading) and returns that state. */
async function settled(p: Page, previous = ''): Promise<string> {
  await p.waitForFunction(
    (prev) => {
      const { loaded, state } = document.body.dataset;
      return loaded !== undefined && loaded !== prev && state !== 'loading';
    },
    previous,
    { timeout: 30_000 },
  );
  return p.evaluate(() => document.body.dataset.state ?? '');
}

/** The resource refs (`account|region|type|id`) of the open-violations table, in order. */
async function openRows(p: Page): Promise<string[]> {
  return p
    .getByTestId('open-table')
    .locator('tbody tr')
    .evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-violation') ?? ''));
}

const refOf = (v: any) => [v.account, v.region, v.resource_type, v.resource_id].join('|');

/** Waits for the open-violations table to reload after an action. */
async function openReloaded(p: Page, action: () => Promise<void>): Promise<void> {
  const before = await p.evaluate(() => document.body.dataset.open ?? '');
  await action();
  await p.waitForFunction((prev) => (document.body.dataset.open ?? '') !== prev, before, { timeout: 30_000 });
}

/** Console errors a test provoked on purpose (an API 400 or 503): checked, then removed. */
function expectedErrors(pattern: RegExp): void {
  const unexpected = pageErrors.filter((e) => !pattern.test(e));
  expect(unexpected).toEqual([]);
  pageErrors.length = 0;
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
    mutes: new MuteRepository(stack.doc, stack.tables.mutes),
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

describe('dashboard: what is open now, drill-down, states, phone and large organizations', () => {
  it('lists the open violations as the API does, pages them, sorts by a column and exports every page as CSV', async () => {
    // Act
    await open(page);
    await loaded(page);
    // Assess: the first page is the API's first page.
    const first = await api('/violations', { limit: '25' });
    expect(first.items.length).toBe(25);
    expect(await openRows(page)).toEqual(first.items.map(refOf));
    const row = page.getByTestId('open-table').locator('tbody tr').first();
    expect(await row.locator('[data-field="severity"]').textContent()).toBe(
      first.items[0].severity.toLowerCase(),
    );
    expect(await page.getByTestId('open-range').textContent()).toBe('1–25');
    // All its pages are the pairs the archive counts open now (the KPI): hot store and archive agree.
    let total = 0;
    let cursor: string | null = null;
    do {
      const body: any = await api('/violations', { limit: '500', ...(cursor ? { next: cursor } : {}) });
      total += body.items.length;
      cursor = body.next;
    } while (cursor);
    expect(formatInt(total)).toBe(await page.getByTestId('open-violations').textContent());

    // Next page: the API's page after the cursor.
    await openReloaded(page, () => page.locator('#open-next').click());
    const second = await api('/violations', { limit: '25', next: first.next });
    expect(await openRows(page)).toEqual(second.items.map(refOf));
    expect(await page.getByTestId('open-range').textContent()).toBe(`26–${25 + second.items.length}`);
    await openReloaded(page, () => page.locator('#open-prev').click());
    expect(await openRows(page)).toEqual(first.items.map(refOf));

    // Sort by severity: most severe first, in the URL.
    await openReloaded(page, () => page.locator('button[data-sort="severity"]').click());
    expect(page.url()).toContain('sort=severity');
    const bySeverity = await api('/violations', { limit: '25', sort: 'severity' });
    expect(await openRows(page)).toEqual(bySeverity.items.map(refOf));
    expect(await page.locator('th[aria-sort="ascending"]').textContent()).toContain('Severity');
    await openReloaded(page, () => page.locator('button[data-sort="severity"]').click());
    expect(page.url()).toContain('sort=-severity');

    // CSV: every page of the scope in one file, the header once.
    const [download] = await Promise.all([page.waitForEvent('download'), page.locator('#open-csv').click()]);
    const csv = readFileSync(await download.path(), 'utf8');
    expect(download.suggestedFilename()).toMatch(/^open-violations-\d{4}-\d{2}-\d{2}\.csv$/);
    let expected = '';
    let next: string | null = null;
    do {
      const query: Record<string, string> = { sort: '-severity', limit: '500', format: 'csv' };
      if (next) query.next = next;
      const res: Response = await fetch(`${server.url}/violations?${new URLSearchParams(query)}`);
      const text = await res.text();
      expected += expected === '' ? text : text.slice(text.indexOf('\r\n') + 2);
      const link: string | null = res.headers.get('link');
      next = link ? new URLSearchParams(link.slice(2, link.indexOf('>'))).get('next') : null;
    } while (next);
    expect(csv).toBe(expected);
    const all = await api('/violations', { limit: '500' });
    expect(csv.trim().split('\r\n').length - 1).toBeGreaterThanOrEqual(all.items.length);
    expect(offsite).toEqual([]);
    expect(pageErrors).toEqual([]);
  });

  it('gives the organization-wide time to remediate and lists the pairs that lost the most time first', async () => {
    // Act
    await open(page);
    await loaded(page);
    // Assess: the API's exact figure, and the order fixed × median (not p90 alone).
    const remediation = await api('/compliance/remediation', rangeOf(30));
    const org = remediation.organization;
    expect(org.remediated).toBe(
      remediation.items.reduce((sum: number, item: any) => sum + item.remediated, 0),
    );
    const duration = (seconds: number) =>
      seconds < 3_600
        ? `${Math.max(1, Math.round(seconds / 60))} min`
        : seconds < 2 * 86_400
          ? `${(seconds / 3_600).toFixed(1)} h`
          : `${(seconds / 86_400).toFixed(1)} d`;
    expect(await page.getByTestId('remediation').locator('[data-field="org-mttr"]').textContent()).toBe(
      `Organization: median ${duration(org.median_seconds)} · p90 ${duration(org.p90_seconds)} · ${formatInt(org.remediated)} fixed`,
    );
    const lost = (item: any) => item.remediated * (item.median_seconds ?? 0);
    const expected = remediation.items
      .filter((item: any) => item.remediated > 0)
      .sort(
        (a: any, b: any) =>
          lost(b) - lost(a) ||
          (b.p90_seconds ?? -1) - (a.p90_seconds ?? -1) ||
          a.rule_name.localeCompare(b.rule_name) ||
          a.account.localeCompare(b.account),
      )
      .slice(0, 12)
      .map((item: any) => `${item.rule_name}|${item.account}`);
    expect(
      await page
        .getByTestId('remediation')
        .locator('tbody tr')
        .evaluateAll((trs) =>
          trs.map((tr) => `${tr.getAttribute('data-rule')}|${tr.getAttribute('data-account')}`),
        ),
    ).toEqual(expected);
    expect(pageErrors).toEqual([]);
  });

  it('filters everything to a rule clicked, keeps the filters in a link, and opens a resource’s timeline', async () => {
    // Prepare: a rule deployed by conformance packs (several instances under one base name).
    const range = rangeOf(30);
    const remediation = await api('/compliance/remediation', range);
    const instances = new Map<string, Set<string>>();
    for (const item of remediation.items) {
      if (item.open_violations === 0) continue;
      instances.set(
        item.base_rule_name,
        (instances.get(item.base_rule_name) ?? new Set()).add(item.rule_name),
      );
    }
    const [base, names] = [...instances.entries()].find(([b, n]) => n.size > 1 && ![...n].includes(b)) ?? [];
    expect(base, 'the demo organization deploys conformance packs').toBeDefined();
    await page.goto('about:blank');
    await page.goto(`${server.url}/#days=30`);
    await loaded(page);
    // The top rules show the instances under the base name.
    const topRow = page.locator(`[data-testid="top-rules"] tr[data-rule="${base}"]`);
    if ((await topRow.count()) > 0) {
      const shown = await topRow
        .locator('[data-instance]')
        .evaluateAll((lis) => lis.map((li) => li.getAttribute('data-instance')));
      expect(new Set(shown)).toEqual(names);
      expect(await topRow.locator('summary').getAttribute('title')).toContain([...(names as Set<string>)][0]);
    }

    // Act: click the rule in the open-violations table.
    const before = await page.evaluate(() => document.body.dataset.loaded ?? '');
    await page.getByTestId('open-table').locator(`button[data-rule-filter="${base}"]`).first().click();
    await loaded(page, before);
    // Assess: the URL, the selector, the header and every rule-aware panel say so.
    expect(page.url()).toContain(`rule=${base}`);
    expect(await page.locator('#f-rule').inputValue()).toBe(base);
    expect(await page.getByTestId('period').textContent()).toContain(`rule ${base}`);
    expect(await page.getByTestId('scope').locator('[data-clear="rule"]').textContent()).toContain(
      `Rule ${base}`,
    );
    const filtered = await api('/violations', { rule: base as string, limit: '25' });
    expect(await openRows(page)).toEqual(filtered.items.map(refOf));
    const rules = await page
      .getByTestId('open-table')
      .locator('tbody tr')
      .evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-rule-name') ?? ''));
    for (const rule of rules) expect(names).toContain(rule);
    expect(
      await page
        .getByTestId('top-rules')
        .locator('tbody tr')
        .evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-rule'))),
    ).toEqual([base]);
    for (const rule of await page
      .getByTestId('remediation')
      .locator('tbody tr')
      .evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-rule') ?? ''))) {
      expect(names).toContain(rule);
    }
    const open = remediation.items
      .filter((item: any) => item.base_rule_name === base)
      .reduce((sum: number, item: any) => sum + item.open_violations, 0);
    expect(await page.getByTestId('open-violations').textContent()).toBe(formatInt(open));

    // A shared link opens the same view.
    const link = page.url();
    const other = await context.newPage();
    try {
      await other.goto(link);
      await loaded(other);
      expect(await other.locator('#f-rule').inputValue()).toBe(base);
      expect(await openRows(other)).toEqual(filtered.items.map(refOf));
    } finally {
      await other.close();
    }

    // A resource opens its timeline (the API's), in the URL too; closing it leaves the filters.
    const target = filtered.items[0];
    await page.getByTestId('open-table').locator('button[data-resource]').first().click();
    await page.waitForFunction(
      () =>
        document.body.dataset.timeline !== undefined &&
        (document.querySelector('#timeline') as HTMLDialogElement).open,
    );
    await page.waitForFunction(() => !document.querySelector('#timeline-body .loading'));
    expect(decodeURIComponent(page.url())).toContain(`resource=${refOf(target)}`.replaceAll(' ', '+'));
    const timeline = await api('/resources/timeline', {
      account: target.account,
      region: target.region,
      resource_type: target.resource_type,
      resource_id: target.resource_id,
    });
    expect(timeline.items.length).toBeGreaterThan(0);
    expect(await page.getByTestId('timeline').locator('tbody tr').count()).toBe(timeline.items.length);
    expect(await page.locator('#timeline-title').textContent()).toBe(target.resource_id);
    await page.screenshot({ path: SCREENSHOT.replace(/\.png$/, '-timeline.png') });
    await page.locator('#timeline-close').click();
    await page.waitForFunction(() => !location.hash.includes('resource='));
    expect(page.url()).toContain(`rule=${base}`);

    // Removing the rule chip clears the filter.
    const withRule = await page.evaluate(() => document.body.dataset.loaded ?? '');
    await page.getByTestId('scope').locator('[data-clear="rule"]').click();
    await loaded(page, withRule);
    expect(page.url()).not.toContain('rule=');
    expect(await page.locator('#f-rule').inputValue()).toBe('');
    expect(offsite).toEqual([]);
    expect(pageErrors).toEqual([]);
  });

  it('tells loading, an unknown account, an invalid account and an API error apart, with the filters in force shown', async () => {
    // Loading: the figures wait for a slow summary; the header already shows the filters.
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    await page.route('**/compliance/summary?*', async (route) => {
      await held;
      await route.continue();
    });
    try {
      await page.goto('about:blank');
      await page.goto(`${server.url}/#days=7&region=eu-west-1`);
      await page.waitForFunction(() => document.body.dataset.state === 'loading');
      expect(await page.getByTestId('period').textContent()).toContain('eu-west-1');
      expect(await page.locator('#f-region').inputValue()).toBe('eu-west-1');
      expect(await page.locator('#f-days').inputValue()).toBe('7');
      expect(await page.getByTestId('top-rules').textContent()).toBe('Loading…');
      release();
      expect(await settled(page)).toBe('ready');
    } finally {
      release();
      await page.unroute('**/compliance/summary?*');
    }

    // An account no event names.
    await page.goto('about:blank');
    await page.goto(`${server.url}/#account=000000000000&days=30`);
    expect(await settled(page)).toBe('unknown-account');
    expect(await page.locator('#notice').textContent()).toBe('No data for account 000000000000.');
    expect(await page.locator('#f-account').inputValue()).toBe('000000000000');
    expect(await page.getByTestId('period').textContent()).toContain('account 000000000000');
    expect(await page.getByTestId('top-rules').textContent()).toContain('No data for account 000000000000');
    expect(await page.getByTestId('top-rules').textContent()).not.toMatch(/remediated|compliant/i);
    await page.screenshot({ path: SCREENSHOT.replace(/\.png$/, '-unknown-account.png') });

    // Not an account id: the API's 400, the header and the selector on the value in force.
    await page.goto('about:blank');
    await page.goto(`${server.url}/#account=abc&days=30`);
    expect(await settled(page)).toBe('error');
    expect(await page.locator('#notice').textContent()).toMatch(
      /account must be exactly 12 ASCII digits \(was "abc"\) \(request id [0-9a-f-]+\)/,
    );
    expect(await page.locator('#f-account').inputValue()).toBe('abc');
    expect(await page.getByTestId('period').textContent()).toContain('account abc');
    expect(await page.getByTestId('org-score').textContent()).toBe('—');
    expectedErrors(/status of 400/);

    // The API failing: its own message, not an empty state.
    await page.route('**/compliance/trends?*', (route) =>
      route.fulfill({
        status: 503,
        contentType: 'application/json',
        headers: { 'retry-after': '1' },
        body: JSON.stringify({
          error: 'overloaded',
          message: 'the API is busy; retry in 1 s',
          request_id: 'req-123',
        }),
      }),
    );
    try {
      await page.goto('about:blank');
      await page.goto(`${server.url}/#days=30`);
      expect(await settled(page)).toBe('error');
      expect(await page.locator('#notice').textContent()).toBe(
        'Could not load the figures: the API is busy; retry in 1 s (request id req-123)',
      );
      expect(await page.getByTestId('top-rules').textContent()).toContain('Not loaded');
    } finally {
      await page.unroute('**/compliance/trends?*');
    }
    expectedErrors(/status of 503/);
    expect(offsite).toEqual([]);
  });

  it('says there is no data yet on an empty data directory', async () => {
    // Prepare: a second stack on an empty data directory.
    const emptyDir = mkdtempSync(join(tmpdir(), 'dashboard-empty-'));
    const emptyStack = await startEmbeddedStack({
      dataDir: emptyDir,
      slackWebhookUrl: null,
      messageLog: () => {},
      ignoreRunning: true,
    });
    const emptyServer = await startLocalServer({
      app: createApiApp({
        events: new EventQueryRepository(emptyStack.doc, emptyStack.tables.events),
        syncStatus: new SyncStatusRepository(emptyStack.doc, emptyStack.tables.events),
        openViolations: new OpenViolationRepository(emptyStack.doc, emptyStack.tables.state),
        queryEngine: await emptyStack.queryEngine(),
        logger: { info: () => {}, error: (m, e) => console.error(m, e) },
      }),
      port: 0,
    });
    const p = await context.newPage();
    const errors: string[] = [];
    p.on('pageerror', (err) => errors.push(err.message));
    try {
      // Act
      await p.goto(`${emptyServer.url}/#days=30`);
      // Assess
      expect(await settled(p)).toBe('empty');
      expect(await p.locator('#notice').textContent()).toBe(
        'No data yet: run config-monitor ingest or sync.',
      );
      expect(await p.locator('#notice code').allTextContents()).toEqual(['config-monitor ingest', 'sync']);
      const hint = (await p.getByTestId('top-rules').textContent()) ?? '';
      expect(hint).toContain('No data yet');
      expect(hint).toContain('config-monitor ingest FILE');
      expect(hint).not.toMatch(/No open violation|remediated/);
      expect(await p.getByTestId('org-score').textContent()).toBe('—');
      await p.screenshot({ path: SCREENSHOT.replace(/\.png$/, '-empty.png'), fullPage: true });
      expect(errors).toEqual([]);
    } finally {
      await p.close();
      await emptyServer.close();
      await emptyStack.close();
      rmSync(emptyDir, { recursive: true, force: true });
    }
  });

  it('keeps the account panel one screen tall with 150 accounts, and finds any by its id', async () => {
    // Prepare: the trends of 150 accounts (the other figures are the stack's).
    const accounts = Array.from({ length: 150 }, (_, i) => String(100000000000 + i * 7919));
    await page.route('**/compliance/trends?*', async (route) => {
      const url = new URL(route.request().url());
      const response = await route.fetch();
      const body = await response.json();
      if (url.searchParams.get('account')) return route.fulfill({ response, json: body });
      const days = body.days as string[];
      body.accounts = accounts.map((account, i) => ({
        account,
        points: days.map((day) => ({
          day,
          compliance_score: 50 + ((i * 37) % 50),
          compliant: 50,
          non_compliant: 10,
        })),
      }));
      return route.fulfill({ response, json: body });
    });
    try {
      // Act
      await open(page);
      await loaded(page);
      // Assess
      const rows = page.getByTestId('accounts').locator('tbody tr');
      expect(await rows.count()).toBe(12);
      const card = await page.locator('article[aria-labelledby="h-accounts"]').boundingBox();
      expect(card?.height ?? 0).toBeLessThan(900);
      expect(await page.getByTestId('accounts').locator('[data-field="more"]').textContent()).toContain(
        '150 accounts',
      );
      const wanted = accounts[149] as string;
      await page.getByTestId('accounts-search').fill(wanted.slice(0, 9));
      expect(await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-account')))).toContain(
        wanted,
      );
      await page.getByTestId('accounts-search').fill('');
      expect(await rows.count()).toBe(12);
    } finally {
      await page.unroute('**/compliance/trends?*');
    }
    expect(pageErrors).toEqual([]);
  });

  it("shows each account's name beside its id, as text, and finds an account by its name", async () => {
    // Prepare: 150 accounts, names from the accounts map, one of them hostile markup.
    const HOSTILE = '<img src=x onerror="window.__pwned=1"><b>Payments</b> & "prod"';
    const accounts = Array.from({ length: 150 }, (_, i) => String(200000000000 + i * 7919));
    const nameOf = (i: number) => (i === 0 ? HOSTILE : i === 149 ? 'Data Lake Sandbox' : `team-${i}`);
    await page.route('**/compliance/trends?*', async (route) => {
      const url = new URL(route.request().url());
      const response = await route.fetch();
      const body = await response.json();
      if (url.searchParams.get('account')) return route.fulfill({ response, json: body });
      const days = body.days as string[];
      body.accounts = accounts.map((account, i) => ({
        account,
        account_name: nameOf(i),
        // The hostile one is the worst, so it is listed before any search.
        points: days.map((day) => ({
          day,
          compliance_score: i === 0 ? 1 : 50 + (i % 40),
          compliant: 5,
          non_compliant: 1,
        })),
      }));
      return route.fulfill({ response, json: body });
    });
    try {
      // Act
      await open(page);
      await loaded(page);
      const panel = page.getByTestId('accounts');
      const rows = panel.locator('tbody tr');
      const hostileRow = panel.locator(`tr[data-account="${accounts[0]}"]`);
      const shownName = await hostileRow.locator('[data-field="account-name"]').textContent();
      const markup = await panel.evaluate((el) => el.querySelectorAll('img, b').length);
      await page.getByTestId('accounts-search').fill('lake sand');
      const found = await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-account')));
      const foundName = await rows.first().locator('[data-field="account-name"]').textContent();
      await page.getByTestId('accounts-search').fill('');

      // Assess
      expect(shownName).toBe(HOSTILE);
      expect(markup).toBe(0);
      expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
      expect(found).toEqual([accounts[149]]);
      expect(foundName).toBe('Data Lake Sandbox');
      expect(await rows.count()).toBe(12);
    } finally {
      await page.unroute('**/compliance/trends?*');
    }
    expect(pageErrors).toEqual([]);
  });

  it('fits a 768 px tablet too: no card or what it holds leaves the screen', async () => {
    await page.setViewportSize({ width: 768, height: 1024 });
    try {
      await open(page);
      await loaded(page);
      const { width, wide } = await page.evaluate(() => ({
        width: document.documentElement.scrollWidth,
        wide: Array.from(document.querySelectorAll('header.top, main .kpi, main .card, main .card > *'))
          .filter((el) => el.getBoundingClientRect().right > 768.5)
          .map((el) => el.tagName + (el.id ? `#${el.id}` : '')),
      }));
      expect(width).toBeLessThanOrEqual(768);
      expect(wide).toEqual([]);
      expect(pageErrors).toEqual([]);
    } finally {
      await page.setViewportSize({ width: 1440, height: 900 });
    }
  });

  it('is usable at 390 px: the page is no wider than the screen, tables collapse to rows, chart labels do not overlap', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    try {
      // Act
      await open(page);
      await loaded(page);
      await page.screenshot({ path: SCREENSHOT.replace(/\.png$/, '-390.png'), fullPage: true });
      await page.screenshot({ path: SCREENSHOT.replace(/\.png$/, '-390-first-screen.png') });
      await page.locator('#h-open').scrollIntoViewIfNeeded();
      await page.screenshot({ path: SCREENSHOT.replace(/\.png$/, '-390-open-violations.png') });
      // Assess
      const measures = await page.evaluate(() => {
        const labels = Array.from(document.querySelectorAll('#trend-chart svg text'))
          .filter(
            (t) =>
              (t.getAttribute('y') ?? '') ===
              t.parentElement?.querySelector('text[text-anchor="middle"]')?.getAttribute('y'),
          )
          .map((t) => t.getBoundingClientRect())
          .sort((a, b) => a.left - b.left);
        const overlaps = labels.slice(1).filter((box, i) => box.left < (labels[i] as DOMRect).right);
        // Cards and what they hold directly stay on screen; a table wider than its card scrolls inside it.
        const wide = Array.from(
          document.querySelectorAll('header.top, main .kpi, main .card, main .card > *'),
        )
          .filter((el) => el.getBoundingClientRect().right > 390.5)
          .map((el) => el.tagName + (el.id ? `#${el.id}` : ''));
        const row = document.querySelector('[data-testid="open-table"] tbody tr') as HTMLElement;
        return {
          page: document.documentElement.scrollWidth,
          labels: labels.length,
          overlaps: overlaps.length,
          wide,
          rowDisplay: getComputedStyle(row).display,
        };
      });
      expect(measures.page).toBeLessThanOrEqual(390);
      expect(measures.wide).toEqual([]);
      expect(measures.labels).toBeGreaterThanOrEqual(2);
      expect(measures.overlaps).toBe(0);
      expect(measures.rowDisplay).toBe('block');
      expect(
        await page
          .getByTestId('open-table')
          .locator('tbody tr')
          .first()
          .locator('td')
          .evaluateAll((tds) => tds.map((td) => td.getAttribute('data-label'))),
      ).toEqual(['Severity', 'Rule', 'Resource', 'Account', 'Region', 'Open since']);
      expect(pageErrors).toEqual([]);
    } finally {
      await page.setViewportSize({ width: 1440, height: 900 });
    }
  });

  it('shows hostile ids and annotations as text in every table and the timeline, and runs none of them', async () => {
    // Prepare: a violation whose resource id and annotation are markup (they come from other accounts).
    const hostileId = '<img src=x onerror="window.__xss=1">';
    const hostileNote = '<script>window.__xss=2</script><b>bold</b>';
    const at = new Date(Date.now() - 3_600_000).toISOString();
    await stack.ingest([
      {
        value: complianceEvent({
          id: 'hostile-1',
          account: organizationProfile(ORG).accounts[0] as string,
          region: 'us-east-1',
          rule: 'restricted-ssh',
          resourceType: 'AWS::EC2::SecurityGroup',
          resourceId: hostileId,
          newStatus: 'NON_COMPLIANT',
          oldStatus: 'COMPLIANT',
          at,
          time: at,
          annotation: hostileNote,
        }),
      },
    ]);
    // Act
    await page.goto('about:blank');
    await page.goto(`${server.url}/#days=30&sort=-open_since`);
    await loaded(page);
    // Assess: the newest open violation and the newest opened are it, as text.
    const openRow = page.getByTestId('open-table').locator('tbody tr').first();
    expect(await openRow.locator('button[data-resource]').textContent()).toBe(hostileId);
    expect(await openRow.locator('.sub').first().textContent()).toBe(hostileNote);
    const latestRow = page.getByTestId('latest-violations').locator('tbody tr').first();
    expect(await latestRow.locator('button[data-resource]').textContent()).toBe(hostileId);
    await openRow.locator('button[data-resource]').click();
    await page.waitForFunction(
      () =>
        (document.querySelector('#timeline') as HTMLDialogElement).open &&
        !document.querySelector('#timeline-body .loading'),
    );
    expect(await page.locator('#timeline-title').textContent()).toBe(hostileId);
    await page.locator('#timeline-close').click();
    expect(
      await page.locator('main img, main script, main table b, dialog img, dialog script, dialog b').count(),
    ).toBe(0);
    expect(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss)).toBeUndefined();
    expect(offsite).toEqual([]);
    expect(pageErrors).toEqual([]);
  });

  it.each([
    [1440, 1000],
    [390, 844],
  ])(
    'has no serious or critical accessibility violation at %i px (axe-core, run in the page)',
    async (width, height) => {
      // Prepare
      const p = await context.newPage();
      try {
        await p.setViewportSize({ width, height });
        await p.goto(`${server.url}/#days=30`);
        await loaded(p);
        // Evaluated through the DevTools protocol, so the page's CSP (no inline script) still holds.
        await p.evaluate(readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8'));
        // Act
        const violations = await p.evaluate(async () => {
          const axe = (window as unknown as { axe: { run: (c: Document) => Promise<any> } }).axe;
          const result = await axe.run(document);
          return result.violations
            .filter((v: any) => v.impact === 'serious' || v.impact === 'critical')
            .map(
              (v: any) => `${v.id} (${v.impact}): ${v.nodes.map((n: any) => n.target.join(' ')).join(', ')}`,
            );
        });
        // Assess
        expect(violations).toEqual([]);
      } finally {
        await p.close();
      }
    },
  );

  it('reads the figures again every minute while the tab is visible, and says when', async () => {
    // Prepare: the page's clock is the test's.
    const p = await context.newPage();
    try {
      await p.clock.install();
      const summaries: string[] = [];
      p.on('request', (r) => {
        if (new URL(r.url()).pathname === '/compliance/summary') summaries.push(r.url());
      });
      await p.goto(`${server.url}/#days=30`);
      await loaded(p);
      const before = summaries.length;
      const stampBefore = await p.locator('#updated').textContent();
      // Act
      await p.clock.fastForward('01:05');
      await expect.poll(() => summaries.length, { timeout: 15_000 }).toBeGreaterThan(before);
      // Assess: the new figures carry their own time.
      await expect.poll(() => p.locator('#updated').textContent(), { timeout: 15_000 }).not.toBe(stampBefore);
      expect(await p.locator('#updated').textContent()).toMatch(/^updated .+ UTC$/);
    } finally {
      await p.close();
    }
  });
});
