/**
 * Slack messages rendered from `templates/*.liquid`: the template builds Block Kit JSON with every
 * value JSON-encoded (`json_string`) and escaped (`mrkdwn`); the output is parsed as JSON and its
 * limits enforced on the parsed structure, so what reaches Slack is valid and within limits
 * whatever the data. The api helper renders `daily_report.liquid` through {@link renderTemplate}.
 */
import type { Liquid } from 'liquidjs';
import type { AlertContext } from '../../domain/alert-context.js';
import type { Digest } from '../../domain/alert-digest.js';
import type { Alert } from '../../domain/compliance-state.js';
import type { SlackMessage } from '../../ports/message-sink.js';
import { type BLOCK_KIT_LIMITS, enforceLimits, type FittedMessage } from './block-kit.js';
import { TemplateOutputError, TemplateRenderError } from './errors.js';
import { sharedLiquidEngine } from './liquid-engine.js';

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
  const engine = options.engine ?? defaultEngine();
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

let shared: Liquid | undefined;

/**
 * The shared engine over TEMPLATES_DIR (or the repository's templates/), looked up once: resolving
 * the directory reads the environment and builds a URL, about 1 µs a message. The variable is read
 * once per process, like every setting (a failed lookup is retried on the next render).
 */
function defaultEngine(): Liquid {
  shared ??= sharedLiquidEngine();
  return shared;
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
 * The message for one violation (`templates/violation.liquid`). `context` is what the deliverer
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

/** The message for a single alert of either kind. */
export function renderAlert(alert: Alert, context: AlertContext, options: RenderOptions = {}): SlackMessage {
  return alert.kind === 'violation'
    ? renderViolation(alert, context, options)
    : renderResolution(alert, context, options);
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
  _contexts: DigestContexts,
  options: RenderOptions = {},
): FittedMessage {
  return renderTemplateDetailed(
    'digest',
    { digest: digestVars(digest, threshold), dashboard_url: dashboardLink(options.dashboardUrl) },
    options,
  );
}

const MAX_REGIONS_SHOWN = 5;

function alertVars(alert: Alert, _context: AlertContext, options: RenderOptions): Record<string, unknown> {
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
      // Alerts queued before eventTime existed fall back to their orderingTimestamp.
      event_time: (alert as Partial<Alert>).eventTime ?? alert.orderingTimestamp,
      ordering_timestamp: alert.orderingTimestamp,
      reconciliation: (alert as Partial<Alert>).reconciliation ?? null,
      // Set on the re-alert a mute's end queues for a pair still non-compliant (use-cases/mutes.ts).
      mute_ended: muteEndedVars(alert),
    },
    rule_url: ruleConsoleUrl(alert.region, alert.ruleName),
    dashboard_url: dashboardLink(options.dashboardUrl),
  };
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

function digestVars(digest: Digest, threshold: number): Record<string, unknown> {
  return {
    violations: digest.violations,
    resolutions: digest.resolutions,
    threshold,
    first_at: digest.firstAt,
    last_at: digest.lastAt,
    groups: digest.groups.map((group) => ({
      kind: group.kind,
      rule_name: group.ruleName,
      account: group.account,
      account_count: group.accountCount,
      regions:
        group.regions.slice(0, MAX_REGIONS_SHOWN).join(', ') +
        (group.regions.length > MAX_REGIONS_SHOWN ? ', …' : ''),
      count: group.count,
      resources: group.resources.map((r) => ({ type: r.resourceType, id: r.resourceId })),
      more: group.count - group.resources.length,
    })),
  };
}

/** A link target Slack cannot misread: http(s), no spaces, `<`, `>`, `|` or `&`. */
function dashboardLink(url: string | null | undefined): string | null {
  return url && /^https?:\/\/[^\s<>|&]+$/.test(url) ? url : null;
}

const REGION = /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/;
const RULE_NAME = /^[A-Za-z0-9_.:/-]{1,256}$/;

/**
 * The AWS Config console page of a rule, or null when the region or rule name is not of the
 * shape AWS uses — the link is the one raw `<…|…>` in a message, so it is only built from values
 * that cannot contain `|`, `>` or `&`.
 */
export function ruleConsoleUrl(region: string, ruleName: string): string | null {
  if (!REGION.test(region) || !RULE_NAME.test(ruleName)) return null;
  return `https://${region}.console.aws.amazon.com/config/home?region=${region}#/rules/details?configRuleName=${encodeURIComponent(ruleName)}`;
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
  };
}
