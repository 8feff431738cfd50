/**
 * The embedded stack on a temp data directory: publish → both consumers → waitUntilProcessed,
 * persistence across restarts, the one-process-per-data-directory rule, and ingest through a
 * running stack's control endpoint.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { type AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeleteTableCommand } from '@aws-sdk/client-dynamodb';
import { DescribeStreamCommand, GetRecordsCommand, GetShardIteratorCommand } from '@aws-sdk/client-kinesis';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { ingestThroughRunningStack, startControlServer } from '../../pipeline/embedded/control.js';
import {
  EmbeddedError,
  ProcessingTimeoutError,
  StackAlreadyRunningError,
} from '../../pipeline/embedded/errors.js';
import {
  admit,
  type EmbeddedStack,
  partitionKeyFor,
  readRunningStack,
  removeStackEndpoints,
  startEmbeddedStack,
  writeStackEndpoints,
} from '../../pipeline/embedded/stack.js';
import { fixture, fixtureText } from '../helpers/fixtures.js';

const quiet = { messageLog: () => {} };
const silentLogger = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };

describe('partition keys and admission (the EventBridge rule locally)', () => {
  it('keys by the resource id where each event kind carries it (as the cloud rules), else the event id', () => {
    // Prepare
    const change = fixture<Record<string, unknown>>('compliance-change', 'first-evaluation');
    const item = fixture<Record<string, unknown>>('configuration-item', 'inline-item-account-inside');
    const oversized = fixture<Record<string, unknown>>('configuration-item', 'oversized');
    const long = 'r'.repeat(768);
    const longChange = { ...change, detail: { ...(change.detail as object), resourceId: long } };
    // Assess
    expect(partitionKeyFor(change, '')).toBe('my-data-bucket');
    expect(partitionKeyFor(item, '')).toBe('sg-0123456789abcdef0');
    expect(partitionKeyFor(oversized, '')).toBe('ANPAEXAMPLEPOLICYID01');
    expect(partitionKeyFor({ ...change, detail: {} }, '')).toBe(change.id);
    expect(partitionKeyFor(longChange, '')).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(partitionKeyFor(longChange, '')).toBe(partitionKeyFor({ ...longChange, id: 'other' }, 'other'));
    expect(partitionKeyFor(null, 'raw text')).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  describe.each([
    ['a compliance change', { text: fixtureText('compliance-change', 'first-evaluation') }, 'publish'],
    ['a configuration item', { value: fixture('configuration-item', 'oversized') }, 'publish'],
    [
      'an invalid event matching the pattern (the consumer rejects it)',
      { value: fixture('hostile', 'short-account') },
      'publish',
    ],
    ['another aws.config detail type', { value: fixture('other', 'config-snapshot-delivery') }, 'skipped'],
    ['another source', { value: fixture('other', 'ec2-state-change') }, 'skipped'],
    ['an SNS envelope', { value: fixture('other', 'sns-envelope') }, 'rejected'],
    ['bad JSON', { text: '{"id": ' }, 'rejected'],
    ['an array', { value: [1] }, 'rejected'],
  ] as const)('%s', (_name, record, status) => {
    it(`is ${status}`, () => {
      const outcome = admit(record);
      expect(outcome.status).toBe(status);
      if (outcome.status === 'rejected') expect(outcome.reason.length).toBeGreaterThan(5);
    });
  });
});

/** The stream records whose data mentions `needle`, with their shard and partition key. */
async function streamRecordsOf(stack: EmbeddedStack, needle: string) {
  const { StreamDescription } = await stack.kinesis.send(
    new DescribeStreamCommand({ StreamName: stack.streamName }),
  );
  const out: { shard: string; key: string }[] = [];
  for (const shard of StreamDescription!.Shards!) {
    let { ShardIterator: iterator } = await stack.kinesis.send(
      new GetShardIteratorCommand({
        StreamName: stack.streamName,
        ShardId: shard.ShardId!,
        ShardIteratorType: 'TRIM_HORIZON',
      }),
    );
    for (;;) {
      const page = await stack.kinesis.send(new GetRecordsCommand({ ShardIterator: iterator! }));
      for (const r of page.Records ?? []) {
        if (Buffer.from(r.Data!).toString('utf8').includes(needle)) {
          out.push({ shard: shard.ShardId!, key: r.PartitionKey! });
        }
      }
      if ((page.Records ?? []).length === 0) break;
      iterator = page.NextShardIterator;
    }
  }
  return out;
}

describe('embedded stack', () => {
  let dataDir: string;
  let stack: EmbeddedStack;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'embedded-stack-'));
    stack = await startEmbeddedStack({ dataDir, shards: 3, ...quiet });
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('creates the stream with its shards and the tables with the prefix', () => {
    expect(stack.streamName).toBe('config-events');
    expect(stack.streamArn).toMatch(/^arn:aws:kinesis:us-east-1:\d+:stream\/config-events$/);
    expect(stack.tables).toEqual({
      events: 'local-events',
      state: 'local-state',
      outbox: 'local-outbox',
      mutes: 'local-mutes',
    });
    expect(stack.status().consumer.shards).toHaveLength(3);
    expect(stack.status().archiver.shards).toHaveLength(3);
  });

  it('publish + waitUntilProcessed: both consumers done, state stored, archive flushed', async () => {
    // Prepare
    const event = fixture<Record<string, unknown>>('compliance-change', 'first-evaluation');
    const batches: number[] = [];
    const off = stack.onBatch((s) => batches.push(s.accepted));
    // Act
    const result = await stack.publish([event, JSON.stringify({ ...event, id: 'second-copy-of-it' })]);
    await stack.waitUntilProcessed();
    off();
    // Assess
    expect(result.published).toBe(2);
    expect(batches.reduce((a, b) => a + b, 0)).toBe(2);
    const state = await stack.doc.send(new ScanCommand({ TableName: stack.tables.state }));
    expect(state.Items?.length).toBe(1);
    const engine = await stack.queryEngine();
    const [row] = await (
      engine as unknown as { runSql(sql: string): Promise<Array<Record<string, unknown>>> }
    ).runSql('select count(distinct event_id) as n from compliance_events');
    expect(row?.n).toBe(2);
    for (const status of Object.values(stack.status())) {
      expect(status.shards.every((s) => s.failures === 0)).toBe(true);
    }
    // Two first evaluations NON_COMPLIANT, two alerts queued; delivering them empties the outbox.
    const delivered = await stack.deliverAlerts();
    expect(delivered).toMatchObject({ violations: 2, pending: 0, failed: 0 });
  });

  it.each([300, 768])(
    'keeps every event and the per-key guarantees for a %i-character resource id (the cloud redrive decision)',
    async (length) => {
      // Prepare: a violation, a stale older evaluation delivered late, then the resolution (the
      // stale and the resolving evaluation both carry AWS's NON_COMPLIANT → COMPLIANT transition).
      const resourceId = `arn:aws:ssm:eu-west-1:111122223333:document/${'d'.repeat(length - 44)}`;
      const base = fixture<Record<string, any>>('compliance-change', 'first-evaluation');
      const evaluation = (id: string, type: string, ordering: string, time: string) => ({
        ...base,
        id: `${id}-${length}`,
        time,
        detail: {
          ...base.detail,
          resourceId,
          newEvaluationResult: {
            ...base.detail.newEvaluationResult,
            evaluationResultIdentifier: {
              ...base.detail.newEvaluationResult.evaluationResultIdentifier,
              evaluationResultQualifier: {
                ...base.detail.newEvaluationResult.evaluationResultIdentifier.evaluationResultQualifier,
                resourceId,
              },
              orderingTimestamp: ordering,
            },
            complianceType: type,
            resultRecordedTime: time,
          },
          ...(type === 'COMPLIANT' ? { oldEvaluationResult: base.detail.newEvaluationResult } : {}),
        },
      });
      const events = [
        evaluation('violation', 'NON_COMPLIANT', '2026-11-21T10:00:00.000Z', '2026-11-21T10:00:05Z'),
        evaluation('stale', 'COMPLIANT', '2026-11-20T09:00:00.000Z', '2026-11-21T11:00:05Z'),
        evaluation('resolution', 'COMPLIANT', '2026-11-21T12:00:00.000Z', '2026-11-21T12:00:05Z'),
      ];
      const seen: number[] = [];
      const off = stack.onBatch((s) => seen.push(s.accepted));
      // Act
      for (const event of events) {
        await stack.publish([event]);
        await stack.waitUntilProcessed();
      }
      off();
      const delivered = await stack.deliverAlerts();
      // Assess: every event stored and archived, one alert per transition, none for the stale one.
      expect(seen.reduce((a, b) => a + b, 0)).toBe(3);
      expect(delivered).toMatchObject({ violations: 1, resolutions: 1, pending: 0, failed: 0 });
      const state = await stack.doc.send(new ScanCommand({ TableName: stack.tables.state }));
      const row = state.Items?.find((item) => item.resource_id === resourceId);
      expect(row).toMatchObject({ status: 'COMPLIANT', event_id: `resolution-${length}` });
      const engine = (await stack.queryEngine()) as unknown as {
        runSql(sql: string): Promise<Array<Record<string, unknown>>>;
      };
      const rows = await engine.runSql(
        `select count(*) as n from compliance_events where resource_id = '${resourceId}'`,
      );
      expect(Number(rows[0]?.n)).toBe(3);
      // In the stream, all three carry the one hashed key the cloud redrive gives them, on one shard.
      const records = await streamRecordsOf(stack, resourceId);
      expect(records).toHaveLength(3);
      expect(new Set(records.map((r) => r.key))).toEqual(new Set([partitionKeyFor(events[0], '')]));
      expect(records[0]!.key).toMatch(/^sha256:[0-9a-f]{64}$/);
      expect(new Set(records.map((r) => r.shard)).size).toBe(1);
    },
  );

  it('refuses a second stack on the same data directory (LevelDB lock) with a clear error', async () => {
    const attempt = startEmbeddedStack({ dataDir, ignoreRunning: true, ...quiet });
    await expect(attempt).rejects.toThrow(EmbeddedError);
    await expect(attempt).rejects.toThrow(/in use by another config-monitor process/);
  });

  it('fails fast on a malformed alert setting, naming the variable, before any service starts', async () => {
    // Prepare
    const fresh = mkdtempSync(join(tmpdir(), 'cm-bad-env-'));
    const previous = process.env.ALERT_DIGEST_THRESHOLD;
    process.env.ALERT_DIGEST_THRESHOLD = 'ten';
    try {
      // Act / Assess
      await expect(startEmbeddedStack({ dataDir: fresh, ...quiet })).rejects.toThrow(
        /ALERT_DIGEST_THRESHOLD/,
      );
      expect(existsSync(join(fresh, 'dynamodb'))).toBe(false);
    } finally {
      if (previous === undefined) delete process.env.ALERT_DIGEST_THRESHOLD;
      else process.env.ALERT_DIGEST_THRESHOLD = previous;
    }
  });

  it('ingests through the control endpoint of a running stack, with the same counts', async () => {
    // Prepare: the control server of `up`, and the endpoints file the CLI would read.
    const control = await startControlServer(stack);
    const endpoints = {
      pid: process.pid,
      startedAt: new Date().toISOString(),
      kinesis: stack.endpoints.kinesis,
      dynamodb: stack.endpoints.dynamodb,
      region: stack.region,
      tablePrefix: stack.tablePrefix,
      streamName: stack.streamName,
      control: control.url,
      token: control.token,
      api: null,
    };
    // The input as the CLI reads it (JSON Lines here), split across chunks.
    const input = [
      fixtureText('compliance-change', 'account-resource-annotation-newline').replace(/\n\s*/g, ' '),
      JSON.stringify(fixture('other', 'ec2-state-change')),
      'not json',
    ].join('\n');
    async function* source() {
      yield Buffer.from(input.slice(0, 100));
      yield input.slice(100);
    }
    try {
      // Act
      const report = await ingestThroughRunningStack(endpoints, source());
      const wrongToken = ingestThroughRunningStack({ ...endpoints, token: 'nope' }, source());
      // Assess
      expect(report.summary).toEqual({
        received: 3,
        accepted: 1,
        duplicates: 0,
        stale: 0,
        skipped: 1,
        rejected: 1,
        alerts: { violations: 1, resolved: 0, messages: 1 },
      });
      await expect(wrongToken).rejects.toThrow(/control token/);
    } finally {
      await control.close();
    }
  });
});

describe('running-stack discovery (endpoints.json)', () => {
  it('ignores a missing file, a dead pid and its own pid; reports a live one', async () => {
    // Prepare
    const dataDir = mkdtempSync(join(tmpdir(), 'endpoints-'));
    const base = {
      startedAt: new Date().toISOString(),
      kinesis: 'http://127.0.0.1:1',
      dynamodb: 'http://127.0.0.1:2',
      region: 'us-east-1',
      tablePrefix: 'local',
      streamName: 'config-events',
      control: null,
      token: null,
      api: null,
    };
    const sleeper = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
    try {
      // Act + Assess
      expect(await readRunningStack(dataDir)).toBeNull();
      writeFileSync(join(dataDir, 'endpoints.json'), JSON.stringify({ ...base, pid: 2 ** 22 + 12_345 }));
      expect(await readRunningStack(dataDir)).toBeNull();
      await writeStackEndpoints(dataDir, { ...base, pid: process.pid });
      expect(statSync(join(dataDir, 'endpoints.json')).mode & 0o777).toBe(0o600);
      expect(await readRunningStack(dataDir)).toBeNull();
      await removeStackEndpoints(dataDir);
      expect(existsSync(join(dataDir, 'endpoints.json'))).toBe(false);

      // A live stack: its pid is alive and its stream endpoint answers.
      const answering = createServer();
      await new Promise<void>((r) => answering.listen(0, '127.0.0.1', r));
      const { port } = answering.address() as AddressInfo;
      onTestFinished(() => new Promise<void>((r) => answering.close(() => r())));
      writeFileSync(
        join(dataDir, 'endpoints.json'),
        JSON.stringify({ ...base, kinesis: `http://127.0.0.1:${port}`, pid: sleeper.pid }),
      );
      expect((await readRunningStack(dataDir))?.pid).toBe(sleeper.pid);
      await expect(startEmbeddedStack({ dataDir, ...quiet })).rejects.toThrow(StackAlreadyRunningError);
      // Not ours: left in place.
      await removeStackEndpoints(dataDir);
      expect(JSON.parse(readFileSync(join(dataDir, 'endpoints.json'), 'utf8')).pid).toBe(sleeper.pid);
    } finally {
      sleeper.kill();
    }
  });

  it('reports a stuck consumer (failing batches, no progress) instead of waiting forever', async () => {
    // Prepare: the state table disappears, so every consumer batch fails and is retried.
    const dataDir = mkdtempSync(join(tmpdir(), 'stalled-'));
    const stack = await startEmbeddedStack({ dataDir, ...quiet, logger: silentLogger });
    try {
      await stack.dynamo.send(new DeleteTableCommand({ TableName: stack.tables.state }));
      await stack.publish([fixture('compliance-change', 'first-evaluation')]);
      // Act
      const wait = stack.waitUntilProcessed({ stallTimeoutMs: 1500 });
      // Assess
      await expect(wait).rejects.toThrow(ProcessingTimeoutError);
      await expect(wait).rejects.toThrow(/behind: consumer\).*batchItemFailures/);
      expect(stack.status().consumer.shards.some((s) => s.failures > 0)).toBe(true);
    } finally {
      await stack.close();
    }
  });

  it('keeps data across restarts of the stack', async () => {
    // Prepare
    const dataDir = mkdtempSync(join(tmpdir(), 'restart-'));
    const first = await startEmbeddedStack({ dataDir, ...quiet });
    await first.ingest([
      { text: fixtureText('compliance-change', 'first-evaluation').replace(/\n\s*/g, ' ') },
    ]);
    await first.close();
    // Act
    const second = await startEmbeddedStack({ dataDir, ...quiet });
    try {
      const report = await second.ingest([{ value: fixture('compliance-change', 'first-evaluation') }]);
      // Assess: the event is known (duplicate), and the stream resumed without redelivering it.
      expect(report.summary.duplicates).toBe(1);
      expect(report.recovered).toBe(0);
      expect(second.status().consumer.records).toBe(1);
    } finally {
      await second.close();
    }
  });
});
