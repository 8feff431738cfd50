import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateStreamCommand,
  DescribeStreamSummaryCommand,
  ExpiredIteratorException,
  GetRecordsCommand,
  type KinesisClient,
  PutRecordsCommand,
  waitUntilStreamExists,
} from '@aws-sdk/client-kinesis';
import type { KinesisStreamBatchResponse, KinesisStreamEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createKinesisPoller,
  type KinesisBatchHandler,
  type KinesisPoller,
} from '../../pipeline/embedded/poller.js';
import { type LocalKinesis, startLocalKinesis } from '../helpers/local-aws.js';

let kinesis: LocalKinesis;
let streamCounter = 0;

beforeAll(async () => {
  kinesis = await startLocalKinesis();
});
afterAll(async () => {
  await kinesis.close();
});

/** A fresh stream with `shards` shards; returns its name and ARN. */
async function newStream(shards: number): Promise<{ name: string; arn: string }> {
  const name = `poller-${++streamCounter}-${Date.now()}`;
  await kinesis.client.send(new CreateStreamCommand({ StreamName: name, ShardCount: shards }));
  await waitUntilStreamExists(
    { client: kinesis.client, maxWaitTime: 30, minDelay: 0.05, maxDelay: 0.2 },
    { StreamName: name },
  );
  const summary = await kinesis.client.send(new DescribeStreamSummaryCommand({ StreamName: name }));
  return { name, arn: summary.StreamDescriptionSummary!.StreamARN! };
}

async function put(stream: string, texts: readonly string[], key = (i: number) => `key-${i % 7}`) {
  for (let i = 0; i < texts.length; i += 500) {
    await kinesis.client.send(
      new PutRecordsCommand({
        StreamName: stream,
        Records: texts
          .slice(i, i + 500)
          .map((text, j) => ({ Data: Buffer.from(text), PartitionKey: key(i + j) })),
      }),
    );
  }
}

const decode = (event: KinesisStreamEvent) =>
  event.Records.map((r) => Buffer.from(r.kinesis.data, 'base64').toString('utf8'));

function poller(
  stream: { name: string; arn: string },
  checkpointDir: string,
  handler: KinesisBatchHandler,
  extra: {
    batchSize?: number;
    batchBytes?: number;
    client?: KinesisClient;
    onWarning?: (message: string) => void;
  } = {},
): KinesisPoller {
  return createKinesisPoller({
    kinesis: extra.client ?? kinesis.client,
    streamName: stream.name,
    streamArn: stream.arn,
    region: 'eu-west-1',
    consumerName: 'test',
    checkpointDir,
    handler,
    batchSize: extra.batchSize ?? 100,
    ...(extra.batchBytes ? { batchBytes: extra.batchBytes } : {}),
    idleDelayMs: 20,
    retryBaseMs: 5,
    retryMaxMs: 20,
    ...(extra.onWarning ? { onWarning: extra.onWarning } : {}),
  });
}

async function until(condition: () => boolean, timeoutMs = 20_000): Promise<void> {
  const start = Date.now();
  while (!condition()) {
    if (Date.now() - start > timeoutMs) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('Kinesis poller (Lambda event source mapping stand-in)', () => {
  it('builds the exact Lambda KinesisStreamEvent shape', async () => {
    // Prepare
    const stream = await newStream(1);
    await put(stream.name, ['{"hello":"world"}'], () => 'resource-1');
    const events: KinesisStreamEvent[] = [];
    const p = poller(stream, mkdtempSync(join(tmpdir(), 'cp-')), async (event) => {
      events.push(event);
      return { batchItemFailures: [] };
    });
    // Act
    await p.start();
    await until(() => events.length > 0);
    await p.stop();
    // Assess
    const record = events[0]!.Records[0]!;
    expect(record).toEqual({
      kinesis: {
        kinesisSchemaVersion: '1.0',
        partitionKey: 'resource-1',
        sequenceNumber: expect.stringMatching(/^\d+$/),
        data: Buffer.from('{"hello":"world"}').toString('base64'),
        approximateArrivalTimestamp: expect.any(Number),
      },
      eventSource: 'aws:kinesis',
      eventVersion: '1.0',
      eventID: `shardId-000000000000:${record.kinesis.sequenceNumber}`,
      eventName: 'aws:kinesis:record',
      invokeIdentityArn: expect.stringMatching(/^arn:aws:iam::\d{12}:role\//),
      awsRegion: 'eu-west-1',
      eventSourceARN: stream.arn,
    });
    // Seconds since the epoch with a fraction, as Lambda sends it.
    expect(Math.abs(record.kinesis.approximateArrivalTimestamp - Date.now() / 1000)).toBeLessThan(60);
  });

  it('delivers every record once, in order per shard, in batches of at most the batch size', async () => {
    // Prepare
    const stream = await newStream(3);
    const texts = Array.from({ length: 700 }, (_, i) => `{"n":${i}}`);
    await put(stream.name, texts, (i) => `key-${i % 13}`);
    const seen: number[] = [];
    const sizes: number[] = [];
    const perShard = new Map<string, string[]>();
    const p = poller(
      stream,
      mkdtempSync(join(tmpdir(), 'cp-')),
      async (event) => {
        sizes.push(event.Records.length);
        for (const r of event.Records) {
          const shard = r.eventID.split(':')[0]!;
          perShard.set(shard, [...(perShard.get(shard) ?? []), r.kinesis.sequenceNumber]);
        }
        for (const text of decode(event)) seen.push((JSON.parse(text) as { n: number }).n);
        return { batchItemFailures: [] };
      },
      { batchSize: 64 },
    );
    // Act
    await p.start();
    await until(() => seen.length >= 700);
    await p.caughtUp();
    await p.stop();
    // Assess
    expect(seen.sort((a, b) => a - b)).toEqual(texts.map((_, i) => i));
    expect(Math.max(...sizes)).toBeLessThanOrEqual(64);
    for (const sequence of perShard.values()) {
      const sorted = [...sequence].sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : 1));
      expect(sequence).toEqual(sorted);
    }
    expect(p.status().records).toBe(700);
  });

  it('reads large records fewer at a time, within the byte budget, and small ones by the batch size again', async () => {
    // Prepare: 20 small records, 120 of 20 KB, 200 small ones, on one shard.
    const stream = await newStream(1);
    const pad = 'x'.repeat(20_000);
    const texts = Array.from({ length: 340 }, (_, i) =>
      i >= 20 && i < 140 ? `{"n":${i},"pad":"${pad}"}` : `{"n":${i}}`,
    );
    await put(stream.name, texts);
    const batches: Array<{ size: number; bytes: number }> = [];
    const seen: number[] = [];
    const p = poller(
      stream,
      mkdtempSync(join(tmpdir(), 'cp-')),
      async (event) => {
        const decoded = decode(event);
        batches.push({ size: decoded.length, bytes: decoded.reduce((sum, text) => sum + text.length, 0) });
        for (const text of decoded) seen.push((JSON.parse(text) as { n: number }).n);
        return { batchItemFailures: [] };
      },
      { batchSize: 50, batchBytes: 100_000 },
    );
    // Act
    await p.start();
    await until(() => seen.length >= 340);
    await p.caughtUp();
    await p.stop();
    // Assess: every record once and in order; once the reads have seen the large records (the
    // first batch mixes small and large ones, so the next read may still ask for too many), at
    // most 100 KB (5 records) per batch; the small records after them in batches of 50 again.
    expect(seen).toEqual(texts.map((_, i) => i));
    const large = batches.filter((b) => b.bytes > 100_000);
    expect(large.length).toBeLessThanOrEqual(2);
    expect(Math.max(...batches.map((b) => b.size))).toBe(50);
    expect(batches.filter((b) => b.size <= 5).length).toBeGreaterThanOrEqual(20);
    expect(batches.at(-1)?.size).toBeLessThanOrEqual(50);
    expect(batches.filter((b) => b.size === 50).length).toBeGreaterThanOrEqual(3);
  });

  it('honours batchItemFailures: checkpoints before the first failure and retries from it', async () => {
    // Prepare: record 5 fails on its first delivery.
    const stream = await newStream(1);
    await put(
      stream.name,
      Array.from({ length: 10 }, (_, i) => `{"n":${i}}`),
    );
    const deliveries: number[][] = [];
    let failedOnce = false;
    const dir = mkdtempSync(join(tmpdir(), 'cp-'));
    const p = poller(stream, dir, async (event): Promise<KinesisStreamBatchResponse> => {
      const ns = decode(event).map((t) => (JSON.parse(t) as { n: number }).n);
      deliveries.push(ns);
      const five = event.Records[ns.indexOf(5)];
      if (five && !failedOnce) {
        failedOnce = true;
        // Lambda retries from the lowest reported sequence number; later ones are redelivered too.
        return {
          batchItemFailures: [
            { itemIdentifier: five.kinesis.sequenceNumber },
            { itemIdentifier: event.Records[7]!.kinesis.sequenceNumber },
          ],
        };
      }
      return { batchItemFailures: [] };
    });
    // Act
    await p.start();
    await until(
      () => deliveries.flat().filter((n) => n === 9).length >= 1 && failedOnce && deliveries.length >= 2,
    );
    await p.caughtUp();
    await p.stop();
    // Assess: 0–4 once, 5–9 twice (first attempt and the retry), nothing skipped.
    expect(deliveries[0]).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(deliveries[1]).toEqual([5, 6, 7, 8, 9]);
    expect(deliveries).toHaveLength(2);
    const checkpoint = readFileSync(join(dir, 'test', 'shardId-000000000000'), 'utf8').trim();
    expect(checkpoint).toBe(p.positions().get('shardId-000000000000'));
  });

  it('retries the whole batch when the handler throws, with bounded backoff', async () => {
    // Prepare
    const stream = await newStream(1);
    await put(stream.name, ['{"n":0}', '{"n":1}']);
    let calls = 0;
    const errors: number[] = [];
    const p = createKinesisPoller({
      kinesis: kinesis.client,
      streamName: stream.name,
      streamArn: stream.arn,
      region: 'eu-west-1',
      consumerName: 'test',
      checkpointDir: mkdtempSync(join(tmpdir(), 'cp-')),
      idleDelayMs: 20,
      retryBaseMs: 5,
      retryMaxMs: 20,
      handler: async (event) => {
        calls++;
        if (calls <= 3) throw new Error('dynamodb throttled');
        expect(event.Records).toHaveLength(2);
        return { batchItemFailures: [] };
      },
      onError: (_err, context) => errors.push(context.attempt),
    });
    // Act
    await p.start();
    await until(() => calls >= 4);
    await p.caughtUp();
    await p.stop();
    // Assess
    expect(errors).toEqual([1, 2, 3]);
    expect(p.status().records).toBe(2);
    expect(p.status().shards[0]!.failures).toBe(0);
  });

  it('resumes after a restart from the checkpoint file, without redelivering what was done', async () => {
    // Prepare: a first poller processes 3 records and stops.
    const stream = await newStream(2);
    const dir = mkdtempSync(join(tmpdir(), 'cp-'));
    await put(stream.name, ['{"n":0}', '{"n":1}', '{"n":2}']);
    const first: string[] = [];
    const p1 = poller(stream, dir, async (event) => {
      first.push(...decode(event));
      return { batchItemFailures: [] };
    });
    await p1.start();
    await until(() => first.length === 3);
    await p1.caughtUp();
    await p1.stop();
    // Act: more records, then a new poller on the same checkpoint directory.
    await put(stream.name, ['{"n":3}', '{"n":4}']);
    const second: string[] = [];
    const p2 = poller(stream, dir, async (event) => {
      second.push(...decode(event));
      return { batchItemFailures: [] };
    });
    await p2.start();
    await until(() => second.length >= 2);
    await p2.caughtUp();
    await p2.stop();
    // Assess: checkpoint files are whole sequence numbers, no temporary file remains.
    expect(second.sort()).toEqual(['{"n":3}', '{"n":4}']);
    const files = readdirSync(join(dir, 'test'));
    expect(files.every((f) => /^shardId-\d{12}$/.test(f))).toBe(true);
    for (const f of files) expect(readFileSync(join(dir, 'test', f), 'utf8')).toMatch(/^\d+\n$/);
  });

  it.each([
    [
      'a directory where the checkpoint file should be',
      (path: string) => mkdirSync(path, { recursive: true }),
    ],
    ['a garbled checkpoint file', (path: string) => writeFileSync(path, 'not a number\n')],
    [
      'a plausible sequence number of another stream',
      (path: string) => writeFileSync(path, '49590338271490256608559692538361571095921575989136588898\n'),
    ],
  ])('falls back to the stream start on %s, says so, and checkpoints again', async (_name, corrupt) => {
    // Before: the consumers stopped (EISDIR at start, or InvalidArgumentException for ever) until
    // someone deleted checkpoints/ by hand.
    const stream = await newStream(1);
    const dir = mkdtempSync(join(tmpdir(), 'cp-'));
    mkdirSync(join(dir, 'test'), { recursive: true });
    corrupt(join(dir, 'test', 'shardId-000000000000'));
    await put(stream.name, ['{"n":0}', '{"n":1}']);
    const seen: string[] = [];
    const warnings: string[] = [];
    const p = poller(
      stream,
      dir,
      async (event) => {
        seen.push(...decode(event));
        return { batchItemFailures: [] };
      },
      { onWarning: (message) => warnings.push(message) },
    );
    await p.start();
    await until(() => seen.length === 2);
    await p.caughtUp();
    await p.stop();
    expect(seen).toEqual(['{"n":0}', '{"n":1}']);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/stream's start/);
    expect(readFileSync(join(dir, 'test', 'shardId-000000000000'), 'utf8')).toMatch(/^\d+\n$/);
  });

  it('renews an expired shard iterator from the checkpoint without losing records', async () => {
    // Prepare: the first GetRecords answers ExpiredIteratorException, as after a 5-minute pause.
    const stream = await newStream(1);
    await put(stream.name, ['{"n":0}', '{"n":1}']);
    let expired = false;
    const flaky = {
      send: (command: unknown) => {
        if (command instanceof GetRecordsCommand && !expired) {
          expired = true;
          return Promise.reject(new ExpiredIteratorException({ message: 'Iterator expired', $metadata: {} }));
        }
        return kinesis.client.send(command as never);
      },
    } as unknown as KinesisClient;
    const seen: string[] = [];
    const errors: unknown[] = [];
    const p = createKinesisPoller({
      kinesis: flaky,
      streamName: stream.name,
      streamArn: stream.arn,
      region: 'eu-west-1',
      consumerName: 'test',
      checkpointDir: mkdtempSync(join(tmpdir(), 'cp-')),
      idleDelayMs: 20,
      handler: async (event) => {
        seen.push(...decode(event));
        return { batchItemFailures: [] };
      },
      onError: (err) => errors.push(err),
    });
    // Act
    await p.start();
    await until(() => seen.length === 2);
    await p.stop();
    // Assess: renewed silently (not an error), nothing lost.
    expect(expired).toBe(true);
    expect(seen).toEqual(['{"n":0}', '{"n":1}']);
    expect(errors).toEqual([]);
  });

  it('stops cleanly while idle and refuses to start twice', async () => {
    const stream = await newStream(1);
    const p = poller(stream, mkdtempSync(join(tmpdir(), 'cp-')), async () => ({ batchItemFailures: [] }));
    await p.start();
    await p.caughtUp();
    await expect(p.start()).rejects.toThrow(/cannot start/);
    const started = Date.now();
    await p.stop();
    await p.stop();
    expect(Date.now() - started).toBeLessThan(2000);
  });
});
