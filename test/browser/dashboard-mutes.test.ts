/**
 * The dashboard's Muted panel in Chromium against the API app: a real mute store (dynalite) and
 * canned archive rows. It shows the score with and without the muted pairs, the counts, the mutes
 * and the muted open violations; a hostile reason and resource id stay text.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalServer, startLocalServer } from '../../pipeline/server/local-server.js';
import { MuteRepository } from '../../src/adapters/dynamodb/mute.repository.js';
import { MUTES_TABLE, tableName } from '../../src/adapters/dynamodb/table-definitions.js';
import { createApiApp } from '../../src/api/app.js';
import { addMute } from '../../src/use-cases/mutes.js';
import { findChromium } from '../helpers/browser.js';
import { FakeQueryEngine } from '../helpers/fake-query-engine.js';
import { type LocalDynamo, startLocalDynamo } from '../helpers/local-aws.js';

const HOSTILE = '<img src=x onerror="window.__pwned=1"> & <b>bold</b>';

let dynamo: LocalDynamo;
let server: LocalServer;
let context: BrowserContext;
let page: Page;
let userDataDir: string;
let muteId: string;

beforeAll(async () => {
  dynamo = await startLocalDynamo();
  const store = new MuteRepository(dynamo.doc, tableName(await dynamo.newPrefix(), MUTES_TABLE));
  const mute = await addMute(
    store,
    { account: '123456789012', untilMs: Date.now() + 7 * 86_400_000, reason: HOSTILE },
    'local:alice',
  );
  muteId = mute.id;
  const engine = new FakeQueryEngine();
  engine.rows.compliance_score = [{ compliant: 8, non_compliant: 2, compliance_score: 80 }];
  engine.rows.current_state = [
    {
      account: '123456789012',
      region: 'eu-west-1',
      rule_name: 's3-bucket-versioning-enabled',
      base_rule_name: 's3-bucket-versioning-enabled',
      resource_type: 'AWS::S3::Bucket',
      resource_id: HOSTILE,
      status: 'NON_COMPLIANT',
    },
  ];
  const app = createApiApp({
    events: { page: async () => ({ items: [], last: null }) } as never,
    syncStatus: { latest: async () => null },
    mutes: store,
    queryEngine: engine,
    logger: { info: () => {}, error: () => {} },
  });
  server = await startLocalServer({ app, port: 0 });
  userDataDir = mkdtempSync(join(tmpdir(), 'chromium-profile-'));
  const browser = await findChromium();
  context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: browser.executablePath,
    headless: true,
    args: [...browser.args, '--headless', '--no-sandbox', '--disable-gpu', '--no-first-run'],
    viewport: { width: 1280, height: 900 },
  });
  page = context.pages()[0] ?? (await context.newPage());
}, 240_000);

afterAll(async () => {
  await context?.close();
  await server?.close();
  await dynamo?.close();
  if (userDataDir) rmSync(userDataDir, { recursive: true, force: true });
});

describe('dashboard Muted panel', () => {
  it('shows the score with and without muted pairs, the counts, the mutes and the muted open pairs as text', async () => {
    // Act
    await page.goto(`${server.url}/#days=30`);
    await page.waitForFunction(() => document.body.dataset.muted !== undefined, undefined, {
      timeout: 30_000,
    });

    // Assess
    expect(await page.evaluate(() => document.body.dataset.muted)).toBe('loaded');
    const panel = page.getByTestId('muted');
    expect(await panel.locator('[data-field="score-with"]').textContent()).toBe(
      'Score 80.00% with muted pairs',
    );
    expect(await panel.locator('[data-field="score-without"]').textContent()).toBe('88.89% without');
    expect(await panel.locator('[data-field="muted-counts"]').textContent()).toBe(
      '1 open violations and 0 compliant pairs muted by 1 mute',
    );
    expect(await panel.locator(`[data-mute="${muteId}"] [data-field="reason"]`).textContent()).toBe(HOSTILE);
    expect(await panel.locator('[data-field="muted-pairs"] li').first().textContent()).toContain(HOSTILE);
    expect(await panel.locator('img').count()).toBe(0);
    expect(await page.evaluate(() => (window as { __pwned?: number }).__pwned)).toBeUndefined();
  });
});
