/**
 * `GET /compliance/summary`, `/compliance/trends` and `/compliance/remediation`: saved queries over
 * the archive (Athena in AWS, DuckDB locally), shaped into the API's JSON. Their paths and
 * parameters are entries of the registry (saved-query-routes.ts).
 */
import { complianceScore } from '../../domain/compliance-state.js';
import type { ComplianceType } from '../../domain/config-event.js';
import { utcDaysOverlapping } from '../../domain/utc-day.js';
import type { QueryRow } from '../../ports/query-engine.js';
import { accountNameOf } from '../account-names.js';
import type { RangeFilter } from '../params.js';
import type { RouteParams, SavedQueryRoute } from './query-runner.js';

/** Counts of one rule or resource type in `/compliance/summary`. */
export interface StatusCounts {
  compliant: number;
  non_compliant: number;
}

export interface ComplianceSummary {
  total_events: number;
  compliant: number;
  non_compliant: number;
  not_applicable: number;
  insufficient_data: number;
  by_rule: Record<string, StatusCounts>;
  by_resource_type: Record<string, StatusCounts>;
  /** As of `end_date` (now when absent), from the latest state per (resource, rule). */
  compliance_score: number | null;
}

export interface TrendPoint {
  day: string;
  compliance_score: number | null;
  compliant: number;
  non_compliant: number;
}

export interface ComplianceTrends {
  start_date: string;
  end_date: string;
  /** Every UTC day of the range, in order. */
  days: string[];
  /** The scope as a whole (all accounts matching the filters) per day. */
  organization: TrendPoint[];
  /** `account_name`: the configuration's name of the account, null when it has none. */
  accounts: { account: string; account_name: string | null; points: TrendPoint[] }[];
}

export interface RemediationItem {
  account: string;
  /** The configuration's name of the account, null when it has none. */
  account_name: string | null;
  rule_name: string;
  /** The rule name without the conformance-pack suffix: groups one rule across accounts. */
  base_rule_name: string;
  /** Resolutions in the range with a known duration. */
  remediated: number;
  median_seconds: number | null;
  p90_seconds: number | null;
  /** (resource, rule) pairs NON_COMPLIANT at the end of the range. */
  open_violations: number;
}

function num(value: QueryRow[string] | undefined): number {
  return typeof value === 'number' ? value : Number(value ?? 0);
}

function numOrNull(value: QueryRow[string] | undefined): number | null {
  return value === null || value === undefined ? null : Number(value);
}

function text(value: QueryRow[string] | undefined): string {
  return String(value ?? '');
}

/**
 * The route parameters of a range filter. Severities travel as the saved queries take them: one
 * comma-separated list (`CRITICAL,HIGH`), validated, bound as a parameter.
 */
export function rangeParams(filter: RangeFilter): RouteParams {
  return {
    account: filter.account,
    region: filter.region,
    start: filter.start,
    end: filter.end,
    severity: filter.severities ? filter.severities.join(',') : null,
  };
}

// Null-prototype maps: a rule named `__proto__` or `constructor` is data, not a property of Object.
function dictionary<T>(): Record<string, T> {
  return Object.create(null) as Record<string, T>;
}

export const SUMMARY_ROUTE: SavedQueryRoute = {
  calls: (p) => ({
    summary: {
      name: 'compliance_summary',
      params: {
        account: p.account ?? null,
        region: p.region ?? null,
        severity: p.severity ?? null,
        start: p.start ?? null,
        end: p.end ?? null,
      },
    },
    score: {
      name: 'compliance_score',
      params: {
        account: p.account ?? null,
        region: p.region ?? null,
        severity: p.severity ?? null,
        as_of: p.end ?? null,
      },
    },
  }),
  shape: (rows): ComplianceSummary => {
    const byStatus = new Map<string, number>();
    const byRule = dictionary<StatusCounts>();
    const byType = dictionary<StatusCounts>();
    for (const row of rows.summary ?? []) {
      const value = text(row.value);
      if (row.dimension === 'new_status') byStatus.set(value, num(row.events));
      else if (row.dimension === 'rule_name' || row.dimension === 'resource_type') {
        const target = row.dimension === 'rule_name' ? byRule : byType;
        target[value] = { compliant: num(row.compliant), non_compliant: num(row.non_compliant) };
      }
    }
    const scoreRow = rows.score?.[0];
    const events = (status: ComplianceType) => byStatus.get(status) ?? 0;
    return {
      total_events: [...byStatus.values()].reduce((sum, n) => sum + n, 0),
      compliant: events('COMPLIANT'),
      non_compliant: events('NON_COMPLIANT'),
      not_applicable: events('NOT_APPLICABLE'),
      insufficient_data: events('INSUFFICIENT_DATA'),
      by_rule: byRule,
      by_resource_type: byType,
      compliance_score: scoreRow ? numOrNull(scoreRow.compliance_score) : null,
    };
  },
};

export const TRENDS_ROUTE: SavedQueryRoute = {
  calls: (p) => ({
    trend: {
      name: 'compliance_trend',
      params: {
        account: p.account ?? null,
        region: p.region ?? null,
        severity: p.severity ?? null,
        start: p.start ?? null,
        end: p.end ?? null,
      },
    },
  }),
  shape: (rows, p, context): ComplianceTrends => {
    const start = p.start ?? '';
    const end = p.end ?? '';
    const accounts = new Map<string, TrendPoint[]>();
    const totals = new Map<string, { compliant: number; non_compliant: number }>();
    for (const row of rows.trend ?? []) {
      const day = text(row.day).slice(0, 10);
      const point: TrendPoint = {
        day,
        compliance_score: numOrNull(row.compliance_score),
        compliant: num(row.compliant),
        non_compliant: num(row.non_compliant),
      };
      const account = text(row.account);
      accounts.set(account, [...(accounts.get(account) ?? []), point]);
      const total = totals.get(day) ?? { compliant: 0, non_compliant: 0 };
      total.compliant += point.compliant;
      total.non_compliant += point.non_compliant;
      totals.set(day, total);
    }
    const days = utcDaysOverlapping(start, end);
    return {
      start_date: start,
      end_date: end,
      days,
      // The scope's score is over the summed pairs, not an average of account scores.
      organization: days
        .filter((day) => totals.has(day))
        .map((day) => {
          const t = totals.get(day) as { compliant: number; non_compliant: number };
          return { day, compliance_score: complianceScore(t.compliant, t.non_compliant), ...t };
        }),
      accounts: [...accounts.entries()]
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([account, points]) => ({
          account,
          account_name: accountNameOf(context.accounts, account),
          points: points.sort((a, b) => (a.day < b.day ? -1 : 1)),
        })),
    };
  },
};

/** Every remediation of the scope ranked together: the exact organization-wide median and p90. */
export interface RemediationOverall {
  remediated: number;
  median_seconds: number | null;
  p90_seconds: number | null;
}

function organizationOf(row: QueryRow | undefined): RemediationOverall {
  return {
    remediated: num(row?.remediated),
    median_seconds: numOrNull(row?.median_seconds),
    p90_seconds: numOrNull(row?.p90_seconds),
  };
}

export const REMEDIATION_ROUTE: SavedQueryRoute = {
  calls: (p) => {
    const params = {
      account: p.account ?? null,
      region: p.region ?? null,
      severity: p.severity ?? null,
      start: p.start ?? null,
      end: p.end ?? null,
    };
    return {
      remediation: { name: 'time_to_remediate', params },
      overall: { name: 'time_to_remediate_overall', params },
    };
  },
  shape: (rows, p, context) => ({
    start_date: p.start ?? null,
    end_date: p.end ?? null,
    organization: organizationOf(rows.overall?.[0]),
    items: (rows.remediation ?? []).map(
      (row): RemediationItem => ({
        account: text(row.account),
        account_name: accountNameOf(context.accounts, text(row.account)),
        rule_name: text(row.rule_name),
        base_rule_name: text(row.base_rule_name),
        remediated: num(row.remediated),
        median_seconds: numOrNull(row.median_seconds),
        p90_seconds: numOrNull(row.p90_seconds),
        open_violations: num(row.open_violations),
      }),
    ),
  }),
};

/** The queries and answer shapes of the three range routes, by registry name. */
export const RANGE_ROUTES = {
  summary: SUMMARY_ROUTE,
  trends: TRENDS_ROUTE,
  remediation: REMEDIATION_ROUTE,
} as const;
