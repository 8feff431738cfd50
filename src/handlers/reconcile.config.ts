/**
 * Configuration of `reconcile.lambda.ts`, read once at cold start. A missing or malformed variable
 * fails the cold start with an error naming it (helpers of src/config.ts). The names are the ones
 * infra/constructs/reconciler.ts sets, both from {@link RECONCILER_ENV}.
 */
import { LAMBDA_ENV, optionalEnv, requireEnv } from '../config.js';

type Env = Readonly<Record<string, string | undefined>>;

/** The environment variables of the reconciler function. */
export const RECONCILER_ENV = {
  aggregatorName: 'CONFIG_AGGREGATOR_NAME',
  streamName: LAMBDA_ENV.streamName,
  stateTableName: LAMBDA_ENV.stateTable,
  eventsTableName: LAMBDA_ENV.eventsTable,
  webhookSecretArn: LAMBDA_ENV.webhookSecret,
} as const;

export interface ReconcilerConfig {
  /** The AWS Config aggregator to read (an organization aggregator in this account and region). */
  readonly aggregatorName: string;
  readonly streamName: string;
  readonly stateTableName: string;
  /** Holds the sync status and the checkpoint of a paused sync. */
  readonly eventsTableName: string;
  /** Where the baseline summary is posted; none: not posted (logged). */
  readonly webhookSecretArn: string | null;
}

export function loadReconcilerConfig(env: Env = process.env): ReconcilerConfig {
  return {
    aggregatorName: requireEnv(RECONCILER_ENV.aggregatorName, env),
    streamName: requireEnv(RECONCILER_ENV.streamName, env),
    stateTableName: requireEnv(RECONCILER_ENV.stateTableName, env),
    eventsTableName: requireEnv(RECONCILER_ENV.eventsTableName, env),
    webhookSecretArn: optionalEnv(RECONCILER_ENV.webhookSecretArn, env) ?? null,
  };
}
