/**
 * `GET /events`: recent events from the hot store, newest first, one page per call. With
 * `severity`, only compliance changes of rules of those severities (today's: the catalog with the
 * configuration's overrides, as `/violations`).
 */
import type { Hono } from 'hono';
import type { EventView } from '../../adapters/dynamodb/event-query.repository.js';
import { type Severity, severityOf } from '../../domain/managed-rules.js';
import { accountNameOf } from '../account-names.js';
import type { ApiEnv, RouteContext } from '../app.js';
import { encodeCursor } from '../cursors.js';
import { parseEventsParams, singleValued } from '../params.js';

export function registerEventRoutes(app: Hono<ApiEnv>, ctx: RouteContext): void {
  app.get('/events', async (c) => {
    const params = parseEventsParams(singleValued(c.req.queries()), ctx.tokenKey);
    const wanted = params.severities ? new Set<Severity>(params.severities) : null;
    const accept = wanted
      ? (view: EventView) =>
          view.detail.kind === 'compliance-change' &&
          wanted.has(severityOf(view.detail.ruleName, ctx.severityOverrides).severity)
      : undefined;
    const page = await ctx.events.page({ ...params, now: ctx.now(), ...(accept ? { accept } : {}) });
    return c.json({
      // The configuration's name of each event's account, null when it has none.
      items: page.items.map((item) => ({ ...item, account_name: accountNameOf(ctx.accounts, item.account) })),
      next: page.last === null ? null : encodeCursor(page.last, params, ctx.tokenKey),
    });
  });
}
