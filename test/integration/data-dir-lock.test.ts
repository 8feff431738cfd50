/**
 * One process per data directory, by a lock of our own that the kernel releases when its holder
 * dies: LevelDB's `LOCK` files are not enough (deleted while an ingest ran, a second process opened
 * the same LevelDB, died with SIGBUS and left the hot store corrupt). And a corrupt store is a clear
 * error that names the directory and the way out, not "in use".
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { lockDataDir, lockFilePath, processStartTime } from '../../pipeline/embedded/data-dir-lock.js';
import { DataDirInUseError, DataStoreCorruptError } from '../../pipeline/embedded/errors.js';
import { dataDirLayout, startEmbeddedStack } from '../../pipeline/embedded/stack.js';
import { fixture } from '../helpers/fixtures.js';

const quiet = { messageLog: () => {} };
const silentLogger = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };
const HOLDER = new URL('../helpers/stack-holder.mjs', import.meta.url).pathname;

const dirs: string[] = [];
const children: ChildProcess[] = [];
afterAll(() => {
  for (const child of children) child.kill('SIGKILL');
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(dir);
  return dir;
}

/** A process holding `dataDir` with a started stack; resolves once it is ready. */
async function holder(dataDir: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, [HOLDER, dataDir], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let err = '';
  child.stderr?.on('data', (d) => {
    err += d;
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout?.on('data', (d) => {
      if (String(d).includes('ready')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`holder exited ${code}: ${err}`)));
  });
  return child;
}

const exited = (child: ChildProcess) =>
  new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });

describe('the data directory lock', () => {
  it('refuses a second stack from another process even with the LevelDB LOCK files deleted; free once the holder is killed', async () => {
    // Prepare: another process holds the directory, and LevelDB's own locks are gone.
    const dataDir = tempDir('cm-lock-');
    const child = await holder(dataDir);
    const layout = dataDirLayout(dataDir);
    rmSync(join(layout.dynamodb, 'LOCK'));
    rmSync(join(layout.kinesis, 'LOCK'));

    // Act
    const attempt = startEmbeddedStack({ dataDir, ...quiet });
    attempt.then((opened) => opened.close()).catch(() => undefined);

    // Assess: the clear "in use" error, naming the directory and the holder.
    await expect(attempt).rejects.toThrow(DataDirInUseError);
    await expect(attempt).rejects.toThrow(
      `the data directory ${dataDir} is in use by another config-monitor process (pid ${child.pid}`,
    );

    // Act: the holder dies without closing anything.
    child.kill('SIGKILL');
    await exited(child);

    // Assess: the kernel released the lock; the directory opens.
    const stack = await startEmbeddedStack({ dataDir, ...quiet });
    await stack.close();
  });

  it('is released on close and refuses a second stack in the same process meanwhile', async () => {
    const dataDir = tempDir('cm-lock-same-');
    const first = await startEmbeddedStack({ dataDir, ...quiet });
    try {
      await expect(startEmbeddedStack({ dataDir, ignoreRunning: true, ...quiet })).rejects.toThrow(
        DataDirInUseError,
      );
    } finally {
      await first.close();
    }
    const second = await startEmbeddedStack({ dataDir, ...quiet });
    await second.close();
  });
});

describe('the lock file (the method of platforms without abstract sockets)', () => {
  it('refuses a live holder, takes over from a dead one or a reused pid, and removes only its own file', async () => {
    // Prepare
    const dataDir = tempDir('cm-lockfile-');
    const path = lockFilePath(dataDir);
    const first = await lockDataDir(dataDir, { method: 'file' });
    // Act + Assess: held by this live process.
    await expect(lockDataDir(dataDir, { method: 'file' })).rejects.toThrow(
      `in use by another config-monitor process (pid ${process.pid}, this process`,
    );
    await first.release();
    expect(existsSync(path)).toBe(false);

    // A dead holder's file, and one whose pid is alive but was started at another time.
    const stale = (pid: number, started: string | null) =>
      writeFileSync(
        path,
        JSON.stringify({ pid, since: '2026-01-01T00:00:00.000Z', host: hostname(), started }),
      );
    for (const [pid, started] of [
      [2 ** 22 + 12_345, null],
      [process.pid, 'another start'],
    ] as const) {
      stale(pid, started);
      const taken = await lockDataDir(dataDir, { method: 'file' });
      expect(JSON.parse(readFileSync(path, 'utf8')).started).toBe(processStartTime(process.pid));
      await taken.release();
    }
    // A holder that took over meanwhile keeps its file.
    const mine = await lockDataDir(dataDir, { method: 'file' });
    stale(1, null);
    await mine.release();
    expect(JSON.parse(readFileSync(path, 'utf8')).pid).toBe(1);
  });
});

describe.each([
  ['hot store', 'dynamodb', /config-monitor sync.*config-monitor ingest/],
  ['stream', 'kinesis', /config-monitor ingest/],
] as const)('a corrupt %s', (store, sub, wayOut) => {
  it('is a clear error naming the directory and the way out, not "in use"', async () => {
    // Prepare: a store that was written, then damaged (as the SIGBUS of a second opener left it).
    const dataDir = tempDir('cm-corrupt-');
    const stack = await startEmbeddedStack({ dataDir, ...quiet });
    await stack.ingest([{ text: 'not json' }]);
    await stack.close();
    const path = join(dataDir, sub);
    writeFileSync(join(path, 'CURRENT'), 'garbage');

    // Act
    const attempt = startEmbeddedStack({ dataDir, ...quiet });

    // Assess
    await expect(attempt).rejects.toThrow(DataStoreCorruptError);
    await expect(attempt).rejects.toThrow(`the ${store} in ${path} is corrupt`);
    await expect(attempt).rejects.toThrow(`move it aside (mv ${path} ${path}.corrupt)`);
    await expect(attempt).rejects.toThrow(wayOut);
    await expect(attempt).rejects.not.toThrow(/in use/);
    // The lock was released: once the store is moved aside, the directory opens and works (a new
    // stream: the consumers' checkpoints of the old one are dropped).
    renameSync(path, `${path}.corrupt`);
    const fresh = await startEmbeddedStack({ dataDir, ...quiet, logger: silentLogger });
    try {
      const report = await fresh.ingest([{ value: fixture('compliance-change', 'first-evaluation') }]);
      expect(report.summary).toMatchObject({ received: 1, accepted: 1 });
    } finally {
      await fresh.close();
    }
  });
});
