/**
 * Lambda entrypoint of the HTTP API (API Gateway REST: the IAM API, and the dashboard API with its
 * Cognito authorizer, both in front of this function): the Hono app of src/api over the hot store
 * (DynamoDB) and Athena. The same app serves `config-monitor up` locally. Clients are built once
 * at cold start; the handler only adapts the event.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import type { Context } from 'aws-lambda';
import { type APIGatewayProxyResult, handle, type LambdaContext, type LambdaEvent } from 'hono/aws-lambda';
import { AthenaQueryEngine } from '../adapters/athena/athena.query-engine.js';
import { createDocumentClient } from '../adapters/aws-clients.js';
import { EventQueryRepository } from '../adapters/dynamodb/event-query.repository.js';
import { MuteRepository } from '../adapters/dynamodb/mute.repository.js';
import { OpenViolationRepository } from '../adapters/dynamodb/open-violation.repository.js';
import { SyncStatusRepository } from '../adapters/dynamodb/sync-status.repository.js';
import { createApiApp } from '../api/app.js';
import { ReadBudget } from '../api/read-budget.js';
import { loadApiConfig } from './api.config.js';

const config = loadApiConfig();
const logger = new Logger();
// Every hot-store read of the API goes through its read budget: a burst of requests fanning out
// into shard queries is answered 503 with Retry-After, not 500 after socket timeouts.
const doc = new ReadBudget().wrap(createDocumentClient());
const app = createApiApp({
  events: new EventQueryRepository(doc, config.eventsTableName),
  // The last sync's item lives in the events table: the function's read grant covers it.
  syncStatus: new SyncStatusRepository(doc, config.eventsTableName),
  openViolations: new OpenViolationRepository(doc, config.stateTableName),
  // Mutations are attributed to the caller in the request context (IAM userArn, Cognito claims).
  ...(config.mutesTableName ? { mutes: new MuteRepository(doc, config.mutesTableName) } : {}),
  queryEngine: new AthenaQueryEngine({ workgroup: config.athenaWorkgroup, database: config.athenaDatabase }),
  logger: {
    info: (message, extra) => logger.info(message, extra ?? {}),
    error: (message, extra) => logger.error(message, extra ?? {}),
  },
  queryWaitMs: config.queryWaitMs,
  accounts: config.routing.accounts,
  severityOverrides: config.routing.severityOverrides,
  // Not a secret (see src/api/params.ts): it makes one deployment's cursors and poll ids invalid in another.
  tokenKey: `${config.eventsTableName}|${config.athenaWorkgroup}`,
  allowedOrigins: config.dashboardAllowedOrigins,
});
const adapt = handle(app);

/** API Gateway REST proxy event → response; errors are answered by the app, never thrown. */
export async function handler(event: LambdaEvent, context: Context): Promise<APIGatewayProxyResult> {
  logger.addContext(context);
  return (await adapt(event, context as unknown as LambdaContext)) as APIGatewayProxyResult;
}
