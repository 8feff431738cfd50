/**
 * `<data-dir>/endpoints.json`: how a running `config-monitor up` advertises its endpoints, and how
 * other commands find it (and tell a live one from a file left by a process that is gone).
 */
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { dataDirLayout } from './data-dir.js';

/** Where a running `up` can be reached; written to `<data-dir>/endpoints.json`. */
export interface StackEndpoints {
  readonly pid: number;
  readonly startedAt: string;
  readonly kinesis: string;
  readonly dynamodb: string;
  readonly region: string;
  readonly tablePrefix: string;
  readonly streamName: string;
  /** The control endpoint through which `ingest` runs inside the `up` process (see control.ts). */
  readonly control: string | null;
  /** Bearer token of the control endpoint (the file is readable by its owner only). */
  readonly token: string | null;
  /** The API and dashboard, when served. */
  readonly api: string | null;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Whether something accepts TCP connections at an `http://host:port` URL (within `timeoutMs`). */
function listening(url: string, timeoutMs = 1_000): Promise<boolean> {
  let host: string;
  let port: number;
  try {
    const parsed = new URL(url);
    host = parsed.hostname;
    port = Number(parsed.port);
  } catch {
    return Promise.resolve(false);
  }
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (answer: boolean) => {
      socket.destroy();
      resolve(answer);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/**
 * The endpoints of the `config-monitor up` running on this data directory, or null: no file, a
 * file left by a process that is gone, or one whose pid now belongs to another process (pids are
 * reused after a crash or a reboot): then its stream endpoint no longer answers.
 */
export async function readRunningStack(dataDir: string): Promise<StackEndpoints | null> {
  let parsed: StackEndpoints;
  try {
    parsed = JSON.parse(await readFile(dataDirLayout(dataDir).endpoints, 'utf8')) as StackEndpoints;
  } catch {
    return null;
  }
  if (!Number.isInteger(parsed.pid) || parsed.pid === process.pid || !processAlive(parsed.pid)) return null;
  if (typeof parsed.kinesis !== 'string' || !(await listening(parsed.kinesis))) return null;
  return parsed;
}

/** Advertises a running stack (mode 0600: the control token is a credential). */
export async function writeStackEndpoints(dataDir: string, endpoints: StackEndpoints): Promise<void> {
  const path = dataDirLayout(dataDir).endpoints;
  await writeFile(`${path}.tmp-${process.pid}`, `${JSON.stringify(endpoints, null, 2)}\n`, { mode: 0o600 });
  await rename(`${path}.tmp-${process.pid}`, path);
}

/** Removes `endpoints.json` if it is this process's. */
export async function removeStackEndpoints(dataDir: string): Promise<void> {
  const path = dataDirLayout(dataDir).endpoints;
  try {
    const current = JSON.parse(await readFile(path, 'utf8')) as StackEndpoints;
    if (current.pid === process.pid) await rm(path, { force: true });
  } catch {
    // absent or unreadable: nothing of ours to remove
  }
}
