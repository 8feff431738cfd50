/**
 * The registry of the API routes that run saved queries: one entry a route, with its path, whether
 * the dashboard reads it, how its parameters are validated, the saved queries it runs and the shape
 * of its answer. The rest follows from it: each route and its 202 + `GET /queries/{id}` poll, the
 * route names a poll id may carry, and the dashboard API's routes (infra/constructs/api.ts).
 *
 * `timeline` is the model of an entry; `muted` (mutes.ts) shows one whose queries depend on data
 * read per request.
 */
import type { Hono } from 'hono';
import type { ApiEnv, RouteContext } from '../app.js';
import {
  parseNoParams,
  parseRemediationParams,
  parseSummaryParams,
  parseTimelineParams,
  parseTrendParams,
  type RawQuery,
  singleValued,
} from '../params.js';
import { decodePollId, invalidPollId } from '../poll-id.js';
import { RANGE_ROUTES, rangeParams } from './compliance.js';
import { MUTED_QUERY_ROUTE } from './mutes.js';
import {
  pollSavedQueryRoute,
  type RouteParams,
  routeContext,
  runSavedQueryRoute,
  type SavedQueryEndpoint,
  type SavedQueryRoute,
} from './query-runner.js';

/** An entry whose queries depend on its parameters only. */
function savedQueryRoute(
  entry: Pick<SavedQueryEndpoint, 'name' | 'path' | 'dashboard'> &
    SavedQueryRoute & {
      /** Validates the query string into the route's parameters. */
      readonly params: (query: RawQuery, ctx: RouteContext) => RouteParams;
    },
): SavedQueryEndpoint {
  const route: SavedQueryRoute = { calls: entry.calls, shape: entry.shape };
  return {
    name: entry.name,
    path: entry.path,
    dashboard: entry.dashboard,
    request: (c, ctx) => ({ params: entry.params(singleValued(c.req.queries()), ctx), route }),
    poll: () => route,
  };
}

export const SAVED_QUERY_ROUTES: readonly SavedQueryEndpoint[] = [
  savedQueryRoute({
    name: 'summary',
    path: '/compliance/summary',
    dashboard: true,
    params: (query) => rangeParams(parseSummaryParams(query)),
    ...RANGE_ROUTES.summary,
  }),
  savedQueryRoute({
    name: 'trends',
    path: '/compliance/trends',
    dashboard: true,
    params: (query, ctx) => rangeParams(parseTrendParams(query, ctx.now())),
    ...RANGE_ROUTES.trends,
  }),
  savedQueryRoute({
    name: 'remediation',
    path: '/compliance/remediation',
    dashboard: true,
    params: (query) => rangeParams(parseRemediationParams(query)),
    ...RANGE_ROUTES.remediation,
  }),
  // `GET /resources/timeline`: every evaluation of one resource (all its rules), oldest first.
  savedQueryRoute({
    name: 'timeline',
    path: '/resources/timeline',
    dashboard: true,
    params: (query) => {
      const p = parseTimelineParams(query);
      return {
        account: p.account,
        region: p.region,
        resource_type: p.resourceType,
        resource_id: p.resourceId,
        start: p.start,
        end: p.end,
      };
    },
    calls: (p) => ({
      timeline: {
        name: 'resource_timeline',
        params: {
          account: p.account ?? null,
          region: p.region ?? null,
          resource_type: p.resource_type ?? null,
          resource_id: p.resource_id ?? null,
          start: p.start ?? null,
          end: p.end ?? null,
        },
      },
    }),
    shape: (rows, p) => ({
      account: p.account,
      region: p.region,
      resource_type: p.resource_type,
      resource_id: p.resource_id,
      start_date: p.start ?? null,
      end_date: p.end ?? null,
      items: (rows.timeline ?? []).map((row) => ({
        event_id: row.event_id ?? null,
        event_time: row.event_time ?? null,
        recorded_time: row.recorded_time ?? null,
        notification_time: row.notification_time ?? null,
        rule_name: row.rule_name ?? null,
        base_rule_name: row.base_rule_name ?? null,
        rule_arn: row.rule_arn ?? null,
        old_status: row.old_status ?? null,
        new_status: row.new_status ?? null,
        annotation: row.annotation ?? null,
      })),
    }),
  }),
  MUTED_QUERY_ROUTE,
];

/** The poll of a route that answered 202, as Hono routes it. */
export const POLL_PATH = '/queries/:id';

/** The saved-query paths the dashboard reads, and the poll, as API Gateway names them (`{id}`). */
export const DASHBOARD_SAVED_QUERY_PATHS: readonly string[] = [
  ...SAVED_QUERY_ROUTES.filter((entry) => entry.dashboard).map((entry) => entry.path),
  POLL_PATH,
].map((path) => path.replace(/:(\w+)/g, '{$1}'));

/** Registers every route of the registry, and `GET /queries/:id`, which polls any of them. */
export function registerSavedQueryRoutes(app: Hono<ApiEnv>, ctx: RouteContext): void {
  const byName = new Map(SAVED_QUERY_ROUTES.map((entry) => [entry.name, entry]));
  for (const entry of SAVED_QUERY_ROUTES) {
    app.get(entry.path, async (c) => {
      const { params, route } = await entry.request(c, ctx);
      const answer = await runSavedQueryRoute(routeContext(ctx, c), entry.name, route, params);
      return c.json(answer.body, answer.status);
    });
  }
  app.get(POLL_PATH, async (c) => {
    parseNoParams(singleValued(c.req.queries()));
    const token = c.req.param('id');
    const pending = decodePollId(token, ctx.tokenKey);
    const entry = byName.get(pending.route);
    if (!entry) throw invalidPollId(token);
    const answer = await pollSavedQueryRoute(routeContext(ctx, c), await entry.poll(ctx), pending);
    return c.json(answer.body, answer.status);
  });
}
