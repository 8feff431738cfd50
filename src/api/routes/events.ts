/** `GET /events`: recent events from the hot store, newest first, one page per call. */
import type { Hono } from 'hono';
import type { ApiEnv, RouteContext } from '../app.js';
import { encodeCursor } from '../cursors.js';
import { parseEventsParams, singleValued } from '../params.js';

export function registerEventRoutes(app: Hono<ApiEnv>, ctx: RouteContext): void {
  app.get('/events', async (c) => {
    const params = parseEventsParams(singleValued(c.req.queries()), ctx.tokenKey);
    const page = await ctx.events.page({ ...params, now: ctx.now() });
    return c.json({
      items: page.items,
      next: page.last === null ? null : encodeCursor(page.last, params, ctx.tokenKey),
    });
  });
}
