/**
 * Flapping on the embedded stack (kinesalite, dynalite, the folder sink): a pair turning over every
 * 40 minutes sends its first alerts, then one flapping message, then nothing until it has been
 * stable for 24 h; ingesting it all again sends nothing more.
 */
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dataDirLayout, type EmbeddedStack, startEmbeddedStack } from '../../pipeline/embedded/stack.js';
import { complianceEvent, type Status } from '../helpers/archive-events.js';

let stack: EmbeddedStack;
let dataDir: string;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'flapping-'));
  stack = await startEmbeddedStack({
    dataDir,
    shards: 2,
    messageLog: () => {},
    logger: { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} },
  });
});

afterAll(async () => {
  await stack?.close();
});

/** Every message the folder sink wrote, as text (in any destination sub-folder). */
function messages(): string[] {
  const root = dataDirLayout(dataDir).outbox;
  const files = readdirSync(root, { recursive: true, withFileTypes: true }).filter(
    (entry) => entry.isFile() && entry.name.endsWith('.json'),
  );
  return files.map((entry) => readFileSync(join(entry.parentPath, entry.name), 'utf8'));
}

describe('a flapping pair on the embedded stack', () => {
  it('alerts its first changes, flags it once, is quiet, and alerts again after 24 h stable', async () => {
    // Prepare: a first COMPLIANT evaluation, then 8 changes 40 minutes apart, then one 25 h later.
    const at = (minutes: number) =>
      new Date(Date.parse('2026-11-20T00:00:00Z') + minutes * 60_000).toISOString();
    const statuses: Status[] = ['COMPLIANT'];
    for (let i = 0; i < 8; i++)
      statuses.push(statuses.at(-1) === 'COMPLIANT' ? 'NON_COMPLIANT' : 'COMPLIANT');
    const records = statuses.map((status, i) => ({
      value: complianceEvent({
        id: `flap-${i}`,
        resourceId: 'flapping-bucket',
        newStatus: status,
        oldStatus: i === 0 ? null : (statuses[i - 1] as Status),
        at: at(i * 40),
      }),
    }));
    const later = {
      value: complianceEvent({
        id: 'flap-stable',
        resourceId: 'flapping-bucket',
        newStatus: 'NON_COMPLIANT',
        oldStatus: 'COMPLIANT',
        at: at(7 * 40 + 25 * 60),
      }),
    };

    // Act
    const first = await stack.ingest(records);
    const flaggedOnly = messages();
    const again = await stack.ingest(records);
    const stable = await stack.ingest([later]);

    // Assess: 4 alerts, then the flapping message, then quiet (changes 6 to 8); nothing on the replay.
    expect(first.summary.alerts.messages).toBe(5);
    const flapping = flaggedOnly.filter((m) => m.includes('Config rule flapping'));
    expect(flapping).toHaveLength(1);
    expect(flapping[0]).toMatch(/flapping: 5 changes in 24 h/);
    expect(again.summary.alerts.messages).toBe(0);
    expect(stable.summary.alerts.messages).toBe(1);
    expect(messages()).toHaveLength(6);
  });
});
