/**
 * The cloud path for long resource ids, against kinesalite (which enforces Kinesis' 1-256 character
 * partition keys as AWS does): the bus rule's direct put with the raw id as `PartitionKeyPath`
 * fails above 256 characters, EventBridge dead-letters the event, and the stream-redrive handler
 * puts the SQS message body back with the hashed key, on the shard every event of that id uses.
 */
import {
  CreateStreamCommand,
  DescribeStreamCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  PutRecordCommand,
  waitUntilStreamExists,
} from '@aws-sdk/client-kinesis';
import type { SQSEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { partitionKeyFor } from '../../src/adapters/kinesis/partition-key.js';
import {
  createStreamRedriveHandler,
  REDRIVE_PUT_ATTEMPTS,
} from '../../src/handlers/stream-redrive.handler.js';
import { fixture } from '../helpers/fixtures.js';
import { type LocalKinesis, startLocalKinesis } from '../helpers/local-aws.js';

let kinesis: LocalKinesis;
let counter = 0;
const silent = { info() {}, warn() {} };

beforeAll(async () => {
  kinesis = await startLocalKinesis();
});
afterAll(async () => {
  await kinesis.close();
});

async function newStream(shards: number): Promise<string> {
  const name = `redrive-${++counter}-${Date.now()}`;
  await kinesis.client.send(new CreateStreamCommand({ StreamName: name, ShardCount: shards }));
  await waitUntilStreamExists(
    { client: kinesis.client, maxWaitTime: 30, minDelay: 0.05, maxDelay: 0.2 },
    { StreamName: name },
  );
  return name;
}

/** Every record of the stream: shard id, partition key and text. */
async function readAll(stream: string) {
  const { StreamDescription } = await kinesis.client.send(new DescribeStreamCommand({ StreamName: stream }));
  const out: { shard: string; key: string; text: string }[] = [];
  for (const shard of StreamDescription!.Shards!) {
    let { ShardIterator: iterator } = await kinesis.client.send(
      new GetShardIteratorCommand({
        StreamName: stream,
        ShardId: shard.ShardId!,
        ShardIteratorType: 'TRIM_HORIZON',
      }),
    );
    for (;;) {
      const page = await kinesis.client.send(new GetRecordsCommand({ ShardIterator: iterator! }));
      for (const r of page.Records ?? []) {
        out.push({
          shard: shard.ShardId!,
          key: r.PartitionKey!,
          text: Buffer.from(r.Data!).toString('utf8'),
        });
      }
      if ((page.Records ?? []).length === 0) break;
      iterator = page.NextShardIterator;
    }
  }
  return out;
}

function changeWithId(resourceId: string, eventId: string): Record<string, any> {
  const event = fixture<Record<string, any>>('compliance-change', 'first-evaluation');
  return { ...event, id: eventId, detail: { ...event.detail, resourceId } };
}

function sqsEvent(bodies: readonly string[]): SQSEvent {
  return {
    Records: bodies.map((body, i) => ({
      messageId: `m-${i}`,
      receiptHandle: `r-${i}`,
      body,
      attributes: {} as any,
      messageAttributes: {},
      md5OfBody: '',
      eventSource: 'aws:sqs',
      eventSourceARN: 'arn:aws:sqs:eu-west-1:111122223333:redrive',
      awsRegion: 'eu-west-1',
    })),
  };
}

describe.each([100, 300, 768])('a resource id of %i characters', (length) => {
  // Multi-byte characters, as real ids (SSM document names) carry: Kinesis counts characters.
  const resourceId = `arn:aws:ssm:eu-west-1:111122223333:document/${'é'.repeat(length - 44)}`;

  it('takes the direct route when it fits, else is dead-lettered and redriven with the hashed key', async () => {
    expect([...resourceId]).toHaveLength(length);
    const stream = await newStream(4);
    const events = [changeWithId(resourceId, `e-${length}-1`), changeWithId(resourceId, `e-${length}-2`)];
    const bodies = events.map((e) => JSON.stringify(e));

    // What the bus rule does: PutRecord with the raw id extracted by `$.detail.resourceId`.
    const direct = await kinesis.client
      .send(
        new PutRecordCommand({ StreamName: stream, Data: Buffer.from(bodies[0]!), PartitionKey: resourceId }),
      )
      .then(
        () => 'put',
        (err: Error) => err.name,
      );
    if (length <= 256) {
      expect(direct).toBe('put');
      return;
    }
    expect(direct).toBe('ValidationException');

    // EventBridge sends both events to the rule's DLQ; the redrive puts them.
    const redrive = createStreamRedriveHandler({
      kinesis: kinesis.client,
      streamName: stream,
      logger: silent,
    });
    expect(await redrive(sqsEvent(bodies))).toEqual({ batchItemFailures: [] });

    const records = await readAll(stream);
    expect(records.map((r) => r.text).sort()).toEqual([...bodies].sort());
    const key = partitionKeyFor(events[0], bodies[0]!);
    expect(key).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(records.every((r) => r.key === key)).toBe(true);
    // One id, one shard: the consumer never runs two batches of this key at once.
    expect(new Set(records.map((r) => r.shard)).size).toBe(1);
  });
});

describe('stream redrive failures', () => {
  it('reports every message it could not put as a batch item failure, after its bounded attempts', async () => {
    const pauses: number[] = [];
    const redrive = createStreamRedriveHandler({
      kinesis: kinesis.client,
      streamName: 'no-such-stream',
      logger: silent,
      backoff: async (attempt) => {
        pauses.push(attempt);
      },
    });
    const bodies = [
      JSON.stringify(changeWithId('x'.repeat(300), 'f-1')),
      JSON.stringify(changeWithId('y', 'f-2')),
    ];
    const response = await redrive(sqsEvent(bodies));
    expect(response.batchItemFailures.map((f) => f.itemIdentifier).sort()).toEqual(['m-0', 'm-1']);
    expect(pauses).toEqual(Array.from({ length: REDRIVE_PUT_ATTEMPTS - 1 }, (_, i) => i + 1));
  });

  it('puts a body that is not JSON, keyed by its hash, so the consumer quarantines it with a reason', async () => {
    const stream = await newStream(1);
    const redrive = createStreamRedriveHandler({
      kinesis: kinesis.client,
      streamName: stream,
      logger: silent,
    });
    expect(await redrive(sqsEvent(['{not json']))).toEqual({ batchItemFailures: [] });
    const [record] = await readAll(stream);
    expect(record).toMatchObject({ text: '{not json', key: expect.stringMatching(/^sha256:/) });
  });
});
