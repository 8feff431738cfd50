/**
 * The embedded stack: the whole pipeline of DESIGN.md on one machine, with the production code.
 * This file only assembles it from its parts, and re-exports what the CLI, server and tests use:
 *
 * - kinesalite (the stream, LevelDB in `<data-dir>/kinesis`) and dynalite (the hot store, LevelDB
 *   in `<data-dir>/dynamodb`) speak the real AWS protocols, so the adapters are the production
 *   adapters pointed at 127.0.0.1 (service-threads.ts, watched by service-watch.ts);
 * - a stream with `shards` shards (default 4), partition key = `detail.resourceId`, as the cloud
 *   EventBridge rule uses (stream-producer.ts; the rule's filter is local-bus.ts);
 * - the consumer (`createConsumerHandler`, the code the Lambda runs) fed by a Kinesis poller (poller.ts)
 *   with Lambda's event shape and batch semantics, checkpoints under `<data-dir>/checkpoints/consumer`;
 * - the archiver (the stand-in for Firehose) as a second consumer of the same stream, with its own
 *   checkpoints (`<data-dir>/checkpoints/archiver`); it spools each batch to disk before returning,
 *   so its checkpoint never passes a record that a kill could lose (stream-consumers.ts, and the
 *   waits on both in consumer-waits.ts);
 * - rejected records in `<data-dir>/rejected/`, alerts through the DynamoDB outbox to Slack
 *   (`SLACK_WEBHOOK_URL`) or to `<data-dir>/outbox/*.json` (sink-selection.ts, notifier.ts);
 *   with a routing configuration, per destination (its webhook, or `<data-dir>/outbox/<destination>/`);
 * - `config-monitor ingest` run through all of it (ingest.ts).
 *
 * One process per data directory: a stack holds the directory's lock (data-dir-lock.ts, released
 * by the kernel when the process dies) from before LevelDB opens until it is closed, so a second
 * opener fails with `DataDirInUseError` even if LevelDB's `LOCK` files were deleted. A
 * running `config-monitor up` advertises its endpoints in `<data-dir>/endpoints.json` (see
 * {@link readRunningStack} in stack-endpoints.ts); other commands use it instead of starting their
 * own stack. The data directory's layout is data-dir.ts.
 *
 * Longer than 400 lines because the assembly stays one function: the order in which the parts
 * are built and started (what a consumer batch can reach before the rest exists) reads top to
 * bottom, and the re-exports keep the stack's importers on this one module.
 */
import { mkdirSync } from 'node:fs';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import {
  createDocumentClient,
  createDynamoClient,
  createKinesisClient,
} from '../../src/adapters/aws-clients.js';
import { DuckDbQueryEngine } from '../../src/adapters/duckdb/duckdb.query-engine.js';
import { AlertOutboxRepository } from '../../src/adapters/dynamodb/alert-outbox.repository.js';
import { ensureTables } from '../../src/adapters/dynamodb/create-tables.js';
import { EventStoreRepository } from '../../src/adapters/dynamodb/event-store.repository.js';
import {
  EVENTS_TABLE,
  MUTES_TABLE,
  OUTBOX_TABLE,
  STATE_TABLE,
  tableName,
} from '../../src/adapters/dynamodb/table-definitions.js';
import { FileQuarantine } from '../../src/adapters/file/file.quarantine.js';
import { partitionKeyFor } from '../../src/adapters/kinesis/partition-key.js';
import { loadFlappingOptions, optionalEnv, positiveIntegerEnv } from '../../src/config.js';
import { DIGEST_DEFAULTS } from '../../src/domain/alert-digest.js';
import type { FlappingOptions } from '../../src/domain/flapping.js';
import { DEFAULT_DESTINATION, NO_ROUTING, type RoutingConfig } from '../../src/domain/routing-config.js';
import { type BatchSummary, createConsumerHandler } from '../../src/handlers/consumer.handler.js';
import type { MessageSink } from '../../src/ports/message-sink.js';
import type { QueryEngine } from '../../src/ports/query-engine.js';
import type { DestinationSink, DrainResult, Notifier } from '../../src/use-cases/deliver-alerts.js';
import { createEmbeddedArchiver, type EmbeddedArchiver } from './archiver.js';
import { createConsumerWaits, type WaitOptions } from './consumer-waits.js';
import { type DataDirLayout, dataDirLayout } from './data-dir.js';
import { type DataDirLock, lockDataDir } from './data-dir-lock.js';
import { StackAlreadyRunningError } from './errors.js';
import { createIngester, type IngestOptions, type IngestRecord, type IngestReport } from './ingest.js';
import type { LocalService } from './local-services.js';
import {
  createBackgroundDelivery,
  createStackNotifier,
  type DeliverOptions,
  deliverAlerts,
} from './notifier.js';
import { repairPendingIndex } from './outbox-index-repair.js';
import type { PollerStatus } from './poller.js';
import { startServiceThread } from './service-threads.js';
import { watchServices } from './service-watch.js';
import { type SinkInfo, selectDestinationSinks } from './sink-selection.js';
import { readRunningStack } from './stack-endpoints.js';
import { type StackLogger, stderrLogger } from './stack-logger.js';
import { migrateStateIndex } from './state-index-migration.js';
import { createStreamConsumers } from './stream-consumers.js';
import {
  createStreamProducer,
  ensureStream,
  type PublishResult,
  type StreamRecord,
} from './stream-producer.js';

export type { BatchSummary } from '../../src/handlers/consumer.handler.js';
export type { DrainResult } from '../../src/use-cases/deliver-alerts.js';
export type { WaitOptions } from './consumer-waits.js';
export { dataDirLayout } from './data-dir.js';
export type {
  IngestOptions,
  IngestProgress,
  IngestRecord,
  IngestReport,
  IngestSummary,
} from './ingest.js';
export { admit, MAX_EVENT_BYTES } from './local-bus.js';
export {
  readRunningStack,
  removeStackEndpoints,
  type StackEndpoints,
  writeStackEndpoints,
} from './stack-endpoints.js';
export type { StackLogger } from './stack-logger.js';
export type { PublishResult, StreamRecord } from './stream-producer.js';

/**
 * The partition key of an event: the one function the cloud rules and the cloud stream redrive
 * follow (src/domain/stream-routes.ts, where the long-id design is explained). Re-exported for the
 * embedded stack's callers and tests.
 */
export { partitionKeyFor };

export const DEFAULT_SHARDS = 4;
export const DEFAULT_TABLE_PREFIX = 'local';
export const DEFAULT_STREAM_NAME = 'config-events';
export const DEFAULT_REGION = 'us-east-1';

export interface EmbeddedStackOptions {
  /** Everything persists under it; created if missing. */
  readonly dataDir: string;
  /** Shards of a new stream (an existing stream keeps its count). @default 4 */
  readonly shards?: number;
  /** @default 'local' (tables `local-events`, `local-state`, `local-outbox`) */
  readonly tablePrefix?: string;
  /** @default 'config-events' */
  readonly streamName?: string;
  /** @default 'us-east-1' */
  readonly region?: string;
  /** Records per consumer invocation. @default 100 */
  readonly batchSize?: number;
  /** Pause of an idle shard between reads (Lambda polls about once a second); a publish wakes it. @default 1000 */
  readonly idleDelayMs?: number;
  /** Slack webhook; null forces the outbox folder. @default - SLACK_WEBHOOK_URL, else the outbox folder */
  readonly slackWebhookUrl?: string | null;
  /**
   * The configuration file's routing (pipeline/embedded/config-file.ts): destinations, routes,
   * severity overrides, the accounts map. With it the outbox folder keeps one sub-folder per
   * destination. @default - none: every alert to `default`, `<data-dir>/outbox/*.json`
   */
  readonly routing?: RoutingConfig | null;
  /** The Slack Web API of bot destinations (a local stand-in in tests). @default https://slack.com/api/ */
  readonly slackApiUrl?: string;
  /** Minimum time between two Slack posts. @default - 1000 with a webhook, 0 for the folder */
  readonly minPostIntervalMs?: number;
  /**
   * When a pair is flapping (src/domain/flapping.ts). @default - FLAPPING_MAX_CHANGES and
   * FLAPPING_WINDOW_HOURS from the environment (src/config.ts), else 4 changes in 24 h
   */
  readonly flapping?: FlappingOptions;
  /** Deliver alerts in the background as they are queued (`up`). @default false */
  readonly autoDeliver?: boolean;
  /** Warnings and errors of the consumer, notifier and pollers. @default - one line each on stderr */
  readonly logger?: StackLogger;
  /** The folder sink's one line per message. @default - stderr */
  readonly messageLog?: (line: string) => void;
  /** Use the running `up`'s LevelDB servers instead of failing (tests only; no pollers are shared). @default false */
  readonly ignoreRunning?: boolean;
}

export interface EmbeddedStack {
  readonly dataDir: string;
  readonly region: string;
  readonly endpoints: { readonly kinesis: string; readonly dynamodb: string };
  readonly kinesis: KinesisClient;
  readonly dynamo: DynamoDBClient;
  readonly doc: DynamoDBDocumentClient;
  readonly tablePrefix: string;
  readonly tables: {
    readonly events: string;
    readonly state: string;
    readonly outbox: string;
    readonly mutes: string;
  };
  readonly streamName: string;
  readonly streamArn: string;
  readonly quarantine: FileQuarantine;
  readonly outbox: AlertOutboxRepository;
  readonly notifier: Notifier;
  readonly archiver: EmbeddedArchiver;
  /** Where messages go: `slack` (webhook), `bot` (a channel through a bot token) or the outbox folder. */
  readonly sink: SinkInfo;
  /** Where each destination's messages go (one entry, `default`, without routing). */
  readonly destinations: Readonly<Record<string, SinkInfo>>;
  /** Whether a routing configuration is in force (the outbox folder then has a sub-folder per destination). */
  readonly routed: boolean;
  /** The message sink itself, for messages that are not alerts (the baseline summary of a sync). */
  readonly messageSink: MessageSink;
  /** Puts events (objects or JSON texts) on the stream, batched, partition key = `detail.resourceId`. */
  publish(events: readonly unknown[]): Promise<PublishResult>;
  /** Puts prepared records on the stream (≤ 500 per call, failed entries retried). */
  putRecords(records: readonly StreamRecord[]): Promise<PublishResult>;
  /**
   * Resolves when both consumers (hot store and archiver) have processed everything published
   * through this stack, and the archive is flushed and committed.
   */
  waitUntilProcessed(options?: WaitOptions): Promise<void>;
  /** Resolves when both consumers have read everything already in the stream (after a restart). */
  catchUp(signal?: AbortSignal): Promise<void>;
  /** Drains the alert outbox until empty, the sink fails, or the time is up. Sums the drains. */
  deliverAlerts(options?: {
    timeoutMs?: number;
    onDrain?: (result: DrainResult) => void;
  }): Promise<DrainResult>;
  /** The whole `config-monitor ingest`: filter, publish, wait, flush, deliver; exact counts. */
  ingest(
    records: AsyncIterable<IngestRecord> | Iterable<IngestRecord>,
    options?: IngestOptions,
  ): Promise<IngestReport>;
  /** Subscribes to the consumer's per-batch counts; returns the unsubscribe function. */
  onBatch(listener: (summary: BatchSummary) => void): () => void;
  /** DuckDB over `<data-dir>/archive` (opened on first use, closed with the stack). */
  queryEngine(): Promise<QueryEngine>;
  status(): { consumer: PollerStatus; archiver: PollerStatus };
  /** Stops the pollers, commits the archive, closes clients and servers. Idempotent. */
  close(): Promise<void>;
}

/**
 * Starts the embedded stack on a data directory. Throws `StackAlreadyRunningError` if a running
 * `up` advertises it, `DataDirInUseError` if another process (or stack) holds its lock, and
 * `DataStoreCorruptError` if a LevelDB store is damaged (naming it and the way out).
 */
export async function startEmbeddedStack(options: EmbeddedStackOptions): Promise<EmbeddedStack> {
  const dataDir = options.dataDir;
  const layout = dataDirLayout(dataDir);
  mkdirSync(dataDir, { recursive: true });
  if (!options.ignoreRunning) {
    const running = await readRunningStack(dataDir);
    if (running) throw new StackAlreadyRunningError(dataDir, running.pid);
  }
  const region = options.region ?? DEFAULT_REGION;
  const tablePrefix = options.tablePrefix ?? DEFAULT_TABLE_PREFIX;
  const streamName = options.streamName ?? DEFAULT_STREAM_NAME;
  const logger = options.logger ?? stderrLogger();
  // Alert settings: those the notifier Lambda reads, with the same validation (fails fast, naming
  // the variable, before any service starts).
  const digestThreshold = positiveIntegerEnv('ALERT_DIGEST_THRESHOLD', DIGEST_DEFAULTS.threshold);
  const dashboardUrl = optionalEnv('DASHBOARD_URL') ?? null;
  const flapping = options.flapping ?? loadFlappingOptions();

  // Ours before LevelDB's: held until close, or by the kernel until this process dies.
  const lock = await lockDataDir(dataDir);
  const services: LocalService[] = [];
  const clients: Array<{ destroy(): void }> = [];
  try {
    const started = await Promise.allSettled([
      startServiceThread('kinesalite', layout.kinesis),
      startServiceThread('dynalite', layout.dynamodb),
    ]);
    for (const result of started) if (result.status === 'fulfilled') services.push(result.value);
    for (const result of started) if (result.status === 'rejected') throw result.reason;
    const [kinesisService, dynamoService] = services as [LocalService, LocalService];
    const kinesis = createKinesisClient({ endpoint: kinesisService.endpoint, region });
    const dynamo = createDynamoClient({ endpoint: dynamoService.endpoint, region });
    const doc = createDocumentClient({ endpoint: dynamoService.endpoint, region });
    clients.push(kinesis, dynamo, doc);
    const [{ streamArn }] = await Promise.all([
      ensureStream(kinesis, streamName, options.shards ?? DEFAULT_SHARDS),
      ensureTables(dynamo, tablePrefix).then(async () => {
        // A data directory from before the state table's `open` index: dynalite cannot add one.
        const migrated = await migrateStateIndex(dynamo, doc, tablePrefix);
        if (migrated !== null) {
          logger.warn(`added the open-violations index to the state table (${migrated} states copied)`);
        }
      }),
    ]);
    return await assemble({
      options,
      layout,
      region,
      tablePrefix,
      streamName,
      streamArn,
      logger,
      alerts: { digestThreshold, dashboardUrl, flapping },
      kinesis,
      dynamo,
      doc,
      services: [kinesisService, dynamoService],
      lock,
    });
  } catch (err) {
    for (const client of clients) client.destroy();
    for (const service of services.reverse()) await service.close();
    await lock.release();
    throw err;
  }
}

interface AssembleInput {
  options: EmbeddedStackOptions;
  layout: DataDirLayout;
  region: string;
  tablePrefix: string;
  streamName: string;
  streamArn: string;
  logger: StackLogger;
  alerts: { digestThreshold: number; dashboardUrl: string | null; flapping: FlappingOptions };
  kinesis: KinesisClient;
  dynamo: DynamoDBClient;
  doc: DynamoDBDocumentClient;
  services: LocalService[];
  lock: DataDirLock;
}

async function assemble(input: AssembleInput): Promise<EmbeddedStack> {
  const {
    options,
    layout,
    region,
    tablePrefix,
    streamName,
    streamArn,
    logger,
    alerts,
    kinesis,
    dynamo,
    doc,
  } = input;
  const dataDir = options.dataDir;
  const tables = {
    events: tableName(tablePrefix, EVENTS_TABLE),
    state: tableName(tablePrefix, STATE_TABLE),
    outbox: tableName(tablePrefix, OUTBOX_TABLE),
    mutes: tableName(tablePrefix, MUTES_TABLE),
  };
  const quarantine = new FileQuarantine(dataDir);
  // This process holds the data directory, so no one else is appending to rejected/: a line a
  // killed writer left unfinished is ended, so the next record does not join it.
  for (const file of await quarantine.endFragments()) {
    logger.warn(`ended an unfinished quarantine line (a writer was killed while writing it) in ${file}`);
  }
  const outbox = new AlertOutboxRepository(doc, tables.outbox);
  // A kill while alerts were marked delivered can leave pending alerts out of dynalite's index.
  const reindexed = await repairPendingIndex(doc, tables.outbox);
  if (reindexed > 0) {
    logger.warn(
      `${reindexed} pending alerts were missing from the outbox index (a process was killed while marking deliveries) and are listed again`,
    );
  }

  const batchListeners = new Set<(summary: BatchSummary) => void>();
  const onBatch = (listener: (summary: BatchSummary) => void) => {
    batchListeners.add(listener);
    return () => batchListeners.delete(listener);
  };
  const routing = options.routing ?? null;
  const selected = selectDestinationSinks({
    routing,
    slackWebhookUrl: options.slackWebhookUrl,
    ...(options.slackApiUrl ? { slackApiUrl: options.slackApiUrl } : {}),
    outboxDir: layout.outbox,
    messageLog: options.messageLog,
    logger,
  });
  const defaultDestination = routing?.defaultDestination ?? DEFAULT_DESTINATION;
  const sink = (selected.destinations[defaultDestination] as DestinationSink).sink;
  const notifier = createStackNotifier({
    doc,
    tables,
    outbox,
    destinations: Object.fromEntries(
      Object.entries(selected.destinations).map(([name, d]) => [
        name,
        {
          sink: d.sink,
          minIntervalMs: options.minPostIntervalMs ?? d.minIntervalMs ?? 0,
          ...(d.channel ? { channel: d.channel } : {}),
        },
      ]),
    ),
    routing: routing ?? NO_ROUTING,
    alerts,
    logger,
  });

  // Background delivery (`up`): soon after alerts are queued, and every minute for retries. Paused
  // while an ingest runs: it drains at its end and reports the messages.
  let closed = false;
  const background = createBackgroundDelivery({
    notifier,
    logger,
    paused: () => closed || ingester.running(),
  });
  const consumerHandler = createConsumerHandler({
    doc,
    tables,
    quarantine,
    outbox,
    flapping: alerts.flapping,
    logger: {
      debug: (m, a) => logger.debug(m, a),
      // One info line per alert and per batch is for CloudWatch; locally only problems are shown.
      info: (m, a) => logger.debug(m, a),
      warn: (m, a) => logger.warn(m, a),
      error: (m, a) => logger.error(m, a),
    },
    onBatch: (summary) => {
      for (const listener of batchListeners) listener(summary);
      if (summary.violations + summary.resolutions > 0) background.schedule();
    },
  });

  const archiver = createEmbeddedArchiver({
    dataDir,
    // The archiver claims event ids as the consumer does: the archive keeps the hot store's content.
    claims: new EventStoreRepository(doc, tables.events),
    severityOverrides: (routing ?? NO_ROUTING).severityOverrides,
    onError: (err) => logger.error('archiver flush failed', { error: String(err) }),
    onWarning: (message) => logger.warn(message),
  });
  const consumers = createStreamConsumers({
    kinesis,
    streamName,
    streamArn,
    region,
    checkpointDir: layout.checkpoints,
    batchSize: options.batchSize,
    idleDelayMs: options.idleDelayMs,
    logger,
    handler: consumerHandler,
    archiver,
  });
  const { pollers } = consumers;
  await Promise.all(pollers.map((poller) => poller.start()));

  const { unlessStopped } = watchServices(input.services, logger);
  const producer = createStreamProducer({
    kinesis,
    streamName,
    unlessStopped,
    onPublished: () => {
      for (const poller of pollers) poller.wake();
    },
  });
  const { waitUntilProcessed, catchUp } = createConsumerWaits({
    pollers,
    archiver,
    published: producer.published,
    unlessStopped,
    isClosed: () => closed,
  });
  const deliver = (deliverOptions?: DeliverOptions) => deliverAlerts(notifier, deliverOptions);
  const ingester = createIngester({
    quarantine,
    logger,
    putRecords: producer.putRecords,
    catchUp,
    waitUntilProcessed,
    deliverAlerts: deliver,
    onBatch,
  });
  let engine: Promise<QueryEngine> | undefined;
  if (options.autoDeliver) background.start();

  return {
    dataDir,
    region,
    endpoints: { kinesis: input.services[0]!.endpoint, dynamodb: input.services[1]!.endpoint },
    kinesis,
    dynamo,
    doc,
    tablePrefix,
    tables,
    streamName,
    streamArn,
    quarantine,
    outbox,
    notifier,
    archiver,
    sink: selected.info[defaultDestination] as SinkInfo,
    destinations: selected.info,
    routed: routing !== null,
    messageSink: sink,
    publish: producer.publish,
    putRecords: producer.putRecords,
    waitUntilProcessed,
    catchUp,
    deliverAlerts: deliver,
    ingest: ingester.ingest,
    onBatch,
    queryEngine() {
      engine ??= Promise.resolve(new DuckDbQueryEngine({ dataDir }));
      return engine;
    },
    status() {
      return { consumer: consumers.consumer.status(), archiver: consumers.archiver.status() };
    },
    async close() {
      if (closed) return;
      closed = true;
      background.stop();
      await Promise.all(pollers.map((poller) => poller.stop()));
      try {
        await archiver.close(); // flushes the spool to Parquet
      } finally {
        if (engine) await engine.then((e) => e.close()).catch(() => undefined);
        kinesis.destroy();
        dynamo.destroy();
        doc.destroy();
        for (const service of [...input.services].reverse()) await service.close();
        // Only once LevelDB is closed: the next opener must not meet a store still in use.
        await input.lock.release();
      }
    },
  };
}
