/**
 * Quarantine in the embedded stack's data directory: one JSON line per rejected record in
 * `<data-dir>/rejected/<YYYY-MM-DD>.jsonl` (UTC day the record was received).
 *
 * At-least-once: a redelivered batch appends its rejected records again; readers treat
 * (sequenceNumber, data) as the identity.
 */
import { appendFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Quarantine, QuarantinedRecord } from '../../ports/quarantine.js';

export class FileQuarantine implements Quarantine {
  /** `<dataDir>/rejected`. */
  readonly dir: string;
  private ready: Promise<unknown> | null = null;

  constructor(dataDir: string) {
    this.dir = join(dataDir, 'rejected');
  }

  /** Appends the records, grouped by day, one `appendFile` per day file. */
  async put(records: readonly QuarantinedRecord[]): Promise<void> {
    if (records.length === 0) return;
    this.ready ??= mkdir(this.dir, { recursive: true }).catch((err: unknown) => {
      this.ready = null; // try again on the next put (the directory may become writable)
      throw err;
    });
    await this.ready;
    const byDay = new Map<string, string[]>();
    for (const record of records) {
      const day = record.receivedAt.slice(0, 10);
      const lines = byDay.get(day) ?? [];
      lines.push(`${JSON.stringify(record)}\n`);
      byDay.set(day, lines);
    }
    for (const [day, lines] of byDay) await appendFile(this.fileFor(day), lines.join(''), 'utf8');
  }

  /** The file of one UTC day (`YYYY-MM-DD`). */
  fileFor(day: string): string {
    return join(this.dir, `${day}.jsonl`);
  }
}
