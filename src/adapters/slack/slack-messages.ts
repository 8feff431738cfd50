/**
 * Slack messages rendered from `templates/*.liquid`: the template builds Block Kit JSON with every
 * value JSON-encoded (`json_string`) and escaped (`mrkdwn`); the output is parsed as JSON and its
 * limits enforced on the parsed structure, so what reaches Slack is valid and within limits
 * whatever the data. The api helper renders `daily_report.liquid` through {@link renderTemplate}.
 *
 * Why one file: one renderer; every message goes through the same templates, escaping and limits,
 * and the variables of alerts, thread updates and digests share their helpers (context, changes,
 * links).
 */
import type { Liquid } from 'liquidjs';
import type { AlertContext, ResourceChange } from '../../domain/alert-context.js';
import type { Digest, DigestGroup } from '../../domain/alert-digest.js';
import type { Alert } from '../../domain/compliance-state.js';
import { baseRuleName } from '../../domain/config-event.js';
import { compareSeverity, DEFAULT_SEVERITY, type Severity, severityOf } from '../../domain/managed-rules.js';
import type { TemplateRenderer } from '../../ports/message-renderer.js';
import type { SlackMessage } from '../../ports/message-sink.js';
import { type BLOCK_KIT_LIMITS, enforceLimits, type FittedMessage } from './block-kit.js';
import {
  cloudTrailEventUrl,
  dashboardFilterUrl,
  linkTarget,
  resourceTimelineUrl,
  ruleConsoleUrl,
} from './console-links.js';
import { TemplateOutputError, TemplateRenderError } from './errors.js';
import { sharedLiquidEngine } from './liquid-engine.js';

export { ruleConsoleUrl } from './console-links.js';

export interface RenderOptions {
  /** @default - the shared engine over TEMPLATES_DIR / the repository's templates/ */
  readonly engine?: Liquid;
  /** @default - {@link BLOCK_KIT_LIMITS} */
  readonly limits?: typeof BLOCK_KIT_LIMITS;
  /** DASHBOARD_URL, linked from every message when set (ignored unless a plain http(s) URL). @default - no link */
  readonly dashboardUrl?: string | null;
}

/**
 * Renders `<name>.liquid` with `vars`, parses the output as JSON and enforces Block Kit limits
 * (see {@link enforceLimits}); reports what had to be cut. Throws {@link TemplateRenderError} for a
 * missing template, variable or filter, {@link TemplateOutputError} when the output is not a
 * `{ text, blocks }` JSON object. Errors never quote the rendered data.
 */
export function renderTemplateDetailed(
  name: string,
  vars: Record<string, unknown>,
  options: RenderOptions = {},
): FittedMessage {
  const engine = options.engine ?? sharedLiquidEngine();
  let output: string;
  try {
    output = engine.renderFileSync(name, vars) as string;
  } catch (err) {
    throw new TemplateRenderError(name, err instanceof Error ? err.message : String(err), { cause: err });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(output);
  } catch (err) {
    // V8 quotes the input around the error position; keep only the position (it may be data).
    const position = /position (\d+)/.exec(err instanceof Error ? err.message : '')?.[1];
    throw new TemplateOutputError(
      name,
      `output is not valid JSON${position ? ` (at position ${position})` : ''}`,
    );
  }
  return enforceLimits(parsed, name, options.limits);
}

/** The {@link TemplateRenderer} port over {@link renderTemplateDetailed}, with these options. */
export function createTemplateRenderer(options: RenderOptions = {}): TemplateRenderer {
  return { render: (template, vars) => renderTemplateDetailed(template, vars, options) };
}

/** {@link renderTemplateDetailed}, returning just the message. */
export function renderTemplate(
  name: string,
  vars: Record<string, unknown>,
  options: RenderOptions = {},
): SlackMessage {
  return renderTemplateDetailed(name, vars, options).message;
}

/**
 * The message for one violation (`templates/violation.liquid`). `context` is what the notifier
 * looked up for it (severity, catalog entry, account name, route, the change that caused it);
 * `defaultAlertContext(alert)` when nothing more is known.
 */
export function renderViolation(
  alert: Alert,
  context: AlertContext,
  options: RenderOptions = {},
): SlackMessage {
  return renderTemplate('violation', alertVars(alert, context, options), options);
}

/** The message for one resolution (`templates/resolution.liquid`); `context` as for {@link renderViolation}. */
export function renderResolution(
  alert: Alert,
  context: AlertContext,
  options: RenderOptions = {},
): SlackMessage {
  return renderTemplate('resolution', alertVars(alert, context, options), options);
}

/** The message for a single alert of any kind. */
export function renderAlert(alert: Alert, context: AlertContext, options: RenderOptions = {}): SlackMessage {
  if (alert.kind === 'flapping') return renderFlapping(alert, context, options);
  return alert.kind === 'violation'
    ? renderViolation(alert, context, options)
    : renderResolution(alert, context, options);
}

/**
 * The message for a pair flagged as flapping (`templates/flapping.liquid`): the alert's variables,
 * plus how many changes within how many hours flagged it.
 */
export function renderFlapping(
  alert: Alert,
  context: AlertContext,
  options: RenderOptions = {},
): SlackMessage {
  const flapping = (alert as Partial<Alert>).flapping;
  return renderTemplate(
    'flapping',
    {
      ...alertVars(alert, context, options),
      flapping: {
        changes: flapping?.changes ?? 0,
        window_hours: flapping?.windowHours ?? 0,
        event_id: flapping?.eventId ?? alert.eventId,
      },
    },
    options,
  );
}

/** What changed in a pair's thread (bot mode): its violation was resolved, or it is open again. */
export interface ThreadChange {
  readonly state: 'resolved' | 'reopened';
  /** The alert that changed it: the resolution, or the violation that re-opened the pair. */
  readonly alert: Alert;
  /**
   * When the pair became non-compliant as its thread knows it (the violation's time), for a
   * resolution that does not carry `openedAt`. @default - the alert's `openedAt` only
   */
  readonly openedAt?: string;
}

/**
 * The rewrite of a violation's original message in bot mode (chat.update): the banner of
 * `templates/thread_banner.liquid` ("✅ Resolved after 3 h 12 min", by which evaluation; or
 * "Non-compliant again") in place of the original's header, then the rest of the original exactly
 * as it was posted, within Block Kit's limits. Built from the stored original, never from the last
 * rewrite, so banners never stack and the same change always renders the same message (an update
 * that is retried re-sends the same content).
 */
export function renderThreadUpdate(
  original: SlackMessage,
  change: ThreadChange,
  options: RenderOptions = {},
): SlackMessage {
  const { alert } = change;
  const eventTime = (alert as Partial<Alert>).eventTime ?? alert.orderingTimestamp;
  const openedAt = typeof alert.openedAt === 'string' ? alert.openedAt : (change.openedAt ?? null);
  const banner = renderTemplate(
    'thread_banner',
    {
      state: change.state,
      alert: {
        event_id: alert.eventId,
        event_time: eventTime,
        new_status: alert.newStatus,
        open_for:
          change.state === 'resolved' && openedAt
            ? formatDuration(Date.parse(eventTime) - Date.parse(openedAt))
            : null,
        mute_ended: muteEndedVars(alert) !== null,
      },
    },
    options,
  );
  const [first, ...rest] = original.blocks;
  const body = first?.type === 'header' ? rest : original.blocks;
  // Both parts are rendered output, escaped already: joined as data, not re-rendered.
  return enforceLimits(
    { text: `${banner.text} · ${original.text}`, blocks: [...banner.blocks, ...body] },
    'thread_banner',
    options.limits,
  ).message;
}

/**
 * The contexts of a digest's alerts, by event id. An id without one is shown with what its group
 * alone tells (the rule's catalog severity, no account name).
 */
export type DigestContexts = ReadonlyMap<string, AlertContext>;

/**
 * The message for one digest (`templates/digest.liquid`). `droppedBlocks > 0` in the result means
 * some groups did not fit Slack's limits: the caller splits the digest rather than hide alerts.
 */
export function renderDigest(
  digest: Digest,
  threshold: number,
  contexts: DigestContexts,
  options: RenderOptions = {},
): FittedMessage {
  const dashboardUrl = dashboardLink(options.dashboardUrl);
  return renderTemplateDetailed(
    'digest',
    {
      digest: digestVars(digest, threshold, contexts, dashboardUrl),
      dashboard_url: linkTarget(dashboardUrl),
    },
    options,
  );
}

const MAX_REGIONS_SHOWN = 5;
/** Changed properties shown in a violation; the rest are behind the resource timeline link. */
export const CHANGED_PROPERTIES_SHOWN = 3;
/** CloudTrail events linked in a violation. */
export const CLOUDTRAIL_EVENTS_SHOWN = 5;

/** One emoji per severity, the same in single messages and digests. */
export const SEVERITY_EMOJI: Readonly<Record<Severity, string>> = {
  CRITICAL: ':red_circle:',
  HIGH: ':large_orange_circle:',
  MEDIUM: ':large_yellow_circle:',
  LOW: ':large_blue_circle:',
  INFORMATIONAL: ':white_circle:',
};

function alertVars(alert: Alert, context: AlertContext, options: RenderOptions): Record<string, unknown> {
  // Alerts queued before eventTime existed fall back to their orderingTimestamp.
  const eventTime = (alert as Partial<Alert>).eventTime ?? alert.orderingTimestamp;
  const openedAt = typeof alert.openedAt === 'string' ? alert.openedAt : null;
  const timeline = resourceTimelineUrl(alert.region, alert.resourceType, alert.resourceId);
  return {
    alert: {
      event_id: alert.eventId,
      account: alert.account,
      region: alert.region,
      rule_name: alert.ruleName,
      rule_arn: alert.ruleArn,
      resource_type: alert.resourceType,
      resource_id: alert.resourceId,
      new_status: alert.newStatus,
      old_status: alert.oldStatus,
      annotation: alert.annotation,
      event_time: eventTime,
      ordering_timestamp: alert.orderingTimestamp,
      opened_at: openedAt,
      open_for: openedAt ? formatDuration(Date.parse(eventTime) - Date.parse(openedAt)) : null,
      reconciliation: (alert as Partial<Alert>).reconciliation ?? null,
      // Set on the re-alert a mute's end queues for a pair still non-compliant (use-cases/mutes.ts).
      mute_ended: muteEndedVars(alert),
      // The first alert of a pair after it was flagged flapping and then stayed stable (domain/flapping.ts).
      was_flapping: alert.wasFlapping === true,
    },
    context: contextVars(context),
    change: alert.kind === 'violation' ? changeVars(alert, context.change, timeline) : null,
    rule_url: linkTarget(ruleConsoleUrl(alert.region, alert.ruleName)),
    timeline_url: linkTarget(timeline),
    dashboard_url: linkTarget(
      dashboardFilterUrl(dashboardLink(options.dashboardUrl), {
        account: alert.account,
        rule: baseRuleName(alert.ruleName),
      }),
    ),
  };
}

function contextVars(context: AlertContext): Record<string, unknown> {
  return {
    severity: context.severity,
    severity_emoji: SEVERITY_EMOJI[context.severity] ?? SEVERITY_EMOJI[DEFAULT_SEVERITY],
    severity_source: context.severitySource,
    description: context.description,
    remediation_url: linkTarget(context.remediationUrl),
    account_name: context.accountName,
    owner: context.owner,
    route: { destination: context.route.destination, rule: context.route.rule },
  };
}

/** The change that caused a violation, as the template shows it; null when there is nothing to show. */
function changeVars(
  alert: Alert,
  change: ResourceChange | null,
  timeline: string | null,
): Record<string, unknown> | null {
  if (!change) return null;
  const properties = change.changedProperties ?? [];
  const events = change.relatedEvents ?? [];
  if (properties.length === 0 && events.length === 0) return null;
  return {
    capture_time: change.captureTime,
    change_type: change.changeType,
    properties: properties.slice(0, CHANGED_PROPERTIES_SHOWN).map((p) => ({
      path: p.path,
      change_type: p.changeType,
      previous: p.previousValue,
      updated: p.updatedValue,
    })),
    more: Math.max(properties.length - CHANGED_PROPERTIES_SHOWN, 0),
    events: events.slice(0, CLOUDTRAIL_EVENTS_SHOWN).map((id) => ({
      id,
      url: linkTarget(cloudTrailEventUrl(alert.region, id)),
    })),
    more_events: Math.max(events.length - CLOUDTRAIL_EVENTS_SHOWN, 0),
    timeline_url: linkTarget(timeline),
  };
}

/**
 * A duration for a reader: `45 s`, `12 min`, `3 h 12 min`, `2 d 4 h`. Null for a negative or
 * unparsable one (clock skew, a bad time): better no duration than a wrong one.
 */
export function formatDuration(ms: number): string | null {
  if (!Number.isFinite(ms) || ms < 0) return null;
  const minutes = Math.floor(ms / 60_000);
  if (minutes < 1) return `${Math.floor(ms / 1000)} s`;
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return minutes % 60 ? `${hours} h ${minutes % 60} min` : `${hours} h`;
  const days = Math.floor(hours / 24);
  return hours % 24 ? `${days} d ${hours % 24} h` : `${days} d`;
}

function muteEndedVars(alert: Alert): Record<string, string> | null {
  const note = (alert as { muteEnded?: { id?: unknown; how?: unknown; at?: unknown; reason?: unknown } })
    .muteEnded;
  if (!note || typeof note.id !== 'string') return null;
  return {
    id: note.id,
    how: note.how === 'removed' ? 'removed' : 'expired',
    at: typeof note.at === 'string' ? note.at : '',
    reason: typeof note.reason === 'string' ? note.reason : '',
  };
}

function digestVars(
  digest: Digest,
  threshold: number,
  contexts: DigestContexts,
  dashboardUrl: string | null,
): Record<string, unknown> {
  return {
    violations: digest.violations,
    resolutions: digest.resolutions,
    threshold,
    // A digest of only resolutions is good news: no siren.
    emoji: digest.violations > 0 ? ':rotating_light:' : ':white_check_mark:',
    first_at: digest.firstEventAt,
    last_at: digest.lastEventAt,
    groups: digest.groups.map((group) => {
      const severity = groupSeverity(group, contexts);
      const accountName = group.account ? accountNameOf(group, contexts) : null;
      const manyRegions = group.regions.length > 1;
      const manyAccounts = group.accountCount > 1;
      return {
        kind: group.kind,
        rule_name: group.ruleName,
        account: group.account,
        account_name: accountName,
        account_count: group.accountCount,
        severity,
        severity_emoji: SEVERITY_EMOJI[severity],
        regions:
          group.regions.slice(0, MAX_REGIONS_SHOWN).join(', ') +
          (group.regions.length > MAX_REGIONS_SHOWN ? ', …' : ''),
        count: group.count,
        first_at: group.firstEventAt,
        last_at: group.lastEventAt,
        resource_count: group.resourceCount,
        // Where a resource is, when the group spans several places: the same id in two regions or
        // accounts is two resources, and must not read as a repeat.
        resources: group.resources.map((r) => ({
          type: r.resourceType,
          id: r.resourceId,
          where: [manyAccounts ? r.account : '', manyRegions ? r.region : ''].filter(Boolean).join(' '),
        })),
        more: Math.max(group.resourceCount - group.resources.length, 0),
        dashboard_url:
          group.account || group.ruleName
            ? linkTarget(
                dashboardFilterUrl(dashboardUrl, {
                  account: group.account,
                  rule: group.ruleName ? baseRuleName(group.ruleName) : null,
                }),
              )
            : null,
      };
    }),
  };
}

/**
 * A group's severity: the most severe of its alerts' contexts; for alerts without one, what the
 * group's rule alone tells (the catalog's, or the default for an unknown or rolled-up rule).
 */
function groupSeverity(group: DigestGroup, contexts: DigestContexts): Severity {
  let worst: Severity | null = null;
  let missing = false;
  for (const id of group.ids) {
    const severity = contexts.get(id)?.severity;
    if (severity === undefined) missing = true;
    else if (worst === null || compareSeverity(severity, worst) < 0) worst = severity;
  }
  if (missing || worst === null) {
    const fallback = group.ruleName ? severityOf(group.ruleName).severity : DEFAULT_SEVERITY;
    if (worst === null || compareSeverity(fallback, worst) < 0) worst = fallback;
  }
  return worst;
}

function accountNameOf(group: DigestGroup, contexts: DigestContexts): string | null {
  for (const id of group.ids) {
    const name = contexts.get(id)?.accountName;
    if (name) return name;
  }
  return null;
}

/** A dashboard base URL to build filtered links on: a link target as it is, without an `&` (linkTarget). */
function dashboardLink(url: string | null | undefined): string | null {
  return url && linkTarget(url) === url ? url : null;
}

/** The renderer of the notifier: the Liquid templates, shared engine, optional dashboard link. */
export function createSlackMessageRenderer(options: RenderOptions = {}) {
  return {
    alert: (alert: Alert, context: AlertContext): SlackMessage => renderAlert(alert, context, options),
    digest: (
      digest: Digest,
      threshold: number,
      contexts: DigestContexts,
    ): { message: SlackMessage; droppedBlocks: number } => renderDigest(digest, threshold, contexts, options),
    threadUpdate: (original: SlackMessage, change: ThreadChange): SlackMessage =>
      renderThreadUpdate(original, change, options),
  };
}
