/**
 * Lambda entrypoint of the Kinesis consumer (event source mapping with
 * `ReportBatchItemFailures`). Thin: configuration, clients, logger and metrics are built once at
 * cold start; each invocation calls the consumer and publishes the metrics.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { Context, KinesisStreamBatchResponse, KinesisStreamEvent } from 'aws-lambda';
import { createDocumentClient } from '../adapters/aws-clients.js';
import { AlertOutboxRepository } from '../adapters/dynamodb/alert-outbox.repository.js';
import { SqsQuarantine } from '../adapters/sqs/sqs.quarantine.js';
import { loadConsumerConfig } from '../config.js';
import { createConsumerHandler } from './consumer.handler.js';

const config = loadConsumerConfig();
// Service name and namespace come from POWERTOOLS_SERVICE_NAME / POWERTOOLS_METRICS_NAMESPACE.
const logger = new Logger();
const metrics = new Metrics();
const doc = createDocumentClient();
const sqs = new SQSClient({ maxAttempts: 4 });

const consume = createConsumerHandler({
  doc,
  tables: { events: config.eventsTableName, state: config.stateTableName },
  quarantine: new SqsQuarantine(sqs, config.quarantineQueueUrl),
  outbox: new AlertOutboxRepository(doc, config.outboxTableName),
  flapping: config.flapping,
  logger,
  metrics,
});

/** Kinesis batch → partial batch response (the first unfinished record, if any). */
export async function handler(
  event: KinesisStreamEvent,
  context: Context,
): Promise<KinesisStreamBatchResponse> {
  logger.addContext(context);
  metrics.captureColdStartMetric(context.functionName);
  try {
    return await consume(event);
  } finally {
    metrics.publishStoredMetrics();
  }
}
