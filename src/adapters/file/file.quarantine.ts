/**
 * Quarantine in the embedded stack's data directory: one JSON line per rejected record in
 * `<data-dir>/rejected/<YYYY-MM-DD>.jsonl` (UTC day the record was received).
 *
 * Every line is whole, however many writers append at once (the consumer's shards and an ingest in
 * one process, worker threads, other processes):
 * - each record is **one `write(2)` of one complete line** on a descriptor opened with `O_APPEND`.
 *   The kernel moves to the end and writes under the file's lock, so two such writes never
 *   interleave, whatever their size (Linux and macOS local file systems; not NFS). Before, one
 *   `appendFile` per batch was cut by Node into 512 KiB writes, and the pieces of concurrent batches
 *   interleaved: 5–7 % of 400 large rejected records were torn;
 * - within a thread, the appends to one file run one after another (one writer), so a batch's
 *   records stay together and in order;
 * - a write cut short may leave a fragment without its newline, which would swallow the next
 *   record. After a failed write (a full disk) the thread's next append to that file first ends
 *   it; a process killed in the middle of a write leaves one that {@link FileQuarantine.endFragments}
 *   ends when the next stack starts (it holds the data directory, so no one else is writing). Only
 *   that record is unreadable, and it is stored again: `put` threw, or its batch was never
 *   checkpointed.
 *
 * At-least-once: a redelivered batch appends its rejected records again; readers treat
 * (sequenceNumber, data) as the identity.
 */
import { type FileHandle, mkdir, open, readdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Quarantine, QuarantinedRecord } from '../../ports/quarantine.js';

const NEWLINE = 0x0a;

/** The tail of the appends queued per file in this thread (absolute path). */
const appends = new Map<string, Promise<void>>();
/** Files whose last append in this thread failed: they may end with a fragment. */
const suspect = new Set<string>();

export class FileQuarantine implements Quarantine {
  /** `<dataDir>/rejected`. */
  readonly dir: string;
  private ready: Promise<unknown> | null = null;

  constructor(dataDir: string) {
    this.dir = join(dataDir, 'rejected');
  }

  /** Appends the records, grouped by day, one write per record. */
  async put(records: readonly QuarantinedRecord[]): Promise<void> {
    if (records.length === 0) return;
    this.ready ??= mkdir(this.dir, { recursive: true }).catch((err: unknown) => {
      this.ready = null; // try again on the next put (the directory may become writable)
      throw err;
    });
    await this.ready;
    const byDay = new Map<string, Buffer[]>();
    for (const record of records) {
      const day = record.receivedAt.slice(0, 10);
      const lines = byDay.get(day) ?? [];
      // JSON.stringify escapes every control character, so the line has exactly one newline.
      lines.push(Buffer.from(`${JSON.stringify(record)}\n`, 'utf8'));
      byDay.set(day, lines);
    }
    for (const [day, lines] of byDay) await appendLines(this.fileFor(day), lines);
  }

  /**
   * Ends the fragment a killed writer may have left at the end of each day file, so that the next
   * record starts on a line of its own; returns the files it ended. Only while no other process
   * writes the directory (the embedded stack calls it on start, holding the data directory): a
   * concurrent append could be seen half-written.
   */
  async endFragments(): Promise<string[]> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    const ended: string[] = [];
    for (const name of names.filter((n) => n.endsWith('.jsonl')).sort()) {
      const file = join(this.dir, name);
      await appendTask(file, async () => {
        const handle = await open(file, 'a+');
        try {
          if (await endFragment(handle)) ended.push(file);
        } finally {
          await handle.close();
        }
      });
    }
    return ended;
  }

  /** The file of one UTC day (`YYYY-MM-DD`). */
  fileFor(day: string): string {
    return join(this.dir, `${day}.jsonl`);
  }
}

/** Queues the lines behind the appends to `file` already in flight in this thread. */
function appendLines(file: string, lines: readonly Buffer[]): Promise<void> {
  return appendTask(file, (path) => writeLines(path, lines));
}

function appendTask(file: string, task: (path: string) => Promise<void>): Promise<void> {
  const path = resolve(file);
  const previous = appends.get(path) ?? Promise.resolve();
  const run = previous.then(() => task(path));
  const tail = run.catch(() => undefined);
  appends.set(path, tail);
  void tail.then(() => {
    if (appends.get(path) === tail) appends.delete(path);
  });
  return run;
}

async function writeLines(path: string, lines: readonly Buffer[]): Promise<void> {
  // O_RDWR | O_CREAT | O_APPEND: every write goes to the end; reading is for the fragment check.
  const handle = await open(path, 'a+');
  try {
    if (suspect.has(path)) {
      await endFragment(handle);
      suspect.delete(path);
    }
    for (const line of lines) await writeWhole(handle, line);
  } catch (err) {
    suspect.add(path);
    throw err;
  } finally {
    await handle.close();
  }
}

/** One `write(2)` of the whole buffer (libuv retries a short write with the rest). */
async function writeWhole(handle: FileHandle, buffer: Buffer): Promise<void> {
  const { bytesWritten } = await handle.write(buffer, 0, buffer.length, null);
  if (bytesWritten !== buffer.length) {
    throw new Error(`short write to the quarantine: ${bytesWritten} of ${buffer.length} bytes`);
  }
}

/** Appends a newline unless the file is empty or ends with one. */
async function endFragment(handle: FileHandle): Promise<boolean> {
  const { size } = await handle.stat();
  if (size === 0) return false;
  const last = Buffer.alloc(1);
  await handle.read(last, 0, 1, size - 1);
  if (last[0] === NEWLINE) return false;
  await writeWhole(handle, Buffer.from([NEWLINE]));
  return true;
}
