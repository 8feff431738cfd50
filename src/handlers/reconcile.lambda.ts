/**
 * Lambda entrypoint of the reconciler: one step of a sync per invocation, invoked by the Step
 * Functions loop of infra/constructs/reconciler.ts (daily schedule, and once after the first
 * deploy). Thin: clients, logger and metrics at cold start, the work in `reconcile.handler.ts`.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { Context } from 'aws-lambda';
import { createDocumentClient, createKinesisClient } from '../adapters/aws-clients.js';
import {
  AggregatorComplianceSource,
  createConfigServiceClient,
} from '../adapters/config/aggregator.compliance-source.js';
import { ComplianceStateRepository } from '../adapters/dynamodb/compliance-state.repository.js';
import {
  SyncCheckpointRepository,
  SyncStatusRepository,
} from '../adapters/dynamodb/sync-status.repository.js';
import { KinesisRecordPublisher } from '../adapters/kinesis/stream.record-publisher.js';
import { createSecretWebhookClient } from '../adapters/slack/webhook-url.secret.js';
import { loadReconcilerConfig } from './reconcile.config.js';
import { createReconcileHandler, type ReconcileStepOutput } from './reconcile.handler.js';

const config = loadReconcilerConfig();
const logger = new Logger();
const metrics = new Metrics();
const doc = createDocumentClient();

const step = createReconcileHandler({
  config: new AggregatorComplianceSource(createConfigServiceClient(), config.aggregatorName),
  state: new ComplianceStateRepository(doc, config.stateTableName),
  publisher: new KinesisRecordPublisher(createKinesisClient(), config.streamName),
  status: new SyncStatusRepository(doc, config.eventsTableName),
  checkpoints: new SyncCheckpointRepository(doc, config.eventsTableName),
  logger: {
    info: (message, extra) => logger.info(message, extra ?? {}),
    warn: (message, extra) => logger.warn(message, extra ?? {}),
  },
  metric: (name, value) => metrics.addMetric(name, MetricUnit.Count, value),
  ...(config.webhookSecretArn
    ? {
        sink: createSecretWebhookClient({
          client: new SecretsManagerClient({ maxAttempts: 3 }),
          secretId: config.webhookSecretArn,
          timeoutMs: 10_000,
          maxAttempts: 3,
          maxRetryAfterMs: 30_000,
          logger,
        }),
      }
    : {}),
});

export async function handler(_event: unknown, context: Context): Promise<ReconcileStepOutput> {
  logger.addContext(context);
  metrics.captureColdStartMetric(context.functionName);
  try {
    return await step(() => context.getRemainingTimeInMillis());
  } finally {
    metrics.publishStoredMetrics();
  }
}
