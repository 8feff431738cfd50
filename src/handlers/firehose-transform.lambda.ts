/**
 * Lambda entrypoint of the Firehose data transformation (src/handlers/firehose-transform.handler.ts).
 * Thin: configuration, the DynamoDB client and the logger are built once at cold start.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import type { FirehoseTransformationEvent, FirehoseTransformationResult } from 'aws-lambda';
import { createDocumentClient } from '../adapters/aws-clients.js';
import { EventStoreRepository } from '../adapters/dynamodb/event-store.repository.js';
import { loadArchiveTransformConfig } from './firehose-transform.config.js';
import { transformFirehoseEvent } from './firehose-transform.handler.js';

const config = loadArchiveTransformConfig();
const logger = new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'config-monitor' });
const claims = new EventStoreRepository(createDocumentClient(), config.eventsTableName);

export const handler = (event: FirehoseTransformationEvent): Promise<FirehoseTransformationResult> =>
  transformFirehoseEvent(event, claims, logger, { severityOverrides: config.severityOverrides });
