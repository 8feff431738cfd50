/**
 * A local stand-in for the Lambda Kinesis event source mapping: it reads every shard of a stream
 * and calls a handler with the very event Lambda would build, with Lambda's batch semantics.
 *
 * - One loop per shard (Lambda's parallelization factor 1): batches of one shard are in order and
 *   never overlap, batches of different shards run concurrently.
 * - `batchItemFailures` (ReportBatchItemFailures): the checkpoint moves to just before the first
 *   failed record and the shard is read again from there after a bounded backoff. A thrown
 *   handler error retries the whole batch. Records are never skipped: locally there is no
 *   on-failure destination, a stuck shard is reported through `onError` and `status()`.
 * - Checkpoints (the last sequence number processed) are written per shard to
 *   `<checkpointDir>/<consumer>/<shardId>`, by writing a temporary file and renaming it over the
 *   old one, so that a killed process finds either the old or the new value, never a torn one.
 *   A restart reads them and resumes AFTER_SEQUENCE_NUMBER; without one it starts at TRIM_HORIZON.
 *   Delivery is therefore at-least-once, like Lambda: a batch whose handler finished just before a
 *   kill is delivered again, and the handlers are idempotent by event id.
 * - Expired shard iterators (5 minutes) and invalid ones are renewed from the checkpoint.
 * - Batches are bounded in bytes as well as in records, as Lambda bounds an invocation's payload:
 *   each read asks for as many records as fit in `batchBytes` at the size of the shard's last
 *   batch ({@link nextReadLimit}), so that records of 25 KB are read 40 at a time, not 100. A
 *   batch in flight (the response, its decoded records, the event built from them, the handler's
 *   parse) costs about ten times its data: the bound keeps what the two consumers' shards hold at
 *   once independent of the records' size.
 *
 * Why one file: one state machine, the event source mapping's loop per shard (read, call,
 * checkpoint, back off, renew the iterator); the delivery guarantees above come from the loop as a
 * whole.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  ExpiredIteratorException,
  GetRecordsCommand,
  type GetRecordsCommandOutput,
  GetShardIteratorCommand,
  type KinesisClient,
  type _Record as KinesisRecord,
  ListShardsCommand,
  type Shard,
} from '@aws-sdk/client-kinesis';
import type { KinesisStreamBatchResponse, KinesisStreamEvent, KinesisStreamRecord } from 'aws-lambda';
import { backoffDelay } from '../../src/domain/backoff.js';
import { PollerStateError } from './errors.js';

/** The handler contract of a Lambda Kinesis consumer with ReportBatchItemFailures. */
export type KinesisBatchHandler = (
  event: KinesisStreamEvent,
) => Promise<KinesisStreamBatchResponse | undefined | undefined>;

export interface PollerOptions {
  readonly kinesis: KinesisClient;
  readonly streamName: string;
  readonly streamArn: string;
  readonly region: string;
  /** Names the consumer; its checkpoints live in `<checkpointDir>/<consumerName>/`. */
  readonly consumerName: string;
  readonly checkpointDir: string;
  readonly handler: KinesisBatchHandler;
  /** Records per handler call, as the event source mapping's BatchSize. @default 100 */
  readonly batchSize?: number;
  /**
   * Record data per handler call that the reads aim at (see {@link nextReadLimit}); a batch of
   * records larger than expected may exceed it once. @default 262144 (256 KiB: 100 records up to
   * 2.6 KB each, the size of ordinary Config events, fill a batch)
   */
  readonly batchBytes?: number;
  /** Pause after an empty read (Lambda polls each shard about once a second). @default 250 */
  readonly idleDelayMs?: number;
  /** First retry delay after a failed batch; doubles up to `retryMaxMs`. @default 100 */
  readonly retryBaseMs?: number;
  /** @default 5000 */
  readonly retryMaxMs?: number;
  /** Called when a checkpoint was unusable and the poller fell back to the stream's start. */
  readonly onWarning?: (message: string, context: { shardId: string; consumer: string }) => void;
  /** Called for every failed batch or read; the poller keeps retrying. */
  readonly onError?: (
    error: unknown,
    context: { shardId: string; consumer: string; attempt: number },
  ) => void;
}

export interface ShardStatus {
  readonly shardId: string;
  /** Last sequence number the handler finished (in memory). */
  readonly processed: string | null;
  /** Last sequence number persisted. */
  readonly checkpoint: string | null;
  /** Consecutive failed attempts of the current batch (0 when healthy). */
  readonly failures: number;
}

export interface PollerStatus {
  readonly consumer: string;
  readonly shards: readonly ShardStatus[];
  readonly batches: number;
  readonly records: number;
  readonly lastError: string | null;
}

export interface KinesisPoller {
  /** Lists the shards, reads the checkpoints and starts one loop per shard. */
  start(): Promise<void>;
  /** Finishes the batch in flight, waits for its checkpoint and stops. Idempotent. */
  stop(): Promise<void>;
  /** Ends the idle pause of every shard now (after a publish). */
  wake(): void;
  /** The last processed sequence number per shard. */
  positions(): ReadonlyMap<string, string>;
  /** Whether every shard has processed at least up to the given sequence numbers. */
  hasProcessed(targets: ReadonlyMap<string, string>): boolean;
  /**
   * Resolves once every shard has returned an empty read that started after this call: all
   * records that were in the stream at the time of the call have been handled.
   */
  caughtUp(signal?: AbortSignal): Promise<void>;
  /** Resolves on the next successful batch or caught-up read of any shard (to re-check a condition). */
  progressed(signal?: AbortSignal): Promise<void>;
  status(): PollerStatus;
}

interface ShardState {
  readonly shardId: string;
  processed: string | null;
  checkpoint: string | null;
  failures: number;
  /** Sequence (of this poller's reads) of the last read that returned nothing. */
  lastEmptyRead: number;
  /** A closed (resharded) shard read to its end: nothing more will come from it. */
  finished: boolean;
  sleeper: { timer: NodeJS.Timeout; resolve: () => void } | null;
}

const SCHEMA_VERSION = '1.0';
/** Lambda's execution role stands here; the handlers do not read it. */
const INVOKE_IDENTITY_ARN = 'arn:aws:iam::000000000000:role/config-monitor-local-consumer';

/** Builds the `KinesisStreamEvent` Lambda gives a handler, from GetRecords output. */
export function toKinesisStreamEvent(
  records: readonly KinesisRecord[],
  shardId: string,
  streamArn: string,
  region: string,
): KinesisStreamEvent {
  return {
    Records: records.map(
      (record): KinesisStreamRecord => ({
        kinesis: {
          kinesisSchemaVersion: SCHEMA_VERSION,
          partitionKey: record.PartitionKey!,
          sequenceNumber: record.SequenceNumber!,
          data: Buffer.from(record.Data!.buffer, record.Data!.byteOffset, record.Data!.byteLength).toString(
            'base64',
          ),
          approximateArrivalTimestamp: (record.ApproximateArrivalTimestamp?.getTime() ?? Date.now()) / 1000,
        },
        eventSource: 'aws:kinesis',
        eventVersion: '1.0',
        eventID: `${shardId}:${record.SequenceNumber}`,
        eventName: 'aws:kinesis:record',
        invokeIdentityArn: INVOKE_IDENTITY_ARN,
        awsRegion: region,
        eventSourceARN: streamArn,
      }),
    ),
  };
}

/** @see PollerOptions.batchBytes */
export const DEFAULT_BATCH_BYTES = 256 * 1024;

/**
 * The `Limit` of a shard's next GetRecords: as many records as fit in `batchBytes` at the average
 * data size of the batch just read, between 1 and `batchSize`. Kinesis bounds a GetRecords by 10
 * MiB and Lambda an invocation by 6 MB; kinesalite bounds it by nothing, so without this a batch
 * of 100 records of 25 KB held 2.5 MB of data (and ten times that in copies) per shard and
 * consumer at once.
 */
export function nextReadLimit(
  batch: readonly KinesisRecord[],
  batchSize: number,
  batchBytes: number,
): number {
  if (batch.length === 0) return batchSize;
  let bytes = 0;
  for (const record of batch) bytes += record.Data?.byteLength ?? 0;
  const average = bytes / batch.length;
  if (average <= 0) return batchSize;
  return Math.max(1, Math.min(batchSize, Math.floor(batchBytes / average)));
}

/** Sequence numbers are decimal strings of up to 128 bits: compare them as big integers. */
export function compareSequenceNumbers(a: string, b: string): number {
  const x = BigInt(a);
  const y = BigInt(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** Writes a small file so that readers see the old or the new content, never a torn one. */
async function writeAtomically(path: string, content: string): Promise<void> {
  const temp = `${path}.tmp-${process.pid}`;
  await writeFile(temp, content, 'utf8');
  await rename(temp, path);
}

/**
 * The checkpoint of a shard, or null when there is none. A checkpoint that is not a sequence
 * number (a directory, an unreadable or garbled file) is moved aside to `<path>.invalid-<ms>` and
 * reported: the shard is then read from the stream's start, which is safe because every write is
 * idempotent by event id, and the next checkpoint can be written where it was.
 */
async function readCheckpoint(path: string, warn: (message: string) => void): Promise<string | null> {
  let problem: string;
  try {
    const text = (await readFile(path, 'utf8')).trim();
    if (/^\d{1,128}$/.test(text)) return text;
    problem = `holds ${JSON.stringify(text.slice(0, 40))}, not a sequence number`;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return null;
    problem = code === 'EISDIR' ? 'is a directory' : `cannot be read (${code ?? describe(err)})`;
  }
  const aside = `${path}.invalid-${Date.now()}`;
  await rename(path, aside);
  warn(
    `checkpoint ${path} ${problem}; moved to ${aside}, reading the shard from the stream's start (writes are idempotent by event id)`,
  );
  return null;
}

function errorName(err: unknown): string {
  return (err as { name?: string } | null)?.name ?? '';
}

function describe(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}

/** Creates a poller for one consumer of a stream (call `start`). */
export function createKinesisPoller(options: PollerOptions): KinesisPoller {
  const batchSize = options.batchSize ?? 100;
  const batchBytes = options.batchBytes ?? DEFAULT_BATCH_BYTES;
  const idleDelayMs = options.idleDelayMs ?? 250;
  const retryBaseMs = options.retryBaseMs ?? 100;
  const retryMaxMs = options.retryMaxMs ?? 5000;
  const dir = join(options.checkpointDir, options.consumerName);

  let state: 'new' | 'running' | 'stopping' | 'stopped' = 'new';
  const shards = new Map<string, ShardState>();
  const loops: Promise<void>[] = [];
  let reads = 0;
  let batches = 0;
  let records = 0;
  let lastError: string | null = null;
  let waiters: Array<() => void> = [];
  /** Serializes checkpoint writes per shard so a slow older write never lands after a newer one. */
  const writes = new Map<string, Promise<void>>();

  const notify = () => {
    const current = waiters;
    waiters = [];
    for (const resolve of current) resolve();
  };

  const persist = (shard: ShardState, sequenceNumber: string): Promise<void> => {
    const previous = writes.get(shard.shardId) ?? Promise.resolve();
    const next = previous.then(async () => {
      if (shard.checkpoint && compareSequenceNumbers(shard.checkpoint, sequenceNumber) >= 0) return;
      await writeAtomically(join(dir, shard.shardId), `${sequenceNumber}\n`);
      shard.checkpoint = sequenceNumber;
    });
    writes.set(
      shard.shardId,
      next.catch(() => undefined),
    );
    return next;
  };

  const sleep = (shard: ShardState, ms: number) =>
    new Promise<void>((resolve) => {
      if (state !== 'running') return resolve();
      const timer = setTimeout(() => {
        shard.sleeper = null;
        resolve();
      }, ms);
      shard.sleeper = {
        timer,
        resolve: () => {
          clearTimeout(timer);
          shard.sleeper = null;
          resolve();
        },
      };
    });

  const backoff = (attempt: number) =>
    backoffDelay(attempt, { baseMs: retryBaseMs, capMs: retryMaxMs, jitter: 'equal' });

  async function iteratorFor(shard: ShardState): Promise<string | undefined> {
    // Resume after what this process processed (its checkpoint write may have failed).
    const from = shard.processed ?? shard.checkpoint;
    try {
      const output = await options.kinesis.send(
        new GetShardIteratorCommand({
          StreamName: options.streamName,
          ShardId: shard.shardId,
          ...(from
            ? { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', StartingSequenceNumber: from }
            : { ShardIteratorType: 'TRIM_HORIZON' }),
        }),
      );
      return output.ShardIterator;
    } catch (err) {
      // A sequence number that is not of this shard (a checkpoint copied from another data dir,
      // edited, or of a deleted stream) is refused with InvalidArgumentException, for ever: fall
      // back to the stream's start instead of retrying it (writes are idempotent by event id).
      if (!from || errorName(err) !== 'InvalidArgumentException') throw err;
      options.onWarning?.(
        `checkpoint ${from} is not a position of shard ${shard.shardId} (${describe(err)}); reading the shard from the stream's start (writes are idempotent by event id)`,
        { shardId: shard.shardId, consumer: options.consumerName },
      );
      shard.processed = null;
      shard.checkpoint = null;
      return iteratorFor(shard);
    }
  }

  async function runShard(shard: ShardState): Promise<void> {
    let iterator: string | undefined;
    let attempt = 0;
    /** Records the next read asks for: follows the size of the last batch (see nextReadLimit). */
    let limit = batchSize;
    const fail = async (err: unknown) => {
      attempt++;
      shard.failures = attempt;
      lastError = describe(err);
      options.onError?.(err, { shardId: shard.shardId, consumer: options.consumerName, attempt });
      iterator = undefined;
      await sleep(shard, backoff(attempt));
    };

    while (state === 'running') {
      let output: GetRecordsCommandOutput;
      const readNumber = ++reads;
      try {
        iterator ??= await iteratorFor(shard);
        if (!iterator) return; // a closed shard, fully read
        output = await options.kinesis.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: limit }));
      } catch (err) {
        if (err instanceof ExpiredIteratorException || errorName(err) === 'ExpiredIteratorException') {
          iterator = undefined; // renewed from the checkpoint, nothing is skipped
          continue;
        }
        await fail(err);
        continue;
      }
      const batch = output.Records ?? [];
      if (batch.length > 0) limit = nextReadLimit(batch, batchSize, batchBytes);
      if (batch.length === 0) {
        iterator = output.NextShardIterator;
        shard.lastEmptyRead = readNumber;
        notify();
        if (!iterator) return;
        await sleep(shard, idleDelayMs);
        continue;
      }

      let response: KinesisStreamBatchResponse | undefined | undefined;
      try {
        response = await options.handler(
          toKinesisStreamEvent(batch, shard.shardId, options.streamArn, options.region),
        );
      } catch (err) {
        await fail(err); // the whole batch again, from the checkpoint
        continue;
      }
      const failures = response?.batchItemFailures ?? [];
      let done = batch.length;
      if (failures.length > 0) {
        const failed = new Set(failures.map((f) => f.itemIdentifier));
        const first = batch.findIndex((record) => failed.has(record.SequenceNumber!));
        // An identifier that names no record of the batch fails the whole batch, as in Lambda.
        done = first === -1 ? 0 : first;
      }
      if (done > 0) {
        const last = batch[done - 1]!.SequenceNumber!;
        shard.processed = last;
        records += done;
        batches++;
        try {
          await persist(shard, last);
        } catch (err) {
          // Not fatal: the next batch writes a newer checkpoint; a crash before it redelivers.
          lastError = describe(err);
          options.onError?.(err, { shardId: shard.shardId, consumer: options.consumerName, attempt: 0 });
        }
        notify();
      }
      if (done < batch.length) {
        await fail(
          new Error(
            `the handler reported ${batch.length - done} record(s) in batchItemFailures (its log says why)`,
          ),
        );
        continue;
      }
      attempt = 0;
      shard.failures = 0;
      iterator = output.NextShardIterator;
      if (!iterator) return;
    }
  }

  return {
    async start() {
      if (state !== 'new') throw new PollerStateError(options.consumerName, state, 'start');
      await mkdir(dir, { recursive: true });
      const listed: Shard[] = [];
      let nextToken: string | undefined;
      do {
        const page = await options.kinesis.send(
          new ListShardsCommand(nextToken ? { NextToken: nextToken } : { StreamName: options.streamName }),
        );
        listed.push(...(page.Shards ?? []));
        nextToken = page.NextToken;
      } while (nextToken);
      for (const { ShardId } of listed) {
        const shardId = ShardId!;
        const checkpoint = await readCheckpoint(join(dir, shardId), (message) =>
          options.onWarning?.(message, { shardId, consumer: options.consumerName }),
        );
        shards.set(shardId, {
          shardId,
          processed: checkpoint,
          checkpoint,
          failures: 0,
          lastEmptyRead: 0,
          finished: false,
          sleeper: null,
        });
      }
      state = 'running';
      for (const shard of shards.values()) {
        loops.push(
          runShard(shard)
            .then(() => {
              if (state === 'running') shard.finished = true;
              notify();
            })
            .catch((err: unknown) => {
              lastError = describe(err);
              options.onError?.(err, { shardId: shard.shardId, consumer: options.consumerName, attempt: -1 });
            }),
        );
      }
    },

    async stop() {
      if (state === 'stopped' || state === 'stopping') return;
      if (state === 'new') {
        state = 'stopped';
        return;
      }
      state = 'stopping';
      for (const shard of shards.values()) shard.sleeper?.resolve();
      notify();
      await Promise.all(loops);
      await Promise.all([...writes.values()]);
      state = 'stopped';
    },

    wake() {
      for (const shard of shards.values()) shard.sleeper?.resolve();
    },

    positions() {
      const out = new Map<string, string>();
      for (const shard of shards.values()) if (shard.processed) out.set(shard.shardId, shard.processed);
      return out;
    },

    hasProcessed(targets) {
      for (const [shardId, target] of targets) {
        const processed = shards.get(shardId)?.processed;
        if (!processed || compareSequenceNumbers(processed, target) < 0) return false;
      }
      return true;
    },

    async caughtUp(signal) {
      const since = reads;
      this.wake();
      while (![...shards.values()].every((shard) => shard.finished || shard.lastEmptyRead > since)) {
        if (state !== 'running') throw new PollerStateError(options.consumerName, state, 'wait');
        await this.progressed(signal);
      }
    },

    progressed(signal) {
      return new Promise<void>((resolve, reject) => {
        if (signal?.aborted) return reject(signal.reason);
        const onAbort = () => reject(signal?.reason);
        signal?.addEventListener('abort', onAbort, { once: true });
        waiters.push(() => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        });
      });
    },

    status() {
      return {
        consumer: options.consumerName,
        shards: [...shards.values()].map(({ shardId, processed, checkpoint, failures }) => ({
          shardId,
          processed,
          checkpoint,
          failures,
        })),
        batches,
        records,
        lastError,
      };
    },
  };
}
