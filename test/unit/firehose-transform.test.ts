import { describe, expect, it } from 'vitest';
import { COMPLIANCE_EVENT_COLUMNS } from '../../src/domain/archive-schema.js';
import { RECONCILE_SOURCE } from '../../src/domain/event-pattern.js';
import { transformFirehoseEvent } from '../../src/handlers/firehose-transform.handler.js';
import {
  type ArchiveTransformOutcome,
  readArchiveRecord,
  toArchiveTimestamp,
  transformBatchForArchive,
  transformForArchive,
} from '../../src/use-cases/archive-transform.js';
import { processBatch } from '../../src/use-cases/process-batch.js';
import { type ComplianceEventSpec, complianceEvent, firehoseEvent } from '../helpers/archive-events.js';
import { fixtureText } from '../helpers/fixtures.js';
import { InMemoryEventStore, inMemoryDeps } from '../helpers/in-memory-hot-store.js';

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
    const result = await transformFirehoseEvent(event);

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
    const [record] = (await transformFirehoseEvent(event)).records;

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
      severity: 'MEDIUM',
    });
  });

  it("writes each row's severity: the catalog's, or the configuration's override of the base rule", async () => {
    // Prepare: a CRITICAL catalog rule, a MEDIUM one overridden to LOW, a custom rule (MEDIUM)
    const rules = [
      's3-bucket-public-read-prohibited',
      's3-bucket-versioning-enabled-conformance-pack-x1y2z3w4v',
      'our-custom-rule',
    ];
    const event = firehoseEvent(
      rules.map((rule, i) =>
        JSON.stringify(
          complianceEvent({
            id: `sev-${i}`,
            rule,
            resourceId: `bucket-${i}`,
            newStatus: 'NON_COMPLIANT',
            at: '2026-03-01T10:00:00Z',
          }),
        ),
      ),
    );

    // Act
    const plain = await transformFirehoseEvent(event);
    const overridden = await transformFirehoseEvent(event, undefined, undefined, {
      severityOverrides: { 's3-bucket-versioning-enabled': 'LOW' },
    });

    // Assess
    const severities = (result: typeof plain) =>
      result.records.map((r) => JSON.parse(decode(r.data)).severity);
    expect(severities(plain)).toEqual(['CRITICAL', 'MEDIUM', 'MEDIUM']);
    expect(severities(overridden)).toEqual(['CRITICAL', 'LOW', 'MEDIUM']);
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
    const result = await transformFirehoseEvent(firehoseEvent(records));

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

  it.each([
    ['orderingTimestamp', { at: '9999-12-31T23:59:59-01:00' }],
    ['resultRecordedTime', { recordedAt: '0000-01-01T00:00:00+01:00' }],
    ['time', { time: '2026-02-30T10:00:00Z' }],
    ['notificationCreationTime', { notification: '2026-03-01T24:00:00Z' }],
  ] as const)('never emits a row with a timestamp the Parquet writers cannot read (%s)', (field, spec) => {
    // Prepare
    const valid = {
      at: '2026-03-01T10:00:00Z',
      recordedAt: '2026-03-01T10:00:01Z',
      time: '2026-03-01T10:00:02Z',
    };
    const event = complianceEvent({ id: 'far', newStatus: 'NON_COMPLIANT', ...valid, ...spec }) as any;
    if ('notification' in spec) event.detail.notificationCreationTime = spec.notification;

    // Act
    const outcome = transformForArchive(JSON.stringify(event));

    // Assess
    expect(outcome.result).toBe('ProcessingFailed');
    expect(outcome.result === 'ProcessingFailed' && outcome.reason).toMatch(
      new RegExp(`(^|\\.)${field} must be an ISO 8601 timestamp: `),
    );
  });
});

describe("readArchiveRecord: a spool line back in this version's form, or why it is no row", () => {
  const current = () => {
    const outcome = transformForArchive(fixtureText('compliance-change', 'resolution-conformance-pack'));
    if (outcome.result !== 'Ok') throw new Error('expected Ok');
    return outcome.record;
  };
  const edited = (change: (row: Record<string, unknown>) => void) => {
    const row = JSON.parse(current());
    change(row);
    return JSON.stringify(row);
  };

  it('gives back a record of this version unchanged', () => {
    expect(readArchiveRecord(current().trimEnd())).toEqual({ record: current() });
  });

  it('reads the columns an older version did not write as null, in schema order, and drops unknown keys', () => {
    // Prepare
    const { source: _s, reconciliation: _r, ...older } = JSON.parse(current());
    const reading = readArchiveRecord(JSON.stringify({ extra: 1, ...older }));

    // Assess
    if (reading.problem !== undefined) throw new Error(reading.problem);
    expect(Object.keys(JSON.parse(reading.record))).toEqual(COMPLIANCE_EVENT_COLUMNS.map((c) => c.name));
    expect(JSON.parse(reading.record)).toMatchObject({ source: null, reconciliation: null });
  });

  it.each([
    ['a torn line', () => current().slice(0, 40), /^bad JSON/],
    ['an array', () => '[1]', /^not a JSON object: got an array/],
    [
      'a year past 9999',
      () => edited((r) => (r.ordering_time = '+010000-01-01 00:59:59.000')),
      /^ordering_time: ".*" is not a timestamp/,
    ],
    [
      'a day the month lacks',
      () => edited((r) => (r.event_time = '2026-02-30 10:00:00.000')),
      /^event_time: ".*" is not a real date/,
    ],
    [
      'hour 24',
      () => edited((r) => (r.recorded_time = '2026-02-01 24:00:00.000')),
      /^recorded_time: ".*" is not a real time/,
    ],
    [
      'the ISO form',
      () => edited((r) => (r.notification_time = '2026-02-01T10:00:00.000Z')),
      /^notification_time: .* is not a timestamp/,
    ],
    ['a number for a string', () => edited((r) => (r.event_id = 42)), /^event_id must be a string or null/],
    [
      'a lone surrogate',
      () => edited((r) => (r.annotation = 'x\ud800y')),
      /^annotation holds a lone UTF-16 surrogate/,
    ],
  ])('refuses %s, saying why', (_label, line, problem) => {
    expect(readArchiveRecord(line()).problem).toMatch(problem);
  });
});

describe('transformBatchForArchive: one row per event id, the content the hot store keeps', () => {
  const spec = { id: 'one-id', newStatus: 'NON_COMPLIANT' as const, at: '2026-11-20T10:00:00Z' };
  const on = (resourceId: string, extra: Partial<ComplianceEventSpec> = {}) =>
    JSON.stringify(complianceEvent({ ...spec, resourceId, ...extra }));
  const results = (outcomes: readonly ArchiveTransformOutcome[]) => outcomes.map((o) => o.result);
  const resourceOf = (outcomes: readonly ArchiveTransformOutcome[]) =>
    outcomes.flatMap((o) => (o.result === 'Ok' ? [JSON.parse(o.record).resource_id] : []));

  it('archives the first record of an id in the batch and drops its copies and its other contents', async () => {
    // Prepare: one id on three resources, the first one twice
    const store = new InMemoryEventStore();
    const texts = [on('bucket-a'), on('bucket-b'), on('bucket-a'), on('bucket-c')];

    // Act
    const outcomes = await transformBatchForArchive(texts, store);

    // Assess
    expect(results(outcomes)).toEqual(['Ok', 'Dropped', 'Dropped', 'Dropped']);
    expect(resourceOf(outcomes)).toEqual(['bucket-a']);
    expect(outcomes[1]).toMatchObject({ reason: expect.stringMatching(/^conflicting duplicate/) });
    expect(outcomes[2]).toMatchObject({ reason: expect.stringMatching(/^duplicate: .* earlier record/) });
  });

  it('archives the content the consumer stored, whatever comes first in the batch', async () => {
    // Prepare: the consumer stored bucket-c's record of the id
    const deps = inMemoryDeps();
    await processBatch([{ text: on('bucket-c') }], deps);

    // Act
    const outcomes = await transformBatchForArchive(
      [on('bucket-a'), on('bucket-c'), on('bucket-b')],
      deps.events,
    );

    // Assess
    expect(results(outcomes)).toEqual(['Dropped', 'Ok', 'Dropped']);
    expect(resourceOf(outcomes)).toEqual(['bucket-c']);
  });

  it('claims the id when it runs before the consumer, so the consumer keeps the same content', async () => {
    // Prepare: the archive reads bucket-b's record first (another shard's, or earlier in its batch)
    const deps = inMemoryDeps();

    // Act
    const archived = await transformBatchForArchive([on('bucket-b')], deps.events);
    const consumed = await processBatch([{ text: on('bucket-a') }, { text: on('bucket-b') }], deps);
    const again = await processBatch([{ text: on('bucket-b') }], deps);

    // Assess: the consumer rejects bucket-a's record and applies bucket-b's (after a redelivery).
    expect(resourceOf(archived)).toEqual(['bucket-b']);
    expect(consumed.outcomes[0]).toMatchObject({ kind: 'rejected' });
    expect(again.summary).toMatchObject({ accepted: 1, violations: 1 });
    expect(deps.states.get({ ...KEY_OF('bucket-b') })?.status).toBe('NON_COMPLIANT');
    expect(deps.states.get({ ...KEY_OF('bucket-a') })).toBeUndefined();
  });

  it('gives the same rows when the batch is redelivered, or shuffled', async () => {
    // Prepare
    const store = new InMemoryEventStore();
    const texts = [on('bucket-a'), on('bucket-b'), on('bucket-a', { time: '2026-11-21T00:00:00Z' })];
    const first = await transformBatchForArchive(texts, store);

    // Act
    const redelivered = await transformBatchForArchive(texts, store);
    const shuffled = await transformBatchForArchive([...texts].reverse(), store);

    // Assess
    expect(resourceOf(first)).toEqual(['bucket-a']);
    expect(resourceOf(redelivered)).toEqual(['bucket-a']);
    expect(resourceOf(shuffled)).toEqual(['bucket-a']);
  });

  it('fails a record the hot store cannot hold, as the consumer quarantines it', async () => {
    const outcomes = await transformBatchForArchive([on('x'.repeat(400_000))], new InMemoryEventStore());
    expect(outcomes[0]).toMatchObject({
      result: 'ProcessingFailed',
      reason: expect.stringMatching(/bytes once stored/),
    });
  });

  it('throws when the claim fails, so that Firehose retries the invocation', async () => {
    const store = new InMemoryEventStore();
    store.faults.fail('claim');
    await expect(transformBatchForArchive([on('bucket-a')], store)).rejects.toThrow(
      /injected failure of claim/,
    );
  });
});

function KEY_OF(resourceId: string) {
  return {
    account: '111122223333',
    region: 'eu-west-1',
    ruleName: 's3-bucket-versioning-enabled',
    resourceType: 'AWS::S3::Bucket',
    resourceId,
  };
}
