/**
 * The HTTP API: one Hono app served by the Lambda (API Gateway REST: IAM auth, and Cognito for the
 * hosted dashboard, whose origins get CORS headers) and by the local server of `config-monitor
 * up`. Every route validates all of its parameters first (src/api/params.ts); only validated
 * values reach DynamoDB or the query engine.
 */
import { randomUUID } from 'node:crypto';
import { Hono } from 'hono';
import type { EventQueryRepository } from '../adapters/dynamodb/event-query.repository.js';
import type { OpenViolationRepository } from '../adapters/dynamodb/open-violation.repository.js';
import type { Severity } from '../domain/managed-rules.js';
import type { SyncStatusStore } from '../ports/config-compliance.js';
import type { Logger } from '../ports/logger.js';
import type { MuteStore } from '../ports/mutes.js';
import type { QueryEngine } from '../ports/query-engine.js';
import type { AccountDirectory } from './account-names.js';
import { dashboardCors } from './cors.js';
import { ApiError, NotFoundError } from './errors.js';
import { registerCoverageRoutes } from './routes/coverage.js';
import { registerEventRoutes } from './routes/events.js';
import { registerHealthRoutes } from './routes/health.js';
import { registerMuteRoutes } from './routes/mutes.js';
import { registerSavedQueryRoutes } from './routes/saved-query-routes.js';
import { registerViolationRoutes } from './routes/violations.js';

/** The part of Powertools' Logger the API uses (the local server passes a console logger). */
export type ApiLogger = Pick<Logger, 'info' | 'error'>;

export interface ApiDeps {
  /** Reads recent events from the hot store (`GET /events`). */
  readonly events: Pick<EventQueryRepository, 'page'>;
  /** The last sync's status (`GET /coverage`): the `SYNC#latest` item of the events table. */
  readonly syncStatus: Pick<SyncStatusStore, 'latest'>;
  /**
   * Reads the open violations from the state table's `open` index (`GET /violations`).
   * @default - none: `/violations` answers 404
   */
  readonly openViolations?: Pick<OpenViolationRepository, 'page' | 'all'>;
  /** Severity per base rule name, over the catalog's (src/domain/managed-rules.ts). @default - none */
  readonly severityOverrides?: Readonly<Record<string, Severity>>;
  /**
   * The configuration's accounts map (`routing.accounts`: id → name, OU, owner): rows that name an
   * account carry its `account_name` (and `owner` where useful). @default - none: those are null
   */
  readonly accounts?: AccountDirectory;
  /** Mutes and their audit log (`/mutes`, `/compliance/muted`). @default - none: those routes answer 404 */
  readonly mutes?: MuteStore;
  /**
   * Who changes a mute when the request context names nobody: the local server's OS user
   * (`local:<user>`). @default - none: a mutation without an IAM principal or user is refused (403)
   */
  readonly localActor?: string;
  /** Runs the saved queries: Athena in AWS, DuckDB over the local archive. */
  readonly queryEngine: QueryEngine;
  /** @default - JSON lines on stderr */
  readonly logger?: ApiLogger;
  /** How long a request waits for a saved query before answering 202. @default 20000 (API Gateway stops at 29 s) */
  readonly queryWaitMs?: number;
  /**
   * Key of the MAC on cursors and poll ids. It need not be secret (see params.ts); set it to make
   * tokens of one deployment invalid in another. @default - a fixed key
   */
  readonly tokenKey?: string;
  /** @default - the system clock */
  readonly now?: () => Date;
  /**
   * Origins of the hosted dashboard (`https://<distribution>.cloudfront.net`) answered with CORS
   * headers (src/api/cors.ts); other origins get none. @default - none: no CORS (the local server
   * serves the page and the API from one origin)
   */
  readonly allowedOrigins?: readonly string[];
}

/** Variables of one request, and the bindings the Lambda adapter passes (absent locally). */
export interface ApiEnv {
  Variables: { requestId: string };
  Bindings: {
    lambdaContext?: { awsRequestId?: string };
    requestContext?: { requestId?: string };
  };
}

/** Everything a route module needs, resolved from {@link ApiDeps} with defaults applied. */
export interface RouteContext {
  readonly events: ApiDeps['events'];
  readonly syncStatus: ApiDeps['syncStatus'];
  readonly openViolations: ApiDeps['openViolations'];
  readonly severityOverrides: ApiDeps['severityOverrides'];
  readonly accounts: ApiDeps['accounts'];
  readonly mutes: ApiDeps['mutes'];
  readonly localActor: ApiDeps['localActor'];
  readonly engine: QueryEngine;
  readonly waitMs: number;
  readonly tokenKey: string;
  readonly now: () => Date;
}

export const DEFAULT_QUERY_WAIT_MS = 20_000;
const DEFAULT_TOKEN_KEY = 'config-monitor/api-tokens/v1';

const stderrLogger: ApiLogger = {
  info: (message, extra) => process.stderr.write(`${JSON.stringify({ level: 'INFO', message, ...extra })}\n`),
  error: (message, extra) =>
    process.stderr.write(`${JSON.stringify({ level: 'ERROR', message, ...extra })}\n`),
};

/** Builds the API app. The same instance shape serves the Lambda and the local server. */
export function createApiApp(deps: ApiDeps): Hono<ApiEnv> {
  const logger = deps.logger ?? stderrLogger;
  const ctx: RouteContext = {
    events: deps.events,
    syncStatus: deps.syncStatus,
    openViolations: deps.openViolations,
    severityOverrides: deps.severityOverrides,
    accounts: deps.accounts,
    mutes: deps.mutes,
    localActor: deps.localActor,
    engine: deps.queryEngine,
    waitMs: deps.queryWaitMs ?? DEFAULT_QUERY_WAIT_MS,
    tokenKey: deps.tokenKey ?? DEFAULT_TOKEN_KEY,
    now: deps.now ?? (() => new Date()),
  };
  const app = new Hono<ApiEnv>();

  app.use('*', async (c, next) => {
    // API Gateway's id is the one the caller sees (x-amzn-RequestId); locally we make one.
    const requestId = c.env?.requestContext?.requestId ?? c.env?.lambdaContext?.awsRequestId ?? randomUUID();
    c.set('requestId', requestId);
    const started = performance.now();
    await next();
    c.header('x-request-id', requestId);
    c.header('cache-control', 'no-store');
    c.header('x-content-type-options', 'nosniff');
    logger.info('request', {
      request_id: requestId,
      method: c.req.method,
      path: c.req.path,
      status: c.res.status,
      duration_ms: Math.round(performance.now() - started),
    });
  });

  if (deps.allowedOrigins && deps.allowedOrigins.length > 0) app.use('*', dashboardCors(deps.allowedOrigins));

  registerHealthRoutes(app);
  registerEventRoutes(app, ctx);
  registerSavedQueryRoutes(app, ctx);
  registerCoverageRoutes(app, ctx);
  registerViolationRoutes(app, ctx);
  registerMuteRoutes(app, ctx);

  app.notFound((c) => {
    const error = new NotFoundError(`no route ${c.req.method} ${clipPath(c.req.path)}; see docs/api.md`);
    return c.json(error.toBody(c.get('requestId')), 404);
  });

  app.onError((err, c) => {
    const requestId = c.get('requestId') ?? randomUUID();
    if (err instanceof ApiError) {
      if (err.status >= 500) logger.error(err.message, { request_id: requestId, error: describe(err) });
      return c.json(err.toBody(requestId), err.status, err.headers);
    }
    // The cause (class, message, stack, table or workgroup names) stays in the log.
    logger.error('unhandled error', { request_id: requestId, error: describe(err) });
    return c.json(
      {
        error: 'internal_error',
        message: 'the request failed; quote the request id to the operator',
        request_id: requestId,
      },
      500,
    );
  });

  return app;
}

function describe(err: unknown): Record<string, unknown> {
  if (!(err instanceof Error)) return { value: String(err) };
  const cause = err.cause === undefined ? {} : { cause: describe(err.cause) };
  return { name: err.name, message: err.message, stack: err.stack, ...cause };
}

function clipPath(path: string): string {
  return path.length > 100 ? `${path.slice(0, 100)}…` : path;
}
