/**
 * Alert storms: when to stop posting one Slack message per alert, and how to group alerts into a
 * few digest messages instead. Pure — the notifier feeds it the pending outbox items and a clock.
 *
 * A webhook takes about one message a second. A conformance-pack rollout can turn thousands of
 * resources NON_COMPLIANT in minutes (and its fix as many back). Past a threshold (default more
 * than 10 alerts a minute per webhook), alerts are grouped by kind, account and rule, with counts
 * and the first few resources, several groups per message; every alert is counted in exactly one
 * group. If a storm spans so many (account, rule) pairs that even that would be many messages,
 * groups roll up to rule level, then the smallest rules merge into an "other rules" group, so a
 * drain round never produces more than `maxGroups / groupsPerMessage` digest messages.
 *
 * A digest says when its alerts *happened* (their `eventTime`), not when they were queued: after a
 * backlog or an outage the two differ by hours. A group lists each resource once, however many of
 * its alerts name it (a pair that flapped, the same id in several regions is several resources).
 */
import type { Alert, AlertKind } from './compliance-state.js';

/** An outbox item as the digest logic sees it (`id` is the event id). */
export interface QueuedAlert {
  readonly id: string;
  readonly alert: Alert;
  /** ISO time the alert was enqueued. */
  readonly createdAt: string;
}

export interface DigestResource {
  readonly account: string;
  readonly region: string;
  readonly resourceType: string;
  readonly resourceId: string;
}

export interface DigestGroup {
  readonly kind: AlertKind;
  /** Null for the "other rules" roll-up group. */
  readonly ruleName: string | null;
  /** Null when the group spans several accounts (rule-level roll-up). */
  readonly account: string | null;
  readonly accountCount: number;
  /** Distinct regions, sorted. */
  readonly regions: readonly string[];
  /** Number of alerts in the group (= ids.length). */
  readonly count: number;
  /** Distinct resources (account, region, type, id) the group's alerts name; at most `count`. */
  readonly resourceCount: number;
  /** The first few distinct resources, in queue order. */
  readonly resources: readonly DigestResource[];
  /** The earliest and latest `eventTime` of the group's alerts: when they happened. */
  readonly firstEventAt: string;
  readonly lastEventAt: string;
  /** Event ids of every alert in the group. */
  readonly ids: readonly string[];
}

/** One digest message: some groups, with their totals. */
export interface Digest {
  readonly groups: readonly DigestGroup[];
  readonly violations: number;
  readonly resolutions: number;
  /** Enqueue times of the oldest and newest alert here ('' without the enqueue times). */
  readonly firstAt: string;
  readonly lastAt: string;
  /** The earliest and latest `eventTime` of the alerts here: the span the digest shows. */
  readonly firstEventAt: string;
  readonly lastEventAt: string;
  /** Every event id covered by this message. */
  readonly ids: readonly string[];
}

export interface DigestOptions {
  /** Resources listed per group. @default 3 */
  readonly resourcesPerGroup?: number;
  /** Groups per digest message (one section block each). @default 20 */
  readonly groupsPerMessage?: number;
  /** Groups per round before rolling up. @default 120 */
  readonly maxGroups?: number;
}

export const DIGEST_DEFAULTS = {
  /** More than this many alerts within a minute for one webhook → digest mode. */
  threshold: 10,
  windowMs: 60_000,
  resourcesPerGroup: 3,
  groupsPerMessage: 20,
  maxGroups: 120,
} as const;

/** A message the notifier will post: one alert on its own, or a digest of many. */
export type PlannedMessage =
  | { readonly type: 'single'; readonly item: QueuedAlert; readonly ids: readonly string[] }
  | { readonly type: 'digest'; readonly digest: Digest; readonly ids: readonly string[] };

/**
 * Counts the alerts delivered for one webhook in a sliding window, to decide whether the alerts
 * waiting now belong to a storm. In-memory: it lives as long as the notifier process (a warm
 * Lambda with reserved concurrency 1, or the embedded stack); after a cold start the pending
 * backlog alone decides, which can at worst let `threshold` more single messages through.
 */
export class StormDetector {
  private readonly deliveries: { atMs: number; count: number }[] = [];

  constructor(
    readonly threshold: number = DIGEST_DEFAULTS.threshold,
    readonly windowMs: number = DIGEST_DEFAULTS.windowMs,
  ) {}

  /** Records `count` alerts delivered at `atMs`. */
  record(atMs: number, count: number): void {
    this.deliveries.push({ atMs, count });
  }

  /** Alerts delivered within the window ending at `nowMs`. */
  recentCount(nowMs: number): number {
    while (this.deliveries.length > 0 && this.deliveries[0]!.atMs <= nowMs - this.windowMs) {
      this.deliveries.shift();
    }
    return this.deliveries.reduce((sum, d) => sum + d.count, 0);
  }

  /**
   * Whether `pending` waiting alerts, added to those delivered in the last window, exceed the
   * threshold. Resolutions count too: a mass remediation floods a channel as much as a rollout.
   */
  isStorm(nowMs: number, pending: number): boolean {
    return this.recentCount(nowMs) + pending > this.threshold;
  }
}

/**
 * Plans the messages for a round of pending alerts, oldest first: one message per alert outside a
 * storm, otherwise digests (see {@link buildDigests}). A flapping alert is always its own message:
 * there is at most one per pair and window, and it stands for the alerts the pair no longer sends.
 */
export function planMessages(
  items: readonly QueuedAlert[],
  storm: boolean,
  options: DigestOptions = {},
): PlannedMessage[] {
  if (!storm) return items.map((item) => ({ type: 'single', item, ids: [item.id] }));
  const flapping = items.filter((item) => item.alert.kind === 'flapping');
  const digested = flapping.length === 0 ? items : items.filter((item) => item.alert.kind !== 'flapping');
  return [
    ...flapping.map((item): PlannedMessage => ({ type: 'single', item, ids: [item.id] })),
    ...buildDigests(digested, options).map(
      (digest): PlannedMessage => ({ type: 'digest', digest, ids: digest.ids }),
    ),
  ];
}

/**
 * Groups alerts by (kind, account, rule) — rolling up when there are more than `maxGroups` — and
 * packs the groups into digests of `groupsPerMessage`. Violations come first, larger groups first.
 */
export function buildDigests(items: readonly QueuedAlert[], options: DigestOptions = {}): Digest[] {
  const groupsPerMessage = options.groupsPerMessage ?? DIGEST_DEFAULTS.groupsPerMessage;
  const groups = groupAlerts(items, options);
  const createdAt = new Map(items.map((item) => [item.id, item.createdAt]));
  const digests: Digest[] = [];
  for (let i = 0; i < groups.length; i += groupsPerMessage) {
    digests.push(digestOf(groups.slice(i, i + groupsPerMessage), createdAt));
  }
  return digests;
}

/**
 * A digest of the given groups, with its totals (also used to split a digest that is too large).
 * `createdAt` (enqueue time by event id) gives `firstAt`/`lastAt`; the event-time span comes from
 * the groups themselves.
 */
export function digestOf(
  groups: readonly DigestGroup[],
  createdAt: ReadonlyMap<string, string> = new Map(),
): Digest {
  let violations = 0;
  let resolutions = 0;
  let firstAt = '';
  let lastAt = '';
  let firstEventAt = '';
  let lastEventAt = '';
  const ids: string[] = [];
  for (const group of groups) {
    if (group.kind === 'violation') violations += group.count;
    else resolutions += group.count;
    if (group.firstEventAt && (!firstEventAt || group.firstEventAt < firstEventAt))
      firstEventAt = group.firstEventAt;
    if (group.lastEventAt > lastEventAt) lastEventAt = group.lastEventAt;
    for (const id of group.ids) {
      ids.push(id);
      const at = createdAt.get(id) ?? '';
      if (at && (!firstAt || at < firstAt)) firstAt = at;
      if (at > lastAt) lastAt = at;
    }
  }
  return { groups, violations, resolutions, firstAt, lastAt, firstEventAt, lastEventAt, ids };
}

/**
 * Groups alerts by kind, account and rule. Above `maxGroups` groups, groups by kind and rule
 * (counting accounts); still above, keeps the largest rule groups and merges the rest into one
 * "other rules" group per kind. Counts always add up to `items.length`.
 */
export function groupAlerts(items: readonly QueuedAlert[], options: DigestOptions = {}): DigestGroup[] {
  const perGroup = options.resourcesPerGroup ?? DIGEST_DEFAULTS.resourcesPerGroup;
  const maxGroups = Math.max(options.maxGroups ?? DIGEST_DEFAULTS.maxGroups, 2);
  const fine = collect(items, (a) => `${a.kind}\u001f${a.account}\u001f${a.ruleName}`, perGroup);
  if (fine.length <= maxGroups) return sortGroups(fine.map((g) => finish(g, true, true)));
  const byRule = sortGroups(
    collect(items, (a) => `${a.kind}\u001f${a.ruleName}`, perGroup).map((g) => finish(g, true, false)),
  );
  if (byRule.length <= maxGroups) return byRule;
  // Keep the largest rule groups; one "other rules" group per kind takes the rest.
  const kept = byRule.slice(0, maxGroups - 2);
  const keptKeys = new Set(kept.map((g) => `${g.kind}\u001f${g.ruleName}`));
  const rest = items.filter((i) => !keptKeys.has(`${i.alert.kind}\u001f${i.alert.ruleName}`));
  const others = collect(rest, (a) => a.kind, perGroup).map((g) => finish(g, false, false));
  return sortGroups([...kept, ...others]);
}

interface Collected {
  readonly first: Alert;
  readonly ids: string[];
  readonly accounts: Set<string>;
  readonly regions: Set<string>;
  /** Identity (see {@link resourceKey}) of every distinct resource seen. */
  readonly resourceKeys: Set<string>;
  readonly resources: DigestResource[];
  firstEventAt: string;
  lastEventAt: string;
}

/** The unit separator cannot occur in AWS names (as in compliance-state.ts's stateKeyId). */
function resourceKey(alert: Alert): string {
  return `${alert.account}\u001f${alert.region}\u001f${alert.resourceType}\u001f${alert.resourceId}`;
}

/** When an alert happened; alerts queued before `eventTime` existed fall back to their orderingTimestamp. */
function eventTimeOf(alert: Alert): string {
  return (alert as Partial<Alert>).eventTime ?? alert.orderingTimestamp;
}

function collect(items: readonly QueuedAlert[], keyOf: (a: Alert) => string, perGroup: number): Collected[] {
  const groups = new Map<string, Collected>();
  for (const { id, alert } of items) {
    const key = keyOf(alert);
    let group = groups.get(key);
    const at = eventTimeOf(alert);
    if (!group) {
      group = {
        first: alert,
        ids: [],
        accounts: new Set(),
        regions: new Set(),
        resourceKeys: new Set(),
        resources: [],
        firstEventAt: at,
        lastEventAt: at,
      };
      groups.set(key, group);
    }
    group.ids.push(id);
    group.accounts.add(alert.account);
    group.regions.add(alert.region);
    if (at < group.firstEventAt) group.firstEventAt = at;
    if (at > group.lastEventAt) group.lastEventAt = at;
    const resource = resourceKey(alert);
    if (!group.resourceKeys.has(resource)) {
      group.resourceKeys.add(resource);
      if (group.resources.length < perGroup) {
        group.resources.push({
          account: alert.account,
          region: alert.region,
          resourceType: alert.resourceType,
          resourceId: alert.resourceId,
        });
      }
    }
  }
  return [...groups.values()];
}

function finish(group: Collected, byRule: boolean, byAccount: boolean): DigestGroup {
  return {
    kind: group.first.kind,
    ruleName: byRule ? group.first.ruleName : null,
    account: byAccount || group.accounts.size === 1 ? group.first.account : null,
    accountCount: group.accounts.size,
    regions: [...group.regions].sort(),
    count: group.ids.length,
    resourceCount: group.resourceKeys.size,
    resources: group.resources,
    firstEventAt: group.firstEventAt,
    lastEventAt: group.lastEventAt,
    ids: group.ids,
  };
}

function sortGroups(groups: DigestGroup[]): DigestGroup[] {
  return groups.sort(
    (a, b) =>
      (a.kind === b.kind ? 0 : a.kind === 'violation' ? -1 : 1) ||
      b.count - a.count ||
      (a.ruleName ?? '\uffff').localeCompare(b.ruleName ?? '\uffff') ||
      (a.account ?? '').localeCompare(b.account ?? ''),
  );
}
