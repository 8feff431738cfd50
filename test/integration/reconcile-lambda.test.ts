/**
 * The reconciler Lambda's handler with real parts: the ConfigServiceClient against the aggregator
 * stand-in, the state and the checkpoint in dynalite, the records into kinesalite. A sync longer
 * than one invocation pauses, saves its checkpoint and is resumed by the next invocation (as the
 * Step Functions loop does) until done: every result put once, one baseline summary, metrics.
 */
import {
  CreateStreamCommand,
  DescribeStreamCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  waitUntilStreamExists,
} from '@aws-sdk/client-kinesis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type ConfigAggregatorStandIn,
  type StandInResult,
  startConfigAggregatorStandIn,
} from '../../pipeline/embedded/config-aggregator-stand-in.js';
import {
  AggregatorComplianceSource,
  createConfigServiceClient,
} from '../../src/adapters/config/aggregator.compliance-source.js';
import { ComplianceStateRepository } from '../../src/adapters/dynamodb/compliance-state.repository.js';
import {
  SyncCheckpointRepository,
  SyncStatusRepository,
} from '../../src/adapters/dynamodb/sync-status.repository.js';
import { tableName } from '../../src/adapters/dynamodb/table-definitions.js';
import { KinesisRecordPublisher } from '../../src/adapters/kinesis/stream.record-publisher.js';
import {
  CHECKPOINT_MAX_AGE_MS,
  createReconcileHandler,
  PAUSE_MARGIN_MS,
  RECONCILE_METRICS,
} from '../../src/handlers/reconcile.handler.js';
import type { SlackMessage } from '../../src/ports/message-sink.js';
import {
  type LocalDynamo,
  type LocalKinesis,
  startLocalDynamo,
  startLocalKinesis,
} from '../helpers/local-aws.js';

const AGGREGATOR = 'org';
const REGION = 'eu-west-1';
const ACCOUNTS = ['111122223333', '444455556666'];
const RULES = ['s3-bucket-versioning-enabled', 'restricted-ssh', 'iam-root-access-key-check'];

let dynamo: LocalDynamo;
let kinesis: LocalKinesis;
let standIn: ConfigAggregatorStandIn;
const silent = { info() {}, warn() {} };

function results(): StandInResult[] {
  const out: StandInResult[] = [];
  for (const account of ACCOUNTS) {
    for (const rule of RULES) {
      for (let i = 0; i < 40; i++) {
        out.push({
          account,
          region: REGION,
          ruleName: rule,
          resourceType: 'AWS::S3::Bucket',
          resourceId: `bucket-${i}`,
          complianceType: i % 4 === 0 ? 'NON_COMPLIANT' : 'COMPLIANT',
          orderingTimestamp: '2025-03-01T10:00:00.000Z',
          resultRecordedTime: '2025-03-01T10:00:07.000Z',
        });
      }
    }
  }
  return out;
}

beforeAll(async () => {
  [dynamo, kinesis] = await Promise.all([startLocalDynamo(), startLocalKinesis()]);
  standIn = await startConfigAggregatorStandIn({
    aggregatorName: AGGREGATOR,
    results: results(),
    sources: ACCOUNTS.map((account) => ({ account, region: REGION, status: 'SUCCEEDED' as const })),
    emptyPageEvery: 3,
  });
});
afterAll(async () => {
  await Promise.all([dynamo?.close(), kinesis?.close(), standIn?.close()]);
});

async function newStream(): Promise<string> {
  const name = `reconcile-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`;
  await kinesis.client.send(new CreateStreamCommand({ StreamName: name, ShardCount: 2 }));
  await waitUntilStreamExists(
    { client: kinesis.client, maxWaitTime: 30, minDelay: 0.05, maxDelay: 0.2 },
    { StreamName: name },
  );
  return name;
}

async function recordIds(stream: string): Promise<string[]> {
  const { StreamDescription } = await kinesis.client.send(new DescribeStreamCommand({ StreamName: stream }));
  const ids: string[] = [];
  for (const shard of StreamDescription?.Shards ?? []) {
    let { ShardIterator: iterator } = await kinesis.client.send(
      new GetShardIteratorCommand({
        StreamName: stream,
        ShardId: shard.ShardId,
        ShardIteratorType: 'TRIM_HORIZON',
      }),
    );
    for (;;) {
      const page = await kinesis.client.send(new GetRecordsCommand({ ShardIterator: iterator }));
      for (const r of page.Records ?? []) ids.push(JSON.parse(Buffer.from(r.Data ?? []).toString('utf8')).id);
      if ((page.Records ?? []).length === 0) break;
      iterator = page.NextShardIterator;
    }
  }
  return ids;
}

async function setup(now?: () => Date) {
  const prefix = await dynamo.newPrefix();
  const stream = await newStream();
  const events = tableName(prefix, { logicalName: 'events' });
  const client = createConfigServiceClient({
    region: REGION,
    endpoint: standIn.endpoint,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
  const posted: SlackMessage[] = [];
  const metrics: Record<string, number> = {};
  const checkpoints = new SyncCheckpointRepository(dynamo.doc, events, now);
  const handler = createReconcileHandler({
    config: new AggregatorComplianceSource(client, AGGREGATOR),
    state: new ComplianceStateRepository(dynamo.doc, tableName(prefix, { logicalName: 'state' })),
    publisher: new KinesisRecordPublisher(kinesis.client, stream),
    status: new SyncStatusRepository(dynamo.doc, events),
    checkpoints,
    logger: silent,
    metric: (name, value) => {
      metrics[name] = value;
    },
    sink: {
      post: async (message) => {
        posted.push(message);
        return { ok: true };
      },
    },
    ...(now ? { now } : {}),
  });
  return { handler, stream, events, posted, metrics, checkpoints, client };
}

describe('reconciler Lambda handler', () => {
  it('pauses before its timeout, resumes from the checkpoint, and finishes with every result put once', async () => {
    const { handler, stream, events, posted, metrics, checkpoints, client } = await setup();
    // Each invocation has time for two rule scopes, then reports less than the pause margin.
    let steps = 0;
    let out: Awaited<ReturnType<typeof handler>>;
    do {
      steps++;
      let asked = 0;
      out = await handler(() => (asked++ < 2 ? 14 * 60_000 : PAUSE_MARGIN_MS - 1));
      if (!out.done) expect((await checkpoints.load())?.checkpoint.syncId).toBe(out.syncId);
    } while (!out.done && steps < 20);
    client.destroy();

    const total = ACCOUNTS.length * RULES.length * 40;
    expect(steps).toBe(3);
    expect(out).toMatchObject({ done: true, results: total, applied: total, closed: 0, baseline: true });
    const ids = await recordIds(stream);
    expect(ids).toHaveLength(total);
    expect(new Set(ids).size).toBe(total);
    expect(await checkpoints.load()).toBeNull();
    expect(posted).toHaveLength(1);
    expect(posted[0]?.text).toContain('Config baseline');
    expect(metrics).toMatchObject({
      [RECONCILE_METRICS.driftViolations]: 0,
      [RECONCILE_METRICS.recordsApplied]: total,
      [RECONCILE_METRICS.sourcesFailed]: 0,
    });
    const status = await new SyncStatusRepository(dynamo.doc, events).latest();
    expect(status).toMatchObject({ syncId: out.syncId, results: total, baseline: true });
  });

  it('abandons a checkpoint older than the limit and starts a new sync', async () => {
    let now = new Date('2026-12-01T05:00:00.000Z');
    const { handler, checkpoints, client } = await setup(() => now);
    let asked = 0;
    const first = await handler(() => (asked++ < 1 ? 14 * 60_000 : 0));
    expect(first.done).toBe(false);
    now = new Date(now.getTime() + CHECKPOINT_MAX_AGE_MS + 60_000);
    const second = await handler(() => 14 * 60_000);
    client.destroy();
    expect(second.done).toBe(true);
    expect(second.syncId).not.toBe(first.syncId);
    expect(await checkpoints.load()).toBeNull();
  });
});
