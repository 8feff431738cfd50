/**
 * Plain TypeScript reference computations of the archive semantics (docs/archive.md), one per
 * saved query, over archive rows as `toComplianceEventRow` gives them (timestamps ISO `…Z`).
 * The integration tests compare every saved query's DuckDB result with these; the API tests may
 * reuse them. Written for clarity, not speed.
 *
 * - When is `event_time` (the EventBridge time); ranges are half-open (start <= t < end) on it,
 *   and "as of T" takes the rows with event_time < T.
 * - Latest for a key among those: greatest ordering_time (orderingTimestamp), then recorded_time,
 *   then event_id.
 * - Score as of T: over the latest states before T, 100 × C / (C + NC), 2 decimals; null if C + NC = 0.
 * - New violation: new NON_COMPLIANT, old null or not NON_COMPLIANT.
 * - Resolved violation: old NON_COMPLIANT, new COMPLIANT or NOT_APPLICABLE.
 */
import type { ComplianceEventRow } from '../../src/domain/archive-schema.js';
import { complianceScore } from '../../src/domain/compliance-state.js';

export type ArchiveRow = ComplianceEventRow;
export type Row = Record<string, string | number | null>;

const STATUSES = ['COMPLIANT', 'NON_COMPLIANT', 'NOT_APPLICABLE', 'INSUFFICIENT_DATA'] as const;

/** Text order of "latest": ordering_time, recorded_time, event_id (all fixed-width ISO, so text compares). */
export const orderKey = (r: ArchiveRow) => `${r.ordering_time}|${r.recorded_time}|${r.event_id}`;
const stateKey = (r: ArchiveRow) =>
  [r.account, r.region, r.rule_name, r.resource_type, r.resource_id].join('\u001f');
const compare = (a: string | number | null, b: string | number | null) =>
  a === b ? 0 : a === null ? -1 : b === null ? 1 : a < b ? -1 : a > b ? 1 : 0;

export const isNewViolation = (r: ArchiveRow) =>
  r.new_status === 'NON_COMPLIANT' && (r.old_status === null || r.old_status !== 'NON_COMPLIANT');
export const isResolution = (r: ArchiveRow) =>
  r.old_status === 'NON_COMPLIANT' && (r.new_status === 'COMPLIANT' || r.new_status === 'NOT_APPLICABLE');

/** One row per event_id (copies are identical; the first is kept). */
export function dedupe(rows: readonly ArchiveRow[]): ArchiveRow[] {
  const seen = new Map<string, ArchiveRow>();
  for (const r of rows) if (!seen.has(r.event_id)) seen.set(r.event_id, r);
  return [...seen.values()];
}

interface Scope {
  readonly account?: string | null;
  readonly region?: string | null;
  /** Comma-separated severities: only the records archived with one of them (NULL matches none). */
  readonly severity?: string | null;
}
const inScope = (r: ArchiveRow, s: Scope) =>
  (s.account == null || r.account === s.account) &&
  (s.region == null || r.region === s.region) &&
  (s.severity == null ||
    s.severity === '' ||
    (r.severity != null && s.severity.split(',').includes(r.severity)));

/** Latest row per (account, region, rule, resource type, resource id) among rows before `before` (ISO, exclusive). */
export function latestStates(rows: readonly ArchiveRow[], before?: string | null): Map<string, ArchiveRow> {
  const latest = new Map<string, ArchiveRow>();
  for (const r of rows) {
    if (before != null && !(r.event_time < before)) continue;
    const key = stateKey(r);
    const current = latest.get(key);
    if (!current || orderKey(r) > orderKey(current)) latest.set(key, r);
  }
  return latest;
}

function statusCounts(states: Iterable<ArchiveRow>) {
  const counts = { compliant: 0, non_compliant: 0, not_applicable: 0, insufficient_data: 0 };
  for (const s of states) counts[s.new_status?.toLowerCase() as keyof typeof counts] += 1;
  return counts;
}

const nextDay = (day: string) => new Date(Date.parse(`${day}T00:00:00.000Z`) + 86_400_000).toISOString();
const dateOf = (iso: string) => iso.slice(0, 10);

// compliance_summary ---------------------------------------------------------------------------

export interface RangeScope extends Scope {
  readonly start?: string | null;
  readonly end?: string | null;
}

export function complianceSummary(rows: readonly ArchiveRow[], p: RangeScope): Row[] {
  const events = dedupe(
    rows.filter(
      (r) =>
        inScope(r, p) &&
        (p.start == null || r.event_time >= p.start) &&
        (p.end == null || r.event_time < p.end),
    ),
  );
  const out: Row[] = [];
  for (const dimension of ['new_status', 'rule_name', 'resource_type'] as const) {
    const groups = new Map<string, ArchiveRow[]>();
    for (const e of events) {
      const value = e[dimension] as string;
      groups.set(value, [...(groups.get(value) ?? []), e]);
    }
    for (const [value, group] of groups) {
      out.push({ dimension, value, events: group.length, ...statusCounts(group) });
    }
  }
  return out.sort(
    (a, b) =>
      compare(a.dimension as string, b.dimension as string) ||
      compare(b.events as number, a.events as number) ||
      compare(a.value as string, b.value as string),
  );
}

// current_state / compliance_score ------------------------------------------------------------

export interface AsOfScope extends Scope {
  readonly as_of?: string | null;
}

export function currentState(rows: readonly ArchiveRow[], p: AsOfScope): Row[] {
  const states = [
    ...latestStates(
      rows.filter((r) => inScope(r, p)),
      p.as_of,
    ).values(),
  ];
  return states
    .map((s) => ({
      account: s.account,
      region: s.region,
      rule_name: s.rule_name,
      base_rule_name: s.base_rule_name,
      resource_type: s.resource_type,
      resource_id: s.resource_id,
      status: s.new_status,
      event_time: s.event_time,
      ordering_time: s.ordering_time,
      recorded_time: s.recorded_time,
      event_id: s.event_id,
      annotation: s.annotation,
      rule_arn: s.rule_arn,
    }))
    .sort(
      (a, b) =>
        compare(a.account, b.account) ||
        compare(a.region, b.region) ||
        compare(a.rule_name, b.rule_name) ||
        compare(a.resource_type, b.resource_type) ||
        compare(a.resource_id, b.resource_id),
    );
}

export function complianceScoreRow(rows: readonly ArchiveRow[], p: AsOfScope): Row[] {
  const counts = statusCounts(
    latestStates(
      rows.filter((r) => inScope(r, p)),
      p.as_of,
    ).values(),
  );
  return [{ ...counts, compliance_score: complianceScore(counts.compliant, counts.non_compliant) }];
}

// daily report ---------------------------------------------------------------------------------

function dayEvents(rows: readonly ArchiveRow[], day: string) {
  return dedupe(rows.filter((r) => r.dt === day));
}

export function dailyReport(rows: readonly ArchiveRow[], day: string): Row[] {
  const start = `${day}T00:00:00.000Z`;
  const end = nextDay(day);
  const events = dayEvents(rows, day);
  const atEnd = statusCounts(latestStates(rows, end).values());
  const atStart = statusCounts(latestStates(rows, start).values());
  const score = complianceScore(atEnd.compliant, atEnd.non_compliant);
  const previous = complianceScore(atStart.compliant, atStart.non_compliant);
  return [
    {
      evaluations: events.length,
      new_violations: events.filter(isNewViolation).length,
      resolved_violations: events.filter(isResolution).length,
      ...atEnd,
      compliance_score: score,
      previous_compliance_score: previous,
      compliance_score_change:
        score === null || previous === null ? null : Math.round(100 * (score - previous)) / 100,
    },
  ];
}

export function dailyTopRules(rows: readonly ArchiveRow[], day: string): Row[] {
  const open = new Map<string, ArchiveRow[]>();
  for (const s of latestStates(rows, nextDay(day)).values()) {
    if (s.new_status !== 'NON_COMPLIANT') continue;
    open.set(s.base_rule_name as string, [...(open.get(s.base_rule_name as string) ?? []), s]);
  }
  const events = dayEvents(rows, day);
  return [...open.entries()]
    .map(([rule, states]) => ({
      base_rule_name: rule,
      non_compliant_resources: states.length,
      affected_accounts: new Set(states.map((s) => s.account)).size,
      new_violations: events.filter((e) => e.base_rule_name === rule && isNewViolation(e)).length,
      resolved_violations: events.filter((e) => e.base_rule_name === rule && isResolution(e)).length,
    }))
    .sort(
      (a, b) =>
        compare(b.non_compliant_resources, a.non_compliant_resources) ||
        compare(a.base_rule_name, b.base_rule_name),
    )
    .slice(0, 5)
    .map((r, i) => ({ rule_rank: i + 1, ...r }));
}

export function dailyTopAccounts(rows: readonly ArchiveRow[], day: string): Row[] {
  const byAccount = new Map<string, ArchiveRow[]>();
  for (const s of latestStates(rows, nextDay(day)).values()) {
    byAccount.set(s.account as string, [...(byAccount.get(s.account as string) ?? []), s]);
  }
  const events = dayEvents(rows, day);
  return [...byAccount.entries()]
    .map(([account, states]) => {
      const counts = statusCounts(states);
      return {
        account,
        open_violations: counts.non_compliant,
        compliant: counts.compliant,
        compliance_score: complianceScore(counts.compliant, counts.non_compliant),
        new_violations: events.filter((e) => e.account === account && isNewViolation(e)).length,
        resolved_violations: events.filter((e) => e.account === account && isResolution(e)).length,
      };
    })
    .filter((r) => r.open_violations > 0)
    .sort((a, b) => compare(b.open_violations, a.open_violations) || compare(a.account, b.account))
    .slice(0, 10)
    .map((r, i) => ({ account_rank: i + 1, ...r }));
}

/**
 * daily_state without built_at: per account, region, rule, resource type and status, the (resource,
 * rule) pairs with that latest status at the end of `day` and the day's distinct events with that
 * new status (evaluations, new and resolved violations); ordered by account, region, rule_name,
 * resource_type, status.
 */
export function dailyState(rows: readonly ArchiveRow[], day: string): Row[] {
  const counts = new Map<string, Row>();
  const add = (r: ArchiveRow, status: string | null, delta: Partial<Record<string, number>>) => {
    const group = {
      account: r.account,
      region: r.region,
      rule_name: r.rule_name,
      base_rule_name: r.base_rule_name,
      resource_type: r.resource_type,
      status,
    };
    const key = JSON.stringify(Object.values(group));
    const row = counts.get(key) ?? {
      ...group,
      resources: 0,
      evaluations: 0,
      new_violations: 0,
      resolved_violations: 0,
      build_rows: 0,
      dt: day,
    };
    for (const [k, v] of Object.entries(delta)) row[k] = Number(row[k]) + (v ?? 0);
    counts.set(key, row);
  };
  for (const s of latestStates(rows, nextDay(day)).values()) add(s, s.new_status, { resources: 1 });
  for (const e of dayEvents(rows, day)) {
    add(e, e.new_status, {
      evaluations: 1,
      new_violations: isNewViolation(e) ? 1 : 0,
      resolved_violations: isResolution(e) ? 1 : 0,
    });
  }
  for (const row of counts.values()) row.build_rows = counts.size;
  const order = ['account', 'region', 'rule_name', 'resource_type', 'status'] as const;
  return [...counts.values()].sort((a, b) => {
    for (const k of order) {
      const c = compare(a[k] ?? null, b[k] ?? null);
      if (c !== 0) return c;
    }
    return 0;
  });
}

// key_state ------------------------------------------------------------------------------------

/** compliance_key_state of `day`: per key, the latest evaluation before day+1, with the build's row count; sorted by key. */
export function keyState(rows: readonly ArchiveRow[], day: string): Row[] {
  const states = [...latestStates(rows, nextDay(day)).values()];
  const out: Row[] = states.map((s) => ({
    account: s.account,
    region: s.region,
    rule_name: s.rule_name,
    base_rule_name: s.base_rule_name,
    resource_type: s.resource_type,
    resource_id: s.resource_id,
    status: s.new_status,
    ordering_time: s.ordering_time,
    recorded_time: s.recorded_time,
    event_id: s.event_id,
    build_rows: states.length,
    dt: day,
  }));
  const order = ['account', 'region', 'rule_name', 'resource_type', 'resource_id'] as const;
  return out.sort((a, b) => {
    for (const k of order) {
      const c = compare(a[k] ?? null, b[k] ?? null);
      if (c !== 0) return c;
    }
    return 0;
  });
}

// compliance_trend -----------------------------------------------------------------------------

export function complianceTrend(rows: readonly ArchiveRow[], p: RangeScope, today = utcToday()): Row[] {
  const history = rows.filter((r) => inScope(r, p) && (p.end == null || r.event_time < p.end));
  if (history.length === 0) return [];
  const days = history.map((r) => r.dt as string).sort();
  const firstEvent = days[0] as string;
  const lastEvent = days.at(-1) as string;
  // Days with a state: from the first event day; to the last before end, but not past today.
  const latestText = (...texts: string[]) => texts.sort().at(-1) as string;
  const earliestText = (...texts: string[]) => texts.sort()[0] as string;
  const first = p.start != null ? latestText(dateOf(p.start), firstEvent) : firstEvent;
  const lastBeforeEnd = p.end != null ? dateOf(new Date(Date.parse(p.end) - 1).toISOString()) : null;
  const last = lastBeforeEnd === null ? lastEvent : earliestText(lastBeforeEnd, latestText(lastEvent, today));
  const out: Row[] = [];
  for (let day = first; day <= last; day = dateOf(nextDay(day))) {
    const byAccount = new Map<string, ArchiveRow[]>();
    for (const s of latestStates(history.filter((r) => (r.dt as string) <= day)).values()) {
      byAccount.set(s.account as string, [...(byAccount.get(s.account as string) ?? []), s]);
    }
    for (const account of [...byAccount.keys()].sort()) {
      const counts = statusCounts(byAccount.get(account) ?? []);
      out.push({
        day,
        account,
        ...counts,
        compliance_score: complianceScore(counts.compliant, counts.non_compliant),
      });
    }
  }
  return out;
}

/** The current UTC date, as the engines' `current_date` (Athena's session zone is UTC). */
export function utcToday(): string {
  return new Date().toISOString().slice(0, 10);
}

// time_to_remediate ----------------------------------------------------------------------------

export function timeToRemediate(rows: readonly ArchiveRow[], p: RangeScope): Row[] {
  const history = dedupe(rows.filter((r) => inScope(r, p) && (p.end == null || r.event_time < p.end)));
  const byKey = new Map<string, ArchiveRow[]>();
  for (const r of history) byKey.set(stateKey(r), [...(byKey.get(stateKey(r)) ?? []), r]);
  const groups = new Map<
    string,
    { account: string; rule_name: string; base_rule_name: string; durations: number[]; open: number }
  >();
  const group = (r: ArchiveRow) => {
    const id = `${r.account}\u001f${r.rule_name}`;
    let g = groups.get(id);
    if (!g) {
      g = {
        account: r.account as string,
        rule_name: r.rule_name as string,
        base_rule_name: r.base_rule_name as string,
        durations: [],
        open: 0,
      };
      groups.set(id, g);
    }
    return g;
  };
  for (const events of byKey.values()) {
    events.sort((a, b) => compare(orderKey(a), orderKey(b)));
    let violationStarted: string | null = null;
    for (const e of events) {
      if (isResolution(e) && violationStarted !== null && (p.start == null || e.event_time >= p.start)) {
        group(e).durations.push(Date.parse(e.event_time) - Date.parse(violationStarted));
      }
      // The latest `event_time` of the new violations ordered before it (by the order key).
      if (isNewViolation(e) && (violationStarted === null || e.event_time > violationStarted)) {
        violationStarted = e.event_time;
      }
    }
    const latest = events[events.length - 1];
    if (latest?.new_status === 'NON_COMPLIANT') group(latest).open += 1;
  }
  return [...groups.values()]
    .filter((g) => g.durations.length > 0 || g.open > 0)
    .sort((a, b) => compare(a.account, b.account) || compare(a.rule_name, b.rule_name))
    .map((g) => {
      const d = [...g.durations].sort((a, b) => a - b);
      const n = d.length;
      // Nearest rank with integer arithmetic: ceil(0.9 n) computed as a double can overshoot.
      const at = (k: number) => (n === 0 ? null : (d[k - 1] as number) / 1000);
      return {
        account: g.account,
        rule_name: g.rule_name,
        base_rule_name: g.base_rule_name,
        remediated: n,
        median_seconds: at(Math.ceil(n / 2)),
        p90_seconds: at(Math.ceil((9 * n) / 10)),
        open_violations: g.open,
      };
    });
}

/**
 * time_to_remediate_overall: the remediations of {@link timeToRemediate}, all groups ranked
 * together: one row (remediated, exact nearest-rank median and p90 in seconds).
 */
export function timeToRemediateOverall(rows: readonly ArchiveRow[], p: RangeScope): Row[] {
  const durations: number[] = [];
  const history = dedupe(rows.filter((r) => inScope(r, p) && (p.end == null || r.event_time < p.end)));
  const byKey = new Map<string, ArchiveRow[]>();
  for (const r of history) byKey.set(stateKey(r), [...(byKey.get(stateKey(r)) ?? []), r]);
  for (const events of byKey.values()) {
    events.sort((a, b) => compare(orderKey(a), orderKey(b)));
    let violationStarted: string | null = null;
    for (const e of events) {
      if (isResolution(e) && violationStarted !== null && (p.start == null || e.event_time >= p.start)) {
        durations.push(Date.parse(e.event_time) - Date.parse(violationStarted));
      }
      if (isNewViolation(e) && (violationStarted === null || e.event_time > violationStarted)) {
        violationStarted = e.event_time;
      }
    }
  }
  const d = durations.sort((a, b) => a - b);
  const n = d.length;
  const at = (k: number) => (n === 0 ? null : (d[k - 1] as number) / 1000);
  return [{ remediated: n, median_seconds: at(Math.ceil(n / 2)), p90_seconds: at(Math.ceil((9 * n) / 10)) }];
}

// resource_timeline ----------------------------------------------------------------------------

export interface ResourceScope {
  readonly account: string;
  readonly region: string;
  readonly resource_type: string;
  readonly resource_id: string;
  readonly start?: string | null;
  readonly end?: string | null;
}

export function resourceTimeline(rows: readonly ArchiveRow[], p: ResourceScope): Row[] {
  return dedupe(
    rows.filter(
      (r) =>
        r.account === p.account &&
        r.region === p.region &&
        r.resource_type === p.resource_type &&
        r.resource_id === p.resource_id &&
        (p.start == null || r.event_time >= p.start) &&
        (p.end == null || r.event_time < p.end),
    ),
  )
    .sort((a, b) => compare(orderKey(a), orderKey(b)))
    .map((r) => ({
      event_id: r.event_id,
      event_time: r.event_time,
      ordering_time: r.ordering_time,
      recorded_time: r.recorded_time,
      notification_time: r.notification_time,
      rule_name: r.rule_name,
      base_rule_name: r.base_rule_name,
      rule_arn: r.rule_arn,
      old_status: r.old_status,
      new_status: r.new_status,
      annotation: r.annotation,
    }));
}

export { STATUSES };
