/** `GET /queries/:id`: the result of a saved-query route that answered 202, once it is done. */
import type { Hono } from 'hono';
import type { ApiEnv, RouteContext } from '../app.js';
import { parseNoParams, singleValued } from '../params.js';
import { decodePollId } from '../poll-id.js';
import { COMPLIANCE_ROUTES } from './compliance.js';
import { mutedRoute } from './mutes.js';
import { pollSavedQueryRoute, routeContext, type SavedQueryRoute } from './query-runner.js';
import { TIMELINE_ROUTE } from './resources.js';

/** The routes whose shape needs nothing but the rows; `muted` reads the mutes again (below). */
const ROUTES: Readonly<Record<Exclude<SavedQueryRoute['route'], 'muted'>, SavedQueryRoute>> = {
  ...COMPLIANCE_ROUTES,
  timeline: TIMELINE_ROUTE,
};

export function registerQueryRoutes(app: Hono<ApiEnv>, ctx: RouteContext): void {
  app.get('/queries/:id', async (c) => {
    parseNoParams(singleValued(c.req.queries()));
    const pending = decodePollId(c.req.param('id'), ctx.tokenKey);
    const route =
      pending.route === 'muted'
        ? mutedRoute(ctx.mutes ? await ctx.mutes.list() : [], ctx.now)
        : ROUTES[pending.route];
    const answer = await pollSavedQueryRoute(routeContext(ctx, c), route, pending);
    return c.json(answer.body, answer.status);
  });
}
