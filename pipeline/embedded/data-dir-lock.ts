/**
 * One process per data directory: a lock of our own, taken before kinesalite and dynalite open
 * their LevelDB stores and released when the stack closes, or by the kernel when the process dies.
 *
 * LevelDB's `LOCK` files are not enough: deleted while an ingest runs (a cleanup script, a user),
 * they let a second process open the same stores, which corrupts them. Node has no `flock`, so:
 *
 * - **Linux**: the holder listens on an abstract Unix socket named after the directory's real path
 *   (`\0config-monitor-<sha256>`). Nothing on disk can be deleted; the kernel frees the name the
 *   moment the process dies (even by SIGKILL); a second `listen` fails with `EADDRINUSE`. A
 *   contender connects to it to learn who holds it: the holder answers its pid, command and since
 *   when. The name is per network namespace: two containers sharing one volume do not see each
 *   other's lock (LevelDB's `LOCK` files still apply there).
 * - **elsewhere**: `<data-dir>/lock`, created exclusively, holding the pid, the process's start
 *   time and the host. A lock whose process is gone, or whose pid now belongs to a process started
 *   at another time (a reused pid), is stale and taken over.
 */
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync, realpathSync } from 'node:fs';
import { link, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { connect, createServer, type Server } from 'node:net';
import { hostname } from 'node:os';
import { basename, join } from 'node:path';
import { type DataDirHolder, DataDirInUseError } from './errors.js';

/** How to lock: the abstract socket (Linux) or the lock file (other platforms; tests). */
export type LockMethod = 'socket' | 'file';

export interface DataDirLock {
  readonly dataDir: string;
  readonly method: LockMethod;
  /** Releases the lock. Idempotent. */
  release(): Promise<void>;
}

/** The lock file of the `file` method. */
export function lockFilePath(dataDir: string): string {
  return join(dataDir, 'lock');
}

/** The abstract socket name of the `socket` method (Linux). */
export function lockSocketName(dataDir: string): string {
  const real = realpathSync(dataDir);
  return `\0config-monitor-${createHash('sha256').update(real).digest('hex')}`;
}

/**
 * Takes the data directory's lock (the directory must exist), or throws
 * {@link DataDirInUseError} naming the holder.
 */
export async function lockDataDir(
  dataDir: string,
  options: { method?: LockMethod } = {},
): Promise<DataDirLock> {
  const method = options.method ?? (process.platform === 'linux' ? 'socket' : 'file');
  return method === 'socket' ? lockWithSocket(dataDir) : lockWithFile(dataDir);
}

/** What this process says about itself to a contender. */
function selfDescription(): Required<DataDirHolder> {
  const script = process.argv[1] ? basename(process.argv[1]).replace(/\.[cm]?[jt]s$/, '') : 'node';
  const command = [script, ...process.argv.slice(2)].join(' ').replace(/\s+/g, ' ');
  return {
    pid: process.pid,
    since: new Date().toISOString(),
    command: command.length > 120 ? `${command.slice(0, 119)}…` : command,
  };
}

async function lockWithSocket(dataDir: string): Promise<DataDirLock> {
  const name = lockSocketName(dataDir);
  const me = JSON.stringify(selfDescription());
  const server: Server = createServer((socket) => {
    socket.unref();
    socket.on('error', () => undefined);
    socket.end(`${me}\n`);
  });
  server.on('error', () => undefined);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(name, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw err;
    throw new DataDirInUseError(dataDir, await askHolder(name));
  }
  // The lock must never keep the process alive on its own.
  server.unref();
  let released: Promise<void> | undefined;
  return {
    dataDir,
    method: 'socket',
    release() {
      released ??= new Promise<void>((resolve) => server.close(() => resolve()));
      return released;
    },
  };
}

/** The holder's answer on the lock socket, or null if it does not answer within a second. */
function askHolder(name: string): Promise<DataDirHolder | null> {
  return new Promise((resolve) => {
    let text = '';
    const socket = connect(name);
    const done = (holder: DataDirHolder | null) => {
      socket.destroy();
      resolve(holder);
    };
    socket.setTimeout(1000, () => done(null));
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      text += chunk;
      if (text.length > 4096) done(null);
    });
    socket.once('end', () => done(parseHolder(text)));
    socket.once('error', () => done(null));
  });
}

function parseHolder(text: string): DataDirHolder | null {
  try {
    const value = JSON.parse(text) as Partial<DataDirHolder>;
    if (!Number.isInteger(value.pid)) return null;
    return {
      pid: value.pid as number,
      ...(typeof value.since === 'string' ? { since: value.since } : {}),
      ...(typeof value.command === 'string' ? { command: value.command } : {}),
    };
  } catch {
    return null;
  }
}

interface LockFileContent extends DataDirHolder {
  readonly host: string;
  /** The process's start time as the system reports it, when it can tell. */
  readonly started: string | null;
}

/** Start time of a process as the system reports it (`/proc` on Linux, `ps` elsewhere), or null. */
export function processStartTime(pid: number): string | null {
  try {
    if (process.platform === 'linux') {
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8');
      // Field 22 (starttime, in clock ticks since boot), counted after the command name's ')'.
      return fields.slice(fields.lastIndexOf(')') + 2).split(' ')[19] ?? null;
    }
    if (process.platform === 'win32') return null;
    const out = execFileSync('ps', ['-o', 'lstart=', '-p', String(pid)], { encoding: 'utf8', stdio: 'pipe' });
    return out.trim() || null;
  } catch {
    return null;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Whether a lock file's process still runs: same host, pid alive, and (if known) same start. */
function holds(content: LockFileContent): boolean {
  if (content.host !== hostname()) return true; // cannot tell: another machine on a shared disk
  if (!alive(content.pid)) return false;
  if (content.started === null) return true;
  const started = processStartTime(content.pid);
  return started === null || started === content.started;
}

async function readLockFile(path: string): Promise<LockFileContent | 'missing' | 'unreadable'> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 'missing';
    throw err;
  }
  try {
    const value = JSON.parse(text) as LockFileContent;
    if (Number.isInteger(value.pid) && typeof value.host === 'string') return value;
  } catch {
    // fall through
  }
  return 'unreadable';
}

async function lockWithFile(dataDir: string): Promise<DataDirLock> {
  const path = lockFilePath(dataDir);
  const me: LockFileContent = {
    ...selfDescription(),
    host: hostname(),
    started: processStartTime(process.pid),
  };
  const text = `${JSON.stringify(me)}\n`;
  for (let attempt = 0; attempt < 5; attempt++) {
    // Written whole under another name, then linked: the lock file is never seen half-written,
    // and link fails if it exists.
    const temp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}`;
    await writeFile(temp, text, { mode: 0o600 });
    try {
      await link(temp, path);
      return fileLock(dataDir, path, text);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    } finally {
      await rm(temp, { force: true });
    }
    const current = await readLockFile(path);
    if (current === 'missing') continue;
    if (current === 'unreadable') {
      // Not one we wrote whole: stale if it has been there a while.
      const age = Date.now() - (await stat(path).catch(() => ({ mtimeMs: Date.now() }))).mtimeMs;
      if (age < 10_000) throw new DataDirInUseError(dataDir, null, `${path} is unreadable`);
    } else if (holds(current)) {
      throw new DataDirInUseError(dataDir, current);
    }
    await takeOver(path, current);
  }
  throw new DataDirInUseError(dataDir, null, `${path} keeps changing`);
}

/** Moves a stale lock file away, and puts it back if it turned out to be a new holder's. */
async function takeOver(path: string, stale: LockFileContent | 'unreadable'): Promise<void> {
  const aside = `${path}.stale.${process.pid}.${randomBytes(4).toString('hex')}`;
  try {
    await rename(path, aside);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  const moved = await readLockFile(aside);
  const same =
    stale === 'unreadable'
      ? moved === 'unreadable'
      : typeof moved === 'object' && moved.pid === stale.pid && moved.since === stale.since;
  if (!same) await link(aside, path).catch(() => undefined);
  await rm(aside, { force: true });
}

function fileLock(dataDir: string, path: string, text: string): DataDirLock {
  let released: Promise<void> | undefined;
  return {
    dataDir,
    method: 'file',
    release() {
      released ??= (async () => {
        // Only our own: never remove a lock another process took over.
        const current = await readFile(path, 'utf8').catch(() => null);
        if (current === text) await rm(path, { force: true });
      })();
      return released;
    },
  };
}
