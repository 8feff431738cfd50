import { describe, expect, it } from 'vitest';
import { RULES } from '../../pipeline/generate/catalog.js';
import { GenerateOptionError } from '../../pipeline/generate/errors.js';
import {
  type DeploymentOptions,
  type EventBridgeEvent,
  type GenerateOptions,
  generateDeployment,
  generateOrganization,
  organizationProfile,
} from '../../pipeline/generate/organization.js';
import { Random } from '../../pipeline/generate/random.js';
import { type ComplianceState, decide, orderOf, stateKeyId } from '../../src/domain/compliance-state.js';
import { type ComplianceChange, parseConfigEvent } from '../../src/domain/config-event.js';

const SMALL: GenerateOptions = { accounts: 3, regions: 2, days: 20, end: '2026-11-20', seed: 7 };

function generate(options: GenerateOptions): EventBridgeEvent[] {
  return [...generateOrganization(options)];
}

function complianceChanges(events: readonly EventBridgeEvent[]): ComplianceChange[] {
  const out: ComplianceChange[] = [];
  for (const event of events) {
    const outcome = parseConfigEvent(event);
    if (outcome.status === 'accepted' && outcome.event.kind === 'compliance-change') out.push(outcome.event);
  }
  return out;
}

describe('Random', () => {
  it('repeats a sequence for a seed and label, and forks independent streams', () => {
    // Prepare
    const a = new Random(42, 'x');
    const b = new Random(42, 'x');
    // Act
    const first = Array.from({ length: 5 }, () => a.next());
    const second = Array.from({ length: 5 }, () => b.next());
    const forked = new Random(42).fork('y').next();
    // Assess
    expect(first).toEqual(second);
    expect(first.every((n) => n >= 0 && n < 1)).toBe(true);
    expect(forked).not.toBe(new Random(42).fork('z').next());
    expect(new Random(1).uuid()).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
  });
});

describe('generateOrganization', () => {
  const events = generate({ ...SMALL, storm: 300, redeliveries: 0.05, late: 0.05 });

  it('is deterministic: the same options give the same events in the same order', () => {
    // Act
    const again = generate({ ...SMALL, storm: 300, redeliveries: 0.05, late: 0.05 });
    // Assess
    expect(JSON.stringify(again)).toBe(JSON.stringify(events));
  });

  it('changes with the seed', () => {
    expect(generate({ ...SMALL, seed: 8 })[0]?.id).not.toBe(generate(SMALL)[0]?.id);
  });

  it('keeps the other options stable when the storm changes', () => {
    // Prepare: without the storm and its redeliveries, the same accounts and first evaluations.
    const without = generate(SMALL);
    const withStorm = generate({ ...SMALL, storm: 50 });
    // Assess
    expect(organizationProfile(SMALL).accounts).toEqual(
      organizationProfile({ ...SMALL, storm: 50 }).accounts,
    );
    expect(new Set(withStorm.map((e) => e.account))).toEqual(new Set(without.map((e) => e.account)));
  });

  it('produces only events the parser accepts, with 12-digit accounts and the chosen regions', () => {
    // Act
    const outcomes = events.map((event) => parseConfigEvent(JSON.stringify(event)));
    const profile = organizationProfile(SMALL);
    // Assess
    expect(outcomes.filter((o) => o.status !== 'accepted')).toEqual([]);
    expect(profile.accounts).toHaveLength(3);
    for (const account of profile.accounts) expect(account).toMatch(/^[1-9]\d{11}$/);
    expect(new Set(events.map((e) => e.region))).toEqual(new Set(profile.regions));
  });

  it('covers the variations of real captures', () => {
    // Prepare
    const changes = complianceChanges(events);
    const statuses = new Set(changes.map((c) => c.newStatus));
    const raw = events.map((e) => JSON.stringify(e));
    // Assess: every status, first evaluations, NC→NC, conformance packs, account-level resources,
    // both timestamp precisions, annotations starting with a newline, both item notification kinds.
    expect(statuses).toEqual(new Set(['COMPLIANT', 'NON_COMPLIANT', 'NOT_APPLICABLE', 'INSUFFICIENT_DATA']));
    expect(changes.some((c) => c.oldStatus === null)).toBe(true);
    expect(changes.some((c) => c.oldStatus === 'NON_COMPLIANT' && c.newStatus === 'NON_COMPLIANT')).toBe(
      true,
    );
    expect(changes.some((c) => /-conformance-pack-[a-z0-9]{9}$/.test(c.ruleName))).toBe(true);
    expect(changes.some((c) => c.resourceType === 'AWS::::Account')).toBe(true);
    expect(raw.some((r) => /"orderingTimestamp":"[^"]+T\d\d:\d\d:\d\dZ"/.test(r))).toBe(true);
    expect(raw.some((r) => /"orderingTimestamp":"[^"]+\.\d{3}Z"/.test(r))).toBe(true);
    expect(raw.some((r) => r.includes('"annotation":"\\n'))).toBe(true);
    expect(raw.some((r) => r.includes('"ConfigurationItemChangeNotification"'))).toBe(true);
    expect(raw.some((r) => r.includes('"OversizedConfigurationItemChangeNotification"'))).toBe(true);
  });

  it('uses about 30 real managed rules with their resource types', () => {
    // Prepare
    const byRule = new Map(RULES.map((r) => [r.name, r.resourceType]));
    const changes = complianceChanges(events);
    // Assess
    expect(RULES.length).toBeGreaterThanOrEqual(28);
    expect(byRule.get('s3-bucket-versioning-enabled')).toBe('AWS::S3::Bucket');
    expect(byRule.get('encrypted-volumes')).toBe('AWS::EC2::Volume');
    expect(byRule.get('iam-password-policy')).toBe('AWS::::Account');
    expect(byRule.get('restricted-ssh')).toBe('AWS::EC2::SecurityGroup');
    for (const change of changes) {
      const base = change.ruleName.replace(/-conformance-pack-[a-z0-9]+$/, '');
      expect(byRule.get(base)).toBe(change.resourceType);
    }
  });

  it('chains each evaluation to the previous one of its (rule, resource), in strictly increasing order', () => {
    // Prepare: the first delivery of each id, by key in generation order of orderingTimestamp.
    const seen = new Set<string>();
    const byKey = new Map<string, ComplianceChange[]>();
    for (const change of complianceChanges(events)) {
      if (seen.has(change.eventId)) continue;
      seen.add(change.eventId);
      const list = byKey.get(stateKeyId(change)) ?? [];
      list.push(change);
      byKey.set(stateKeyId(change), list);
    }
    // Assess
    for (const list of byKey.values()) {
      list.sort((a, b) => orderOf(a).localeCompare(orderOf(b)));
      for (let i = 1; i < list.length; i++) {
        expect(orderOf(list[i]!) > orderOf(list[i - 1]!)).toBe(true);
        // Generation order is also time order: what comes later by order happened later.
        expect(list[i]!.eventTime >= list[i - 1]!.eventTime).toBe(true);
        expect(list[i]!.oldStatus).toBe(list[i - 1]!.newStatus);
      }
      expect(list[0]!.oldStatus).toBeNull();
    }
  });

  it('redelivers events with the same id and delivers some late, making older evaluations stale', () => {
    // Prepare
    const withLate = generate({ ...SMALL, late: 0.3, redeliveries: 0.1 });
    const ids = withLate.map((e) => e.id);
    const state = new Map<string, ComplianceState>();
    const done = new Set<string>();
    let stale = 0;
    // Act: what the consumer would decide, in delivery order.
    for (const change of complianceChanges(withLate)) {
      if (done.has(change.eventId)) continue;
      done.add(change.eventId);
      const decision = decide(change, state.get(stateKeyId(change)));
      if (!decision.newest) stale++;
      else state.set(stateKeyId(change), decision.state);
    }
    // Assess
    expect(ids.length - new Set(ids).size).toBeGreaterThan(0);
    expect(stale).toBeGreaterThan(0);
  });

  it('turns the storm into thousands of violations within minutes, on conformance-pack rules', () => {
    // Prepare
    const options: GenerateOptions = { accounts: 12, regions: 3, days: 10, end: '2026-11-20', storm: 2000 };
    const stormAt = Date.parse(organizationProfile(options).stormAt!);
    // Act
    const inStorm = complianceChanges(generate(options)).filter((c) => {
      const t = Date.parse(c.eventTime);
      return t >= stormAt && t < stormAt + 10 * 60_000 && c.newStatus === 'NON_COMPLIANT';
    });
    // Assess
    const pack = inStorm.filter((c) => c.ruleName.includes('-conformance-pack-'));
    expect(pack.length).toBeGreaterThanOrEqual(2000);
    expect(inStorm.length - pack.length).toBeLessThan(50);
  });

  it('models AWS Config time: rollouts dated by old items, re-evaluations that repeat the orderingTimestamp', () => {
    // Prepare
    const options: GenerateOptions = { accounts: 4, regions: 2, days: 10, end: '2026-11-20', storm: 200 };
    const changes = complianceChanges(generate(options));
    const ageDays = (c: ComplianceChange) =>
      (Date.parse(c.eventTime) - Date.parse(c.orderingTimestamp)) / 86_400_000;
    // Act
    const rollouts = changes.filter((c) => ageDays(c) >= 1);
    const byOrdering = new Map<string, number>();
    for (const c of changes) {
      const key = `${stateKeyId(c)}|${c.orderingTimestamp}`;
      byOrdering.set(key, (byOrdering.get(key) ?? 0) + 1);
    }
    // Assess: a day to three years old, never from the future; and the storm re-evaluates items.
    expect(rollouts.length).toBeGreaterThan(changes.length / 20);
    expect(Math.max(...rollouts.map(ageDays))).toBeGreaterThan(365);
    expect(changes.every((c) => ageDays(c) > -1 / 24)).toBe(true);
    expect([...byOrdering.values()].some((n) => n > 1)).toBe(true);
  });

  it("has a few resource ids longer than Kinesis' 256-character keys, none over Config's 768", () => {
    // Prepare
    const changes = complianceChanges(events);
    const ids = new Set(changes.map((c) => c.resourceId));
    // Act
    const long = [...ids].filter((id) => id.length > 256);
    // Assess: a few resources (one per account), each with a whole history of evaluations.
    expect(long.length).toBeGreaterThanOrEqual(2);
    expect(long.length).toBeLessThan(ids.size / 20);
    expect(Math.max(...[...ids].map((id) => id.length))).toBeLessThanOrEqual(768);
    expect(changes.filter((c) => c.resourceId.length > 256).length).toBeGreaterThan(long.length);
  });

  it('spreads history over the days ending at --end', () => {
    // Prepare
    const profile = organizationProfile(SMALL);
    const times = complianceChanges(events).map((c) => c.eventTime);
    // Assess
    expect(profile.firstDay).toBe('2026-11-01');
    expect(profile.lastDay).toBe('2026-11-20');
    expect(times.every((t) => t >= profile.start && t < profile.end)).toBe(true);
    expect(new Set(times.map((t) => t.slice(0, 10))).size).toBeGreaterThan(15);
  });

  describe.each([
    ['accounts', { accounts: 0 }],
    ['regions', { regions: 9 }],
    ['days', { days: 1.5 }],
    ['late', { late: 2 }],
    ['redeliveries', { redeliveries: -0.1 }],
    ['end', { end: '2026-13-01' }],
    ['scale', { scale: 0 }],
  ] as const)('rejects a bad %s', (option, bad) => {
    it('naming the option and the allowed range', () => {
      expect(() => organizationProfile(bad as GenerateOptions)).toThrow(GenerateOptionError);
      expect(() => organizationProfile(bad as GenerateOptions)).toThrow(new RegExp(`^${option} must be`));
    });
  });
});

describe('generateDeployment', () => {
  const OPTIONS: DeploymentOptions = { ...SMALL, storm: 100, redeliveries: 0.05, late: 0.05 };
  const deployment = generateDeployment(OPTIONS);
  const profile = organizationProfile(OPTIONS);
  const { results, sources } = deployment.aggregator;

  it('is deterministic, and leaves generateOrganization as it was', () => {
    expect(JSON.stringify(generateDeployment(OPTIONS))).toBe(JSON.stringify(deployment));
    // The default output does not depend on the deployment option existing.
    const events = generate(OPTIONS);
    expect(events.length).toBeGreaterThan(deployment.events.length);
    expect(new Set(events.map((e) => e.id))).not.toEqual(new Set(deployment.events.map((e) => e.id)));
  });

  it('gives the state before the window as an aggregator reports it: COMPLIANT / NON_COMPLIANT, old', () => {
    // Assess: one result per pair, only what the aggregator APIs return, all recorded before the window.
    const keys = results.map((r) => stateKeyId({ ...r }));
    expect(new Set(keys).size).toBe(results.length);
    expect(new Set(results.map((r) => r.complianceType))).toEqual(new Set(['COMPLIANT', 'NON_COMPLIANT']));
    expect(results.every((r) => r.resultRecordedTime < profile.start)).toBe(true);
    expect(results.every((r) => Date.parse(r.orderingTimestamp) <= Date.parse(r.resultRecordedTime))).toBe(
      true,
    );
    // Typically old: most results were recorded weeks or months before the window.
    const ageDays = (r: (typeof results)[number]) =>
      (Date.parse(profile.start) - Date.parse(r.resultRecordedTime)) / 86_400_000;
    expect(results.filter((r) => ageDays(r) > 30).length).toBeGreaterThan(results.length / 2);
    expect(results.filter((r) => r.complianceType === 'NON_COMPLIANT').every((r) => r.annotation)).toBe(true);
    // One SUCCEEDED source per account and region.
    expect(sources).toHaveLength(profile.accounts.length * profile.regions.length);
    expect(sources.every((s) => s.status === 'SUCCEEDED')).toBe(true);
  });

  it('has live events only in the window, for a minority of the pairs, chained to the state before', () => {
    // Prepare
    const changes = complianceChanges(deployment.events);
    const before = new Map(results.map((r) => [stateKeyId({ ...r }), r]));
    const firstLive = new Map<string, ComplianceChange>();
    for (const change of [...changes].sort((a, b) => orderOf(a).localeCompare(orderOf(b)))) {
      if (!firstLive.has(stateKeyId(change))) firstLive.set(stateKeyId(change), change);
    }
    // Assess: every live event in the window and accepted by the parser.
    expect(deployment.events.every((e) => e.time >= profile.start && e.time < profile.end)).toBe(true);
    expect(
      deployment.events.filter((e) => parseConfigEvent(JSON.stringify(e)).status !== 'accepted'),
    ).toEqual([]);
    // A pair the aggregator knows changes from that state: its first live event's old status.
    let chained = 0;
    for (const [key, change] of firstLive) {
      const known = before.get(key);
      if (!known) continue;
      chained++;
      expect(change.oldStatus).toBe(known.complianceType);
      expect(orderOf(change) > `${new Date(known.orderingTimestamp).toISOString()}|`).toBe(true);
    }
    expect(chained).toBeGreaterThan(0);
    // Most pairs never change: with the storm, under half; without it, about one in five.
    expect(deployment.pairs.withEvents).toBe(firstLive.size);
    expect(deployment.pairs.withEvents / deployment.pairs.total).toBeLessThan(0.5);
    const quiet = generateDeployment({ ...OPTIONS, storm: 0 }).pairs;
    expect(quiet.withEvents / quiet.total).toBeGreaterThan(0.08);
    expect(quiet.withEvents / quiet.total).toBeLessThan(0.25);
  });

  it('keeps the storm, redeliveries and late events', () => {
    // Prepare
    const stormAt = Date.parse(profile.stormAt!);
    const late = generateDeployment({ ...OPTIONS, late: 0.3, redeliveries: 0.1 });
    const changes = complianceChanges(late.events);
    const ids = late.events.map((e) => e.id);
    const state = new Map<string, ComplianceState>();
    let stale = 0;
    const done = new Set<string>();
    for (const change of changes) {
      if (done.has(change.eventId)) continue;
      done.add(change.eventId);
      const decision = decide(change, state.get(stateKeyId(change)));
      if (!decision.newest) stale++;
      else state.set(stateKeyId(change), decision.state);
    }
    // Assess
    const inStorm = changes.filter((c) => {
      const t = Date.parse(c.eventTime);
      return t >= stormAt && t < stormAt + 10 * 60_000 && c.newStatus === 'NON_COMPLIANT';
    });
    expect(inStorm.length).toBeGreaterThanOrEqual(100);
    expect(ids.length - new Set(ids).size).toBeGreaterThan(0);
    expect(stale).toBeGreaterThan(0);
  });

  it('rejects a bad changeRate', () => {
    expect(() => generateDeployment({ ...SMALL, changeRate: 1.5 })).toThrow(/^changeRate must be/);
  });
});
