/**
 * Which destination an alert goes to, and why. Pure: the notifier gathers the facts (the account's
 * OUs, the resource's tags, the rule's severity) and asks here.
 *
 * Semantics: routes are tried in order and the first that matches wins; within a route every
 * criterion given must match (AND) and a list matches when any of its values does (OR); an alert no
 * route matches goes to the default destination. A criterion the facts cannot answer does not match:
 * a route on tags never matches a resource whose tags the pipeline has not seen, a route on OUs
 * never matches an account whose OU is unknown.
 */
import type { AlertContext, AlertRoute } from './alert-context.js';
import type { Alert } from './compliance-state.js';
import { baseRuleName } from './config-event.js';
import { managedRule, type Severity, severityOf } from './managed-rules.js';
import { changeAt, type ResourceRecord } from './resource-record.js';
import type { Route, RoutingConfig } from './routing-config.js';

/** What the matcher needs to know of an alert. */
export interface RoutingFacts {
  readonly account: string;
  /** The account's OU and every OU above it up to the root; empty when unknown. */
  readonly ous: readonly string[];
  readonly region: string;
  /** The rule name as deployed; matched by its base name. */
  readonly ruleName: string;
  readonly resourceType: string;
  readonly severity: Severity;
  /** The resource's tags; null when the pipeline has not seen the resource's configuration item. */
  readonly tags: Readonly<Record<string, string>> | null;
}

interface CompiledRoute {
  readonly label: string;
  readonly destination: string;
  readonly accounts: ReadonlySet<string> | null;
  readonly ous: readonly string[] | null;
  readonly regions: ReadonlySet<string> | null;
  readonly rules: readonly RegExp[] | null;
  readonly resourceTypes: readonly RegExp[] | null;
  readonly severities: ReadonlySet<Severity> | null;
  readonly tags: readonly (readonly [string, string])[] | null;
}

const compiled = new WeakMap<RoutingConfig, readonly CompiledRoute[]>();

/** A glob (`*` any run of characters, `?` one) as an anchored regular expression. */
export function globToRegExp(glob: string): RegExp {
  const body = glob
    .replace(/[.+^${}()|[\]\\/]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${body}$`, 's');
}

/** What a message says of a route: its name, or `#<index>` (its place in `routes`, from 0). */
export function routeLabel(route: Route, index: number): string {
  return route.name ?? `#${index}`;
}

function compile(config: RoutingConfig): readonly CompiledRoute[] {
  let routes = compiled.get(config);
  if (routes === undefined) {
    routes = config.routes.map((route, i) => ({
      label: routeLabel(route, i),
      destination: route.destination,
      accounts: route.accounts ? new Set(route.accounts) : null,
      ous: route.ous ?? null,
      regions: route.regions ? new Set(route.regions) : null,
      rules: route.rules ? route.rules.map(globToRegExp) : null,
      resourceTypes: route.resourceTypes ? route.resourceTypes.map(globToRegExp) : null,
      severities: route.severities ? new Set(route.severities) : null,
      tags: route.tags ? Object.entries(route.tags) : null,
    }));
    compiled.set(config, routes);
  }
  return routes;
}

function matches(route: CompiledRoute, facts: RoutingFacts, baseRule: string): boolean {
  if (route.accounts && !route.accounts.has(facts.account)) return false;
  if (route.ous && !route.ous.some((ou) => facts.ous.includes(ou))) return false;
  if (route.regions && !route.regions.has(facts.region)) return false;
  if (route.rules && !route.rules.some((r) => r.test(baseRule))) return false;
  if (route.resourceTypes && !route.resourceTypes.some((r) => r.test(facts.resourceType))) return false;
  if (route.severities && !route.severities.has(facts.severity)) return false;
  if (route.tags) {
    const tags = facts.tags;
    if (tags === null) return false;
    for (const [key, value] of route.tags) {
      if (!Object.hasOwn(tags, key)) return false;
      if (value !== '*' && tags[key] !== value) return false;
    }
  }
  return true;
}

/** The route of an alert: the first matching route's destination and label, else the default. */
export function routeAlert(facts: RoutingFacts, config: RoutingConfig): AlertRoute {
  const baseRule = baseRuleName(facts.ruleName);
  for (const route of compile(config)) {
    if (matches(route, facts, baseRule)) return { destination: route.destination, rule: route.label };
  }
  return { destination: config.defaultDestination, rule: null };
}

/** Whether any route matches on OUs (only then does the notifier ask AWS Organizations). */
export function routesUseOus(config: RoutingConfig): boolean {
  return config.routes.some((route) => route.ous !== undefined);
}

/** Whether any route matches on tags (only then are resource records needed for routing). */
export function routesUseTags(config: RoutingConfig): boolean {
  return config.routes.some((route) => route.tags !== undefined);
}

/** What the notifier looked up for one alert, beyond the alert itself. */
export interface AlertLookups {
  /** The account's OUs, nearest first; empty when unknown or not looked up. */
  readonly ous: readonly string[];
  /** The resource's record in the hot store; undefined when the pipeline has not seen it. */
  readonly record: ResourceRecord | undefined;
}

/**
 * The context of an alert at delivery: severity (the configuration's override of its base rule
 * name, else the catalog's, else MEDIUM), the catalog's description and remediation page, the
 * account's name and owner from the `accounts` map, the route for its facts, and for a violation
 * the change of its resource captured at the evaluation's `orderingTimestamp` (AWS Config evaluates
 * a change-triggered rule against the item captured then).
 */
export function alertContextOf(alert: Alert, config: RoutingConfig, lookups: AlertLookups): AlertContext {
  const { severity, source } = severityOf(alert.ruleName, config.severityOverrides);
  const entry = managedRule(alert.ruleName);
  const account = Object.hasOwn(config.accounts, alert.account) ? config.accounts[alert.account] : undefined;
  const route = routeAlert(
    {
      account: alert.account,
      ous: lookups.ous,
      region: alert.region,
      ruleName: alert.ruleName,
      resourceType: alert.resourceType,
      severity,
      tags: lookups.record?.tags ?? null,
    },
    config,
  );
  return {
    severity,
    severitySource: source,
    description: entry?.description ?? null,
    remediationUrl: entry?.remediation ?? null,
    accountName: account?.name ?? null,
    owner: account?.owner ?? null,
    route,
    change: alert.kind === 'violation' ? changeAt(lookups.record, alert.orderingTimestamp) : null,
  };
}
