/**
 * dynalite removes an item's index entries before it writes the item, so a kill while alerts were
 * marked delivered could leave alerts pending that the outbox's `pending` index no longer listed:
 * never posted (4 of 28 kill -9 runs). The test leaves exactly that state on disk (the item
 * pending, its index entry gone) and starts the stack again.
 */
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Level } from 'level';
import { describe, expect, it } from 'vitest';
import { dataDirLayout, startEmbeddedStack } from '../../pipeline/embedded/stack.js';
import { OUTBOX_TABLE } from '../../src/adapters/dynamodb/table-definitions.js';
import { makeAlert } from '../helpers/alerts.js';

const warnings: string[] = [];
const logger = {
  debug: () => {},
  info: () => {},
  warn: (message: string) => warnings.push(message),
  error: (message: string) => warnings.push(message),
};

/** Deletes the `pending` index entries of the outbox table from dynalite's LevelDB, as a kill between the two writes leaves it. */
async function dropPendingIndexEntries(dataDir: string, outboxTable: string): Promise<number> {
  const db = new Level<string, string>(dataDirLayout(dataDir).dynamodb);
  const prefix = `index-global~${outboxTable}~${OUTBOX_TABLE.indexes[0].indexName}~`;
  let dropped = 0;
  for await (const key of db.keys({ gte: prefix, lt: `${prefix}\uffff` })) {
    await db.del(key);
    dropped += 1;
  }
  await db.close();
  return dropped;
}

describe('the outbox index after a kill', () => {
  it('lists and delivers again the pending alerts the index lost', async () => {
    // Prepare: three pending alerts, then the index entries gone and the items still pending.
    const dataDir = mkdtempSync(join(tmpdir(), 'outbox-repair-'));
    const first = await startEmbeddedStack({ dataDir, logger, messageLog: () => {} });
    const outboxTable = first.tables.outbox;
    await first.outbox.enqueue([makeAlert(), makeAlert(), makeAlert({ kind: 'resolution' })]);
    expect(await first.outbox.countPending()).toBe(3);
    await first.close();
    expect(await dropPendingIndexEntries(dataDir, outboxTable)).toBe(3);

    // Act
    const stack = await startEmbeddedStack({ dataDir, logger, messageLog: () => {} });
    try {
      // Assess: listed again, said so, and delivered.
      expect(await stack.outbox.countPending()).toBe(3);
      expect(warnings.some((w) => w.includes('3 pending alerts were missing from the outbox index'))).toBe(
        true,
      );
      const drained = await stack.deliverAlerts({ timeoutMs: 10_000 });
      expect(drained.violations + drained.resolutions).toBe(3);
      expect(await stack.outbox.countPending()).toBe(0);
      expect(
        readdirSync(dataDirLayout(dataDir).outbox).filter((f) => f.endsWith('.json')).length,
      ).toBeGreaterThan(0);
    } finally {
      await stack.close();
    }
    // And a start after a clean stop finds nothing to repair.
    warnings.length = 0;
    const again = await startEmbeddedStack({ dataDir, logger, messageLog: () => {} });
    await again.close();
    expect(warnings.filter((w) => w.includes('missing from the outbox index'))).toEqual([]);
  });
});
