/**
 * Configuration of `api.lambda.ts` and `report.lambda.ts`, read once at cold start. A missing or
 * malformed variable fails the cold start with an error naming it (helpers of src/config.ts).
 * `QUERIES_DIR` and `TEMPLATES_DIR` are read where the files are loaded (saved-query registry,
 * Liquid engine).
 */
import { DASHBOARD_ORIGINS_ENV, isOrigin } from '../api/cors.js';
import { LAMBDA_ENV, loadRoutingFile, optionalEnv, positiveIntegerEnv, requireEnv } from '../config.js';
import type { RoutingConfig } from '../domain/routing-config.js';
import { InvalidEnvironmentVariableError } from './errors.js';

type Env = Readonly<Record<string, string | undefined>>;

/** API Gateway stops waiting at 29 s: the API must answer 202 well before. */
const MAX_QUERY_WAIT_MS = 25_000;

export interface ApiConfig {
  readonly eventsTableName: string;
  /** The state table, whose `open` index `GET /violations` reads. */
  readonly stateTableName: string;
  /** The mutes table (`/mutes`, `/compliance/muted`); null: those routes answer 404. */
  readonly mutesTableName: string | null;
  readonly athenaWorkgroup: string;
  readonly athenaDatabase: string;
  /** How long a request waits for Athena before answering 202. */
  readonly queryWaitMs: number;
  /** Origins of the hosted dashboard answered with CORS headers; empty when there is none. */
  readonly dashboardAllowedOrigins: readonly string[];
  /** The bundled routing file (src/config.ts `loadRoutingFile`): account names, severity overrides. */
  readonly routing: RoutingConfig;
}

/**
 * Reads EVENTS_TABLE_NAME, STATE_TABLE_NAME, MUTES_TABLE_NAME (optional), ATHENA_WORKGROUP, ATHENA_DATABASE, API_QUERY_WAIT_MS (default 20000, at
 * most 25000) and DASHBOARD_ALLOWED_ORIGINS (optional, comma-separated origins such as
 * `https://d111.cloudfront.net`).
 */
export function loadApiConfig(env: Env = process.env): ApiConfig {
  const queryWaitMs = positiveIntegerEnv('API_QUERY_WAIT_MS', 20_000, env);
  if (queryWaitMs > MAX_QUERY_WAIT_MS) {
    throw new InvalidEnvironmentVariableError(
      'API_QUERY_WAIT_MS',
      String(queryWaitMs),
      `at most ${MAX_QUERY_WAIT_MS} (API Gateway times out at 29 s)`,
    );
  }
  return {
    eventsTableName: requireEnv(LAMBDA_ENV.eventsTable, env),
    stateTableName: requireEnv(LAMBDA_ENV.stateTable, env),
    mutesTableName: optionalEnv(LAMBDA_ENV.mutesTable, env) ?? null,
    athenaWorkgroup: requireEnv(LAMBDA_ENV.athenaWorkgroup, env),
    athenaDatabase: requireEnv(LAMBDA_ENV.athenaDatabase, env),
    queryWaitMs,
    dashboardAllowedOrigins: originsEnv(DASHBOARD_ORIGINS_ENV, env),
    routing: loadRoutingFile(env),
  };
}

/** A comma-separated list of origins, each exactly as a browser sends it in `Origin`. */
function originsEnv(name: string, env: Env): readonly string[] {
  const value = optionalEnv(name, env);
  if (value === undefined) return [];
  const origins = value.split(',').map((origin) => origin.trim());
  const bad = origins.find((origin) => !isOrigin(origin));
  if (bad !== undefined) {
    throw new InvalidEnvironmentVariableError(
      name,
      value,
      `comma-separated origins such as https://d111111abcdef8.cloudfront.net (scheme and host, no path or trailing slash; ${JSON.stringify(bad)} is not one)`,
    );
  }
  return origins;
}

export interface ReportConfig {
  readonly athenaWorkgroup: string;
  readonly athenaDatabase: string;
  /** ARN of the secret whose string is the Slack webhook URL. */
  readonly webhookSecretArn: string;
  readonly dashboardUrl: string | null;
  /** Region of the AWS Config console link when there is no dashboard (the Lambda's own region). */
  readonly region: string | undefined;
  /** DAILY_STATE_REFRESH_DAYS: days of the compliance_daily_state rollup rebuilt before each report. */
  readonly dailyStateRefreshDays: number;
  /** EVENTS_TABLE_NAME: the table holding the last sync's status (item SYNC#latest); null = no coverage in the report. */
  readonly eventsTableName: string | null;
  /** MUTES_TABLE_NAME: the mutes, for the report's muted pairs; null = no muted block. */
  readonly mutesTableName: string | null;
}

/**
 * Reads ATHENA_WORKGROUP, ATHENA_DATABASE, SLACK_WEBHOOK_SECRET_ARN, DASHBOARD_URL (optional),
 * AWS_REGION, DAILY_STATE_REFRESH_DAYS (optional, default 3), EVENTS_TABLE_NAME (optional: the
 * report shows the last sync's coverage when set) and MUTES_TABLE_NAME (optional: the muted pairs).
 */
export function loadReportConfig(env: Env = process.env): ReportConfig {
  return {
    athenaWorkgroup: requireEnv(LAMBDA_ENV.athenaWorkgroup, env),
    athenaDatabase: requireEnv(LAMBDA_ENV.athenaDatabase, env),
    webhookSecretArn: requireEnv(LAMBDA_ENV.webhookSecret, env),
    dashboardUrl: optionalEnv(LAMBDA_ENV.dashboardUrl, env) ?? null,
    region: optionalEnv('AWS_REGION', env),
    dailyStateRefreshDays: positiveIntegerEnv('DAILY_STATE_REFRESH_DAYS', 3, env),
    eventsTableName: optionalEnv(LAMBDA_ENV.eventsTable, env) ?? null,
    mutesTableName: optionalEnv(LAMBDA_ENV.mutesTable, env) ?? null,
  };
}
