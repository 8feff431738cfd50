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
  /**
   * MUTES_TABLE_NAME and STATE_TABLE_NAME, given together: alerts of muted pairs are held back, and
   * the end of a mute alerts again the pairs still non-compliant. Null: no mutes.
   */
  readonly mutes: { readonly mutesTableName: string; readonly stateTableName: string } | null;
}

/**
 * Reads OUTBOX_TABLE_NAME, SLACK_WEBHOOK_SECRET_ARN, ALERT_DIGEST_THRESHOLD (default 10),
 * DASHBOARD_URL, and MUTES_TABLE_NAME with STATE_TABLE_NAME (optional; one without the other fails).
 */
export function loadNotifierConfig(env: Env = process.env): NotifierConfig {
  return {
    outboxTableName: requireEnv('OUTBOX_TABLE_NAME', env),
    webhookSecretArn: requireEnv('SLACK_WEBHOOK_SECRET_ARN', env),
    digestThreshold: positiveIntegerEnv('ALERT_DIGEST_THRESHOLD', DIGEST_DEFAULTS.threshold, env),
    dashboardUrl: optionalEnv('DASHBOARD_URL', env) ?? null,
    mutes: mutesOf(env),
  };
}

function mutesOf(env: Env): NotifierConfig['mutes'] {
  const mutesTableName = optionalEnv('MUTES_TABLE_NAME', env);
  if (mutesTableName === undefined) return null;
  // Without the state, a mute's end could not find the pairs still non-compliant.
  return { mutesTableName, stateTableName: requireEnv('STATE_TABLE_NAME', env) };
}
