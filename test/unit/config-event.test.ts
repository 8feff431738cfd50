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

describe('parseConfigEvent: every timestamp is a real instant in range, or the record is rejected', () => {
  const DAY = 86_400_000;
  const base = () => fixture<Record<string, any>>('compliance-change', 'first-evaluation');
  const FIELDS: Record<string, [path: string, set: (e: Record<string, any>, v: string) => void]> = {
    time: ['time', (e, v) => (e.time = v)],
    orderingTimestamp: [
      'detail.newEvaluationResult.evaluationResultIdentifier.orderingTimestamp',
      (e, v) => (e.detail.newEvaluationResult.evaluationResultIdentifier.orderingTimestamp = v),
    ],
    resultRecordedTime: [
      'detail.newEvaluationResult.resultRecordedTime',
      (e, v) => (e.detail.newEvaluationResult.resultRecordedTime = v),
    ],
    configRuleInvokedTime: [
      'detail.newEvaluationResult.configRuleInvokedTime',
      (e, v) => (e.detail.newEvaluationResult.configRuleInvokedTime = v),
    ],
    notificationCreationTime: [
      'detail.notificationCreationTime',
      (e, v) => (e.detail.notificationCreationTime = v),
    ],
  };
  const withTimestamp = (field: string, value: string) => {
    const e = base();
    FIELDS[field]?.[1](e, value);
    return e;
  };
  const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

  it.each([
    // Past year 9999 once normalized to UTC (`+010000-01-01…`): stopped the archive for good.
    ['orderingTimestamp', '9999-12-31T23:59:59-01:00', /is more than a day ahead of this machine's clock/],
    ['resultRecordedTime', '0000-01-01T00:00:00+01:00', /is before 2000-01-01T00:00:00\.000Z/],
    ['notificationCreationTime', '9999-12-31T23:30:00-00:45', /is more than a day ahead/],
    ['time', '0000-01-01T00:00:00+01:00', /is before 2000-01-01/],
    // Impossible dates and times: rejected, not rolled over as Date.parse rolls them.
    ['orderingTimestamp', '2026-02-30T10:00:00Z', /is not a real date \(2026-02 has 28 days\)/],
    ['time', '2026-02-29T10:00:00Z', /is not a real date \(2026-02 has 28 days\)/],
    ['resultRecordedTime', '2026-04-31T10:00:00.000Z', /is not a real date \(2026-04 has 30 days\)/],
    ['resultRecordedTime', '2026-11-20T24:00:00Z', /is not a real time \(hour 24/],
    ['notificationCreationTime', '2026-11-20T24:00:00.000+01:00', /is not a real time \(hour 24/],
    ['configRuleInvokedTime', '2026-11-20T10:60:00Z', /is not a real time \(minute 60/],
    ['orderingTimestamp', '2026-11-20T10:15:60Z', /is not a real time \(second 60/],
    ['time', '2026-11-20T10:15:31+24:00', /has no real UTC offset/],
    ['orderingTimestamp', '2026-13-01T10:00:00Z', /is not a real date \(there is no month 13\)/],
    ['orderingTimestamp', '2026-00-10T10:00:00Z', /there is no month 00/],
    ['orderingTimestamp', '2026-11-00T10:00:00Z', /is not a real date/],
    // Not an ISO 8601 date-time with a zone at all.
    ['orderingTimestamp', '2026-11-20T10:15:20', /is not an ISO 8601 date-time with a zone/],
    ['time', '2026-11-20 10:15:31Z', /is not an ISO 8601 date-time with a zone/],
    ['time', '+010000-01-01T00:59:59.000Z', /is not an ISO 8601 date-time with a zone/],
    ['resultRecordedTime', '1999-12-31T23:59:59.999Z', /is before 2000-01-01/],
    ['resultRecordedTime', '2000-01-01T00:30:00+01:00', /is before 2000-01-01.*1999-12-31T23:30:00\.000Z/],
  ])('%s %s', (field, value, problem) => {
    const outcome = parseConfigEvent(withTimestamp(field, value));
    expect(outcome.status).toBe('rejected');
    const reason = outcome.status === 'rejected' ? outcome.reason : '';
    // The reason names the field, the value and why.
    const [path] = FIELDS[field] ?? [''];
    expect(reason).toMatch(
      new RegExp(`^(.*; )?${escapeRegExp(path)} must be an ISO 8601 timestamp: "${escapeRegExp(value)}" `),
    );
    expect(reason).toMatch(problem);
  });

  it('rejects an instant more than a day ahead of the clock, accepts one less', () => {
    const iso = (ms: number) => new Date(ms).toISOString();
    const ahead = parseConfigEvent(withTimestamp('orderingTimestamp', iso(Date.now() + DAY + 60_000)));
    const soon = parseConfigEvent(withTimestamp('orderingTimestamp', iso(Date.now() + DAY - 60_000)));
    expect(ahead).toMatchObject({
      status: 'rejected',
      reason: expect.stringMatching(/more than a day ahead/),
    });
    expect(soon.status).toBe('accepted');
  });

  it('rejects a configuration item whose capture time is not a real date, naming the field', () => {
    const item = fixture<Record<string, any>>('configuration-item', 'inline-item-account-inside');
    item.detail.configurationItem.configurationItemCaptureTime = '2026-02-30T10:00:00.000Z';
    expect(parseConfigEvent(item)).toMatchObject({
      status: 'rejected',
      reason: expect.stringMatching(
        /^detail\.configurationItem\.configurationItemCaptureTime must be an ISO 8601 timestamp: .* is not a real date/,
      ),
    });
  });

  it.each([
    ['2024-02-29T10:00:00Z', '2024-02-29T10:00:00.000Z'],
    ['2000-02-29T23:59:59.999Z', '2000-02-29T23:59:59.999Z'],
    ['2000-01-01T00:00:00Z', '2000-01-01T00:00:00.000Z'],
    ['2026-11-30T10:15:20.5+01:00', '2026-11-30T09:15:20.500Z'],
    ['2026-11-20T10:15:20.123456789-0130', '2026-11-20T11:45:20.123Z'],
    ['2025-12-31T23:30:00-01:00', '2026-01-01T00:30:00.000Z'],
    ['2026-01-01T00:30:00+01:00', '2025-12-31T23:30:00.000Z'],
    ['2026-11-20T10:15:20.9999Z', '2026-11-20T10:15:20.999Z'],
  ])('accepts %s and normalizes it to UTC with milliseconds (%s)', (value, normalized) => {
    const outcome = parseConfigEvent(withTimestamp('orderingTimestamp', value));
    expect(outcome.status === 'accepted' && (outcome.event as ComplianceChange).orderingTimestamp).toBe(
      normalized,
    );
  });

  it('every accepted timestamp has the normal form, a 4-digit year: what the archive writers read', () => {
    // Offsets at the edges of every month of a leap and a common year, with and without fractions.
    const values: string[] = [];
    for (const year of [2024, 2025]) {
      for (let month = 1; month <= 12; month += 1) {
        for (const day of [1, 28, 29, 30, 31]) {
          for (const [clock, zone] of [
            ['00:00:00', '+14:00'],
            ['23:59:59.999999', '-12:00'],
            ['12:00:00', 'Z'],
          ]) {
            values.push(
              `${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}T${clock}${zone}`,
            );
          }
        }
      }
    }
    let accepted = 0;
    for (const value of values) {
      const outcome = parseConfigEvent(withTimestamp('resultRecordedTime', value));
      if (outcome.status !== 'accepted') {
        expect(outcome.status === 'rejected' && outcome.reason).toMatch(/is not a real date/);
        continue;
      }
      accepted += 1;
      const recorded = (outcome.event as ComplianceChange).recordedTime;
      expect(recorded).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
      // The same instant as V8 reads for a real date (it truncates the fraction to milliseconds too).
      expect(Date.parse(recorded)).toBe(Date.parse(value));
    }
    // Of the days 1, 28, 29, 30, 31 of each month: 54 exist in 2024, 53 in 2025; three clocks each.
    expect(accepted).toBe((54 + 53) * 3);
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
