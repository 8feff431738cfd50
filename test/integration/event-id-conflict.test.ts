/**
 * One event id on several resources (hostile or broken input): before, each record was applied,
 * `accepted` counted 3 for one stored event, and the states of all three resources moved. Now
 * the first record received wins and the others are rejected as conflicting duplicates, with a
 * reason, across shards that race on the id (the resources' records go to different shards).
 * And the archive holds what the hot store holds: before, the archiver wrote a Parquet row for
 * every one of those records, so the archive counted the id on several resources and with content
 * the hot store rejected.
 */
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  dataDirLayout,
  type EmbeddedStack,
  partitionKeyFor,
  startEmbeddedStack,
} from '../../pipeline/embedded/stack.js';
import { DuckDbQueryEngine } from '../../src/adapters/duckdb/duckdb.query-engine.js';
import { complianceEvent } from '../helpers/archive-events.js';

let stack: EmbeddedStack;
let dataDir: string;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'id-conflict-'));
  stack = await startEmbeddedStack({
    dataDir,
    shards: 4,
    messageLog: () => {},
    logger: { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} },
  });
});

afterAll(async () => {
  await stack?.close();
});

describe('one event id on several resources', () => {
  it('stores one event, moves one state and rejects the others with a reason', async () => {
    // Prepare: the same id on 6 buckets (spread over the shards) and the first one redelivered.
    const on = (resourceId: string) =>
      complianceEvent({ id: 'one-id', resourceId, newStatus: 'NON_COMPLIANT', at: '2026-11-20T10:00:00Z' });
    const buckets = ['bucket-a', 'bucket-b', 'bucket-c', 'bucket-d', 'bucket-e', 'bucket-f'];
    const records = buckets.map((b) => ({ value: on(b) }));
    expect(new Set(buckets.map((b) => partitionKeyFor(on(b), JSON.stringify(on(b))))).size).toBe(6);
    // Act
    const first = await stack.ingest(records);
    const again = await stack.ingest([{ value: on('bucket-a') }, { value: on('bucket-b') }]);
    // Assess
    expect(first.summary).toMatchObject({ received: 6, accepted: 1, rejected: 5 });
    expect(first.summary.alerts.violations).toBe(1);
    const states = await stack.doc.send(new ScanCommand({ TableName: stack.tables.state }));
    expect(states.Items?.length).toBe(1);
    const events = await stack.doc.send(
      new ScanCommand({
        TableName: stack.tables.events,
        FilterExpression: 'id = :id',
        ExpressionAttributeValues: { ':id': 'one-id' },
      }),
    );
    expect(events.Items).toHaveLength(1);
    const kept = String(events.Items?.[0]?.detail?.resourceId);
    const rejected = readdirSync(dataDirLayout(dataDir).rejected).flatMap((f) =>
      readFileSync(join(dataDirLayout(dataDir).rejected, f), 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l)),
    );
    expect(rejected.filter((r) => String(r.reason).startsWith('conflicting duplicate'))).toHaveLength(6); // 5, and 1 of the second ingest
    // A redelivery of the kept record is a duplicate; of another, a conflict again.
    expect(again.summary).toMatchObject({ received: 2, accepted: 0, duplicates: 1, rejected: 1 });
    expect(buckets).toContain(kept);
  });
});

describe('one event id in the archive', () => {
  it("holds exactly the hot store's row for the id: one row, the content the consumer kept", async () => {
    // Prepare: one id on three resources, and on the first of them with other content (another
    // status and order), spread over the shards that the consumer and the archiver read apart.
    const id = 'archived-once';
    const records = [
      complianceEvent({ id, resourceId: 'vault-a', newStatus: 'NON_COMPLIANT', at: '2026-11-21T10:00:00Z' }),
      complianceEvent({ id, resourceId: 'vault-b', newStatus: 'NON_COMPLIANT', at: '2026-11-21T10:00:00Z' }),
      complianceEvent({ id, resourceId: 'vault-c', newStatus: 'NON_COMPLIANT', at: '2026-11-21T10:00:00Z' }),
      complianceEvent({ id, resourceId: 'vault-a', newStatus: 'COMPLIANT', at: '2026-11-21T11:00:00Z' }),
    ].map((value) => ({ value }));

    // Act: ingest, then ingest the same records again (a redelivery of them all).
    await stack.ingest(records);
    const engine = new DuckDbQueryEngine({ dataDir, threads: 1 });
    const rowsOf = () =>
      engine.runSql(
        `select resource_id, new_status, ordering_time from compliance_events where event_id = '${id}'`,
      );
    const first = await rowsOf();
    await stack.ingest(records);
    const again = await rowsOf();
    await engine.close();

    // Assess
    const stored = await stack.doc.send(
      new ScanCommand({
        TableName: stack.tables.events,
        FilterExpression: 'id = :id',
        ExpressionAttributeValues: { ':id': id },
      }),
    );
    expect(stored.Items).toHaveLength(1);
    const kept = stored.Items?.[0]?.detail as { resourceId: string; newStatus: string; done?: boolean };
    expect(stored.Items?.[0]?.done).toBe(true);
    const keptRow = { resource_id: kept.resourceId, new_status: kept.newStatus };
    expect(first).toHaveLength(1);
    expect(first[0]).toMatchObject(keptRow);
    // A redelivery may archive the kept content again: an identical row, which every query counts once.
    expect(new Set(again.map((row) => JSON.stringify(row)))).toEqual(new Set([JSON.stringify(first[0])]));
  });
});
