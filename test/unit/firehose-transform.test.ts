import { describe, expect, it } from 'vitest';
import { COMPLIANCE_EVENT_COLUMNS } from '../../src/domain/archive-schema.js';
import { RECONCILE_SOURCE } from '../../src/domain/event-pattern.js';
import { handler } from '../../src/handlers/firehose-transform.lambda.js';
import { toArchiveTimestamp, transformForArchive } from '../../src/use-cases/archive-transform.js';
import { complianceEvent, firehoseEvent } from '../helpers/archive-events.js';
import { fixtureText } from '../helpers/fixtures.js';

const decode = (data: string | undefined) => Buffer.from(data ?? '', 'base64').toString('utf8');

describe('firehose-transform handler', () => {
  it('maps every record, in order, to Ok / Dropped / ProcessingFailed with the dt partition key', async () => {
    // Prepare
    const texts = [
      fixtureText('compliance-change', 'first-evaluation'),
      fixtureText('configuration-item', 'inline-item-account-inside'),
      fixtureText('other', 'ec2-state-change'),
      '{"not json',
      fixtureText('other', 'sns-envelope'),
      fixtureText('compliance-change', 'resolution-conformance-pack'),
    ];
    const event = firehoseEvent(texts);

    // Act
    const result = await handler(event);

    // Assess
    expect(result.records.map((r) => [r.recordId, r.result])).toEqual([
      ['record-0', 'Ok'],
      ['record-1', 'Dropped'],
      ['record-2', 'Dropped'],
      ['record-3', 'ProcessingFailed'],
      ['record-4', 'ProcessingFailed'],
      ['record-5', 'Ok'],
    ]);
    expect(result.records[0]?.metadata).toEqual({ partitionKeys: { dt: '2026-11-20' } });
    expect(result.records[5]?.metadata).toEqual({ partitionKeys: { dt: '2026-11-21' } });
    // Failed and dropped records keep their original data: Firehose writes failed ones to the error prefix.
    expect(result.records[3]?.data).toBe(event.records[3]?.data);
    expect(result.records[3]?.metadata).toBeUndefined();
  });

  it('emits one flat JSON row of the archive schema, timestamps in the SerDe default format', async () => {
    // Prepare
    const event = firehoseEvent([fixtureText('compliance-change', 'resolution-conformance-pack')]);

    // Act
    const [record] = (await handler(event)).records;

    // Assess
    const text = decode(record?.data);
    expect(text.endsWith('}\n')).toBe(true);
    const row = JSON.parse(text);
    expect(Object.keys(row)).toEqual(COMPLIANCE_EVENT_COLUMNS.map((c) => c.name));
    expect(row).toEqual({
      event_id: 'e3f0a1b2-7c8d-4e5f-9a0b-1c2d3e4f5a6b',
      event_time: '2026-11-21 08:00:02.000',
      recorded_time: '2026-11-21 08:00:01.000',
      account: '111122223333',
      region: 'eu-west-1',
      rule_name: 's3-bucket-versioning-enabled-conformance-pack-x1y2z3w4v',
      base_rule_name: 's3-bucket-versioning-enabled',
      rule_arn:
        'arn:aws:config:eu-west-1:111122223333:config-rule/aws-service-rule/securityhub.amazonaws.com/config-rule-9zz9zz',
      resource_type: 'AWS::S3::Bucket',
      resource_id: 'my-data-bucket',
      old_status: 'NON_COMPLIANT',
      new_status: 'COMPLIANT',
      annotation: null,
      notification_time: '2026-11-21 08:00:02.001',
      ordering_time: '2026-11-21 07:59:58.000',
      source: 'aws.config',
      reconciliation: null,
    });
  });

  it('carries the source and the reconciliation mode of a record of the reconciler', async () => {
    // Prepare: a baseline record (first sync of an account and region) and a drift one
    const records = (['baseline', 'drift'] as const).map((mode) => {
      const event = complianceEvent({
        id: `sync-${mode}`,
        newStatus: 'NON_COMPLIANT',
        at: '2024-06-01T10:00:00.000Z',
        time: '2026-03-02T08:00:00.000Z',
      }) as { source: string; detail: Record<string, unknown> };
      event.source = RECONCILE_SOURCE;
      event.detail.reconciliation = { syncId: 'sync-1', mode };
      return JSON.stringify(event);
    });

    // Act
    const result = await handler(firehoseEvent(records));

    // Assess
    const rows = result.records.map((r) => JSON.parse(decode(r.data)));
    expect(result.records.map((r) => r.result)).toEqual(['Ok', 'Ok']);
    expect(rows.map((r) => [r.event_id, r.source, r.reconciliation])).toEqual([
      ['sync-baseline', RECONCILE_SOURCE, 'baseline'],
      ['sync-drift', RECONCILE_SOURCE, 'drift'],
    ]);
    expect(Object.keys(rows[0])).toEqual(COMPLIANCE_EVENT_COLUMNS.map((c) => c.name));
  });

  it('ignores a reconciliation that a live event claims: only the reconciler marks a record', () => {
    // Prepare
    const event = complianceEvent({
      id: 'claims',
      newStatus: 'NON_COMPLIANT',
      at: '2026-03-01T10:00:00Z',
    }) as {
      detail: Record<string, unknown>;
    };
    event.detail.reconciliation = { syncId: 'sync-1', mode: 'baseline' };

    // Act
    const outcome = transformForArchive(JSON.stringify(event));

    // Assess
    if (outcome.result !== 'Ok') throw new Error('expected Ok');
    expect(JSON.parse(outcome.record)).toMatchObject({ source: 'aws.config', reconciliation: null });
  });

  it("partitions by the UTC date of the EventBridge time, not of a rollout's year-old orderingTimestamp", () => {
    // Prepare: a conformance-pack rollout evaluates an item captured a year before, late at night UTC
    const text = JSON.stringify(
      complianceEvent({
        id: 'rollout',
        newStatus: 'NON_COMPLIANT',
        at: '2025-03-02T00:30:00.000+01:00',
        recordedAt: '2026-03-01T23:29:59.000Z',
        time: '2026-03-01T23:30:00Z',
      }),
    );

    // Act
    const outcome = transformForArchive(text);

    // Assess
    expect(outcome).toMatchObject({ result: 'Ok', dt: '2026-03-01' });
    if (outcome.result !== 'Ok') throw new Error('expected Ok');
    const row = JSON.parse(outcome.record);
    expect(row.event_time).toBe('2026-03-01 23:30:00.000');
    expect(row.ordering_time).toBe('2025-03-01 23:30:00.000');
  });

  it('keeps untrusted annotation text as data (JSON-escaped, never interpreted)', () => {
    // Prepare
    const hostile = 'line1\n"quoted" <!channel> \\ \u0000 end';
    const text = JSON.stringify(
      complianceEvent({
        id: 'hostile',
        newStatus: 'NON_COMPLIANT',
        at: '2026-03-01T10:00:00Z',
        annotation: hostile,
      }),
    );

    // Act
    const outcome = transformForArchive(text);

    // Assess
    if (outcome.result !== 'Ok') throw new Error('expected Ok');
    expect(outcome.record.split('\n')).toHaveLength(2);
    expect(JSON.parse(outcome.record).annotation).toBe(hostile);
  });

  it.each([
    ['bad JSON', '{', /bad JSON/],
    ['an array', '[]', /not an object/],
    ['a compliance change without a status', '__missing_status__', /complianceType/],
  ])('marks %s ProcessingFailed with a reason', (_label, input, reason) => {
    // Prepare
    let text = input;
    if (input === '__missing_status__') {
      const event = complianceEvent({ id: 'x', newStatus: 'COMPLIANT', at: '2026-03-01T10:00:00Z' }) as any;
      delete event.detail.newEvaluationResult.complianceType;
      text = JSON.stringify(event);
    }

    // Act
    const outcome = transformForArchive(text);

    // Assess
    expect(outcome.result).toBe('ProcessingFailed');
    if (outcome.result === 'ProcessingFailed') expect(outcome.reason).toMatch(reason);
  });

  it('formats timestamps as UTC wall-clock time with milliseconds', () => {
    expect(toArchiveTimestamp('2026-01-02T03:04:05.006Z')).toBe('2026-01-02 03:04:05.006');
  });
});
