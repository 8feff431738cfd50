/**
 * A conformance-pack rollout as AWS Config sends it: the evaluation of an unchanged resource
 * carries the capture time of its last configuration item as `orderingTimestamp`, a year before
 * the rollout (https://docs.aws.amazon.com/config/latest/APIReference/API_EvaluationResultIdentifier.html).
 * It counts on the day of its EventBridge `time`, in that day's end-of-day state, and when it is
 * older (by order) than the key's state it changes nothing and raises no alert.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEmbeddedArchiver } from '../../pipeline/embedded/archiver.js';
import { DuckDbQueryEngine } from '../../src/adapters/duckdb/duckdb.query-engine.js';
import type { QueryRow } from '../../src/ports/query-engine.js';
import { processBatch } from '../../src/use-cases/process-batch.js';
import { complianceEvent, kinesisEvent } from '../helpers/archive-events.js';
import { inMemoryDeps } from '../helpers/in-memory-hot-store.js';

const ACCOUNT = '111122223333';
const RULE = 's3-bucket-versioning-enabled-conformance-pack-ab12cd34e';
const ROLLOUT_DAY = '2026-11-25';

// A live violation of `watched` on 2026-11-24, then the rollout on 2026-11-25 re-evaluates it
// (COMPLIANT, against a year-old item: stale) and evaluates `old-bucket` for the first time.
const live = complianceEvent({
  id: 'live-violation',
  account: ACCOUNT,
  rule: RULE,
  resourceId: 'watched',
  newStatus: 'NON_COMPLIANT',
  at: '2026-11-24T09:00:00.000Z',
});
const staleRollout = complianceEvent({
  id: 'rollout-stale',
  account: ACCOUNT,
  rule: RULE,
  resourceId: 'watched',
  newStatus: 'COMPLIANT',
  oldStatus: 'NON_COMPLIANT',
  at: '2025-11-20T08:00:00.000Z',
  recordedAt: '2026-11-25T12:00:00.000Z',
  time: '2026-11-25T12:00:01Z',
});
const firstRollout = complianceEvent({
  id: 'rollout-first',
  account: ACCOUNT,
  rule: RULE,
  resourceId: 'old-bucket',
  newStatus: 'NON_COMPLIANT',
  at: '2025-11-20T08:00:00.000Z',
  recordedAt: '2026-11-25T12:00:00.000Z',
  time: '2026-11-25T12:00:01Z',
});

let dataDir: string;
let engine: DuckDbQueryEngine;

async function run(name: string, params: Record<string, string | null>): Promise<QueryRow[]> {
  const outcome = await engine.execute(name, params);
  if (outcome.status !== 'succeeded') throw new Error(`${name} did not finish`);
  return outcome.rows;
}

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'cm-rollout-'));
  const archiver = createEmbeddedArchiver({ dataDir, maxFilesPerPartition: 100, maxBufferMs: 3_600_000 });
  await archiver.handler(kinesisEvent([live, staleRollout, firstRollout].map((e) => JSON.stringify(e))));
  await archiver.flush();
  await archiver.close();
  engine = new DuckDbQueryEngine({ dataDir, threads: 1 });
});

afterAll(async () => {
  await engine?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('a rollout evaluation with an orderingTimestamp a year back', () => {
  it('is archived under the dt of its EventBridge time, with its ordering time kept beside it', async () => {
    // Act
    const timeline = await run('resource_timeline', {
      account: ACCOUNT,
      region: 'eu-west-1',
      resource_type: 'AWS::S3::Bucket',
      resource_id: 'old-bucket',
      start: `${ROLLOUT_DAY}T00:00:00.000Z`,
      end: '2026-11-26T00:00:00.000Z',
    });

    // Assess
    expect(timeline).toHaveLength(1);
    expect(String(timeline[0]?.event_time)).toMatch(/^2026-11-25T12:00:01/);
    expect(String(timeline[0]?.ordering_time)).toMatch(/^2025-11-20T08:00:00/);
  });

  it('counts on the day of its time and in that day’s end-of-day state', async () => {
    // Act
    const rows = await run('daily_state', { day: ROLLOUT_DAY });

    // Assess: old-bucket is a new violation of the rollout day and open at its end; watched got a
    // (stale) COMPLIANT evaluation that day but stays NON_COMPLIANT.
    const of = (status: string) => rows.find((r) => r.status === status);
    expect(of('NON_COMPLIANT')).toMatchObject({ resources: 2, evaluations: 1, new_violations: 1 });
    expect(of('COMPLIANT')).toMatchObject({ resources: 0, evaluations: 1, resolved_violations: 1 });
    const [report] = await run('daily_report', { day: ROLLOUT_DAY });
    expect(report).toMatchObject({ evaluations: 2, new_violations: 1, non_compliant: 2, compliant: 0 });
  });

  it('is stale for the consumer when its key has a newer state: no state change, no alert', async () => {
    // Prepare
    const deps = inMemoryDeps();
    await processBatch([{ text: JSON.stringify(live) }], deps);

    // Act
    const result = await processBatch(
      [{ text: JSON.stringify(staleRollout) }, { text: JSON.stringify(firstRollout) }],
      deps,
    );

    // Assess
    expect(result.summary).toMatchObject({ accepted: 2, stale: 1, violations: 1, resolutions: 0 });
    expect([...deps.outbox.alerts.keys()]).toEqual(['live-violation', 'rollout-first']);
  });
});
