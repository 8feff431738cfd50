/**
 * Lambda entrypoint of the notifier: drains the alert outbox to Slack. Triggered by the outbox
 * table's stream (INSERTs, for latency) and a one-minute schedule (retries, storm digests); the
 * event itself carries nothing needed — every invocation drains the same outbox. No reserved
 * concurrency (it fails to deploy in low-quota accounts): the drain lease in the outbox table keeps
 * one writer per webhook, so the notifier's pacing holds; an invocation that finds the lease held
 * returns at once and leaves the alerts to the holder.
 *
 * A bot destination (docs/slack.md "Bot mode") posts with its bot token from its secret and keeps
 * each pair's thread in the outbox table, so a resolution can update the violation's message.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { Context } from 'aws-lambda';
import { createDocumentClient } from '../adapters/aws-clients.js';
import { AlertOutboxRepository } from '../adapters/dynamodb/alert-outbox.repository.js';
import { AlertThreadRepository } from '../adapters/dynamodb/alert-thread.repository.js';
import { MuteRepository } from '../adapters/dynamodb/mute.repository.js';
import { HotStateOpenPairs } from '../adapters/dynamodb/open-pairs.js';
import { ResourceRecordRepository } from '../adapters/dynamodb/resource-record.repository.js';
import {
  createOrganizationsClient,
  OrganizationsAccountOus,
} from '../adapters/organizations/organizations.account-ous.js';
import {
  type BotTokenSecret,
  createBotTokenSecret,
  createSecretBotClient,
} from '../adapters/slack/bot-token.secret.js';
import { createSlackMessageRenderer } from '../adapters/slack/slack-messages.js';
import { createSecretWebhookClient } from '../adapters/slack/webhook-url.secret.js';
import { routesUseOus } from '../domain/routing.js';
import { createAlertContexts } from '../use-cases/alert-contexts.js';
import { createNotifier, type DestinationSink } from '../use-cases/deliver-alerts.js';
import { createDeliveryMutes } from '../use-cases/mutes.js';
import { loadNotifierConfig } from './notifier.config.js';

/** Left after the last post may start: its outbox write and the metrics flush. */
const SAFETY_MS = 5_000;

const config = loadNotifierConfig();
const logger = new Logger();
const metrics = new Metrics();
// Short attempts: a drain that cannot post soon pauses the webhook and the next tick retries.
const secrets = new SecretsManagerClient({ maxAttempts: 3 });
const sinkOf = (secretId: string) =>
  createSecretWebhookClient({
    client: secrets,
    secretId,
    timeoutMs: 4_000,
    maxAttempts: 2,
    maxRetryAfterMs: 5_000,
    logger,
  });
// One token reader per secret: bot destinations of one Slack app share its token.
const botTokens = new Map<string, BotTokenSecret>();
const tokenOf = (secretId: string): BotTokenSecret => {
  let token = botTokens.get(secretId);
  if (token === undefined) {
    token = createBotTokenSecret({ client: secrets, secretId });
    botTokens.set(secretId, token);
  }
  return token;
};
// One client per destination (each reads its own secret): a webhook client, or for a bot destination
// a bot client on its channel; the default's is the alerts webhook unless the routing says otherwise.
const destinationSinks: Record<string, DestinationSink & { sink: { maxPostDurationMs: number } }> =
  Object.fromEntries(
    Object.entries(config.destinationSecretArns).map(([name, arn]) => {
      const destination = config.routing.destinations[name];
      if (destination?.type === 'bot') {
        const sink = createSecretBotClient({
          secret: tokenOf(arn),
          channel: destination.channel,
          timeoutMs: 4_000,
          maxAttempts: 2,
          maxRetryAfterMs: 5_000,
          logger,
        });
        return [name, { sink, minIntervalMs: 1_000, channel: destination.channel }];
      }
      return [name, { sink: sinkOf(arn), minIntervalMs: 1_000 }];
    }),
  );
// The longest a message may take: a bot destination's thread step is an update and a reply.
const worstPostMs = Math.max(
  0,
  ...Object.values(destinationSinks).map((d) => d.sink.maxPostDurationMs * (d.channel ? 2 : 1)),
);
const doc = createDocumentClient();
const outbox = new AlertOutboxRepository(doc, config.outboxTableName);
const notifier = createNotifier({
  outbox,
  lease: outbox,
  destinations: destinationSinks,
  // Bot destinations keep each pair's Slack thread beside the alerts (alert-thread.repository.ts).
  threads: new AlertThreadRepository(doc, config.outboxTableName),
  defaultDestination: config.routing.defaultDestination,
  // Routed at delivery: OUs from AWS Organizations (only when a route names OUs), tags and changes
  // from the resource records the consumer keeps in the events table.
  contexts: createAlertContexts({
    routing: config.routing,
    ...(routesUseOus(config.routing)
      ? { ous: new OrganizationsAccountOus(createOrganizationsClient()) }
      : {}),
    ...(config.eventsTableName
      ? { resources: new ResourceRecordRepository(doc, config.eventsTableName) }
      : {}),
  }),
  digestThreshold: config.digestThreshold,
  minIntervalMs: 1_000,
  renderer: createSlackMessageRenderer({ dashboardUrl: config.dashboardUrl }),
  logger,
  ...(config.mutes
    ? {
        mutes: createDeliveryMutes({
          store: new MuteRepository(doc, config.mutes.mutesTableName),
          open: new HotStateOpenPairs(doc, config.mutes.stateTableName),
          outbox,
        }),
      }
    : {}),
});

/** Any trigger (stream batch or schedule tick) → one drain within the remaining time. */
export async function handler(_event: unknown, context: Context): Promise<void> {
  logger.addContext(context);
  metrics.captureColdStartMetric(context.functionName);
  const timeBudgetMs = Math.max(context.getRemainingTimeInMillis() - worstPostMs - SAFETY_MS, 1_000);
  try {
    const result = await notifier.drain({ timeBudgetMs, holder: `notifier:${context.awsRequestId}` });
    metrics.addMetric('SlackMessagesPosted', MetricUnit.Count, result.messages);
    metrics.addMetric('SlackViolationsDelivered', MetricUnit.Count, result.violations);
    metrics.addMetric('SlackResolutionsDelivered', MetricUnit.Count, result.resolutions);
    metrics.addMetric('SlackDeliveryFailures', MetricUnit.Count, result.failed);
    // Sent but never answered (may be in the channel), and re-posts of such messages.
    metrics.addMetric('SlackMessagesUnconfirmed', MetricUnit.Count, result.unconfirmed);
    metrics.addMetric('SlackPossibleDuplicates', MetricUnit.Count, result.possibleDuplicates);
    metrics.addMetric('AlertOutboxPending', MetricUnit.Count, result.pending);
    if (result.muted !== undefined) metrics.addMetric('AlertsMuted', MetricUnit.Count, result.muted);
    if (result.realerts !== undefined)
      metrics.addMetric('MuteEndRealerts', MetricUnit.Count, result.realerts);
    logger.info('Alert outbox drained', { ...result, timeBudgetMs });
  } finally {
    metrics.publishStoredMetrics();
  }
}
