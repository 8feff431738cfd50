/**
 * Configuration of `notifier.lambda.ts`, read once at cold start. A missing or malformed variable
 * fails the cold start with an error naming it (helpers of src/config.ts).
 */
import { optionalEnv, positiveIntegerEnv, requireEnv } from '../config.js';
import { DIGEST_DEFAULTS } from '../domain/alert-digest.js';

type Env = Readonly<Record<string, string | undefined>>;

export interface NotifierConfig {
  readonly outboxTableName: string;
  /** ARN of the secret whose string is the webhook URL (the URL itself is never in the environment). */
  readonly webhookSecretArn: string;
  /** Alerts a minute past which digests replace single messages. */
  readonly digestThreshold: number;
  readonly dashboardUrl: string | null;
}

/** Reads OUTBOX_TABLE_NAME, SLACK_WEBHOOK_SECRET_ARN, ALERT_DIGEST_THRESHOLD (default 10), DASHBOARD_URL. */
export function loadNotifierConfig(env: Env = process.env): NotifierConfig {
  return {
    outboxTableName: requireEnv('OUTBOX_TABLE_NAME', env),
    webhookSecretArn: requireEnv('SLACK_WEBHOOK_SECRET_ARN', env),
    digestThreshold: positiveIntegerEnv('ALERT_DIGEST_THRESHOLD', DIGEST_DEFAULTS.threshold, env),
    dashboardUrl: optionalEnv('DASHBOARD_URL', env) ?? null,
  };
}
