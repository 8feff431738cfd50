import { describe, expect, it } from 'vitest';
import {
  buildDigests,
  digestOf,
  groupAlerts,
  planMessages,
  type QueuedAlert,
  StormDetector,
} from '../../src/domain/alert-digest.js';
import type { Alert } from '../../src/domain/compliance-state.js';
import { makeAlert, makeStorm } from '../helpers/alerts.js';

const queued = (alerts: Alert[], createdAt = '2024-05-01T10:00:00.000Z'): QueuedAlert[] =>
  alerts.map((alert) => ({ id: alert.eventId, alert, createdAt }));

const sum = (xs: readonly { count: number }[]) => xs.reduce((s, x) => s + x.count, 0);

describe('StormDetector', () => {
  it('is a storm only past the threshold within one minute', () => {
    // Prepare
    const detector = new StormDetector(10, 60_000);

    // Act / Assess
    expect(detector.isStorm(0, 10)).toBe(false);
    expect(detector.isStorm(0, 11)).toBe(true);
    detector.record(1_000, 6);
    expect(detector.isStorm(30_000, 4)).toBe(false);
    expect(detector.isStorm(30_000, 5)).toBe(true);
    expect(detector.recentCount(61_000)).toBe(0);
    expect(detector.isStorm(61_000, 5)).toBe(false);
  });
});

describe('planMessages', () => {
  it('sends one message per alert outside a storm', () => {
    // Prepare
    const items = queued([makeAlert(), makeAlert({ kind: 'resolution' })]);

    // Act
    const plan = planMessages(items, false);

    // Assess
    expect(plan.map((p) => [p.type, p.ids])).toEqual(items.map((i) => ['single', [i.id]]));
  });

  it('groups a storm by kind, account and rule, every alert in exactly one group', () => {
    // Prepare: 2 accounts × 3 rules of violations, and a few resolutions
    const alerts = [
      ...makeStorm(600, 2, 3),
      ...Array.from({ length: 5 }, () => makeAlert({ kind: 'resolution', ruleName: 'r-fixed' })),
    ];

    // Act
    const plan = planMessages(queued(alerts), true);

    // Assess
    expect(plan).toHaveLength(1);
    const first = plan[0]!;
    const digest = first.type === 'digest' ? first.digest : undefined;
    expect(digest?.violations).toBe(600);
    expect(digest?.resolutions).toBe(5);
    expect(digest?.groups).toHaveLength(7);
    expect(digest?.groups.map((g) => g.kind).at(-1)).toBe('resolution');
    expect(digest?.groups[0]).toMatchObject({ count: 100, accountCount: 1, regions: ['eu-west-1'] });
    expect(digest?.groups[0]?.resources).toHaveLength(3);
    expect(new Set(plan[0]!.ids).size).toBe(605);
  });

  it('packs groups into several digests of at most groupsPerMessage', () => {
    // Prepare: 10 accounts × 9 rules = 90 groups
    const items = queued(makeStorm(900, 10, 9));

    // Act
    const digests = buildDigests(items, { groupsPerMessage: 20 });

    // Assess
    expect(digests.map((d) => d.groups.length)).toEqual([20, 20, 20, 20, 10]);
    expect(digests.reduce((s, d) => s + d.violations, 0)).toBe(900);
    expect(new Set(digests.flatMap((d) => d.ids)).size).toBe(900);
  });
});

describe('groupAlerts roll-up', () => {
  it('rolls up to rule level when (account, rule) groups are too many', () => {
    // Prepare: 50 accounts × 4 rules = 200 fine groups
    const items = queued(makeStorm(2000, 50, 4));

    // Act
    const groups = groupAlerts(items, { maxGroups: 120 });

    // Assess
    expect(groups).toHaveLength(4);
    expect(groups.every((g) => g.account === null && g.accountCount === 50)).toBe(true);
    expect(sum(groups)).toBe(2000);
  });

  it('merges the smallest rules into "other rules" when rules alone are too many', () => {
    // Prepare: 300 distinct rules in 2 accounts
    const alerts = Array.from({ length: 3000 }, (_, i) =>
      makeAlert({ ruleName: `rule-${i % 300}`, account: i % 2 ? '111111111111' : '222222222222' }),
    );

    // Act
    const groups = groupAlerts(queued(alerts), { maxGroups: 20 });

    // Assess
    expect(groups.length).toBeLessThanOrEqual(20);
    expect(sum(groups)).toBe(3000);
    const other = groups.find((g) => g.ruleName === null);
    expect(other).toMatchObject({ kind: 'violation', account: null, accountCount: 2, count: 3000 - 18 * 10 });
    expect(new Set(groups.flatMap((g) => g.ids)).size).toBe(3000);
  });

  it('bounds the digests of a 20,000-alert storm over many accounts and rules', () => {
    // Prepare: 200 accounts × 100 rules
    const items = queued(makeStorm(20_000, 200, 100));

    // Act
    const digests = buildDigests(items);

    // Assess
    expect(digests.length).toBeLessThanOrEqual(6);
    expect(digests.reduce((s, d) => s + d.violations, 0)).toBe(20_000);
  });
});

describe('digest groups: distinct resources and when the alerts happened', () => {
  it('counts each resource once, keeps alerts counted, and spans the alerts event times', () => {
    // Prepare: the same bucket three times (a flapping pair), another once; queued long after
    const alerts = [
      makeAlert({ resourceId: 'b1', eventTime: '2024-04-02T10:00:00.000Z' }),
      makeAlert({ resourceId: 'b1', eventTime: '2024-04-01T09:00:00.000Z' }),
      makeAlert({ resourceId: 'b1', eventTime: '2024-04-03T11:00:00.000Z' }),
      makeAlert({ resourceId: 'b2', eventTime: '2024-04-02T12:00:00.000Z' }),
    ];

    // Act
    const [group] = groupAlerts(queued(alerts, '2024-05-01T10:00:00.000Z'));
    const [digest] = buildDigests(queued(alerts, '2024-05-01T10:00:00.000Z'));

    // Assess
    expect(group).toMatchObject({
      count: 4,
      resourceCount: 2,
      firstEventAt: '2024-04-01T09:00:00.000Z',
      lastEventAt: '2024-04-03T11:00:00.000Z',
    });
    expect(group!.resources.map((r) => r.resourceId)).toEqual(['b1', 'b2']);
    expect(digest).toMatchObject({
      firstEventAt: '2024-04-01T09:00:00.000Z',
      lastEventAt: '2024-04-03T11:00:00.000Z',
      firstAt: '2024-05-01T10:00:00.000Z',
    });
  });

  it('tells the same id in two regions or accounts apart', () => {
    // Prepare
    const alerts = [
      makeAlert({ resourceId: '342356742645', region: 'eu-west-1' }),
      makeAlert({ resourceId: '342356742645', region: 'us-east-1' }),
      makeAlert({ resourceId: '342356742645', region: 'eu-west-1' }),
    ];

    // Act
    const [group] = groupAlerts(queued(alerts));

    // Assess
    expect(group!.resourceCount).toBe(2);
    expect(group!.resources.map((r) => r.region)).toEqual(['eu-west-1', 'us-east-1']);
  });

  it('digestOf takes the event span from the groups, with or without enqueue times', () => {
    const groups = groupAlerts(queued([makeAlert({ eventTime: '2024-04-01T00:00:00.000Z' })]));
    expect(digestOf(groups)).toMatchObject({ firstEventAt: '2024-04-01T00:00:00.000Z', firstAt: '' });
  });
});
