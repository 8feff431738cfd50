/**
 * Mutes over HTTP (the rules: src/domain/mute.ts; the CLI: `config-monitor mute`):
 * - `GET /mutes` (`all=true` adds the ended ones still stored), `GET /mutes/audit` (`id`, `limit`);
 * - `POST /mutes` with a JSON body `{account, region?, rule?, resource?, until, reason}` → 201;
 * - `DELETE /mutes/{id}` (`reason` optional) → 200, 404 unknown, 409 already ended;
 * - `GET /compliance/muted` (`account`, `region`): the pairs muted now, their counts, and the score
 *   with and without them, from the archive (saved queries, 202 + poll like the other routes).
 *
 * Every invalid parameter or body field is a 400 naming it. Who changed a mute is the caller: the
 * IAM principal (`requestContext.identity.userArn`) on the IAM API, the Cognito user
 * (`requestContext.authorizer.claims`) on the dashboard API, the OS user of `config-monitor up`
 * locally; a mutation without one is refused (403). Mutations require `Content-Type:
 * application/json` (POST) — a cross-site page cannot send that, nor a DELETE, without a CORS
 * preflight, which the local server never grants.
 */
import { type } from 'arktype';
import type { Context, Hono } from 'hono';
import { baseRuleName, type ComplianceType } from '../../domain/config-event.js';
import { COMPLIANCE_TYPES } from '../../domain/config-event.schema.js';
import {
  InvalidMuteError,
  isInForce,
  type Mute,
  mutedPairs,
  type PairStatus,
  scoreWithoutMuted,
} from '../../domain/mute.js';
import { MuteEndedError, MuteNotFoundError, type MuteStore } from '../../ports/mutes.js';
import type { QueryRow } from '../../ports/query-engine.js';
import { addMute, listMutes, removeMute } from '../../use-cases/mutes.js';
import { accountNameOf } from '../account-names.js';
import type { ApiEnv, RouteContext } from '../app.js';
import {
  ConflictError,
  ForbiddenError,
  InvalidParameterError,
  NotFoundError,
  UnsupportedMediaTypeError,
} from '../errors.js';
import { accountParam, limitParam, parseInstant, regionParam } from '../param-rules.js';
import { singleValued, validate } from '../params.js';
import type { RouteParams, SavedQueryEndpoint, SavedQueryRoute } from './query-runner.js';

/** Muted pairs listed at most in `/compliance/muted` (the counts cover them all). */
export const MAX_MUTED_PAIRS_LISTED = 500;
/** Muted accounts queried one by one; past this, one query over the filter's scope. */
const MAX_ACCOUNT_QUERIES = 3;
/** Longest body accepted (a 500-character reason and a 768-character resource id fit easily). */
const MAX_BODY_BYTES = 8 * 1024;

const BODY_FIELDS = ['account', 'region', 'rule', 'resource', 'until', 'reason'] as const;

/** A mute as the API returns it. */
export interface MuteView {
  id: string;
  account: string;
  region: string | null;
  rule: string | null;
  resource: string | null;
  until: string;
  reason: string;
  created_at: string;
  created_by: string;
  removed_at: string | null;
  removed_by: string | null;
  removal_reason: string | null;
  /** Whether it is in force now. */
  in_force: boolean;
  end_handled_at: string | null;
}

export function muteView(mute: Mute, now: Date): MuteView {
  return {
    id: mute.id,
    account: mute.account,
    region: mute.region,
    rule: mute.rule,
    resource: mute.resource,
    until: mute.until,
    reason: mute.reason,
    created_at: mute.createdAt,
    created_by: mute.createdBy,
    removed_at: mute.removedAt,
    removed_by: mute.removedBy,
    removal_reason: mute.removalReason,
    in_force: isInForce(mute, now),
    end_handled_at: mute.endHandledAt,
  };
}

/** Who makes the request: the IAM principal, the Cognito user, or the local server's OS user. */
export function callerOf(env: unknown, localActor: string | undefined): string | null {
  const context = (env as { requestContext?: Record<string, unknown> } | undefined)?.requestContext;
  const identity = context?.identity as { userArn?: unknown } | undefined;
  if (typeof identity?.userArn === 'string' && identity.userArn !== '') return identity.userArn;
  const claims = (context?.authorizer as { claims?: Record<string, unknown> } | undefined)?.claims;
  for (const claim of ['email', 'cognito:username', 'sub']) {
    const value = claims?.[claim];
    if (typeof value === 'string' && value !== '') return `cognito:${value}`;
  }
  return localActor ?? null;
}

const listSchema = type({ 'all?': "'true' | 'false'", '+': 'reject' });
const auditSchema = type({ 'id?': /^m-[0-9a-f]{12}$/, 'limit?': limitParam, '+': 'reject' });
const removeSchema = type({ 'reason?': 'string', '+': 'reject' });
const mutedSchema = type({ 'account?': accountParam, 'region?': regionParam, '+': 'reject' });

function storeOf(ctx: RouteContext, c: Context<ApiEnv>): MuteStore {
  if (!ctx.mutes)
    throw new NotFoundError(`no route ${c.req.method} ${c.req.path}: this API has no mutes table`);
  return ctx.mutes;
}

function requireCaller(ctx: RouteContext, c: Context<ApiEnv>): string {
  const caller = callerOf(c.env, ctx.localActor);
  if (caller === null) {
    throw new ForbiddenError(
      'changing a mute needs a caller the audit log can name (an IAM principal or a user)',
    );
  }
  return caller;
}

/** The domain's refusal as the API's: the field is the parameter. */
function asApiError(err: unknown): never {
  if (err instanceof InvalidMuteError) throw new InvalidParameterError(err.field, err.message);
  if (err instanceof MuteNotFoundError) throw new NotFoundError(`no mute ${err.id}`);
  if (err instanceof MuteEndedError) throw new ConflictError(err.message);
  throw err;
}

/** The body of `POST /mutes`: a JSON object of strings, no other field. */
async function readBody(c: Context<ApiEnv>): Promise<Record<string, string | undefined>> {
  const contentType = c.req.header('content-type') ?? '';
  if (!/^application\/json\s*(;|$)/i.test(contentType)) {
    throw new UnsupportedMediaTypeError('the body must be JSON, sent with Content-Type: application/json');
  }
  const text = await c.req.text();
  if (Buffer.byteLength(text, 'utf8') > MAX_BODY_BYTES) {
    throw new InvalidParameterError('body', `the body must be at most ${MAX_BODY_BYTES} bytes`);
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new InvalidParameterError('body', 'the body must be a JSON object');
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new InvalidParameterError('body', 'the body must be a JSON object');
  }
  const out: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(body)) {
    if (!(BODY_FIELDS as readonly string[]).includes(name)) {
      throw new InvalidParameterError(
        name.slice(0, 80),
        `unknown field ${JSON.stringify(name.slice(0, 80))}; allowed: ${BODY_FIELDS.join(', ')}`,
      );
    }
    if (value === null) continue;
    if (typeof value !== 'string') throw new InvalidParameterError(name, `${name} must be a string`);
    out[name] = value;
  }
  return out;
}

export function registerMuteRoutes(app: Hono<ApiEnv>, ctx: RouteContext): void {
  app.get('/mutes', async (c) => {
    const p = validate(listSchema, singleValued(c.req.queries()), ['all']);
    const now = ctx.now();
    const mutes = await listMutes(storeOf(ctx, c), { all: p.all === 'true', now });
    return c.json({ mutes: mutes.map((mute) => muteView(mute, now)) });
  });

  app.get('/mutes/audit', async (c) => {
    const p = validate(auditSchema, singleValued(c.req.queries()), ['id', 'limit']);
    const entries = await storeOf(ctx, c).audit({
      ...(p.id ? { muteId: p.id } : {}),
      limit: p.limit ?? 100,
    });
    const now = ctx.now();
    return c.json({
      entries: entries.map((e) => ({
        at: e.at,
        mute_id: e.muteId,
        action: e.action,
        actor: e.actor,
        reason: e.reason,
        applied: e.applied,
        mute: muteView(e.mute, now),
      })),
    });
  });

  app.post('/mutes', async (c) => {
    const store = storeOf(ctx, c);
    // The query string takes nothing: a field there (a typo for the body) is a 400, not ignored.
    validate(type({ '+': 'reject' }), singleValued(c.req.queries()), []);
    const actor = requireCaller(ctx, c);
    const body = await readBody(c);
    let untilMs: number | null = null;
    if (body.until !== undefined) {
      untilMs = parseInstant(body.until);
      if (untilMs === null) {
        throw new InvalidParameterError(
          'until',
          `until must be an ISO 8601 date (2024-06-30), date-time with zone (2024-06-30T18:00:00Z) or epoch seconds (was ${JSON.stringify(body.until.slice(0, 80))})`,
        );
      }
    }
    const now = ctx.now();
    const mute = await addMute(store, { ...body, untilMs, untilText: body.until }, actor, now).catch(
      asApiError,
    );
    return c.json({ mute: muteView(mute, now) }, 201);
  });

  app.delete('/mutes/:id', async (c) => {
    const store = storeOf(ctx, c);
    const p = validate(removeSchema, singleValued(c.req.queries()), ['reason']);
    const actor = requireCaller(ctx, c);
    const now = ctx.now();
    const mute = await removeMute(store, c.req.param('id'), actor, p.reason ?? null, now).catch(asApiError);
    return c.json({ mute: muteView(mute, now) });
  });
}

/**
 * `GET /compliance/muted`, an entry of the saved-query route registry (saved-query-routes.ts): its
 * queries depend on the mutes, read for each request and again for each poll.
 */
export const MUTED_QUERY_ROUTE: SavedQueryEndpoint = {
  name: 'muted',
  path: '/compliance/muted',
  dashboard: true,
  async request(c, ctx) {
    const store = storeOf(ctx, c);
    const p = validate(mutedSchema, singleValued(c.req.queries()), ['account', 'region']);
    const mutes = await store.list();
    return {
      params: mutedParams(mutes, p.account ?? null, p.region ?? null, ctx.now()),
      route: mutedRoute(mutes, ctx.now),
    };
  },
  async poll(ctx) {
    return mutedRoute(ctx.mutes ? await ctx.mutes.list() : [], ctx.now);
  },
};

/** The mutes in force now that can cover a pair of the filter's scope. */
function inScope(mutes: readonly Mute[], account: string | null, region: string | null, now: Date): Mute[] {
  return mutes.filter(
    (mute) =>
      isInForce(mute, now) &&
      (account === null || mute.account === account) &&
      (region === null || mute.region === null || mute.region === region),
  );
}

/**
 * The route's parameters: the filter, and the muted accounts to read pairs of (comma-separated),
 * `*` for one query over the whole scope when there are more than {@link MAX_ACCOUNT_QUERIES}.
 * They travel in the poll id, so a poll runs the same queries.
 */
function mutedParams(
  mutes: readonly Mute[],
  account: string | null,
  region: string | null,
  now: Date,
): RouteParams {
  const accounts = [...new Set(inScope(mutes, account, region, now).map((mute) => mute.account))].sort();
  return {
    account,
    region,
    accounts: accounts.length > MAX_ACCOUNT_QUERIES ? '*' : accounts.join(','),
  };
}

const STATUSES = new Set<string>(COMPLIANCE_TYPES);

/** `GET /compliance/muted` over the mutes read for this request (or this poll). */
export function mutedRoute(mutes: readonly Mute[], now: () => Date): SavedQueryRoute {
  return {
    calls: (p) => {
      const scope = { account: p.account ?? null, region: p.region ?? null };
      const calls: Record<string, { name: string; params: Record<string, string | null> }> = {
        score: { name: 'compliance_score', params: { ...scope, as_of: null } },
      };
      const accounts = p.accounts ?? '';
      if (accounts === '*') {
        calls.pairs = { name: 'current_state', params: { ...scope, as_of: null } };
      } else {
        for (const [i, one] of accounts.split(',').filter(Boolean).entries()) {
          calls[`pairs${i}`] = {
            name: 'current_state',
            params: { account: one, region: scope.region, as_of: null },
          };
        }
      }
      return calls;
    },
    shape: (rows, p, context) => {
      const at = now();
      const scoped = inScope(mutes, p.account ?? null, p.region ?? null, at);
      const pairs: PairStatus[] = [];
      for (const [role, list] of Object.entries(rows)) {
        if (!role.startsWith('pairs')) continue;
        for (const row of list) {
          const pair = pairOf(row);
          if (pair) pairs.push(pair);
        }
      }
      const muted = mutedPairs(pairs, scoped, at);
      const score = rows.score?.[0] ?? {};
      const totals = {
        compliant: Number(score.compliant ?? 0),
        nonCompliant: Number(score.non_compliant ?? 0),
      };
      return {
        as_of: at.toISOString(),
        account: p.account ?? null,
        region: p.region ?? null,
        mutes: scoped.map((mute) => muteView(mute, at)),
        muted: {
          compliant: muted.counts.compliant,
          non_compliant: muted.counts.nonCompliant,
          not_applicable: muted.counts.notApplicable,
          insufficient_data: muted.counts.insufficientData,
        },
        compliant: totals.compliant,
        non_compliant: totals.nonCompliant,
        compliance_score:
          score.compliance_score === undefined || score.compliance_score === null
            ? null
            : Number(score.compliance_score),
        compliance_score_without_muted: scoreWithoutMuted(totals, muted.counts),
        pairs: muted.pairs.slice(0, MAX_MUTED_PAIRS_LISTED).map((pair) => ({
          account: pair.account,
          account_name: accountNameOf(context.accounts, pair.account),
          region: pair.region,
          rule_name: pair.ruleName,
          base_rule_name: baseRuleName(pair.ruleName),
          resource_type: pair.resourceType,
          resource_id: pair.resourceId,
          status: pair.status,
          mute_ids: pair.muteIds,
        })),
        pairs_truncated: muted.pairs.length > MAX_MUTED_PAIRS_LISTED,
      };
    },
  };
}

function pairOf(row: QueryRow): PairStatus | null {
  const status = String(row.status ?? '');
  if (!STATUSES.has(status)) return null;
  return {
    account: String(row.account ?? ''),
    region: String(row.region ?? ''),
    ruleName: String(row.rule_name ?? ''),
    resourceType: String(row.resource_type ?? ''),
    resourceId: String(row.resource_id ?? ''),
    status: status as ComplianceType,
  };
}
