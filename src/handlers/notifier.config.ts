/**
 * Configuration of `notifier.lambda.ts`, read once at cold start. A missing or malformed variable
 * fails the cold start with an error naming it (helpers of src/config.ts).
 */
import {
  LAMBDA_ENV,
  loadRoutingFile,
  optionalEnv,
  positiveIntegerEnv,
  ROUTING_FILE_ENV,
  requireEnv,
} from '../config.js';
import { DIGEST_DEFAULTS } from '../domain/alert-digest.js';
import type { RoutingConfig } from '../domain/routing-config.js';
import { InvalidEnvironmentVariableError } from './errors.js';

/**
 * The notifier's routing variables, one definition for the CDK construct that sets them
 * (infra/constructs/notifier.ts) and this reader.
 */
export const NOTIFIER_ROUTING_ENV = {
  /**
   * The path of the bundled routing file (src/config.ts {@link ROUTING_FILE_ENV}).
   */
  routing: ROUTING_FILE_ENV,
  /**
   * JSON object: destination name → ARN of the secret whose string is its webhook URL or, for a bot
   * destination, its bot token.
   */
  destinationSecrets: 'DESTINATION_SECRET_ARNS',
} as const;

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
  /** EVENTS_TABLE_NAME: the resource records (tags, changes) routing and messages read; null: none. */
  readonly eventsTableName: string | null;
  /** From ROUTING_CONFIG_FILE; without it, every alert to the default destination (the webhook secret). */
  readonly routing: RoutingConfig;
  /** Each destination's secret ARN; the default destination falls back to SLACK_WEBHOOK_SECRET_ARN. */
  readonly destinationSecretArns: Readonly<Record<string, string>>;
}

/**
 * Reads OUTBOX_TABLE_NAME, SLACK_WEBHOOK_SECRET_ARN, ALERT_DIGEST_THRESHOLD (default 10),
 * DASHBOARD_URL, and MUTES_TABLE_NAME with STATE_TABLE_NAME (optional; one without the other fails).
 */
export function loadNotifierConfig(env: Env = process.env): NotifierConfig {
  return {
    outboxTableName: requireEnv(LAMBDA_ENV.outboxTable, env),
    webhookSecretArn: requireEnv(LAMBDA_ENV.webhookSecret, env),
    digestThreshold: positiveIntegerEnv(LAMBDA_ENV.alertDigestThreshold, DIGEST_DEFAULTS.threshold, env),
    dashboardUrl: optionalEnv(LAMBDA_ENV.dashboardUrl, env) ?? null,
    mutes: mutesOf(env),
    eventsTableName: optionalEnv(LAMBDA_ENV.eventsTable, env) ?? null,
    ...routingOf(env),
  };
}

function routingOf(env: Env): Pick<NotifierConfig, 'routing' | 'destinationSecretArns'> {
  const routing = loadRoutingFile(env);
  const secretsText = optionalEnv(NOTIFIER_ROUTING_ENV.destinationSecrets, env);
  let secrets: Record<string, string> = {};
  if (secretsText !== undefined) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(secretsText);
    } catch {
      parsed = null;
    }
    const ok =
      typeof parsed === 'object' &&
      parsed !== null &&
      !Array.isArray(parsed) &&
      Object.values(parsed).every((v) => typeof v === 'string' && v.startsWith('arn:'));
    if (!ok) {
      throw new InvalidEnvironmentVariableError(
        NOTIFIER_ROUTING_ENV.destinationSecrets,
        secretsText.slice(0, 200),
        'a JSON object of destination name → secret ARN',
      );
    }
    secrets = parsed as Record<string, string>;
  }
  const arns: Record<string, string> = {};
  for (const name of Object.keys(routing.destinations)) {
    const arn =
      secrets[name] ??
      (name === routing.defaultDestination ? requireEnv(LAMBDA_ENV.webhookSecret, env) : undefined);
    if (arn === undefined) {
      throw new InvalidEnvironmentVariableError(
        NOTIFIER_ROUTING_ENV.destinationSecrets,
        Object.keys(secrets).join(', ') || '{}',
        `a secret ARN for every webhook destination (missing: ${name})`,
      );
    }
    arns[name] = arn;
  }
  return { routing, destinationSecretArns: arns };
}

function mutesOf(env: Env): NotifierConfig['mutes'] {
  const mutesTableName = optionalEnv(LAMBDA_ENV.mutesTable, env);
  if (mutesTableName === undefined) return null;
  // Without the state, a mute's end could not find the pairs still non-compliant.
  return { mutesTableName, stateTableName: requireEnv(LAMBDA_ENV.stateTable, env) };
}
