/**
 * Runs the saved queries behind one route and answers 200 with the shaped result, or 202 with a
 * poll id when the engine has not finished within the wait (API Gateway stops at 29 s, so the
 * Lambda must answer before that; Athena keeps running and the client polls `/queries/<id>`).
 */

import type { Context } from 'hono';
import {
  type QueryEngine,
  QueryEngineBusyError,
  QueryExecutionError,
  type QueryOutcome,
  type QueryParameters,
  type QueryRow,
  UnknownQueryIdError,
} from '../../ports/query-engine.js';
import type { AccountDirectory } from '../account-names.js';
import type { ApiEnv, RouteContext } from '../app.js';
import { EngineBusyError, InvalidParameterError, NotFoundError, QueryFailedError } from '../errors.js';
import { encodePollId, type PendingQueries } from '../poll-id.js';

/** The validated parameters of a route, as plain values (they travel inside the poll id). */
export type RouteParams = Readonly<Record<string, string | null>>;

/** One saved query to run: its registry name and its named parameters. */
export interface SavedQueryCall {
  readonly name: string;
  readonly params: QueryParameters;
}

/** A route backed by saved queries: what to run, and how to turn the rows into the response body. */
export interface SavedQueryRoute {
  /** The saved queries to run, keyed by a role name the shaper uses. */
  calls(params: RouteParams): Readonly<Record<string, SavedQueryCall>>;
  /** `context` gives what the rows lack, such as the accounts' names. */
  shape(rows: Readonly<Record<string, QueryRow[]>>, params: RouteParams, context: ShapeContext): unknown;
}

/** What a shaper may add to the rows of its queries. */
export interface ShapeContext {
  /** The configuration's accounts map, for `account_name`. @default - none: names are null */
  readonly accounts?: AccountDirectory;
}

/** What a route's request resolves to: its validated parameters and the queries to run. */
export interface PlannedRequest {
  readonly params: RouteParams;
  readonly route: SavedQueryRoute;
}

/** An entry of the saved-query route registry (saved-query-routes.ts). */
export interface SavedQueryEndpoint {
  /** The route's name in poll ids. */
  readonly name: string;
  /** The path, as Hono routes it. */
  readonly path: string;
  /** Whether the dashboard reads it: the dashboard API in AWS routes it then (infra/constructs/api.ts). */
  readonly dashboard: boolean;
  /** Validates the request (a 400 names the parameter) and plans it; the params travel in the poll id. */
  request(c: Context<ApiEnv>, ctx: RouteContext): PlannedRequest | Promise<PlannedRequest>;
  /** The queries of a poll, whose params come from the poll id. */
  poll(ctx: RouteContext): SavedQueryRoute | Promise<SavedQueryRoute>;
}

export interface RunnerContext extends ShapeContext {
  readonly engine: QueryEngine;
  readonly waitMs: number;
  readonly tokenKey: string;
  /**
   * What comes before the app's routes in the URL the client called ({@link basePathOf}): `/v1`
   * through the API Gateway stage, so the 202's `poll` is the path the client can call as is.
   * @default '' (the local server)
   */
  readonly basePath?: string;
}

/** The bindings of the Lambda adapter (hono/aws-lambda) the base path is read from; absent locally. */
export interface GatewayBindings {
  readonly event?: { readonly path?: string };
  readonly requestContext?: { readonly path?: string; readonly stage?: string };
}

/**
 * The prefix of the called URL before the app's routes: REST proxy events carry `path` without the
 * stage and `requestContext.path` with it (and with a custom domain's base path), so the prefix is
 * their difference, `/v1` on the execute-api URL; failing that `/<stage>`; '' locally.
 */
export function basePathOf(bindings: GatewayBindings | undefined): string {
  const called = bindings?.requestContext?.path;
  const routed = bindings?.event?.path;
  if (called && routed && called.endsWith(routed)) {
    return called.slice(0, called.length - routed.length).replace(/\/+$/, '');
  }
  const stage = bindings?.requestContext?.stage;
  return stage && stage !== '$default' ? `/${stage}` : '';
}

/** The runner context of one request: the shared one, with the request's API base path (stage). */
export function routeContext<C extends RunnerContext>(ctx: C, c: { readonly env?: unknown }): C {
  return { ...ctx, basePath: basePathOf(c.env as GatewayBindings | undefined) };
}

/** Marks, in a poll id, a role whose query had finished: it is run again on poll. */
const FINISHED = '';

export type RouteAnswer =
  | { readonly status: 200; readonly body: unknown }
  | { readonly status: 202; readonly body: { query_id: string; poll: string } };

/**
 * Starts every saved query of the route in parallel and waits at most `waitMs` for them all.
 * `name` is the route's registry name, which a 202's poll id carries.
 */
export async function runSavedQueryRoute(
  ctx: RunnerContext,
  name: string,
  route: SavedQueryRoute,
  params: RouteParams,
): Promise<RouteAnswer> {
  const calls = Object.entries(route.calls(params));
  const outcomes = await Promise.all(
    calls.map(([, call]) =>
      engineCall(() => ctx.engine.execute(call.name, call.params, { waitMs: ctx.waitMs })),
    ),
  );
  return answer(
    ctx,
    name,
    route,
    params,
    calls.map(([role], i) => [role, outcomes[i] as QueryOutcome]),
  );
}

/**
 * Polls the engine queries a poll id stands for (each waits at most `waitMs`, in parallel). A role
 * that had already finished when the 202 was sent is run again: engines need not keep a result
 * after returning it once (DuckDB does not), and Athena's result reuse makes the rerun cheap.
 */
export async function pollSavedQueryRoute(
  ctx: RunnerContext,
  route: SavedQueryRoute,
  pending: PendingQueries,
): Promise<RouteAnswer> {
  const calls = route.calls(pending.params);
  const roles = Object.entries(pending.queries);
  // A signed poll id can only name the route's own saved queries; one that names others was not
  // issued by this API (signed with a leaked key): a 400, never an engine call.
  if (roles.some(([role]) => !Object.hasOwn(calls, role))) {
    throw new InvalidParameterError('id', 'id must be a query id returned by this API');
  }
  const outcomes = await Promise.all(
    roles.map(async ([role, id]) => {
      const call = calls[role];
      if (id !== FINISHED || call === undefined) return engineCall(() => pollOne(ctx, id));
      return engineCall(() => ctx.engine.execute(call.name, call.params, { waitMs: ctx.waitMs }));
    }),
  );
  return answer(
    ctx,
    pending.route,
    route,
    pending.params,
    roles.map(([role], i) => [role, outcomes[i] as QueryOutcome]),
  );
}

async function pollOne(ctx: RunnerContext, id: string): Promise<QueryOutcome> {
  try {
    return await ctx.engine.poll(id, { waitMs: ctx.waitMs });
  } catch (err) {
    // DuckDB forgets a result after 10 minutes; Athena after 45 days (and rejects ids it never saw).
    if (err instanceof UnknownQueryIdError) {
      throw new NotFoundError(
        'this query id is unknown or its result has expired; send the original request again',
      );
    }
    throw err;
  }
}

/**
 * Engine outcomes the client should see as such: a failed, cancelled or timed-out query is a 502,
 * throttling a 503 (retry later). The engine's message (table, workgroup, SQL) goes to the log as
 * the cause, never to the client. Anything else is a bug: a 500 from the app's error handler.
 */
async function engineCall(run: () => Promise<QueryOutcome>): Promise<QueryOutcome> {
  try {
    return await run();
  } catch (err) {
    if (err instanceof QueryExecutionError) throw new QueryFailedError(undefined, { cause: err });
    if (err instanceof QueryEngineBusyError) throw new EngineBusyError({ cause: err });
    throw err;
  }
}

function answer(
  ctx: RunnerContext,
  name: string,
  route: SavedQueryRoute,
  params: RouteParams,
  outcomes: readonly (readonly [string, QueryOutcome])[],
): RouteAnswer {
  if (outcomes.some(([, outcome]) => outcome.status === 'running')) {
    const queryId = encodePollId(
      {
        route: name,
        queries: Object.fromEntries(
          outcomes.map(([role, outcome]) => [
            role,
            outcome.status === 'running' ? outcome.queryId : FINISHED,
          ]),
        ),
        params,
      },
      ctx.tokenKey,
    );
    return { status: 202, body: { query_id: queryId, poll: `${ctx.basePath ?? ''}/queries/${queryId}` } };
  }
  const rows: Record<string, QueryRow[]> = {};
  for (const [role, outcome] of outcomes) {
    if (outcome.status !== 'succeeded') throw new QueryFailedError();
    rows[role] = outcome.rows;
  }
  return { status: 200, body: route.shape(rows, params, ctx) };
}
