/**
 * `GET /coverage`: what the last sync (reconciliation against an AWS Config aggregator) saw of the
 * organization — sources that failed or are outdated, and accounts and regions that report no
 * Config rule at all — from the one `SYNC#latest` item of the events table.
 */
import type { Hono } from 'hono';
import { unhealthySourcesSentence, withoutRulesSentence } from '../../domain/coverage.js';
import type { SyncStatus } from '../../ports/config-compliance.js';
import type { ApiEnv, RouteContext } from '../app.js';
import { parseNoParams, singleValued } from '../params.js';

/** What `/coverage` answers before any sync ran. */
export const NO_SYNC_HINT = 'no sync yet: run config-monitor sync --aggregator NAME';

export interface CoverageSource {
  account: string;
  region: string;
  status: 'FAILED' | 'OUTDATED';
  last_update_time: string | null;
  error: string | null;
}

export interface CoverageBody {
  /** When the last sync ran (ISO 8601), null when none has. */
  last_sync: string | null;
  sources: { ok: number; failed: number } | null;
  unhealthy_sources: CoverageSource[];
  without_rules: { account: string; region: string }[];
  /** The sentences of src/domain/coverage.ts (empty when every source is healthy and has rules). */
  summary: string[];
  /** What to do when there is nothing to show; null after a sync. */
  hint: string | null;
}

/** `account/region` as the reconciler reports it → its two parts (a region never has a slash). */
function splitSource(source: string): { account: string; region: string } {
  const slash = source.lastIndexOf('/');
  return slash === -1
    ? { account: source, region: '' }
    : { account: source.slice(0, slash), region: source.slice(slash + 1) };
}

/** The body of `/coverage` for the last sync's status (or none). */
export function coverageBody(status: SyncStatus | null): CoverageBody {
  if (status === null) {
    return {
      last_sync: null,
      sources: null,
      unhealthy_sources: [],
      without_rules: [],
      summary: [],
      hint: NO_SYNC_HINT,
    };
  }
  const unhealthy = status.coverage.unhealthySources.filter((s) => s.status !== 'SUCCEEDED');
  const summary = [
    unhealthySourcesSentence(unhealthy.length),
    withoutRulesSentence(status.coverage.withoutRules),
  ].filter((sentence): sentence is string => sentence !== null);
  return {
    last_sync: status.syncTime,
    sources: { ok: status.sources.ok, failed: status.sources.failed },
    unhealthy_sources: unhealthy.map((s) => ({
      account: s.account,
      region: s.region,
      status: s.status as CoverageSource['status'],
      last_update_time: s.lastUpdateTime,
      error: s.error,
    })),
    without_rules: status.coverage.withoutRules.map(splitSource),
    summary,
    hint: null,
  };
}

export function registerCoverageRoutes(app: Hono<ApiEnv>, ctx: RouteContext): void {
  app.get('/coverage', async (c) => {
    parseNoParams(singleValued(c.req.queries()));
    return c.json(coverageBody(await ctx.syncStatus.latest()));
  });
}
