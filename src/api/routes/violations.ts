/**
 * `GET /violations`: what is open now. Every NON_COMPLIANT (resource, rule) pair of the hot store's
 * state table, with its severity and since when it is open; filtered by account, region, rule
 * (a base name covers every conformance-pack instance), severity and whether a mute in force
 * covers it; sorted; paged with a signed cursor like `/events`; as JSON, or as CSV (`format=csv` or
 * `Accept: text/csv`).
 */
import type { Context, Hono } from 'hono';
import type { OpenViolation } from '../../adapters/dynamodb/open-violation.repository.js';
import { baseRuleName } from '../../domain/config-event.js';
import { SEVERITIES, type Severity, severityOf } from '../../domain/managed-rules.js';
import { isInForce, muteCovers } from '../../domain/mute.js';
import { accountFields } from '../account-names.js';
import type { ApiEnv, RouteContext } from '../app.js';
import { toCsv } from '../csv.js';
import { encodeViolationsCursor } from '../cursors.js';
import { InvalidParameterError, NotFoundError } from '../errors.js';
import type { ViolationSort } from '../param-rules.js';
import { parseViolationsParams, singleValued, type ViolationsParams } from '../params.js';

/**
 * Most violations a sort other than `open_since` orders: those sorts read every match and sort in
 * memory, so past this the filter must be narrowed (the index orders page through any number).
 */
export const MAX_SORTED_VIOLATIONS = 10_000;

/** One open violation as the API returns it. */
export interface ViolationView {
  account: string;
  region: string;
  rule_name: string;
  base_rule_name: string;
  severity: Severity;
  resource_type: string;
  resource_id: string;
  /** When the pair became non-compliant (ISO 8601). */
  open_since: string;
  /** The ordering time of its latest evaluation (ISO 8601). */
  last_evaluated: string;
  annotation: string | null;
  event_id: string;
  /** Whether a mute in force covers the pair (its alerts are held back), and the first such mute. */
  muted: boolean;
  mute_id: string | null;
  /** The configuration's name and owner of the account, null when it has none. */
  account_name: string | null;
  owner: string | null;
}

/** The CSV columns, in order: every field of {@link ViolationView}. */
export const VIOLATION_CSV_COLUMNS = [
  'account',
  'region',
  'rule_name',
  'base_rule_name',
  'severity',
  'resource_type',
  'resource_id',
  'open_since',
  'last_evaluated',
  'annotation',
  'event_id',
  'muted',
  'mute_id',
  'account_name',
  'owner',
] as const satisfies readonly (keyof ViolationView)[];

type Field = ViolationSort extends `-${infer F}` ? F : never;

/** The value a violation sorts by for `field`, before the tie-break on its sort key. */
function sortValue(field: Exclude<Field, 'open_since'>, v: OpenViolation, severity: Severity): string {
  switch (field) {
    case 'severity':
      return String(SEVERITIES.indexOf(severity));
    case 'account':
      return v.account;
    case 'region':
      return v.region;
    case 'rule':
      return baseRuleName(v.ruleName);
    default:
      return `${v.resourceId}\u0000${v.resourceType}`;
  }
}

function compareTuples(a: readonly string[], b: readonly string[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const x = a[i] ?? '';
    const y = b[i] ?? '';
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

function wantsCsv(c: Context<ApiEnv>, params: ViolationsParams): boolean {
  if (params.format !== null) return params.format === 'csv';
  const accept = c.req.header('accept') ?? '';
  return /(^|,)\s*text\/csv\s*(;|,|$)/i.test(accept);
}

export function registerViolationRoutes(app: Hono<ApiEnv>, ctx: RouteContext): void {
  app.get('/violations', async (c) => {
    const params = parseViolationsParams(singleValued(c.req.queries()), ctx.tokenKey);
    const repository = ctx.openViolations;
    if (!repository) throw new NotFoundError('no route GET /violations: this API has no state table');
    const now = ctx.now();
    const severityOfRule = (ruleName: string) => severityOf(ruleName, ctx.severityOverrides).severity;
    const wanted = params.severities === null ? null : new Set<Severity>(params.severities);
    // The mutes in force now, read once per request (a handful; the store lists them whole).
    const mutes = ctx.mutes ? (await ctx.mutes.list()).filter((mute) => isInForce(mute, now)) : [];
    const muteOf = (v: OpenViolation): string | null => mutes.find((mute) => muteCovers(mute, v))?.id ?? null;
    const accepts: ((v: OpenViolation) => boolean)[] = [];
    if (wanted) accepts.push((v) => wanted.has(severityOfRule(v.ruleName)));
    if (params.muted !== null) accepts.push((v) => (muteOf(v) !== null) === params.muted);
    const filter = {
      account: params.account,
      region: params.region,
      rule: params.rule,
      now,
      ...(accepts.length > 0 ? { accept: (v: OpenViolation) => accepts.every((accept) => accept(v)) } : {}),
    };

    let page: OpenViolation[];
    let next: readonly string[] | null;
    const descending = params.sort.startsWith('-');
    const field = (descending ? params.sort.slice(1) : params.sort) as Field;
    if (field === 'open_since') {
      const result = await repository.page({
        ...filter,
        descending,
        after: params.after?.[0] ?? null,
        limit: params.limit,
      });
      page = result.items;
      next = result.last === null ? null : [result.last];
    } else {
      const { items, complete } = await repository.all(filter, MAX_SORTED_VIOLATIONS);
      if (!complete) {
        throw new InvalidParameterError(
          'sort',
          `sort=${params.sort} orders at most ${MAX_SORTED_VIOLATIONS.toLocaleString('en-US')} open violations and more match; narrow them with account, region, rule or severity, or sort by open_since or -open_since, which page through any number`,
        );
      }
      const keyed = items.map((v) => ({
        v,
        key: [sortValue(field, v, severityOfRule(v.ruleName)), v.sortKey],
      }));
      const direction = descending ? -1 : 1;
      keyed.sort((a, b) => direction * compareTuples(a.key, b.key));
      const after = params.after;
      const start = after === null ? 0 : keyed.findIndex((k) => direction * compareTuples(k.key, after) > 0);
      const slice = start === -1 ? [] : keyed.slice(start, start + params.limit);
      page = slice.map((k) => k.v);
      const last = slice[slice.length - 1];
      next = last && start + params.limit < keyed.length ? last.key : null;
    }

    const views = page.map((v): ViolationView => {
      const muteId = muteOf(v);
      return {
        account: v.account,
        region: v.region,
        rule_name: v.ruleName,
        base_rule_name: baseRuleName(v.ruleName),
        severity: severityOfRule(v.ruleName),
        resource_type: v.resourceType,
        resource_id: v.resourceId,
        open_since: v.openedAt,
        last_evaluated: v.lastEvaluated,
        annotation: v.annotation,
        event_id: v.eventId,
        muted: muteId !== null,
        mute_id: muteId,
        ...accountFields(ctx.accounts, v.account),
      };
    });
    const cursor = next === null ? null : encodeViolationsCursor(next, params, ctx.tokenKey);

    if (!wantsCsv(c, params)) return c.json({ items: views, next: cursor });
    c.header('content-type', 'text/csv; charset=utf-8');
    c.header('content-disposition', 'attachment; filename="open-violations.csv"');
    if (cursor !== null) {
      // A relative reference: it resolves against the request's own URL, whatever the stage path.
      const query = new URLSearchParams(
        c.req.url.includes('?') ? c.req.url.slice(c.req.url.indexOf('?')) : '',
      );
      query.set('next', cursor);
      c.header('link', `<?${query}>; rel="next"`);
    }
    return c.body(
      toCsv(
        VIOLATION_CSV_COLUMNS,
        views.map((view) => ({ ...view, muted: String(view.muted) })),
      ),
    );
  });
}
