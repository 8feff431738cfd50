/**
 * A full disk while the stack runs: LevelDB's write fails in the service's thread and the thread
 * dies. Before, the consumers retried against a dead endpoint until the stall timeout (about two
 * minutes) and the error never said ENOSPC. Now the stack fails at once with the reason and what
 * to do. The disk is "full" by fault injection in the service thread
 * (CONFIG_MONITOR_FAULT=dynalite:no-space in local-services.worker.mjs), which fails the first
 * write exactly as LevelDB does.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ServiceStoppedError } from '../../pipeline/embedded/errors.js';
import { dataDirLayout, startEmbeddedStack } from '../../pipeline/embedded/stack.js';
import { runCli } from '../helpers/cli.js';
import { fixture, fixtureText } from '../helpers/fixtures.js';

const quiet = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };

afterEach(() => {
  delete process.env.CONFIG_MONITOR_FAULT;
});

describe('a service thread that stops while the stack runs', () => {
  it('fails the wait at once, saying the disk is full (ENOSPC) and what to do', {
    timeout: 30_000,
  }, async () => {
    // Prepare
    const dataDir = mkdtempSync(join(tmpdir(), 'enospc-'));
    process.env.CONFIG_MONITOR_FAULT = 'dynalite:no-space';
    const stack = await startEmbeddedStack({ dataDir, logger: quiet, messageLog: () => {} });
    try {
      await stack.publish([fixture('compliance-change', 'first-evaluation')]);
      // Act: the stall timeout is far beyond the test's; only the service's failure can end it.
      const error = await stack.waitUntilProcessed({ stallTimeoutMs: 600_000 }).catch((e: unknown) => e);
      // Assess
      expect(error).toBeInstanceOf(ServiceStoppedError);
      expect((error as ServiceStoppedError).diskFull).toBe(true);
      expect((error as Error).message).toContain(
        `the disk holding ${dataDirLayout(dataDir).dynamodb} is full (ENOSPC)`,
      );
      expect((error as Error).message).toContain('Free space and run the command again');
    } finally {
      await stack.close();
    }
  });

  it('makes `config-monitor ingest` exit non-zero with that message', { timeout: 30_000 }, async () => {
    // Prepare
    const dataDir = mkdtempSync(join(tmpdir(), 'enospc-cli-'));
    const file = join(dataDir, 'events.jsonl');
    writeFileSync(file, `${fixtureText('compliance-change', 'first-evaluation').replace(/\n/g, '')}\n`);
    process.env.CONFIG_MONITOR_FAULT = 'dynalite:no-space';
    // Act
    const result = await runCli(['ingest', file, '--data-dir', join(dataDir, 'data')]);
    // Assess
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('is full (ENOSPC)');
  });
});
