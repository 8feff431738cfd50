import { describe, expect, it } from 'vitest';
import { decide, orderOf } from '../../src/domain/compliance-state.js';
import { type ComplianceChange, parseConfigEvent } from '../../src/domain/config-event.js';
import { fixture, fixtureText, fixtureVariants } from '../helpers/fixtures.js';

function accepted(text: string | unknown) {
  const outcome = parseConfigEvent(text);
  if (outcome.status !== 'accepted') throw new Error(`expected accepted, got ${JSON.stringify(outcome)}`);
  return outcome.event;
}

describe('parseConfigEvent: accepted AWS captures', () => {
  it.each(fixtureVariants('compliance-change'))('compliance-change/%s', (variant) => {
    const event = accepted(fixtureText('compliance-change', variant));
    expect(event.kind).toBe('compliance-change');
  });
  it.each(fixtureVariants('configuration-item'))('configuration-item/%s', (variant) => {
    const event = accepted(fixtureText('configuration-item', variant));
    expect(event.kind).toBe('configuration-item-change');
  });

  it('normalizes a first evaluation: no old status, no annotation, timestamps with milliseconds', () => {
    const event = accepted(fixtureText('compliance-change', 'first-evaluation')) as ComplianceChange;
    expect(event).toMatchObject({
      eventId: '5b9aa2a5-4c0b-0b1b-0b4b-4e8a1f4d3d21',
      account: '111122223333',
      region: 'eu-west-1',
      ruleName: 's3-bucket-versioning-enabled',
      resourceType: 'AWS::S3::Bucket',
      resourceId: 'my-data-bucket',
      newStatus: 'NON_COMPLIANT',
      oldStatus: null,
      annotation: null,
      orderingTimestamp: '2026-11-20T10:15:20.512Z',
      eventTime: '2026-11-20T10:15:31.000Z',
    });
  });

  it("keeps a rollout's year-old orderingTimestamp apart from its EventBridge time", () => {
    const event = accepted(fixtureText('compliance-change', 'rollout-old-ordering')) as ComplianceChange;
    expect(event.orderingTimestamp).toBe('2025-09-03T07:41:52.904Z');
    expect(event.eventTime).toBe('2026-11-26T14:02:11.000Z');
    expect(event.recordedTime).toBe('2026-11-26T14:02:09.388Z');
  });

  it('orders a re-evaluation of an unchanged item after the first by its later recorded time', () => {
    const first = accepted(fixtureText('compliance-change', 'first-evaluation')) as ComplianceChange;
    const again = accepted(
      fixtureText('compliance-change', 're-evaluation-unchanged-item'),
    ) as ComplianceChange;
    expect(again.orderingTimestamp).toBe(first.orderingTimestamp);
    expect(orderOf(again) > orderOf(first)).toBe(true);
  });

  it('trims an annotation that starts with a newline and keeps AWS::::Account', () => {
    const event = accepted(
      fixtureText('compliance-change', 'account-resource-annotation-newline'),
    ) as ComplianceChange;
    expect(event.annotation).toBe('The password policy does not require a minimum length of 14.');
    expect(event.resourceType).toBe('AWS::::Account');
    expect(event.oldStatus).toBe('COMPLIANT');
  });

  it('accepts timestamps without milliseconds and a conformance-pack rule with a service-linked ARN', () => {
    const event = accepted(
      fixtureText('compliance-change', 'resolution-conformance-pack'),
    ) as ComplianceChange;
    expect(event.orderingTimestamp).toBe('2026-11-21T07:59:58.000Z');
    expect(event.ruleName).toBe('s3-bucket-versioning-enabled-conformance-pack-x1y2z3w4v');
    expect(event.oldStatus).toBe('NON_COMPLIANT');
    expect(event.annotation).toBeNull();
  });

  it('takes account and region of a configuration item from inside configurationItem', () => {
    const raw = fixture('configuration-item', 'inline-item-account-inside');
    const event = accepted(raw);
    expect(event).toMatchObject({
      account: '111122223333',
      region: 'eu-west-1',
      resourceId: 'sg-0123456789abcdef0',
    });
  });

  it('reads the summary and S3 location of an oversized configuration item', () => {
    const event = accepted(fixtureText('configuration-item', 'oversized'));
    expect(event).toMatchObject({ oversized: true, region: 'global', resourceType: 'AWS::IAM::Policy' });
  });
});

describe('parseConfigEvent: skipped', () => {
  it.each(['config-snapshot-delivery', 'ec2-state-change'])('other/%s', (variant) => {
    expect(parseConfigEvent(fixtureText('other', variant)).status).toBe('skipped');
  });
});

describe('parseConfigEvent: rejected with a reason naming the field', () => {
  const base = () => fixture<Record<string, any>>('compliance-change', 'first-evaluation');
  it.each([
    ['bad JSON', () => '{"id": ', /bad JSON/],
    ['not an object', () => '[1,2]', /not an object: got an array/],
    [
      'SNS envelope',
      () => fixtureText('other', 'sns-envelope'),
      /^not an EventBridge event: looks like an SNS/,
    ],
    [
      'Config rule Lambda payload',
      () => fixtureText('other', 'config-rule-lambda-payload'),
      /^not an EventBridge event: looks like a Config rule Lambda/,
    ],
    [
      'unknown complianceType',
      () => {
        const e = base();
        e.detail.newEvaluationResult.complianceType = 'MOSTLY_FINE';
        return e;
      },
      /complianceType must be .*MOSTLY_FINE/,
    ],
    [
      'unparseable timestamp',
      () => {
        const e = base();
        e.detail.newEvaluationResult.evaluationResultIdentifier.orderingTimestamp = '2026-13-45T99:00:00Z';
        return e;
      },
      /orderingTimestamp must be an ISO 8601 timestamp/,
    ],
    [
      'missing resourceId',
      () => {
        const e = base();
        delete e.detail.resourceId;
        return e;
      },
      /detail\.resourceId must be a string/,
    ],
    [
      'mistyped account',
      () => {
        const e = base();
        e.account = 1234;
        return e;
      },
      /account must be a 12-digit AWS account id/,
    ],
  ])('%s', (_name, make, reason) => {
    const outcome = parseConfigEvent(make());
    expect(outcome.status).toBe('rejected');
    expect(outcome.status === 'rejected' && outcome.reason).toMatch(reason);
  });
});

describe('records of the reconciler (source config-monitor.reconcile)', () => {
  const reconciled = (mode: string, source = 'config-monitor.reconcile') => {
    const e = fixture<Record<string, any>>('compliance-change', 'first-evaluation');
    return { ...e, source, detail: { ...e.detail, reconciliation: { syncId: 'sync-1', mode } } };
  };

  it('are accepted with their sync and mode', () => {
    const outcome = parseConfigEvent(reconciled('drift'));
    expect(outcome.status).toBe('accepted');
    expect((outcome as { event: ComplianceChange }).event.reconciliation).toEqual({
      syncId: 'sync-1',
      mode: 'drift',
    });
  });

  it('a baseline record changes the state but alerts nothing; drift alerts, marked', () => {
    const parse = (mode: string) => (parseConfigEvent(reconciled(mode)) as { event: ComplianceChange }).event;
    const baseline = decide(parse('baseline'), undefined);
    expect(baseline).toMatchObject({ newest: true, alert: null, state: { status: 'NON_COMPLIANT' } });
    const drift = decide(parse('drift'), undefined);
    expect(drift).toMatchObject({ newest: true, alert: { kind: 'violation', reconciliation: 'drift' } });
  });

  it('ignore a reconciliation field on a live event (only the reconciler may mark a record)', () => {
    const outcome = parseConfigEvent(reconciled('baseline', 'aws.config'));
    const event = (outcome as { event: ComplianceChange }).event;
    expect(event.reconciliation).toBeNull();
    expect(decide(event, undefined)).toMatchObject({ alert: { kind: 'violation', reconciliation: null } });
  });

  it('reject an unknown mode, naming the field', () => {
    const outcome = parseConfigEvent(reconciled('replay'));
    expect(outcome).toMatchObject({
      status: 'rejected',
      reason: expect.stringMatching(/reconciliation\.mode/),
    });
  });

  it('with another detail-type are skipped, as any event the pattern does not select', () => {
    const outcome = parseConfigEvent({ ...reconciled('drift'), 'detail-type': 'Something Else' });
    expect(outcome.status).toBe('skipped');
  });
});
