/**
 * Lambda entrypoint of the daily report, run by an EventBridge Scheduler schedule: the report of
 * yesterday (UTC) on Athena, posted to the Slack webhook. The schedule's input may name another
 * day, `{"date": "YYYY-MM-DD"}`, for a backfill or a resend. With EVENTS_TABLE_NAME set, the report
 * also shows the last sync's coverage (one GetItem of `SYNC#latest`).
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { Context } from 'aws-lambda';
import { AthenaQueryEngine } from '../adapters/athena/athena.query-engine.js';
import { createDocumentClient } from '../adapters/aws-clients.js';
import { MuteRepository } from '../adapters/dynamodb/mute.repository.js';
import { SyncStatusRepository } from '../adapters/dynamodb/sync-status.repository.js';
import { createTemplateRenderer } from '../adapters/slack/slack-messages.js';
import { createSecretWebhookClient } from '../adapters/slack/webhook-url.secret.js';
import { yesterdayUtc } from '../domain/archive-schema.js';
import { checkReportDay, ReportPostError, sendDailyReport } from '../use-cases/daily-report.js';
import { loadReportConfig } from './api.config.js';

const config = loadReportConfig();
const logger = new Logger();
const sink = createSecretWebhookClient({
  client: new SecretsManagerClient({ maxAttempts: 3 }),
  secretId: config.webhookSecretArn,
  logger,
});
/** Every Athena statement is stopped this long before the invocation would time out. */
export const REPORT_STOP_MARGIN_MS = 60_000;
let invocationStopBy = Number.POSITIVE_INFINITY;
const renderer = createTemplateRenderer();
const engine = new AthenaQueryEngine({
  workgroup: config.athenaWorkgroup,
  database: config.athenaDatabase,
  // Statements end (done or stopped) before the function does: a failed run leaves nothing running
  // in Athena when Lambda retries it.
  stopBy: () => invocationStopBy,
});

const mutes =
  config.mutesTableName === null
    ? undefined
    : new MuteRepository(createDocumentClient(), config.mutesTableName);

const syncStatus =
  config.eventsTableName === null
    ? undefined
    : new SyncStatusRepository(createDocumentClient(), config.eventsTableName);

/** The day to report: `date` of the schedule's input when given (validated), else yesterday UTC. */
export function reportDayOf(event: unknown, now: Date = new Date()): string {
  const date = event && typeof event === 'object' ? (event as { date?: unknown }).date : undefined;
  return date === undefined ? yesterdayUtc(now) : checkReportDay(String(date));
}

/**
 * Builds and posts the report. A run that fails throws: EventBridge Scheduler invokes the function
 * asynchronously (https://docs.aws.amazon.com/lambda/latest/dg/with-eventbridge-scheduler.html), so
 * the function's own asynchronous retries (2, then the failure queue) run it again; the
 * schedule's retry policy only covers failures to invoke. A report posted twice is the lesser harm
 * than none.
 */
export async function handler(event: unknown, context: Context): Promise<{ day: string; posted: true }> {
  logger.addContext(context);
  invocationStopBy = Date.now() + context.getRemainingTimeInMillis() - REPORT_STOP_MARGIN_MS;
  const day = reportDayOf(event);
  const { report, message, post } = await sendDailyReport(
    {
      engine,
      sink,
      renderer,
      dashboardUrl: config.dashboardUrl,
      dailyStateRefreshDays: config.dailyStateRefreshDays,
      ...(config.region ? { consoleRegion: config.region } : {}),
      ...(syncStatus
        ? {
            syncStatus,
            // The report goes out without coverage: a missing grant or a throttled read must not
            // stop it. The warning names the error for the operator.
            onCoverageError: (err: unknown) =>
              logger.warn('Coverage not read; the report is posted without it', {
                day,
                error: err instanceof Error ? { name: err.name, message: err.message } : String(err),
              }),
          }
        : {}),
      ...(mutes
        ? {
            mutes,
            onMutesError: (err: unknown) =>
              logger.warn('Mutes not read; the report is posted without the muted pairs', {
                day,
                error: err instanceof Error ? { name: err.name, message: err.message } : String(err),
              }),
          }
        : {}),
    },
    day,
  );
  if (!post.ok) throw new ReportPostError(day, post.reason);
  logger.info('Daily report posted', {
    day,
    total_evaluations: report.total_evaluations,
    compliance_percentage: report.compliance_percentage,
    new_violations: report.new_violations,
    resolved_violations: report.resolved_violations,
    coverage_last_sync: report.coverage?.last_sync ?? null,
    message_bytes: message.bytes,
    truncated_texts: message.truncatedTexts,
  });
  return { day, posted: true };
}
