/**
 * The local API signs its cursors and poll ids with a secret of the data directory
 * (pipeline/server/token-key.ts). Before, the key was a constant in the source: a poll id signed
 * with it, carrying forged content, reached the query engine and answered 500.
 */
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EmbeddedStack, startEmbeddedStack } from '../../pipeline/embedded/stack.js';
import { type LocalServer, startStackServer } from '../../pipeline/server/local-server.js';
import { apiTokenKeyPath, loadApiTokenKey } from '../../pipeline/server/token-key.js';
import { encodePollId } from '../../src/api/poll-id.js';

describe('loadApiTokenKey', () => {
  it('makes 32 random bytes, readable by the owner only, and keeps them', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'token-key-'));
    const key = await loadApiTokenKey(dir);
    expect(key).toMatch(/^[0-9a-f]{64}$/);
    expect(statSync(apiTokenKeyPath(dir)).mode & 0o777).toBe(0o600);
    expect(await loadApiTokenKey(dir)).toBe(key);
    expect(await loadApiTokenKey(mkdtempSync(join(tmpdir(), 'token-key-')))).not.toBe(key);
  });

  it('gives every concurrent caller the same key', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'token-key-'));
    const keys = await Promise.all(Array.from({ length: 8 }, () => loadApiTokenKey(dir)));
    expect(new Set(keys).size).toBe(1);
    expect(readFileSync(apiTokenKeyPath(dir), 'utf8').trim()).toBe(keys[0]);
  });

  it('replaces a garbled key file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'token-key-'));
    writeFileSync(apiTokenKeyPath(dir), 'not a key\n');
    expect(await loadApiTokenKey(dir)).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe('the API of `up`', () => {
  let stack: EmbeddedStack;
  let server: LocalServer;

  beforeAll(async () => {
    stack = await startEmbeddedStack({
      dataDir: mkdtempSync(join(tmpdir(), 'token-api-')),
      messageLog: () => {},
    });
    server = await startStackServer(stack, 0, () => {});
  });

  afterAll(async () => {
    await server?.close();
    await stack?.close();
  });

  it('refuses a poll id signed with the old public constant, naming the parameter', async () => {
    // Prepare: what anyone could sign before (the constant of src/api/app.ts), with content the
    // API never issued: an unknown route role and a parameter that is not a date.
    const forged = encodePollId(
      { route: 'summary', queries: { summary: '', bogus: '' }, params: { start: 'not a date' } },
      'config-monitor/api-tokens/v1',
    );
    // Act
    const res = await fetch(`${server.url}/queries/${forged}`);
    // Assess
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ parameter: 'id' });
  });

  it('issues cursors that a restarted server on the same data directory still accepts', async () => {
    // Prepare: a cursor signed by this server's key (the key the data directory keeps).
    const key = await loadApiTokenKey(stack.dataDir);
    const poll = encodePollId({ route: 'summary', queries: { summary: '', score: '' }, params: {} }, key);
    const restarted = await startStackServer(stack, 0, () => {});
    try {
      // Act
      const res = await fetch(`${restarted.url}/queries/${poll}`);
      // Assess: accepted (the saved queries run again), not refused as a foreign token.
      expect(res.status).not.toBe(400);
    } finally {
      await restarted.close();
    }
  });
});
