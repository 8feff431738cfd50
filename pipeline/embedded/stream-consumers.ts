/**
 * The stream's two consumers, each a poller with its own checkpoints under `<data-dir>/checkpoints`:
 * the hot-store consumer (the handler the Lambda runs, fed as its event source mapping feeds it)
 * and the archiver (the stand-in for Firehose).
 */
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import type { EmbeddedArchiver } from './archiver.js';
import { createKinesisPoller, type KinesisBatchHandler, type KinesisPoller } from './poller.js';
import type { StackLogger } from './stack-logger.js';

export interface StreamConsumersOptions {
  readonly kinesis: KinesisClient;
  readonly streamName: string;
  readonly streamArn: string;
  readonly region: string;
  readonly checkpointDir: string;
  /** Records per consumer invocation. @default 100 */
  readonly batchSize?: number;
  /** Pause of an idle shard between reads. @default 1000 */
  readonly idleDelayMs?: number;
  readonly logger: StackLogger;
  /** The consumer's handler (`createConsumerHandler`). */
  readonly handler: KinesisBatchHandler;
  readonly archiver: EmbeddedArchiver;
}

export interface StreamConsumers {
  readonly consumer: KinesisPoller;
  readonly archiver: KinesisPoller;
  /** Both pollers, the consumer first. */
  readonly pollers: readonly KinesisPoller[];
}

/** Creates the two pollers (not started). */
export function createStreamConsumers(options: StreamConsumersOptions): StreamConsumers {
  const { logger, archiver } = options;
  const onPollerError = (error: unknown, context: { shardId: string; consumer: string; attempt: number }) => {
    // The first failures of a batch are routine retries; keep the console for persistent ones.
    if (context.attempt === 1 || context.attempt % 10 === 0 || context.attempt < 0) {
      logger.warn(`${context.consumer}: batch on ${context.shardId} failed, retrying`, {
        attempt: context.attempt,
        error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
      });
    }
  };
  const pollerBase = {
    kinesis: options.kinesis,
    streamName: options.streamName,
    streamArn: options.streamArn,
    region: options.region,
    checkpointDir: options.checkpointDir,
    batchSize: options.batchSize ?? 100,
    idleDelayMs: options.idleDelayMs ?? 1000,
    onError: onPollerError,
    onWarning: (message: string) => logger.warn(message),
  };
  const consumer = createKinesisPoller({
    ...pollerBase,
    consumerName: 'consumer',
    handler: options.handler,
  });
  const archiverPoller = createKinesisPoller({
    ...pollerBase,
    consumerName: 'archiver',
    // The archiver appends each batch to its on-disk spool before returning, so its checkpoint
    // may move per batch like the consumer's: a kill loses nothing, the next flush writes the spool.
    handler: (event) => archiver.handler(event),
  });
  return { consumer, archiver: archiverPoller, pollers: [consumer, archiverPoller] };
}
