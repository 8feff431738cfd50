/** `GET /healthz`: liveness only. It touches no dependency, so a slow Athena never fails it. */
import type { Hono } from 'hono';
import type { ApiEnv } from '../app.js';
import { parseNoParams, singleValued } from '../params.js';

export function registerHealthRoutes(app: Hono<ApiEnv>): void {
  app.get('/healthz', (c) => {
    parseNoParams(singleValued(c.req.queries()));
    return c.json({ status: 'ok' });
  });
}
