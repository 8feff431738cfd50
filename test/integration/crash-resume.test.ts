/**
 * Crash and resume: the real CLI `ingest` is killed with SIGKILL in the middle of processing, then
 * run again on the same data directory. Nothing may be lost (every valid event is stored and done,
 * archived once by id) and no alert may be sent twice (each alert decision is queued once, and
 * every message in the outbox folder delivered distinct alerts).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { startEmbeddedStack } from '../../pipeline/embedded/stack.js';
import { generateOrganization } from '../../pipeline/generate/organization.js';
import { DuckDbQueryEngine } from '../../src/adapters/duckdb/duckdb.query-engine.js';
import { EventStoreRepository } from '../../src/adapters/dynamodb/event-store.repository.js';
import { parseConfigEvent } from '../../src/domain/config-event.js';
import { expectedCounts } from '../helpers/cli.js';

const BIN = new URL('../../bin/config-monitor.js', import.meta.url).pathname;

function startIngest(
  file: string,
  dataDir: string,
): {
  child: ChildProcess;
  done: Promise<{ code: number | null; signal: string | null; stdout: string; stderr: string }>;
} {
  const child = spawn(process.execPath, [BIN, 'ingest', file, '--json', '--data-dir', dataDir], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, SLACK_WEBHOOK_URL: '' },
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => {
    stdout += d;
  });
  child.stderr!.on('data', (d) => {
    stderr += d;
  });
  const done = new Promise<{ code: number | null; signal: string | null; stdout: string; stderr: string }>(
    (resolve) => child.on('exit', (code, signal) => resolve({ code, signal, stdout, stderr })),
  );
  return { child, done };
}

/** Records the consumer has checkpointed, summed over shards (by counting checkpoint files). */
function consumerCheckpoints(dataDir: string): number {
  const dir = join(dataDir, 'checkpoints', 'consumer');
  return existsSync(dir) ? readdirSync(dir).filter((f) => f.startsWith('shardId-')).length : 0;
}

describe('crash and resume of the real CLI', () => {
  it('loses no event and sends no alert twice after kill -9 mid-ingest', async () => {
    // Prepare: a generated organization with a storm, redeliveries and late arrivals.
    const dir = mkdtempSync(join(tmpdir(), 'crash-resume-'));
    const dataDir = join(dir, 'data');
    const file = join(dir, 'org.jsonl');
    const lines = [
      ...generateOrganization({
        accounts: 3,
        regions: 2,
        days: 8,
        end: '2026-11-20',
        seed: 11,
        storm: 400,
        redeliveries: 0.02,
        late: 0.02,
      }),
    ].map((event) => JSON.stringify(event));
    writeFileSync(file, `${lines.join('\n')}\n`);
    const expected = expectedCounts(lines);
    const validIds = new Set<string>();
    const complianceIds = new Set<string>();
    for (const line of lines) {
      const outcome = parseConfigEvent(line);
      if (outcome.status !== 'accepted') continue;
      validIds.add(outcome.event.eventId);
      if (outcome.event.kind === 'compliance-change') complianceIds.add(outcome.event.eventId);
    }

    // Act 1: kill -9 once the consumer has checkpointed its first batches.
    const first = startIngest(file, dataDir);
    const started = Date.now();
    while (consumerCheckpoints(dataDir) < 2 && Date.now() - started < 90_000) {
      await new Promise((r) => setTimeout(r, 20));
    }
    first.child.kill('SIGKILL');
    const killed = await first.done;

    // Act 2: run it again to completion.
    const second = await startIngest(file, dataDir).done;

    // Assess: the first run really died mid-ingest, the second finished.
    expect(killed.signal).toBe('SIGKILL');
    expect(killed.stdout).toBe('');
    expect(second.code, second.stderr).toBe(0);
    const summary = JSON.parse(second.stdout) as {
      received: number;
      accepted: number;
      duplicates: number;
      skipped: number;
      rejected: number;
    };
    expect(summary.received).toBe(lines.length);
    expect(summary.received).toBe(summary.accepted + summary.duplicates + summary.skipped + summary.rejected);

    const stack = await startEmbeddedStack({ dataDir, messageLog: () => {}, ignoreRunning: true });
    try {
      // No event lost: every valid event id is stored and marked done.
      const done = await new EventStoreRepository(stack.doc, stack.tables.events).findDone([...validIds]);
      expect(done.size).toBe(validIds.size);

      // No alert twice: one outbox item per alert decision, all delivered, and every message
      // file in the outbox folder corresponds to one distinct delivery (message_ref).
      const items: Array<Record<string, unknown>> = [];
      let startKey: Record<string, unknown> | undefined;
      do {
        const page = await stack.doc.send(
          new ScanCommand({
            TableName: stack.tables.outbox,
            ExclusiveStartKey: startKey,
            ConsistentRead: true,
          }),
        );
        items.push(...(page.Items ?? []));
        startKey = page.LastEvaluatedKey;
      } while (startKey);
      const alerts = items.filter((item) => String(item.pk).startsWith('ALERT#'));
      expect(alerts).toHaveLength(expected.alerts.violations + expected.alerts.resolved);
      expect(new Set(alerts.map((a) => a.event_id)).size).toBe(alerts.length);
      expect(alerts.filter((a) => a.pending_pk !== undefined)).toEqual([]);
      const refs = new Set(alerts.map((a) => a.message_ref));
      const files = readdirSync(join(dataDir, 'outbox')).filter((f) => f.endsWith('.json'));
      expect(files.length).toBe(refs.size);
      for (const f of files)
        expect(() => JSON.parse(readFileSync(join(dataDir, 'outbox', f), 'utf8'))).not.toThrow();
    } finally {
      await stack.close();
    }

    // The archive holds every compliance change (queries deduplicate by id, so copies are harmless).
    const engine = new DuckDbQueryEngine({ dataDir });
    try {
      const [row] = await engine.runSql('select count(distinct event_id) as ids from compliance_events');
      expect(row?.ids).toBe(complianceIds.size);
    } finally {
      await engine.close();
    }
  });
});
