/**
 * The daily compliance report: the saved `daily_report`, `daily_top_rules` and
 * `daily_top_accounts` queries for one UTC day, gathered into one report object, rendered from
 * `templates/daily_report.liquid` with the alerts' escaping and Block Kit limits, and posted through
 * the message sink. The same use case runs in the report Lambda (Athena, Slack webhook) and in
 * `config-monitor report` (DuckDB, webhook or outbox folder).
 *
 * Figures follow the archive's semantics (docs/archive.md) (queries/daily_report.sql): the day is
 * `[day 00:00, day+1 00:00)` UTC on event time; the score is over the latest state of every
 * (resource, rule) at the end of the day; its change is against the end of the day before.
 *
 * With a sync status store the report also carries the coverage of the last sync (failed or
 * outdated aggregator sources, accounts and regions without rules): as of that sync, not of the
 * report's day, so the block names the sync's time.
 *
 * With a mute store the report also shows the muted pairs apart: the mutes in force at the end of
 * the day, the pairs they cover (the saved query current_state as of the end of the day, one run
 * per muted account, matched in code), their counts by status, the open ones first, and the score
 * without them next to the score with them (src/domain/mute.ts). The other figures include them.
 *
 * Why one file: one report, read in its order — the queries, the report object, its template
 * variables, the post. The coverage and muted blocks are sections of that same object and message
 * (their types are fields of `DailyReport`, their queries fail with `ReportQueryError`), so a file
 * of their own would import the report back.
 */

import { isRegionName } from '../domain/aws-names.js';
import type { ComplianceType } from '../domain/config-event.js';
import { unhealthySourcesSentence, withoutRulesSentence } from '../domain/coverage.js';
import { linkTarget } from '../domain/link-target.js';
import { isInForce, type Mute, mutedPairs, type PairStatus, scoreWithoutMuted } from '../domain/mute.js';
import { DAY_MS } from '../domain/utc-day.js';
import type { SyncStatus, SyncStatusStore } from '../ports/config-compliance.js';
import type { FittedMessage, TemplateRenderer } from '../ports/message-renderer.js';
import type { MessageSink, PostResult } from '../ports/message-sink.js';
import type { MuteStore } from '../ports/mutes.js';
import type { QueryEngine, QueryRow } from '../ports/query-engine.js';
import { ensureDailyState } from './daily-state.js';

/** The report's rule list: the top 5 by resources non-compliant at the end of the day, ties by name. */
export const TOP_RULES = 5;
/** Accounts listed in the message (the JSON keeps all the query returns). */
export const TOP_ACCOUNTS_SHOWN = 5;
/** Muted open violations listed in the report object (the counts cover them all). */
export const MUTED_PAIRS_LISTED = 50;
/** Mutes and muted open violations listed in the message. */
export const MUTED_SHOWN = 5;

/** Unhealthy aggregator sources listed in the message (the JSON keeps them all). */
export const COVERAGE_SOURCES_SHOWN = 5;

export interface ReportRule {
  /** Rule name without the conformance-pack suffix. */
  readonly name: string;
  /** (resource, rule) pairs NON_COMPLIANT at the end of the day. */
  readonly count: number;
  readonly affected_accounts: number;
  readonly new_violations: number;
  readonly resolved_violations: number;
}

export interface ReportAccount {
  readonly account: string;
  readonly open_violations: number;
  readonly compliance_score: number | null;
  readonly new_violations: number;
  readonly resolved_violations: number;
}

/** An aggregator source that failed or is outdated at the last sync. */
export interface ReportUnhealthySource {
  readonly account: string;
  readonly region: string;
  readonly status: string;
  readonly last_update_time: string | null;
  /** As AWS Config reports it (untrusted: it comes from another account). */
  readonly error: string | null;
}

/** What the last sync saw of the organization (src/domain/coverage.ts for the wording). */
export interface ReportCoverage {
  /** When the last sync ran (ISO 8601); it need not be within the report's day. */
  readonly last_sync: string;
  readonly sources_ok: number;
  readonly sources_failed: number;
  /** "2 aggregator sources failed or are outdated", "3 accounts in 2 regions report no rules". */
  readonly sentences: readonly string[];
  readonly unhealthy_sources: readonly ReportUnhealthySource[];
}

/** A mute in force at the end of the report's day. */
export interface ReportMute {
  readonly id: string;
  readonly account: string;
  readonly region: string | null;
  readonly rule: string | null;
  readonly resource: string | null;
  readonly until: string;
  /** Untrusted text: escaped wherever shown. */
  readonly reason: string;
  readonly created_by: string;
}

/** The muted pairs at the end of the day, apart from the other figures (which include them). */
export interface ReportMuted {
  readonly mutes: readonly ReportMute[];
  readonly compliant: number;
  readonly non_compliant: number;
  readonly not_applicable: number;
  readonly insufficient_data: number;
  /** The score over the pairs no mute covers; `compliance_percentage` is the score with them. */
  readonly compliance_percentage_without_muted: number | null;
  /** The muted open violations (at most {@link MUTED_PAIRS_LISTED}). */
  readonly open_pairs: readonly {
    account: string;
    region: string;
    rule_name: string;
    resource_type: string;
    resource_id: string;
    mute_ids: readonly string[];
  }[];
}

/** The report object: what `config-monitor report --json` prints and the template renders. */
export interface DailyReport {
  /** UTC day, `YYYY-MM-DD`. */
  readonly day: string;
  /** `day` 00:00 UTC, inclusive. */
  readonly start_date: string;
  /** The next day 00:00 UTC, exclusive. */
  readonly end_date: string;
  /** Distinct compliance-change events of the day. */
  readonly total_evaluations: number;
  /** Score at the end of the day, 0–100 with 2 decimals; null when nothing is scored. */
  readonly compliance_percentage: number | null;
  /** Score at the end of the day before. */
  readonly previous_compliance_percentage: number | null;
  /** `compliance_percentage - previous_compliance_percentage`, 2 decimals; null if either is null. */
  readonly compliance_change: number | null;
  readonly new_violations: number;
  readonly resolved_violations: number;
  /** (resource, rule) pairs NON_COMPLIANT at the end of the day. */
  readonly open_violations: number;
  readonly compliant: number;
  readonly not_applicable: number;
  readonly insufficient_data: number;
  readonly top_rules: readonly ReportRule[];
  /** Accounts with the most open violations at the end of the day (ties by account id). */
  readonly top_accounts: readonly ReportAccount[];
  /** The dashboard, else the AWS Config console; null when neither is known. */
  readonly link: string | null;
  /** The last sync's coverage; null when no sync ran, no status store is configured, or it could not be read. */
  readonly coverage: ReportCoverage | null;
  /**
   * The muted pairs; null without a mute store or when the mutes could not be read. Absent from
   * reports saved before mutes existed.
   */
  readonly muted?: ReportMuted | null;
}

/** Base class of the report's errors. */
export class DailyReportError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'DailyReportError';
  }
}

/** A day that is not a real `YYYY-MM-DD` calendar date. */
export class InvalidReportDayError extends DailyReportError {
  constructor(readonly day: string) {
    super(
      `report day ${JSON.stringify(day)} is not a UTC calendar date; expected YYYY-MM-DD, for example 2024-03-01`,
    );
    this.name = 'InvalidReportDayError';
  }
}

/** The query engine did not answer with rows (the report waits for its queries; it has no 202). */
export class ReportQueryError extends DailyReportError {
  constructor(
    readonly queryName: string,
    status: string,
  ) {
    super(`saved query ${queryName} ended ${status}; expected rows`);
    this.name = 'ReportQueryError';
  }
}

/** The message sink refused the report (the reason never contains the webhook URL). */
export class ReportPostError extends DailyReportError {
  constructor(
    readonly day: string,
    reason: string,
  ) {
    super(`the daily report of ${day} was not posted: ${reason}`);
    this.name = 'ReportPostError';
  }
}

/** Throws {@link InvalidReportDayError} unless `day` is a real calendar date. */
export function checkReportDay(day: string): string {
  const ms = /^\d{4}-\d{2}-\d{2}$/.test(day) ? Date.parse(`${day}T00:00:00.000Z`) : Number.NaN;
  if (Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 10) !== day)
    throw new InvalidReportDayError(day);
  return day;
}

/** The AWS Config console dashboard of a region (the report's link when no dashboard is deployed). */
export function configConsoleUrl(region: string | undefined): string | null {
  if (!region || !isRegionName(region)) return null;
  return `https://${region}.console.aws.amazon.com/config/home?region=${region}#/dashboard`;
}

async function rows(engine: QueryEngine, name: string, day: string): Promise<QueryRow[]> {
  const outcome = await engine.execute(name, { day });
  if (outcome.status !== 'succeeded') throw new ReportQueryError(name, outcome.status);
  return outcome.rows;
}

const num = (value: QueryRow[string] | undefined): number => Number(value ?? 0);
const numOrNull = (value: QueryRow[string] | undefined): number | null =>
  value === null || value === undefined ? null : Number(value);

export interface BuildReportOptions {
  /** DASHBOARD_URL; the report links it when set. */
  readonly dashboardUrl?: string | null;
  /** Region of the AWS Config console link used when there is no dashboard. */
  readonly consoleRegion?: string;
  /** Days of `compliance_daily_state` rebuilt up to `day` before the queries (see daily-state.ts). @default 3 */
  readonly dailyStateRefreshDays?: number;
  /** The last sync's status, for the coverage. @default - no coverage */
  readonly syncStatus?: Pick<SyncStatusStore, 'latest'>;
  /**
   * Told when the status could not be read. The report goes out without coverage rather than not
   * at all (a missing grant would otherwise stop every report). @default - ignored
   */
  readonly onCoverageError?: (err: unknown) => void;
  /** The mutes, for the muted pairs. @default - none: `muted` is null */
  readonly mutes?: Pick<MuteStore, 'list'>;
  /** Told when the mutes could not be read: the report goes out without the muted block. */
  readonly onMutesError?: (err: unknown) => void;
}

/** The report's view of a sync status (the same sentences as the API and the dashboard). */
export function reportCoverage(status: SyncStatus): ReportCoverage {
  const unhealthy = status.coverage.unhealthySources.filter((s) => s.status !== 'SUCCEEDED');
  return {
    last_sync: status.syncTime,
    sources_ok: status.sources.ok,
    sources_failed: status.sources.failed,
    sentences: [
      unhealthySourcesSentence(unhealthy.length),
      withoutRulesSentence(status.coverage.withoutRules),
    ].filter((sentence): sentence is string => sentence !== null),
    unhealthy_sources: unhealthy.map((s) => ({
      account: s.account,
      region: s.region,
      status: s.status,
      last_update_time: s.lastUpdateTime,
      error: s.error,
    })),
  };
}

async function readCoverage(options: BuildReportOptions): Promise<ReportCoverage | null> {
  if (!options.syncStatus) return null;
  try {
    const status = await options.syncStatus.latest();
    return status === null ? null : reportCoverage(status);
  } catch (err) {
    options.onCoverageError?.(err);
    return null;
  }
}

/** The muted pairs at `end` (exclusive), against the day's totals; null without mutes. */
export async function reportMuted(
  engine: QueryEngine,
  mutes: readonly Mute[],
  end: string,
  totals: { compliant: number; nonCompliant: number },
  compliancePercentage: number | null,
): Promise<ReportMuted> {
  const lastInstant = new Date(Date.parse(end) - 1);
  const inForce = mutes.filter((mute) => isInForce(mute, lastInstant));
  const accounts = [...new Set(inForce.map((mute) => mute.account))].sort();
  const results = await Promise.all(
    accounts.map(async (account) => {
      const outcome = await engine.execute('current_state', { account, region: null, as_of: end });
      if (outcome.status !== 'succeeded') throw new ReportQueryError('current_state', outcome.status);
      return outcome.rows;
    }),
  );
  const pairs: PairStatus[] = results.flat().map((row) => ({
    account: String(row.account ?? ''),
    region: String(row.region ?? ''),
    ruleName: String(row.rule_name ?? ''),
    resourceType: String(row.resource_type ?? ''),
    resourceId: String(row.resource_id ?? ''),
    status: String(row.status ?? '') as ComplianceType,
  }));
  const muted = mutedPairs(pairs, inForce, lastInstant);
  return {
    mutes: inForce.map((mute) => ({
      id: mute.id,
      account: mute.account,
      region: mute.region,
      rule: mute.rule,
      resource: mute.resource,
      until: mute.until,
      reason: mute.reason,
      created_by: mute.createdBy,
    })),
    compliant: muted.counts.compliant,
    non_compliant: muted.counts.nonCompliant,
    not_applicable: muted.counts.notApplicable,
    insufficient_data: muted.counts.insufficientData,
    compliance_percentage_without_muted:
      inForce.length === 0 ? compliancePercentage : scoreWithoutMuted(totals, muted.counts),
    open_pairs: muted.pairs
      .filter((pair) => pair.status === 'NON_COMPLIANT')
      .slice(0, MUTED_PAIRS_LISTED)
      .map((pair) => ({
        account: pair.account,
        region: pair.region,
        rule_name: pair.ruleName,
        resource_type: pair.resourceType,
        resource_id: pair.resourceId,
        mute_ids: pair.muteIds,
      })),
  };
}

async function readMutes(options: BuildReportOptions): Promise<Mute[] | null> {
  if (!options.mutes) return null;
  try {
    return await options.mutes.list();
  } catch (err) {
    options.onMutesError?.(err);
    return null;
  }
}

/**
 * Makes the rollup current for `day` (see daily-state.ts), then runs the report's saved queries
 * (in parallel) and builds the report object.
 */
export async function buildDailyReport(
  engine: QueryEngine,
  day: string,
  options: BuildReportOptions = {},
): Promise<DailyReport> {
  checkReportDay(day);
  await ensureDailyState(
    engine,
    day,
    options.dailyStateRefreshDays === undefined ? {} : { refreshDays: options.dailyStateRefreshDays },
  );
  const [headline, rules, accounts, coverage, mutes] = await Promise.all([
    rows(engine, 'daily_report', day),
    rows(engine, 'daily_top_rules', day),
    rows(engine, 'daily_top_accounts', day),
    readCoverage(options),
    readMutes(options),
  ]);
  const h = headline[0] ?? {};
  const start = Date.parse(`${day}T00:00:00.000Z`);
  const muted =
    mutes === null
      ? null
      : await reportMuted(
          engine,
          mutes,
          new Date(start + DAY_MS).toISOString(),
          { compliant: num(h.compliant), nonCompliant: num(h.non_compliant) },
          numOrNull(h.compliance_score),
        );
  return {
    day,
    start_date: new Date(start).toISOString(),
    end_date: new Date(start + DAY_MS).toISOString(),
    total_evaluations: num(h.evaluations),
    compliance_percentage: numOrNull(h.compliance_score),
    previous_compliance_percentage: numOrNull(h.previous_compliance_score),
    compliance_change: numOrNull(h.compliance_score_change),
    new_violations: num(h.new_violations),
    resolved_violations: num(h.resolved_violations),
    open_violations: num(h.non_compliant),
    compliant: num(h.compliant),
    not_applicable: num(h.not_applicable),
    insufficient_data: num(h.insufficient_data),
    // The query ranks (count desc, name asc); sort again so the order never depends on the engine.
    top_rules: rules
      .map((r) => ({
        name: String(r.base_rule_name ?? ''),
        count: num(r.non_compliant_resources),
        affected_accounts: num(r.affected_accounts),
        new_violations: num(r.new_violations),
        resolved_violations: num(r.resolved_violations),
      }))
      .sort((a, b) => b.count - a.count || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
      .slice(0, TOP_RULES),
    top_accounts: accounts
      .map((a) => ({
        account: String(a.account ?? ''),
        open_violations: num(a.open_violations),
        compliance_score: numOrNull(a.compliance_score),
        new_violations: num(a.new_violations),
        resolved_violations: num(a.resolved_violations),
      }))
      .sort(
        (a, b) =>
          b.open_violations - a.open_violations ||
          (a.account < b.account ? -1 : a.account > b.account ? 1 : 0),
      ),
    // The plain URL when Slack can link it (the template's variables escape it once, below).
    link:
      (linkTarget(options.dashboardUrl) ? options.dashboardUrl : null) ??
      configConsoleUrl(options.consoleRegion),
    coverage,
    muted,
  };
}

const integer = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

function percent(value: number | null): string {
  return value === null ? 'n/a' : `${value.toFixed(2)}%`;
}

function change(value: number | null): string {
  if (value === null) return 'no change to compare';
  if (value === 0) return '■ unchanged from the day before';
  return `${value > 0 ? '▲ +' : '▼ −'}${Math.abs(value).toFixed(2)} pts from the day before`;
}

/** `2024-03-10T06:00:12.345Z` → `2024-03-10 06:00 UTC`; anything else is shown clipped as given. */
function syncTimeText(iso: string): string {
  const ms = Date.parse(iso);
  return Number.isNaN(ms)
    ? iso.slice(0, 30)
    : `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

function coverageVars(coverage: ReportCoverage | null): Record<string, unknown> | null {
  if (coverage === null) return null;
  return {
    last_sync: syncTimeText(coverage.last_sync),
    sources_ok: integer.format(coverage.sources_ok),
    sources_failed: integer.format(coverage.sources_failed),
    sentences: coverage.sentences,
    sources: coverage.unhealthy_sources.slice(0, COVERAGE_SOURCES_SHOWN).map((source) => ({
      account: source.account,
      region: source.region,
      status: source.status,
      // One line per source: an error's own line breaks would split the list.
      error: source.error === null ? null : source.error.replace(/\s+/g, ' ').trim(),
    })),
    more_sources: Math.max(0, coverage.unhealthy_sources.length - COVERAGE_SOURCES_SHOWN),
  };
}

function mutedVars(muted: ReportMuted | null): Record<string, unknown> | null {
  if (muted === null || muted.mutes.length === 0) return null;
  return {
    mutes: integer.format(muted.mutes.length),
    plural_mutes: muted.mutes.length !== 1,
    open: integer.format(muted.non_compliant),
    compliant: integer.format(muted.compliant),
    score_without: percent(muted.compliance_percentage_without_muted),
    // Scope and reason are untrusted: the template clips and escapes them.
    list: muted.mutes.slice(0, MUTED_SHOWN).map((mute) => ({
      id: mute.id,
      scope: [
        mute.account,
        mute.region ?? 'every region',
        mute.rule ?? 'every rule',
        mute.resource ?? 'every resource',
      ].join(' · '),
      until: mute.until.slice(0, 10),
      reason: mute.reason,
    })),
    more: Math.max(0, muted.mutes.length - MUTED_SHOWN),
  };
}

/**
 * The template variables: numbers pre-formatted here (Liquid has no locale formatting), untrusted
 * names passed raw — the template clips and escapes them.
 */
export function reportTemplateVars(report: DailyReport, maxRules = TOP_RULES): Record<string, unknown> {
  return {
    report: {
      day: report.day,
      score: percent(report.compliance_percentage),
      change: change(report.compliance_change),
      trend: report.compliance_change === null ? 'flat' : report.compliance_change >= 0 ? 'up' : 'down',
      evaluations: integer.format(report.total_evaluations),
      new_violations: integer.format(report.new_violations),
      resolved_violations: integer.format(report.resolved_violations),
      open_violations: integer.format(report.open_violations),
      rules: report.top_rules.slice(0, maxRules).map((rule, i) => ({
        rank: i + 1,
        name: rule.name,
        count: integer.format(rule.count),
        accounts: integer.format(rule.affected_accounts),
        plural_accounts: rule.affected_accounts !== 1,
        new_violations: integer.format(rule.new_violations),
      })),
      accounts: report.top_accounts.slice(0, TOP_ACCOUNTS_SHOWN).map((account, i) => ({
        rank: i + 1,
        account: account.account,
        open_violations: integer.format(account.open_violations),
        score: percent(account.compliance_score),
      })),
      more_accounts: Math.max(0, report.top_accounts.length - TOP_ACCOUNTS_SHOWN),
      // Absent from report objects built before coverage existed (a saved --json): no block.
      coverage: coverageVars(report.coverage ?? null),
      muted: mutedVars(report.muted ?? null),
    },
    // Validated again here: the template writes the link raw, whoever built the report.
    link: linkTarget(report.link),
  };
}

/** Renders the report (`templates/daily_report.liquid`) to a Block Kit message within Slack's limits. */
export function renderDailyReport(
  report: DailyReport,
  renderer: TemplateRenderer,
  options: { readonly maxRules?: number } = {},
): FittedMessage {
  return renderer.render('daily_report', reportTemplateVars(report, options.maxRules));
}

export interface SendDailyReportDeps {
  readonly engine: QueryEngine;
  readonly sink: MessageSink;
  readonly dashboardUrl?: string | null;
  readonly consoleRegion?: string;
  /** Renders the report's template (the Slack adapter's createTemplateRenderer). */
  readonly renderer: TemplateRenderer;
  /** @default 3 (see daily-state.ts) */
  readonly dailyStateRefreshDays?: number;
  /** The last sync's status, for the report's coverage block. @default - no coverage */
  readonly syncStatus?: Pick<SyncStatusStore, 'latest'>;
  /** Told when the status could not be read (the report is posted without coverage). */
  readonly onCoverageError?: (err: unknown) => void;
  /** The mutes, for the muted pairs. @default - none */
  readonly mutes?: Pick<MuteStore, 'list'>;
  /** Told when the mutes could not be read (the report is posted without the muted block). */
  readonly onMutesError?: (err: unknown) => void;
}

export interface SentReport {
  readonly report: DailyReport;
  readonly message: FittedMessage;
  readonly post: PostResult;
}

/**
 * Builds, renders and posts the report of `day`. A failed post is returned, not thrown, so the
 * caller decides (the Lambda throws to let the scheduler retry; the CLI reports and exits non-zero).
 * Posting twice posts twice: a rerun of the same day is a deliberate resend.
 */
export async function sendDailyReport(deps: SendDailyReportDeps, day: string): Promise<SentReport> {
  const report = await buildDailyReport(deps.engine, day, {
    dashboardUrl: deps.dashboardUrl ?? null,
    ...(deps.consoleRegion ? { consoleRegion: deps.consoleRegion } : {}),
    ...(deps.dailyStateRefreshDays === undefined
      ? {}
      : { dailyStateRefreshDays: deps.dailyStateRefreshDays }),
    ...(deps.syncStatus ? { syncStatus: deps.syncStatus } : {}),
    ...(deps.onCoverageError ? { onCoverageError: deps.onCoverageError } : {}),
    ...(deps.mutes ? { mutes: deps.mutes } : {}),
    ...(deps.onMutesError ? { onMutesError: deps.onMutesError } : {}),
  });
  const message = renderDailyReport(report, deps.renderer);
  const post = await deps.sink.post(message.message);
  return { report, message, post };
}
