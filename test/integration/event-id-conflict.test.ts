/**
 * One event id on several resources (hostile or broken input): before, each record was applied,
 * `accepted` counted 3 for one stored event, and the states of all three resources moved. Now
 * the first record received wins and the others are rejected as conflicting duplicates, with a
 * reason, across shards that race on the id (the resources' records go to different shards).
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
