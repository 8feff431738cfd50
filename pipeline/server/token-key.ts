/**
 * The key that signs the local API's opaque tokens (the `/events` cursor and the `/queries/{id}`
 * poll id): 32 random bytes in `<data-dir>/api-token.key`, mode 0600, made on first use and kept,
 * so a cursor stays valid across restarts of `up` on the same data directory.
 *
 * Before, the local key was a constant in the source, so anyone could sign a poll id with forged
 * content and the API answered it with a 500; now a token the API did not issue fails its MAC and
 * is a 400 naming the parameter.
 */
import { randomBytes } from 'node:crypto';
import { link, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

const KEY_FILE = 'api-token.key';
const KEY = /^[0-9a-f]{64}$/;

/** Path of the token key of a data directory. */
export function apiTokenKeyPath(dataDir: string): string {
  return join(dataDir, KEY_FILE);
}

/**
 * The data directory's token key, made when missing or unusable (a garbled file is replaced: the
 * only cost is that tokens issued with the old key are refused, and clients ask again).
 */
export async function loadApiTokenKey(dataDir: string): Promise<string> {
  const path = apiTokenKeyPath(dataDir);
  const existing = await readKey(path);
  if (existing) return existing;
  await mkdir(dirname(path), { recursive: true });
  const temporary = `${path}.tmp-${process.pid}`;
  await writeFile(temporary, `${randomBytes(32).toString('hex')}\n`, { mode: 0o600 });
  try {
    // A garbled file is replaced; a link fails with EEXIST if another process made a key meanwhile,
    // and then theirs is the key: the whole file appears at once, never half-written.
    await rm(path, { force: true }).then(() => link(temporary, path));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  } finally {
    await rm(temporary, { force: true });
  }
  const key = await readKey(path);
  if (!key) throw new Error(`${path} could not be made; check that the data directory is writable`);
  return key;
}

async function readKey(path: string): Promise<string | null> {
  try {
    const text = (await readFile(path, 'utf8')).trim();
    return KEY.test(text) ? text : null;
  } catch {
    return null;
  }
}
