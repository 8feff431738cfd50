/**
 * Configuration of the Lambda entrypoints, read once at cold start from the environment. A missing
 * or malformed variable fails the cold start with an error naming it, never a record later.
 * Each entrypoint has its own section; the variable names are the ones infra/ sets.
 */
import { readFileSync } from 'node:fs';
import { FLAPPING_DEFAULTS, type FlappingOptions } from './domain/flapping.js';
import { NO_ROUTING, parseRoutingJson, type RoutingConfig } from './domain/routing-config.js';
import { InvalidEnvironmentVariableError, MissingEnvironmentVariableError } from './handlers/errors.js';

type Env = Readonly<Record<string, string | undefined>>;

/**
 * The names of the Lambdas' environment variables, one definition for the readers below and in
 * src/handlers/*.config.ts and for infra/, which sets them.
 */
export const LAMBDA_ENV = {
  alertDigestThreshold: 'ALERT_DIGEST_THRESHOLD',
  athenaDatabase: 'ATHENA_DATABASE',
  athenaWorkgroup: 'ATHENA_WORKGROUP',
  dashboardUrl: 'DASHBOARD_URL',
  eventsTable: 'EVENTS_TABLE_NAME',
  mutesTable: 'MUTES_TABLE_NAME',
  outboxTable: 'OUTBOX_TABLE_NAME',
  quarantineQueue: 'QUARANTINE_QUEUE_URL',
  stateTable: 'STATE_TABLE_NAME',
  streamName: 'STREAM_NAME',
  webhookSecret: 'SLACK_WEBHOOK_SECRET_ARN',
} as const;

/** The value of a required variable; throws {@link MissingEnvironmentVariableError} when absent or blank. */
export function requireEnv(name: string, env: Env = process.env): string {
  const value = env[name]?.trim();
  if (!value) throw new MissingEnvironmentVariableError(name);
  return value;
}

/** The value of an optional variable, or undefined when absent or blank. */
export function optionalEnv(name: string, env: Env = process.env): string | undefined {
  const value = env[name]?.trim();
  return value ? value : undefined;
}

/** An optional positive integer; throws {@link InvalidEnvironmentVariableError} when set to anything else. */
export function positiveIntegerEnv(name: string, fallback: number, env: Env = process.env): number {
  const value = optionalEnv(name, env);
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value) || Number(value) < 1) {
    throw new InvalidEnvironmentVariableError(name, value, 'a positive integer');
  }
  return Number(value);
}

/** A required http(s) URL; the value is not echoed in the error when `secret`. */
export function urlEnv(name: string, env: Env = process.env, secret = false): string {
  const value = requireEnv(name, env);
  if (!/^https?:\/\/[^\s/]+/.test(value)) {
    throw new InvalidEnvironmentVariableError(name, secret ? '<redacted>' : value, 'an http(s) URL');
  }
  return value;
}

/**
 * The flapping settings (src/domain/flapping.ts), one definition for both places that read them:
 * the consumer Lambda (infra/constructs/consumer.ts sets them) and the embedded stack (`npm start`,
 * `config-monitor up` and `ingest` read them from the shell).
 */
/**
 * The configuration's routing section (destinations, routes, severity overrides, the accounts map)
 * reaches a Lambda as a file bundled with its code, named by this variable: Lambda allows 4 KB for
 * a function's whole environment (https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html),
 * which an organization's accounts map exceeds. infra/lambda-defaults.ts writes it
 * (`MonitorFunctionProps.routing`); the notifier, the API and the archive transform read it.
 */
export const ROUTING_FILE_ENV = 'ROUTING_CONFIG_FILE';

/** The routing file's name in the deployment package (next to the bundle, in /var/task). */
export const ROUTING_FILE_NAME = 'routing.json';

/** The routing section of {@link ROUTING_FILE_ENV}'s file; {@link NO_ROUTING} when the variable is unset. */
export function loadRoutingFile(env: Env = process.env): RoutingConfig {
  const path = optionalEnv(ROUTING_FILE_ENV, env);
  if (path === undefined) return NO_ROUTING;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    throw new InvalidEnvironmentVariableError(
      ROUTING_FILE_ENV,
      path,
      `a readable file (${typeof code === 'string' ? code : 'unreadable'})`,
    );
  }
  return parseRoutingJson(text, path);
}

export const FLAPPING_ENV = {
  /** A pair changing status more than this many times within the window is flapping. @default 4 */
  maxChanges: 'FLAPPING_MAX_CHANGES',
  /** The window, hours; also how long a flagged pair must be stable. @default 24 */
  windowHours: 'FLAPPING_WINDOW_HOURS',
} as const;

/** Reads {@link FLAPPING_ENV}; throws naming the variable when one is set but not a positive integer. */
export function loadFlappingOptions(env: Env = process.env): FlappingOptions {
  const defaultHours = Math.round(FLAPPING_DEFAULTS.windowMs / 3_600_000);
  return {
    maxChanges: positiveIntegerEnv(FLAPPING_ENV.maxChanges, FLAPPING_DEFAULTS.maxChanges, env),
    windowMs: positiveIntegerEnv(FLAPPING_ENV.windowHours, defaultHours, env) * 3_600_000,
  };
}

/** Configuration of `src/handlers/consumer.lambda.ts`. */
export interface ConsumerConfig {
  readonly eventsTableName: string;
  readonly stateTableName: string;
  readonly outboxTableName: string;
  /** The SQS queue that receives rejected records. */
  readonly quarantineQueueUrl: string;
  readonly flapping: FlappingOptions;
}

/**
 * Reads the consumer's variables: EVENTS_TABLE_NAME, STATE_TABLE_NAME, OUTBOX_TABLE_NAME,
 * QUARANTINE_QUEUE_URL, and the optional {@link FLAPPING_ENV}.
 */
export function loadConsumerConfig(env: Env = process.env): ConsumerConfig {
  return {
    eventsTableName: requireEnv(LAMBDA_ENV.eventsTable, env),
    stateTableName: requireEnv(LAMBDA_ENV.stateTable, env),
    outboxTableName: requireEnv(LAMBDA_ENV.outboxTable, env),
    quarantineQueueUrl: urlEnv(LAMBDA_ENV.quarantineQueue, env),
    flapping: loadFlappingOptions(env),
  };
}
