/**
 * The embedded stack: the whole pipeline of DESIGN.md on one machine, with the production code.
 *
 * - kinesalite (the stream, LevelDB in `<data-dir>/kinesis`) and dynalite (the hot store, LevelDB
 *   in `<data-dir>/dynamodb`) speak the real AWS protocols, so the adapters are the production
 *   adapters pointed at 127.0.0.1;
 * - a stream with `shards` shards (default 4), partition key = `detail.resourceId`, as the cloud
 *   EventBridge rule uses;
 * - the consumer (`createConsumerHandler`, the code the Lambda runs) fed by a {@link createKinesisPoller}
 *   with Lambda's event shape and batch semantics, checkpoints under `<data-dir>/checkpoints/consumer`;
 * - the archiver (the stand-in for Firehose) as a second consumer of the same stream, with its own
 *   checkpoints (`<data-dir>/checkpoints/archiver`); it spools each batch to disk before returning,
 *   so its checkpoint never passes a record that a kill could lose;
 * - rejected records in `<data-dir>/rejected/`, alerts through the DynamoDB outbox to Slack
 *   (`SLACK_WEBHOOK_URL`) or to `<data-dir>/outbox/*.json`.
 *
 * One process per data directory: a stack holds the directory's lock (data-dir-lock.ts, released
 * by the kernel when the process dies) from before LevelDB opens until it is closed, so a second
 * opener fails with `DataDirInUseError` even if LevelDB's `LOCK` files were deleted. A
 * running `config-monitor up` advertises its endpoints in `<data-dir>/endpoints.json` (see
 * {@link readRunningStack}); other commands use it instead of starting their own stack.
 */
import { mkdirSync } from 'node:fs';
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { join } from 'node:path';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  CreateStreamCommand,
  DescribeStreamSummaryCommand,
  IncreaseStreamRetentionPeriodCommand,
  type KinesisClient,
  PutRecordsCommand,
  type PutRecordsRequestEntry,
  ResourceNotFoundException,
  waitUntilStreamExists,
} from '@aws-sdk/client-kinesis';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import {
  createDocumentClient,
  createDynamoClient,
  createKinesisClient,
} from '../../src/adapters/aws-clients.js';
import { DuckDbQueryEngine } from '../../src/adapters/duckdb/duckdb.query-engine.js';
import { AlertOutboxRepository } from '../../src/adapters/dynamodb/alert-outbox.repository.js';
import { ensureTables } from '../../src/adapters/dynamodb/create-tables.js';
import { MuteRepository } from '../../src/adapters/dynamodb/mute.repository.js';
import { HotStateOpenPairs } from '../../src/adapters/dynamodb/open-pairs.js';
import {
  EVENTS_TABLE,
  MUTES_TABLE,
  OUTBOX_TABLE,
  STATE_TABLE,
  tableName,
} from '../../src/adapters/dynamodb/table-definitions.js';
import { FileQuarantine } from '../../src/adapters/file/file.quarantine.js';
import { partitionKeyFor } from '../../src/adapters/kinesis/partition-key.js';
import { createFolderMessageSink } from '../../src/adapters/slack/folder.message-sink.js';
import { createSlackMessageRenderer } from '../../src/adapters/slack/slack-messages.js';
import { createSlackWebhookClient, parseWebhookUrl } from '../../src/adapters/slack/slack-webhook.client.js';
import { optionalEnv, positiveIntegerEnv } from '../../src/config.js';
import { DIGEST_DEFAULTS } from '../../src/domain/alert-digest.js';
import { parseConfigEvent } from '../../src/domain/config-event.js';
import { matchesConfigEventPattern } from '../../src/domain/event-pattern.js';
import { type BatchSummary, createConsumerHandler } from '../../src/handlers/consumer.handler.js';
import type { MessageSink } from '../../src/ports/message-sink.js';
import type { QuarantinedRecord } from '../../src/ports/quarantine.js';
import type { QueryEngine } from '../../src/ports/query-engine.js';
import {
  type AlertDeliverer,
  createAlertDeliverer,
  type DrainResult,
} from '../../src/use-cases/deliver-alerts.js';
import { createDeliveryMutes } from '../../src/use-cases/mutes.js';
import { createEmbeddedArchiver, type EmbeddedArchiver } from './archiver.js';
import { type DataDirLock, lockDataDir } from './data-dir-lock.js';
import { EmbeddedError, ProcessingTimeoutError, PublishError, StackAlreadyRunningError } from './errors.js';
import type { LocalService } from './local-services.js';
import { repairPendingIndex } from './outbox-index-repair.js';
import {
  compareSequenceNumbers,
  createKinesisPoller,
  type KinesisPoller,
  type PollerStatus,
} from './poller.js';
import { startServiceThread } from './service-threads.js';
import { migrateStateIndex } from './state-index-migration.js';

export type { BatchSummary } from '../../src/handlers/consumer.handler.js';
export type { DrainResult } from '../../src/use-cases/deliver-alerts.js';

export const DEFAULT_SHARDS = 4;
export const DEFAULT_TABLE_PREFIX = 'local';
export const DEFAULT_STREAM_NAME = 'config-events';
export const DEFAULT_REGION = 'us-east-1';
/** Records kept in the local stream: a stopped `up` resumes without loss within a week. */
const RETENTION_HOURS = 168;
/** EventBridge refuses events larger than 256 KB, so the cloud rule can never forward one. */
export const MAX_EVENT_BYTES = 256 * 1024;
/** Kinesis PutRecords limits: 500 records and 5 MiB per call (partition keys: see partitionKeyFor). */
const PUT_RECORDS_MAX = 500;
const PUT_RECORDS_MAX_BYTES = 5 * 1024 * 1024;
const PUBLISH_ATTEMPTS = 8;

/** Where a running `up` can be reached; written to `<data-dir>/endpoints.json`. */
export interface StackEndpoints {
  readonly pid: number;
  readonly startedAt: string;
  readonly kinesis: string;
  readonly dynamodb: string;
  readonly region: string;
  readonly tablePrefix: string;
  readonly streamName: string;
  /** The control endpoint through which `ingest` runs inside the `up` process (see control.ts). */
  readonly control: string | null;
  /** Bearer token of the control endpoint (the file is readable by its owner only). */
  readonly token: string | null;
  /** The API and dashboard, when served. */
  readonly api: string | null;
}

export interface StackLogger {
  info(message: string, extra?: Record<string, unknown>): void;
  warn(message: string, extra?: Record<string, unknown>): void;
  error(message: string, extra?: Record<string, unknown>): void;
  debug(message: string, extra?: Record<string, unknown>): void;
}

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
  /** Minimum time between two Slack posts. @default - 1000 with a webhook, 0 for the folder */
  readonly minPostIntervalMs?: number;
  /** Deliver alerts in the background as they are queued (`up`). @default false */
  readonly autoDeliver?: boolean;
  /** Warnings and errors of the consumer, deliverer and pollers. @default - one line each on stderr */
  readonly logger?: StackLogger;
  /** The folder sink's one line per message. @default - stderr */
  readonly messageLog?: (line: string) => void;
  /** Use the running `up`'s LevelDB servers instead of failing (tests only; no pollers are shared). @default false */
  readonly ignoreRunning?: boolean;
}

export interface PublishResult {
  readonly published: number;
  /** Highest sequence number written per shard by this call. */
  readonly sequenceNumbers: ReadonlyMap<string, string>;
}

/** One record for the stream: the event's JSON text and its partition key. */
export interface StreamRecord {
  readonly data: string;
  readonly partitionKey: string;
}

/** Counts of one `ingest`, as `config-monitor ingest --json` prints them. */
export interface IngestSummary {
  received: number;
  accepted: number;
  duplicates: number;
  stale: number;
  skipped: number;
  rejected: number;
  alerts: { violations: number; resolved: number; messages: number };
}

export interface IngestReport {
  readonly summary: IngestSummary;
  /** Alerts still queued after the drain (delivered later by `up`, never lost). */
  readonly pendingAlerts: number;
  /** Alerts whose post failed during the drain (still queued). */
  readonly failedAlerts: number;
  /**
   * Messages sent during the drain that Slack never answered: they may be in the channel; their
   * alerts stay queued and are re-sent once (a possible duplicate).
   */
  readonly unconfirmedMessages: number;
  /** Alerts held back by a mute in force during the drain: recorded as delivered-as-muted, not posted. */
  readonly mutedAlerts?: number;
  /** Records left unprocessed by an interrupted run and processed before this ingest. */
  readonly recovered: number;
  readonly durationMs: number;
}

export type IngestProgress =
  | { readonly phase: 'recovering' }
  | {
      readonly phase: 'sending';
      readonly read: number;
      readonly published: number;
      readonly processed: number;
    }
  | { readonly phase: 'processing'; readonly processed: number; readonly total: number }
  | { readonly phase: 'archiving' }
  | { readonly phase: 'delivering'; readonly messages: number; readonly pending: number };

/**
 * One input record: raw text (a JSON Lines line, a value that does not parse) or an already parsed
 * value (an array element). A text with a `reason` was rejected by the reader (see ingest-input.ts:
 * too long to hold); the text is what is kept of it.
 */
export type IngestRecord = { readonly text: string; readonly reason?: string } | { readonly value: unknown };

export interface IngestOptions {
  readonly onProgress?: (progress: IngestProgress) => void;
  readonly signal?: AbortSignal;
  /** Stop draining alerts after this long (they stay queued). @default 120000 */
  readonly drainTimeoutMs?: number;
}

export interface WaitOptions {
  readonly signal?: AbortSignal;
  /** Give up when no consumer made progress for this long. @default 120000 */
  readonly stallTimeoutMs?: number;
  readonly onProgress?: () => void;
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
  readonly deliverer: AlertDeliverer;
  readonly archiver: EmbeddedArchiver;
  /** Where messages go: `slack` (webhook) or the outbox folder. */
  readonly sink: { readonly kind: 'slack' | 'folder'; readonly dir: string | null };
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

/** Paths of the data directory. */
export function dataDirLayout(dataDir: string) {
  return {
    kinesis: join(dataDir, 'kinesis'),
    dynamodb: join(dataDir, 'dynamodb'),
    checkpoints: join(dataDir, 'checkpoints'),
    rejected: join(dataDir, 'rejected'),
    outbox: join(dataDir, 'outbox'),
    archive: join(dataDir, 'archive'),
    endpoints: join(dataDir, 'endpoints.json'),
  };
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Whether something accepts TCP connections at an `http://host:port` URL (within `timeoutMs`). */
function listening(url: string, timeoutMs = 1_000): Promise<boolean> {
  let host: string;
  let port: number;
  try {
    const parsed = new URL(url);
    host = parsed.hostname;
    port = Number(parsed.port);
  } catch {
    return Promise.resolve(false);
  }
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (answer: boolean) => {
      socket.destroy();
      resolve(answer);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/**
 * The endpoints of the `config-monitor up` running on this data directory, or null: no file, a
 * file left by a process that is gone, or one whose pid now belongs to another process (pids are
 * reused after a crash or a reboot): then its stream endpoint no longer answers.
 */
export async function readRunningStack(dataDir: string): Promise<StackEndpoints | null> {
  let parsed: StackEndpoints;
  try {
    parsed = JSON.parse(await readFile(dataDirLayout(dataDir).endpoints, 'utf8')) as StackEndpoints;
  } catch {
    return null;
  }
  if (!Number.isInteger(parsed.pid) || parsed.pid === process.pid || !processAlive(parsed.pid)) return null;
  if (typeof parsed.kinesis !== 'string' || !(await listening(parsed.kinesis))) return null;
  return parsed;
}

/** Advertises a running stack (mode 0600: the control token is a credential). */
export async function writeStackEndpoints(dataDir: string, endpoints: StackEndpoints): Promise<void> {
  const path = dataDirLayout(dataDir).endpoints;
  await writeFile(`${path}.tmp-${process.pid}`, `${JSON.stringify(endpoints, null, 2)}\n`, { mode: 0o600 });
  await rename(`${path}.tmp-${process.pid}`, path);
}

/** Removes `endpoints.json` if it is this process's. */
export async function removeStackEndpoints(dataDir: string): Promise<void> {
  const path = dataDirLayout(dataDir).endpoints;
  try {
    const current = JSON.parse(await readFile(path, 'utf8')) as StackEndpoints;
    if (current.pid === process.pid) await rm(path, { force: true });
  } catch {
    // absent or unreadable: nothing of ours to remove
  }
}

/**
 * The partition key of an event: the one function the cloud rules and the cloud stream redrive
 * follow (src/domain/stream-routes.ts, where the long-id design is explained). Re-exported for the
 * embedded stack's callers and tests.
 */
export { partitionKeyFor };

function stderrLogger(): StackLogger {
  const line = (level: string, message: string, extra?: Record<string, unknown>) =>
    process.stderr.write(`[${level}] ${message}${extra ? ` ${JSON.stringify(extra)}` : ''}\n`);
  const verbose = process.env.CONFIG_MONITOR_LOG === 'debug';
  return {
    debug: (m, e) => verbose && line('debug', m, e),
    info: (m, e) => verbose && line('info', m, e),
    warn: (m, e) => line('warn', m, e),
    error: (m, e) => line('error', m, e),
  };
}

async function ensureStream(
  kinesis: KinesisClient,
  streamName: string,
  shards: number,
): Promise<{ streamArn: string }> {
  const describe = async () =>
    (await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: streamName })))
      .StreamDescriptionSummary!;
  try {
    const summary = await describe();
    if (summary.StreamStatus === 'ACTIVE') return { streamArn: summary.StreamARN! };
  } catch (err) {
    if (!(err instanceof ResourceNotFoundException)) throw err;
    await kinesis.send(new CreateStreamCommand({ StreamName: streamName, ShardCount: shards }));
  }
  await waitUntilStreamExists(
    { client: kinesis, maxWaitTime: 60, minDelay: 0.05, maxDelay: 0.5 },
    { StreamName: streamName },
  );
  const summary = await describe();
  if ((summary.RetentionPeriodHours ?? 24) < RETENTION_HOURS) {
    await kinesis.send(
      new IncreaseStreamRetentionPeriodCommand({
        StreamName: streamName,
        RetentionPeriodHours: RETENTION_HOURS,
      }),
    );
  }
  return { streamArn: summary.StreamARN! };
}

function emptySummary(): IngestSummary {
  return {
    received: 0,
    accepted: 0,
    duplicates: 0,
    stale: 0,
    skipped: 0,
    rejected: 0,
    alerts: { violations: 0, resolved: 0, messages: 0 },
  };
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
      alerts: { digestThreshold, dashboardUrl },
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
  layout: ReturnType<typeof dataDirLayout>;
  region: string;
  tablePrefix: string;
  streamName: string;
  streamArn: string;
  logger: StackLogger;
  alerts: { digestThreshold: number; dashboardUrl: string | null };
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
  let scheduleDelivery: () => void = () => undefined;
  const consumerHandler = createConsumerHandler({
    doc,
    tables,
    quarantine,
    outbox,
    logger: {
      debug: (m, a) => logger.debug(m, a),
      // One info line per alert and per batch is for CloudWatch; locally only problems are shown.
      info: (m, a) => logger.debug(m, a),
      warn: (m, a) => logger.warn(m, a),
      error: (m, a) => logger.error(m, a),
    },
    onBatch: (summary) => {
      for (const listener of batchListeners) listener(summary);
      if (summary.violations + summary.resolutions > 0) scheduleDelivery();
    },
  });

  const webhookUrl =
    options.slackWebhookUrl === undefined
      ? process.env.SLACK_WEBHOOK_URL?.trim() || null
      : options.slackWebhookUrl;
  const messageLog = options.messageLog ?? ((line: string) => process.stderr.write(`${line}\n`));
  let sink: MessageSink;
  let sinkInfo: EmbeddedStack['sink'];
  if (webhookUrl) {
    const url = parseWebhookUrl(webhookUrl, 'SLACK_WEBHOOK_URL').toString();
    sink = createSlackWebhookClient({ url, logger });
    sinkInfo = { kind: 'slack', dir: null };
  } else {
    sink = createFolderMessageSink({ dir: layout.outbox, log: messageLog });
    sinkInfo = { kind: 'folder', dir: layout.outbox };
  }
  const deliverer = createAlertDeliverer({
    outbox,
    sink,
    digestThreshold: alerts.digestThreshold,
    minIntervalMs: options.minPostIntervalMs ?? (webhookUrl ? 1000 : 0),
    renderer: createSlackMessageRenderer({ dashboardUrl: alerts.dashboardUrl }),
    logger,
    // Mutes are read once per drain: added or removed by `config-monitor mute` (directly in this
    // dynalite) or the API, they hold from the next drain on.
    mutes: createDeliveryMutes({
      store: new MuteRepository(doc, tables.mutes),
      open: new HotStateOpenPairs(doc, tables.state),
      outbox,
    }),
  });

  const archiver = createEmbeddedArchiver({
    dataDir,
    onError: (err) => logger.error('archiver flush failed', { error: String(err) }),
    onWarning: (message) => logger.warn(message),
  });
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
    kinesis,
    streamName,
    streamArn,
    region,
    checkpointDir: layout.checkpoints,
    batchSize: options.batchSize ?? 100,
    idleDelayMs: options.idleDelayMs ?? 1000,
    onError: onPollerError,
    onWarning: (message: string) => logger.warn(message),
  };
  const consumerPoller = createKinesisPoller({
    ...pollerBase,
    consumerName: 'consumer',
    handler: consumerHandler,
  });
  const archiverPoller = createKinesisPoller({
    ...pollerBase,
    consumerName: 'archiver',
    // The archiver appends each batch to its on-disk spool before returning, so its checkpoint
    // may move per batch like the consumer's: a kill loses nothing, the next flush writes the spool.
    handler: (event) => archiver.handler(event),
  });
  const pollers = [consumerPoller, archiverPoller];
  await Promise.all(pollers.map((poller) => poller.start()));

  /** Highest sequence number published through this stack, per shard. */
  const published = new Map<string, string>();
  let closed = false;

  // A service thread that dies (a LevelDB write error: a full disk) fails every wait at once with
  // its reason, rather than after the consumers' stall timeout with none.
  let stopped: Error | null = null;
  let failStopped: (error: Error) => void = () => undefined;
  const serviceStopped = new Promise<never>((_, reject) => {
    failStopped = reject;
  });
  serviceStopped.catch(() => undefined);
  for (const service of input.services) {
    service.onStopped?.((error) => {
      if (stopped) return;
      stopped = error;
      logger.error(error.message);
      failStopped(error);
    });
  }
  /** Runs `work`, but rejects with the service's error as soon as one stops. */
  const unlessStopped = <T>(work: Promise<T>): Promise<T> => {
    if (stopped) {
      work.catch(() => undefined);
      return Promise.reject(stopped);
    }
    return Promise.race([work, serviceStopped]);
  };
  let ingestLock: Promise<unknown> = Promise.resolve();
  let ingesting = 0;
  let engine: Promise<QueryEngine> | undefined;

  // The archiver flushes by size and time itself (as Firehose buffers); ingest and close flush now.
  const commitArchive = (): Promise<void> => archiver.flush();

  // Background delivery (`up`): soon after alerts are queued, and every minute for retries, as the
  // outbox stream trigger and the 1-minute schedule do in AWS. Paused while an ingest runs: it
  // drains at its end and reports the messages.
  let deliveryTimer: NodeJS.Timeout | undefined;
  let scheduleTimer: NodeJS.Timeout | undefined;
  const backgroundDrain = () => {
    deliveryTimer = undefined;
    if (closed || ingesting > 0) return;
    deliverer.drain().catch((err: unknown) => logger.error('alert delivery failed', { error: String(err) }));
  };
  if (options.autoDeliver) {
    scheduleDelivery = () => {
      deliveryTimer ??= setTimeout(backgroundDrain, 1000);
    };
    scheduleTimer = setInterval(backgroundDrain, 60_000);
    scheduleTimer.unref();
    backgroundDrain();
  }

  async function putRecords(records: readonly StreamRecord[]): Promise<PublishResult> {
    const sequenceNumbers = new Map<string, string>();
    let count = 0;
    let start = 0;
    while (start < records.length) {
      // One call: ≤ 500 records and ≤ 5 MiB of data + keys.
      let end = start;
      let bytes = 0;
      while (end < records.length && end - start < PUT_RECORDS_MAX) {
        const record = records[end]!;
        const size = Buffer.byteLength(record.data) + Buffer.byteLength(record.partitionKey);
        if (end > start && bytes + size > PUT_RECORDS_MAX_BYTES) break;
        bytes += size;
        end++;
      }
      await unlessStopped(putChunk(records.slice(start, end), sequenceNumbers));
      count += end - start;
      start = end;
    }
    for (const [shardId, seq] of sequenceNumbers) {
      const current = published.get(shardId);
      if (!current || compareSequenceNumbers(seq, current) > 0) published.set(shardId, seq);
    }
    for (const poller of pollers) poller.wake();
    return { published: count, sequenceNumbers };
  }

  /** PutRecords with retries of the entries Kinesis refused (FailedRecordCount), bounded. */
  async function putChunk(
    chunk: readonly StreamRecord[],
    sequenceNumbers: Map<string, string>,
  ): Promise<void> {
    let entries: PutRecordsRequestEntry[] = chunk.map((record) => ({
      Data: Buffer.from(record.data),
      PartitionKey: record.partitionKey,
    }));
    let lastErrorCode: string | undefined;
    for (let attempt = 1; attempt <= PUBLISH_ATTEMPTS; attempt++) {
      const output = await kinesis.send(new PutRecordsCommand({ StreamName: streamName, Records: entries }));
      const retry: PutRecordsRequestEntry[] = [];
      (output.Records ?? []).forEach((result, i) => {
        if (result.ErrorCode) {
          lastErrorCode = result.ErrorCode;
          retry.push(entries[i]!);
          return;
        }
        const current = sequenceNumbers.get(result.ShardId!);
        if (!current || compareSequenceNumbers(result.SequenceNumber!, current) > 0) {
          sequenceNumbers.set(result.ShardId!, result.SequenceNumber!);
        }
      });
      if (retry.length === 0) return;
      entries = retry;
      await new Promise((r) => setTimeout(r, Math.min(2000, 50 * 2 ** attempt)));
    }
    throw new PublishError(entries.length, PUBLISH_ATTEMPTS, lastErrorCode);
  }

  /**
   * An abort signal that fires when no consumer finished a record for `stallMs` (a shard stuck on
   * a failing batch), naming the consumers in trouble and the last handler error; or with `outer`.
   */
  function stallWatch(outer: AbortSignal | undefined, stallMs: number) {
    const controller = new AbortController();
    const onOuter = () => controller.abort(outer?.reason);
    outer?.addEventListener('abort', onOuter, { once: true });
    const records = () => pollers.reduce((sum, poller) => sum + poller.status().records, 0);
    let last = records();
    let lastChange = Date.now();
    const timer = setInterval(() => {
      const now = records();
      if (now !== last) {
        last = now;
        lastChange = Date.now();
        return;
      }
      if (Date.now() - lastChange <= stallMs) return;
      const statuses = pollers.map((poller) => poller.status());
      const lagging = statuses
        .filter((s) => s.shards.some((shard) => shard.failures > 0))
        .map((s) => s.consumer)
        .join(', ');
      const lastError = statuses.map((s) => s.lastError).find((e) => e !== null) ?? null;
      controller.abort(
        new ProcessingTimeoutError(stallMs, lagging || 'no consumer reports a failure', lastError),
      );
    }, 1000);
    timer.unref();
    return {
      signal: controller.signal,
      dispose() {
        clearInterval(timer);
        outer?.removeEventListener('abort', onOuter);
      },
    };
  }

  async function waitUntilProcessed(waitOptions: WaitOptions = {}): Promise<void> {
    const targets = new Map(published);
    const watch = stallWatch(waitOptions.signal, waitOptions.stallTimeoutMs ?? 120_000);
    try {
      // One waiter per poller at a time: a poller that is already done must not collect a new
      // waiter (and abort listener) on every turn of the loop.
      const waiting = new Map<KinesisPoller, Promise<void>>();
      while (!pollers.every((poller) => poller.hasProcessed(targets))) {
        if (closed) throw new EmbeddedError('the stack was closed while waiting for the consumers');
        for (const poller of pollers) {
          if (waiting.has(poller)) continue;
          const next = poller.progressed(watch.signal).then(() => {
            waiting.delete(poller);
          });
          next.catch(() => undefined);
          waiting.set(poller, next);
        }
        await unlessStopped(Promise.race(waiting.values()));
        waitOptions.onProgress?.();
      }
    } finally {
      watch.dispose();
    }
    await commitArchive();
  }

  async function deliverAlerts(
    deliverOptions: { timeoutMs?: number; onDrain?: (result: DrainResult) => void } = {},
  ): Promise<DrainResult> {
    const deadline = Date.now() + (deliverOptions.timeoutMs ?? 120_000);
    const total: DrainResult = {
      messages: 0,
      violations: 0,
      resolutions: 0,
      pending: 0,
      failed: 0,
      unconfirmed: 0,
      possibleDuplicates: 0,
    };
    for (;;) {
      const budget = deadline - Date.now();
      if (budget <= 0) break;
      const result = await deliverer.drain({ timeBudgetMs: budget });
      total.messages += result.messages;
      total.violations += result.violations;
      total.resolutions += result.resolutions;
      total.failed += result.failed;
      total.unconfirmed += result.unconfirmed;
      total.possibleDuplicates += result.possibleDuplicates;
      if (result.muted !== undefined) total.muted = (total.muted ?? 0) + result.muted;
      if (result.realerts !== undefined) total.realerts = (total.realerts ?? 0) + result.realerts;
      total.pending = result.pending;
      deliverOptions.onDrain?.(total);
      // Done, or the sink is failing, unanswered or paused (the alerts stay queued for `up`).
      const moved = result.messages + (result.muted ?? 0) + (result.realerts ?? 0);
      if (result.pending === 0 || result.failed > 0 || result.unconfirmed > 0 || moved === 0) break;
    }
    return total;
  }

  async function catchUp(signal?: AbortSignal): Promise<void> {
    const watch = stallWatch(signal, 120_000);
    try {
      await unlessStopped(Promise.all(pollers.map((poller) => poller.caughtUp(watch.signal))));
    } finally {
      watch.dispose();
    }
  }

  async function ingest(
    records: AsyncIterable<IngestRecord> | Iterable<IngestRecord>,
    ingestOptions: IngestOptions = {},
  ): Promise<IngestReport> {
    // One ingest at a time: the consumer's batch counts are attributed to the ingest running.
    const previous = ingestLock;
    let release: () => void = () => undefined;
    ingestLock = new Promise<void>((resolve) => {
      release = resolve;
    });
    await previous;
    ingesting++;
    try {
      return await runIngest(records, ingestOptions);
    } finally {
      ingesting--;
      release();
    }
  }

  async function runIngest(
    records: AsyncIterable<IngestRecord> | Iterable<IngestRecord>,
    ingestOptions: IngestOptions,
  ): Promise<IngestReport> {
    const startedAt = Date.now();
    const { onProgress, signal } = ingestOptions;
    const summary = emptySummary();

    // Records an interrupted run left in the stream are processed first and not counted here.
    onProgress?.({ phase: 'recovering' });
    let recovered = 0;
    const countRecovered = (s: BatchSummary) => {
      recovered += s.received - s.failed;
    };
    batchListeners.add(countRecovered);
    try {
      await catchUp(signal);
    } finally {
      batchListeners.delete(countRecovered);
    }

    let processed = 0;
    let publishedCount = 0;
    const count = (s: BatchSummary) => {
      summary.accepted += s.accepted;
      summary.duplicates += s.duplicates;
      summary.stale += s.stale;
      summary.skipped += s.skipped;
      summary.rejected += s.rejected;
      summary.alerts.violations += s.violations;
      summary.alerts.resolved += s.resolutions;
      processed += s.received - s.failed;
    };
    batchListeners.add(count);
    try {
      const rejected: QuarantinedRecord[] = [];
      let pending: StreamRecord[] = [];
      let inFlight: Promise<unknown> = Promise.resolve();
      // One PutRecords in flight at a time: records of one resource keep their order, as they do
      // from one EventBridge rule target.
      const flush = async () => {
        const chunk = pending;
        pending = [];
        await inFlight;
        const put = putRecords(chunk).then((r) => {
          publishedCount += r.published;
        });
        // Handled here so that an input error in between cannot leave it unobserved; awaited below.
        put.catch(() => undefined);
        inFlight = put;
      };
      let read = 0;
      for await (const record of records) {
        signal?.throwIfAborted();
        read++;
        summary.received++;
        const outcome = admit(record);
        if (outcome.status === 'publish') {
          pending.push(outcome.record);
          if (pending.length >= PUT_RECORDS_MAX) await flush();
        } else if (outcome.status === 'skipped') {
          summary.skipped++;
        } else {
          summary.rejected++;
          rejected.push({ reason: outcome.reason, data: outcome.data, receivedAt: new Date().toISOString() });
          if (rejected.length >= 500) await quarantine.put(rejected.splice(0));
        }
        if (read % 500 === 0) onProgress?.({ phase: 'sending', read, published: publishedCount, processed });
      }
      if (pending.length > 0) await flush();
      await inFlight;
      await quarantine.put(rejected);
      onProgress?.({ phase: 'sending', read, published: publishedCount, processed });

      await waitUntilProcessed({
        ...(signal ? { signal } : {}),
        onProgress: () => onProgress?.({ phase: 'processing', processed, total: publishedCount }),
      });
      onProgress?.({ phase: 'archiving' });
    } finally {
      batchListeners.delete(count);
    }

    const delivery = await deliverAlerts({
      timeoutMs: ingestOptions.drainTimeoutMs ?? 120_000,
      onDrain: (d) => onProgress?.({ phase: 'delivering', messages: d.messages, pending: d.pending }),
    });
    summary.alerts.messages = delivery.messages;
    if (processed !== publishedCount) {
      logger.warn('consumer counts differ from the records published', {
        processed,
        published: publishedCount,
      });
    }
    return {
      summary,
      pendingAlerts: delivery.pending,
      failedAlerts: delivery.failed,
      unconfirmedMessages: delivery.unconfirmed,
      mutedAlerts: delivery.muted ?? 0,
      recovered,
      durationMs: Date.now() - startedAt,
    };
  }

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
    deliverer,
    archiver,
    sink: sinkInfo,
    messageSink: sink,
    publish(events) {
      return putRecords(
        events.map((event) => {
          const data = typeof event === 'string' ? event : JSON.stringify(event);
          const value = typeof event === 'string' ? safeParse(event) : event;
          return { data, partitionKey: partitionKeyFor(value, data) };
        }),
      );
    },
    putRecords,
    waitUntilProcessed,
    catchUp,
    deliverAlerts,
    ingest,
    onBatch(listener) {
      batchListeners.add(listener);
      return () => batchListeners.delete(listener);
    },
    queryEngine() {
      engine ??= Promise.resolve(new DuckDbQueryEngine({ dataDir }));
      return engine;
    },
    status() {
      return { consumer: consumerPoller.status(), archiver: archiverPoller.status() };
    },
    async close() {
      if (closed) return;
      closed = true;
      if (scheduleTimer) clearInterval(scheduleTimer);
      if (deliveryTimer) clearTimeout(deliveryTimer);
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

function safeParse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

type Admission =
  | { readonly status: 'publish'; readonly record: StreamRecord }
  | { readonly status: 'skipped' }
  | { readonly status: 'rejected'; readonly reason: string; readonly data: string };

/**
 * What the EventBridge rule does with one input record: events matching the one pattern go to
 * the stream (the consumer validates them fully); others are skipped, or rejected when they are
 * not EventBridge events at all (bad JSON, SNS envelopes, too large), with the reason.
 */
export function admit(record: IngestRecord): Admission {
  let value: unknown;
  let data: string;
  if ('text' in record) {
    data = record.text;
    if (record.reason !== undefined) return { status: 'rejected', reason: record.reason, data };
    try {
      value = JSON.parse(data);
    } catch (err) {
      return { status: 'rejected', reason: `bad JSON: ${(err as Error).message}`, data };
    }
  } else {
    value = record.value;
    data = JSON.stringify(value) ?? String(value);
  }
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    if (matchesConfigEventPattern(value as Record<string, unknown>)) {
      const bytes = Buffer.byteLength(data);
      if (bytes > MAX_EVENT_BYTES) {
        return {
          status: 'rejected',
          reason: `event is ${bytes} bytes; EventBridge events are at most ${MAX_EVENT_BYTES} bytes`,
          data,
        };
      }
      return { status: 'publish', record: { data, partitionKey: partitionKeyFor(value, data) } };
    }
  }
  const outcome = parseConfigEvent(value);
  if (outcome.status === 'rejected') return { status: 'rejected', reason: outcome.reason, data };
  return { status: 'skipped' };
}
