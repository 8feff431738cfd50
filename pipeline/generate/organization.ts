/**
 * A realistic synthetic AWS organization, as the AWS Config events its accounts would forward.
 *
 * Accounts × regions hold resources of a dozen types; ~30 managed rules evaluate them (some
 * deployed by an organization conformance pack, so their names carry `-conformance-pack-<id>`).
 * Each (rule, resource) pair lives through first evaluations, violations, remediations after
 * log-normal delays, NON_COMPLIANT → NON_COMPLIANT annotation changes, NOT_APPLICABLE (scope,
 * deletion) and INSUFFICIENT_DATA. Configuration-item changes accompany creations, deletions and
 * the changes that trigger evaluations. Optional: redeliveries (same id, later), late arrivals
 * (delivered hours after newer events) and one storm (the conformance pack is updated and
 * thousands of resources turn NON_COMPLIANT within minutes).
 *
 * Deterministic: the same options give the same events in the same order, byte for byte.
 *
 * {@link generateDeployment} models what a deployment of config-monitor sees instead: AWS Config
 * emits an event only when a pair changes, so the organization's state before the window is
 * known only from an aggregator (its current results, for a baseline sync), and during the window
 * most pairs never change.
 *
 * Why one file: one simulation; `generateOrganization`'s events and `generateDeployment`'s baseline
 * and window come from the same pass over each pair's history (`simulate`, on the pair's own random
 * stream), which split would have to agree on from two files.
 */
import { yesterdayUtc } from '../../src/domain/archive-schema.js';
import type { StandInResult, StandInSource } from '../embedded/config-aggregator-stand-in.js';
import {
  REGIONS,
  RESOURCE_TEAMS,
  RESOURCE_TYPES,
  type ResourceTypeSpec,
  RULES,
  type RuleSpec,
  ruleChange,
  STORM_FILL_RULE,
} from './catalog.js';
import { GenerateOptionError } from './errors.js';
import {
  type ChangeType,
  complianceChangeEvent,
  configurationItemEvent,
  type Evaluation,
  type EventBridgeEvent,
  isoTime,
  type ResourceRef,
  type RuleDeployment,
  type Status,
} from './events.js';
import { Random, uuidOf } from './random.js';

export type { EventBridgeEvent } from './events.js';

export interface GenerateOptions {
  /** Member accounts. @default 12 */
  readonly accounts?: number;
  /** Regions, taken in order from `REGIONS`; the first is the home region. @default 3 */
  readonly regions?: number;
  /** Days of history. @default 90 */
  readonly days?: number;
  /** Last day of history, `YYYY-MM-DD` (UTC, inclusive). @default - yesterday, UTC */
  readonly end?: string;
  /** @default 1 */
  readonly seed?: number;
  /** Resources the storm turns NON_COMPLIANT within minutes; 0 for no storm. @default 0 */
  readonly storm?: number;
  /** Fraction of events delivered a second time, same id. @default 0 */
  readonly redeliveries?: number;
  /** Fraction of events delivered 5 minutes to 6 hours late. @default 0 */
  readonly late?: number;
  /** Multiplies the resources per account and region (benchmarks). @default 1 */
  readonly scale?: number;
  /** Emit configuration-item change events too. @default true */
  readonly configurationItems?: boolean;
  /**
   * Pairs that flap on the last day: their status turns over every 45 minutes, 7 times, so that
   * config-monitor flags them as flapping (src/domain/flapping.ts) and then keeps them quiet.
   * @default 0
   */
  readonly flapping?: number;
}

/** {@link generateDeployment}: the organization as a deployment meets it. */
export interface DeploymentOptions extends GenerateOptions {
  /**
   * Share of the pairs that predate the window, are not deleted in it and are not hit by the
   * storm, that evolve during the window (the others keep their state: no event in 90 days).
   * New resources, deletions and the storm always produce their events. @default 0.05
   */
  readonly changeRate?: number;
}

export interface Deployment {
  /**
   * The current state at the window start, as an AWS Config aggregator reports it: the latest
   * evaluation recorded before the window of every pair that is COMPLIANT or NON_COMPLIANT then,
   * with its own (typically old) orderingTimestamp and resultRecordedTime; and one SUCCEEDED
   * source per account and region. The stand-in (pipeline/embedded/config-aggregator-stand-in.ts) serves it.
   */
  readonly aggregator: {
    readonly results: readonly StandInResult[];
    readonly sources: readonly StandInSource[];
  };
  /** The live events of the window, in delivery order (storm, redeliveries and late events included). */
  readonly events: readonly EventBridgeEvent[];
  /** (rule, resource) pairs of the organization, and how many of them have an event in the window. */
  readonly pairs: { readonly total: number; readonly withEvents: number };
}

export interface OrganizationProfile {
  readonly accounts: readonly string[];
  readonly regions: readonly string[];
  readonly homeRegion: string;
  /** First instant of history (UTC midnight), ISO. */
  readonly start: string;
  /** End of history, exclusive (UTC midnight after the last day), ISO. */
  readonly end: string;
  readonly firstDay: string;
  readonly lastDay: string;
  /** When the storm starts, ISO, or null. */
  readonly stormAt: string | null;
  readonly rules: readonly string[];
}

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const STORM_WINDOW = 8 * MINUTE;

interface Normalized {
  accounts: number;
  regions: number;
  days: number;
  endExclusive: number;
  seed: number;
  storm: number;
  redeliveries: number;
  late: number;
  scale: number;
  configurationItems: boolean;
  flapping: number;
}

function integer(
  option: string,
  value: number | undefined,
  fallback: number,
  min: number,
  max: number,
): number {
  const v = value ?? fallback;
  if (!Number.isInteger(v) || v < min || v > max) {
    throw new GenerateOptionError(option, value, `an integer from ${min} to ${max}`);
  }
  return v;
}

function rate(option: string, value: number | undefined): number {
  const v = value ?? 0;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || v > 1) {
    throw new GenerateOptionError(option, value, 'a fraction from 0 to 1');
  }
  return v;
}

function normalize(options: GenerateOptions): Normalized {
  const end = options.end ?? yesterdayUtc();
  const endMs = /^\d{4}-\d{2}-\d{2}$/.test(end) ? Date.parse(`${end}T00:00:00Z`) : Number.NaN;
  if (Number.isNaN(endMs)) throw new GenerateOptionError('end', options.end, 'a date YYYY-MM-DD');
  const scale = options.scale ?? 1;
  if (typeof scale !== 'number' || !(scale > 0 && scale <= 1000)) {
    throw new GenerateOptionError('scale', options.scale, 'a number greater than 0, at most 1000');
  }
  return {
    accounts: integer('accounts', options.accounts, 12, 1, 10_000),
    regions: integer('regions', options.regions, 3, 1, REGIONS.length),
    days: integer('days', options.days, 90, 1, 3660),
    endExclusive: endMs + DAY,
    seed: integer('seed', options.seed, 1, 0, 2 ** 32 - 1),
    storm: integer('storm', options.storm, 0, 0, 10_000_000),
    redeliveries: rate('redeliveries', options.redeliveries),
    late: rate('late', options.late),
    scale,
    configurationItems: options.configurationItems ?? true,
    flapping: integer('flapping', options.flapping, 0, 0, 1_000),
  };
}

function accountIds(random: Random, count: number): string[] {
  const seen = new Set<string>();
  while (seen.size < count) seen.add(`${random.int(1, 9)}${random.digits(11)}`);
  return [...seen];
}

function stormStart(o: Normalized): number {
  // Two days before the end (so that the demo shows the storm and part of its clean-up), 14:00 UTC.
  const daysBack = Math.min(2, o.days - 1);
  return o.endExclusive - (daysBack + 1) * DAY + 14 * HOUR;
}

/** Accounts, regions and dates the options describe, without generating events. */
export function organizationProfile(options: GenerateOptions = {}): OrganizationProfile {
  const o = normalize(options);
  const root = new Random(o.seed);
  const start = o.endExclusive - o.days * DAY;
  return {
    accounts: accountIds(root.fork('accounts'), o.accounts),
    regions: REGIONS.slice(0, o.regions),
    homeRegion: REGIONS[0],
    start: new Date(start).toISOString(),
    end: new Date(o.endExclusive).toISOString(),
    firstDay: new Date(start).toISOString().slice(0, 10),
    lastDay: new Date(o.endExclusive - DAY).toISOString().slice(0, 10),
    stormAt: o.storm > 0 ? new Date(stormStart(o)).toISOString() : null,
    rules: RULES.map((rule) => rule.name),
  };
}

interface Resource {
  readonly ref: ResourceRef;
  /** Creation time; at or before the window start for resources that predate monitoring. */
  readonly createdAt: number;
  readonly deletedAt: number;
}

interface Pair {
  readonly rule: RuleSpec;
  readonly deployment: RuleDeployment;
  readonly resource: Resource;
  /** Per-pair random stream: the pair's history does not depend on any other option. */
  readonly random: Random;
  /** Hour offset of the periodic evaluations of this rule in this account. */
  readonly periodicOffset: number;
  storm: boolean;
  /** Flaps on the last day (see {@link GenerateOptions.flapping}). */
  flapping?: boolean;
}

interface Pending {
  readonly deliverAt: number;
  readonly seq: number;
  readonly make: () => EventBridgeEvent;
}

/**
 * Yields the organization's events in delivery order (late arrivals and redeliveries included).
 * Memory: one small closure per event; a million events fit in a few hundred megabytes.
 */
export function* generateOrganization(options: GenerateOptions = {}): Generator<EventBridgeEvent> {
  yield* organization(normalize(options), null);
}

/**
 * The organization split as a deployment of config-monitor meets it: the state before the
 * window from the aggregator, then the live events of the window (see {@link Deployment}).
 * Deterministic like {@link generateOrganization}; its events are not the same ones.
 */
export function generateDeployment(options: DeploymentOptions = {}): Deployment {
  const o = normalize(options);
  const split: Split = {
    changeRate: rate('changeRate', options.changeRate ?? 0.05),
    results: [],
    total: 0,
    withEvents: 0,
  };
  const events = [...organization(o, split)];
  const start = o.endExclusive - o.days * DAY;
  const root = new Random(o.seed);
  const sourcesRandom = root.fork('aggregator-sources');
  const sources: StandInSource[] = [];
  for (const account of accountIds(root.fork('accounts'), o.accounts)) {
    for (const region of REGIONS.slice(0, o.regions)) {
      sources.push({
        account,
        region,
        status: 'SUCCEEDED',
        lastUpdateTime: isoTime(start - sourcesRandom.int(MINUTE, 3 * HOUR)),
      });
    }
  }
  return {
    aggregator: { results: split.results, sources },
    events,
    pairs: { total: split.total, withEvents: split.withEvents },
  };
}

/** What {@link generateDeployment} collects while the organization is generated. */
interface Split {
  readonly changeRate: number;
  readonly results: StandInResult[];
  total: number;
  withEvents: number;
}

function standInResult(pair: Pair, evaluation: Evaluation): StandInResult {
  return {
    account: pair.resource.ref.account,
    region: pair.resource.ref.region,
    ruleName: pair.deployment.ruleName,
    resourceType: pair.resource.ref.resourceType,
    resourceId: pair.resource.ref.resourceId,
    complianceType: evaluation.status,
    orderingTimestamp: isoTime(evaluation.orderingAt, evaluation.wholeSeconds),
    resultRecordedTime: isoTime(evaluation.recordedAt),
    configRuleInvokedTime: isoTime(evaluation.recordedAt - 350),
    ...(evaluation.annotation === null ? {} : { annotation: evaluation.annotation }),
  };
}

function* organization(o: Normalized, split: Split | null): Generator<EventBridgeEvent> {
  const root = new Random(o.seed);
  const accounts = accountIds(root.fork('accounts'), o.accounts);
  const regions = REGIONS.slice(0, o.regions);
  const homeRegion = REGIONS[0];
  const start = o.endExclusive - o.days * DAY;
  const end = o.endExclusive;
  const stormAt = stormStart(o);

  const pending: Pending[] = [];
  let seq = 0;
  const delivery = root.fork('delivery');
  const ids = root.fork('ids');
  const emit = (deliverAt: number, make: () => EventBridgeEvent) => {
    const late = o.late > 0 && delivery.chance(o.late);
    const at = late ? deliverAt + delivery.int(5 * MINUTE, 6 * HOUR) : deliverAt;
    pending.push({ deliverAt: at, seq: seq++, make });
    if (o.redeliveries > 0 && delivery.chance(o.redeliveries)) {
      pending.push({ deliverAt: at + delivery.int(SECOND, 15 * MINUTE), seq: seq++, make });
    }
  };

  const pairs: Pair[] = [];
  const resources: Resource[] = [];
  for (const account of accounts) {
    const accountRandom = root.fork(`account:${account}`);
    const packSuffix = accountRandom.lowerAlnum(9);
    for (const region of regions) {
      const random = accountRandom.fork(`${account}:${region}`);
      const deployments = new Map<string, RuleDeployment>();
      for (const rule of RULES) {
        const id = `config-rule-${random.lowerAlnum(6)}`;
        deployments.set(
          rule.name,
          rule.pack
            ? {
                ruleName: `${rule.name}-conformance-pack-${packSuffix}`,
                ruleArn: `arn:aws:config:${region}:${account}:config-rule/aws-service-rule/config-conforms.amazonaws.com/${id}`,
              }
            : { ruleName: rule.name, ruleArn: `arn:aws:config:${region}:${account}:config-rule/${id}` },
        );
      }
      for (const spec of RESOURCE_TYPES) {
        if (spec.global && region !== homeRegion) continue;
        for (const resource of inventory(spec, random, account, region, start, end, o.scale)) {
          resources.push(resource);
          for (const rule of RULES) {
            if (rule.resourceType !== spec.type) continue;
            pairs.push({
              rule,
              deployment: deployments.get(rule.name)!,
              resource,
              random: random.fork(`${rule.name}:${resource.ref.resourceId}`),
              periodicOffset: (rule.name.length * 7 + Number(account.slice(-2))) % 24,
              storm: false,
            });
          }
        }
      }
    }
  }

  if (o.storm > 0) planStorm(pairs, o.storm, stormAt, root.fork('storm'), accounts, regions, start, end);
  if (o.flapping > 0) planFlapping(pairs, o.flapping, start, end);

  for (const resource of resources) {
    if (!o.configurationItems) break;
    const random = root.fork(`items:${resource.ref.resourceId}`);
    const item = (changeType: ChangeType, capturedAt: number) => {
      if (capturedAt < start || capturedAt >= end) return;
      const id = ids.uuid();
      const notifiedAt = capturedAt + random.int(2 * SECOND, 90 * SECOND);
      const oversized = resource.ref.resourceType === 'AWS::IAM::Policy' && random.chance(0.5);
      emit(notifiedAt + random.int(0, 1500), () =>
        configurationItemEvent(id, resource.ref, changeType, capturedAt, notifiedAt, oversized, {
          tags: resourceTags(resource.ref),
          relatedEvents: [uuidOf(`cloudtrail:${id}`)],
        }),
      );
    };
    if (resource.createdAt > start) item('CREATE', resource.createdAt);
    if (resource.deletedAt < end) item('DELETE', resource.deletedAt);
  }

  const liveRandom = root.fork('live');
  for (const pair of pairs) {
    const simulated = simulate(pair, start, end, stormAt, split !== null);
    const history = pair.flapping ? withFlapping(simulated, end) : simulated;
    let previous: Evaluation | undefined;
    let live = history;
    if (split) {
      // Before the window: only the aggregator knows, as the latest result recorded before it.
      let first = 0;
      while (first < history.length && history[first]!.recordedAt < start) first++;
      previous = first > 0 ? history[first - 1] : undefined;
      if (previous && (previous.status === 'COMPLIANT' || previous.status === 'NON_COMPLIANT')) {
        split.results.push(standInResult(pair, previous));
      }
      // During it: new resources, deletions and the storm change pairs; few others change at all.
      const changes =
        pair.storm ||
        pair.flapping === true ||
        pair.resource.createdAt > start ||
        pair.resource.deletedAt < end ||
        liveRandom.chance(split.changeRate);
      live = changes ? history.slice(first) : [];
      split.total++;
      if (live.length > 0) split.withEvents++;
    }
    for (const evaluation of live) {
      const id = ids.uuid();
      const old = previous;
      const notifiedAt = evaluation.recordedAt + pair.random.int(50, 2000);
      emit(notifiedAt + pair.random.int(0, 1500), () =>
        complianceChangeEvent(id, pair.deployment, pair.resource.ref, evaluation, old, notifiedAt),
      );
      // The configuration change that triggered a change-triggered evaluation (not the first one).
      if (o.configurationItems && old && !pair.rule.periodic && evaluation.status !== 'NOT_APPLICABLE') {
        if (pair.random.chance(0.5)) {
          const itemId = ids.uuid();
          const itemNotified = evaluation.at + pair.random.int(2 * SECOND, 60 * SECOND);
          emit(itemNotified, () =>
            configurationItemEvent(itemId, pair.resource.ref, 'UPDATE', evaluation.at, itemNotified, false, {
              changedProperties: ruleChange(pair.rule.name, evaluation.status),
              relatedEvents: [uuidOf(`cloudtrail:${itemId}`)],
              tags: resourceTags(pair.resource.ref),
            }),
          );
        }
      }
      previous = evaluation;
    }
  }

  pending.sort((a, b) => a.deliverAt - b.deliverAt || a.seq - b.seq);
  for (const item of pending) yield item.make();
}

function inventory(
  spec: ResourceTypeSpec,
  random: Random,
  account: string,
  region: string,
  start: number,
  end: number,
  scale: number,
): Resource[] {
  const out: Resource[] = [];
  const [min, max] = spec.perRegion;
  const initial = Math.round(random.int(min, max) * scale);
  const added = spec.type === 'AWS::::Account' ? 0 : Math.round(initial * random.next() * 0.3);
  const deletable = spec.type !== 'AWS::::Account';
  for (let i = 0; i < initial + added; i++) {
    const id = spec.id(random, account, region, i);
    const ref: ResourceRef = {
      account,
      region,
      resourceType: spec.type,
      resourceId: id,
      arn: spec.arn(account, region, id),
      global: spec.global,
    };
    const createdAt = i < initial ? start - DAY : start + random.int(HOUR, end - start - HOUR);
    const deleteChance = i < initial ? 0.05 : 0.3;
    const deletedAt =
      deletable && random.chance(deleteChance)
        ? random.int(Math.max(start, createdAt) + 6 * HOUR, end + 10 * DAY)
        : Number.POSITIVE_INFINITY;
    out.push({ ref, createdAt, deletedAt });
  }
  return out;
}

/** The first `count` pairs that live through the window, outside the storm and the pack, flap. */
function planFlapping(pairs: readonly Pair[], count: number, start: number, end: number): void {
  const candidates = pairs.filter(
    (p) =>
      !p.storm &&
      !p.rule.pack &&
      !p.rule.periodic &&
      p.resource.createdAt <= start &&
      p.resource.deletedAt > end,
  );
  for (const pair of candidates.slice(0, count)) pair.flapping = true;
}

/** Flapping evaluations of one pair, 45 minutes apart from 20 h before the end: what replaces its last day. */
const FLAPPING_EVALUATIONS = 7;

/**
 * A pair's history with its last day replaced by a flapping burst: from 20 h before the end, its
 * status turns over every 45 minutes, {@link FLAPPING_EVALUATIONS} times (change-triggered
 * evaluations, each of a new configuration item).
 */
function withFlapping(history: readonly Evaluation[], end: number): Evaluation[] {
  const from = end - 20 * HOUR;
  const kept = history.filter((e) => e.at < from && e.recordedAt < from);
  let status: Status = kept.at(-1)?.status === 'NON_COMPLIANT' ? 'NON_COMPLIANT' : 'COMPLIANT';
  for (let i = 0; i < FLAPPING_EVALUATIONS; i++) {
    status = status === 'NON_COMPLIANT' ? 'COMPLIANT' : 'NON_COMPLIANT';
    const at = from + i * 45 * MINUTE;
    kept.push({
      at,
      orderingAt: at,
      wholeSeconds: false,
      status,
      annotation: status === 'NON_COMPLIANT' ? 'The setting was turned off again.' : null,
      recordedAt: at + 2 * SECOND,
    });
  }
  return kept;
}

/** Picks the storm's targets: conformance-pack pairs alive at the storm; extra security groups if short. */
function planStorm(
  pairs: Pair[],
  count: number,
  stormAt: number,
  random: Random,
  accounts: readonly string[],
  regions: readonly string[],
  start: number,
  end: number,
): void {
  const candidates = pairs.filter(
    (p) => p.rule.pack && p.resource.createdAt < stormAt - HOUR && p.resource.deletedAt > stormAt + DAY,
  );
  // Partial Fisher–Yates: a deterministic random subset.
  for (let i = 0; i < Math.min(count, candidates.length); i++) {
    const j = i + Math.floor(random.next() * (candidates.length - i));
    const chosen = candidates[j]!;
    candidates[j] = candidates[i]!;
    candidates[i] = chosen;
    chosen.storm = true;
  }
  const stormRule = RULES.find((rule) => rule.name === STORM_FILL_RULE)!;
  const sg = RESOURCE_TYPES.find((spec) => spec.type === stormRule.resourceType)!;
  const template = pairs.find((p) => p.rule === stormRule);
  // The pack also covers security groups nobody evaluated before (attached to ENIs only): they
  // get their first evaluation in the storm. Only needed when the storm outnumbers the pairs.
  for (let i = candidates.length; i < count; i++) {
    const account = accounts[i % accounts.length]!;
    const region = regions[Math.floor(i / accounts.length) % regions.length]!;
    const id = sg.id(random, account, region, i);
    const deployment = template
      ? {
          ruleName: template.deployment.ruleName,
          ruleArn: template.deployment.ruleArn.replace(
            /:[a-z]{2}-[a-z]+-\d:\d{12}:/,
            `:${region}:${account}:`,
          ),
        }
      : {
          ruleName: stormRule.name,
          ruleArn: `arn:aws:config:${region}:${account}:config-rule/config-rule-storm`,
        };
    pairs.push({
      rule: stormRule,
      deployment,
      resource: {
        ref: {
          account,
          region,
          resourceType: sg.type,
          resourceId: id,
          arn: sg.arn(account, region, id),
          global: false,
        },
        createdAt: Math.max(start, stormAt - 30 * DAY),
        deletedAt: end + DAY,
      },
      random: random.fork(`extra:${id}`),
      periodicOffset: 0,
      storm: true,
    });
  }
}

/** The evaluations of one pair, in order; (orderingTimestamp, resultRecordedTime) strictly increases. */
function simulate(pair: Pair, start: number, end: number, stormAt: number, split = false): Evaluation[] {
  const { rule, random, resource } = pair;
  const out: Evaluation[] = [];
  const stop = Math.min(end, resource.deletedAt);
  let lastAt = Number.NEGATIVE_INFINITY;
  /** When an evaluation at or after `t` happens: periodic rules run once a day at a fixed hour. */
  const evaluationTime = (t: number, immediate = false): number => {
    if (!rule.periodic || immediate) return Math.max(t, lastAt + SECOND);
    const offset = start + pair.periodicOffset * HOUR;
    return Math.max(offset + Math.ceil((t - offset) / DAY) * DAY, lastAt + DAY);
  };
  // Its own stream, so that the ages do not shift the rest of the simulation.
  const ages = random.fork(`ordering:${pair.deployment.ruleArn}:${resource.ref.resourceId}`);
  let lastOrderingAt = Number.NEGATIVE_INFINITY;
  let lastRecordedAt = Number.NEGATIVE_INFINITY;
  const push = (
    at: number,
    status: Status,
    annotation: string | null,
    periodic = rule.periodic,
    orderingAt = at,
  ) => {
    const recordedAt = Math.max(
      at + (periodic ? random.int(2 * SECOND, 5 * MINUTE) : random.int(500, 40 * SECOND)),
      lastRecordedAt + 1,
    );
    lastRecordedAt = recordedAt;
    out.push({ at, orderingAt, wholeSeconds: periodic, status, annotation, recordedAt });
    lastAt = at;
    lastOrderingAt = orderingAt;
  };
  const violation = () => {
    const text = random.pick(rule.annotations);
    // Some rules prefix their annotation with a newline, as real captures show.
    return random.chance(0.05) ? `\n${text}` : text;
  };

  // Resources that predate monitoring are evaluated in the first hours; new ones soon after creation.
  // Split (a deployment): the rule was rolled out over them up to a year before the window, and
  // their history before it is simulated too (only its last result is reported, by the aggregator).
  const predates = resource.createdAt <= start;
  let t = evaluationTime(
    predates
      ? split
        ? start -
          random.fork(`rollout:${pair.deployment.ruleArn}:${resource.ref.resourceId}`).int(HOUR, 365 * DAY)
        : start + random.int(0, 6 * HOUR)
      : resource.createdAt + random.int(SECOND, 2 * MINUTE),
  );
  if (t >= stop) return out;
  let status: Status;
  if (random.chance(rule.notApplicable)) status = 'NOT_APPLICABLE';
  else if (rule.periodic && random.chance(0.03)) status = 'INSUFFICIENT_DATA';
  else status = random.chance(rule.initialViolation) ? 'NON_COMPLIANT' : 'COMPLIANT';
  // The rollout: a resource that predates monitoring is evaluated against its last configuration
  // item, captured a day to three years before (change-triggered rules; periodic ones date it now).
  const rolloutAge = resource.createdAt <= start && !rule.periodic ? ages.int(DAY, 3 * 365 * DAY) : 0;
  push(t, status, status === 'NON_COMPLIANT' ? violation() : null, rule.periodic, t - rolloutAge);
  let stormDone = t >= stormAt;
  let remediateAt = Number.POSITIVE_INFINITY;
  const scheduleRemediation = (from: number, neverChance: number) => {
    remediateAt = random.chance(neverChance)
      ? Number.POSITIVE_INFINITY
      : from + Math.max(10 * MINUTE, random.logNormal(rule.remediationHours * HOUR, 1));
  };
  if (status === 'NON_COMPLIANT') scheduleRemediation(t, rule.neverRemediated);

  for (;;) {
    let next: number;
    let nextStatus: Status;
    if (status === 'INSUFFICIENT_DATA') {
      next = t + random.int(HOUR, DAY);
      nextStatus = random.chance(rule.initialViolation) ? 'NON_COMPLIANT' : 'COMPLIANT';
    } else if (status === 'NOT_APPLICABLE') {
      next = random.chance(0.1) ? t + random.exponential(30 * DAY) : Number.POSITIVE_INFINITY;
      nextStatus = 'COMPLIANT';
    } else if (status === 'COMPLIANT') {
      next = t + random.exponential(rule.meanDaysToViolation * DAY);
      nextStatus = 'NON_COMPLIANT';
    } else {
      // NON_COMPLIANT: remediated, or first the annotation changes (a new finding on the same resource).
      const annotationChange =
        rule.annotations.length > 1 && random.chance(0.3)
          ? t + random.exponential(10 * DAY)
          : Number.POSITIVE_INFINITY;
      if (annotationChange < remediateAt) {
        next = annotationChange;
        nextStatus = 'NON_COMPLIANT';
      } else {
        next = remediateAt;
        nextStatus = random.chance(0.05) ? 'NOT_APPLICABLE' : 'COMPLIANT';
      }
    }
    if (pair.storm && !stormDone && next >= stormAt) {
      // The pack update re-evaluates every rule of the pack at once, periodic ones included.
      stormDone = true;
      t = evaluationTime(stormAt + random.int(0, STORM_WINDOW), true);
      if (t >= stop) break;
      const wasViolating = status === 'NON_COMPLIANT';
      status = 'NON_COMPLIANT';
      // A re-evaluation of an unchanged item: its orderingTimestamp again, a later recorded time.
      push(t, status, violation(), false, Number.isFinite(lastOrderingAt) ? lastOrderingAt : t);
      // The clean-up after a storm is faster: a bulk fix the next day for most resources.
      if (!wasViolating) {
        remediateAt = random.chance(0.35) ? Number.POSITIVE_INFINITY : t + random.logNormal(20 * HOUR, 0.5);
      }
      continue;
    }
    if (!Number.isFinite(next)) break;
    t = evaluationTime(next);
    if (t >= stop) break;
    let annotation: string | null = null;
    if (nextStatus === 'NON_COMPLIANT') {
      annotation = violation();
      if (status !== 'NON_COMPLIANT') scheduleRemediation(t, rule.neverRemediated);
    }
    status = nextStatus;
    push(t, status, annotation);
  }

  if (resource.deletedAt < end && out.length > 0 && status !== 'NOT_APPLICABLE') {
    // Deleting a resource makes Config report its evaluations NOT_APPLICABLE.
    const at = evaluationTime(resource.deletedAt + random.int(SECOND, 3 * MINUTE), true);
    if (at < end) push(at, 'NOT_APPLICABLE', null, false);
  }
  return out;
}

/** A resource's tags, stable for its id: its owning team, and `data-class: pii` on one in ten. */
function resourceTags(ref: ResourceRef): Record<string, string> {
  const random = new Random(0, `tags:${ref.account}:${ref.resourceId}`);
  const team = random.pick(RESOURCE_TEAMS);
  return random.chance(0.1) ? { team, 'data-class': 'pii' } : { team };
}
