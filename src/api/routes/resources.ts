/** `GET /resources/timeline`: every evaluation of one resource (all its rules), oldest first, from the archive. */
import type { Hono } from 'hono';
import type { ApiEnv, RouteContext } from '../app.js';
import { parseTimelineParams, singleValued } from '../params.js';
import { routeContext, runSavedQueryRoute, type SavedQueryRoute } from './query-runner.js';

export const TIMELINE_ROUTE: SavedQueryRoute = {
  route: 'timeline',
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
};

export function registerResourceRoutes(app: Hono<ApiEnv>, ctx: RouteContext): void {
  app.get('/resources/timeline', async (c) => {
    const p = parseTimelineParams(singleValued(c.req.queries()));
    const answer = await runSavedQueryRoute(routeContext(ctx, c), TIMELINE_ROUTE, {
      account: p.account,
      region: p.region,
      resource_type: p.resourceType,
      resource_id: p.resourceId,
      start: p.start,
      end: p.end,
    });
    return c.json(answer.body, answer.status);
  });
}
