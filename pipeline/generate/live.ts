/**
 * The demo's live tail: a few violations as they arrive on a normal day, after the 90 days of
 * history (which come at once, so they go out as storm digests). Each is a new resource first found
 * compliant, then changed by someone (a configuration item change with its diff, tags and CloudTrail
 * event) and evaluated NON_COMPLIANT on that change — so `npm start` shows single messages with
 * the change that caused them. Deterministic for a given `now`.
 */
import { RESOURCE_TEAMS, ruleChange } from './catalog.js';
import {
  complianceChangeEvent,
  configurationItemEvent,
  type Evaluation,
  type EventBridgeEvent,
  type ResourceRef,
} from './events.js';
import type { OrganizationProfile } from './organization.js';
import { uuidOf } from './random.js';

interface LiveCase {
  readonly rule: string;
  readonly resourceType: string;
  readonly id: (account: string, region: string) => string;
  readonly arn: (account: string, region: string, id: string) => string;
  readonly annotation: string;
  readonly tags: Readonly<Record<string, string>>;
}

const CASES: readonly LiveCase[] = [
  {
    rule: 'restricted-ssh',
    resourceType: 'AWS::EC2::SecurityGroup',
    id: () => 'sg-0live5ad0b0e1c2d3',
    arn: (a, r, id) => `arn:aws:ec2:${r}:${a}:security-group/${id}`,
    annotation: 'The security group allows 0.0.0.0/0 on TCP port 22.',
    tags: { team: RESOURCE_TEAMS[0], Name: 'bastion-temp' },
  },
  {
    rule: 's3-bucket-versioning-enabled',
    resourceType: 'AWS::S3::Bucket',
    id: (a, r) => `exports-live-${a}-${r}`,
    arn: (_a, _r, id) => `arn:aws:s3:::${id}`,
    annotation: 'Versioning is suspended.',
    tags: { team: RESOURCE_TEAMS[2], 'data-class': 'pii' },
  },
  {
    rule: 'rds-instance-public-access-check',
    resourceType: 'AWS::RDS::DBInstance',
    id: () => 'db-LIVEDEMO7Q3ZK2WX',
    arn: (a, r) => `arn:aws:rds:${r}:${a}:db:reporting-replica`,
    annotation: 'The DB instance is publicly accessible.',
    tags: { team: RESOURCE_TEAMS[5] },
  },
];

/** An id of the tail, from its role and `now`: the same tail for the same start. */
const idOf = (label: string, now: number): string => uuidOf(`demo-live:${label}:${now}`);

/**
 * The live tail's events, in delivery order, dated just before `now`: per case, the resource's
 * creation (compliant first evaluation), then, a minute later, the change and its NON_COMPLIANT
 * evaluation. The evaluation's orderingTimestamp is the change's capture time, as AWS Config sets it
 * for a change-triggered rule, which is how the notifier finds the change.
 */
export function demoLiveEvents(
  profile: Pick<OrganizationProfile, 'accounts' | 'regions'>,
  now: number,
): EventBridgeEvent[] {
  const events: EventBridgeEvent[] = [];
  CASES.forEach((c, i) => {
    const account = profile.accounts[(i * 5 + 1) % profile.accounts.length] as string;
    const region = profile.regions[i % profile.regions.length] as string;
    const resourceId = c.id(account, region);
    const ref: ResourceRef = {
      account,
      region,
      resourceType: c.resourceType,
      resourceId,
      arn: c.arn(account, region, resourceId),
      global: false,
    };
    const rule = {
      ruleName: c.rule,
      ruleArn: `arn:aws:config:${region}:${account}:config-rule/config-rule-live${i}`,
    };
    const createdAt = now - 5 * 60_000 + i * 7_000;
    const changedAt = createdAt + 60_000;
    const first: Evaluation = {
      at: createdAt + 4_000,
      orderingAt: createdAt,
      wholeSeconds: false,
      status: 'COMPLIANT',
      annotation: null,
      recordedAt: createdAt + 4_000,
    };
    const violation: Evaluation = {
      at: changedAt + 4_000,
      orderingAt: changedAt,
      wholeSeconds: false,
      status: 'NON_COMPLIANT',
      annotation: c.annotation,
      recordedAt: changedAt + 4_000,
    };
    const createId = idOf(`create-${i}`, now);
    const changeId = idOf(`change-${i}`, now);
    events.push(
      configurationItemEvent(createId, ref, 'CREATE', createdAt, createdAt + 2_000, false, {
        tags: c.tags,
        relatedEvents: [idOf(`trail-create-${i}`, now)],
      }),
      complianceChangeEvent(idOf(`first-${i}`, now), rule, ref, first, undefined, first.at + 500),
      configurationItemEvent(changeId, ref, 'UPDATE', changedAt, changedAt + 2_000, false, {
        tags: c.tags,
        relatedEvents: [idOf(`trail-change-${i}`, now)],
        changedProperties: ruleChange(c.rule, 'NON_COMPLIANT'),
      }),
      complianceChangeEvent(idOf(`violation-${i}`, now), rule, ref, violation, first, violation.at + 500),
    );
  });
  return events;
}
