/**
 * The consumer use case on in-memory stores: alert decisions, ordering within and across
 * batches, counting, and which record a failure leaves unfinished. The DynamoDB behaviour of the
 * same steps is covered against dynalite in test/integration/consumer.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { stateKeyId } from '../../src/domain/compliance-state.js';
import { transformBatchForArchive } from '../../src/use-cases/archive-transform.js';
import { EventsNotStoredError, KeptContentLaterError } from '../../src/use-cases/errors.js';
import { type IncomingRecord, processBatch } from '../../src/use-cases/process-batch.js';
import { type ComplianceEventSpec, complianceEvent, type Status } from '../helpers/archive-events.js';
import { fixtureText } from '../helpers/fixtures.js';
import { inMemoryDeps } from '../helpers/in-memory-hot-store.js';

const KEY = {
  account: '111122223333',
  region: 'eu-west-1',
  ruleName: 's3-bucket-versioning-enabled',
  resourceType: 'AWS::S3::Bucket',
  resourceId: 'my-data-bucket',
};

let counter = 0;
/** A compliance change of {@link KEY} as raw text; `at` is its orderingTimestamp. */
function change(spec: Partial<ComplianceEventSpec> & { newStatus: Status; at: string }): string {
  counter += 1;
  return JSON.stringify(complianceEvent({ id: `evt-${counter}`, ...spec }));
}

function records(texts: readonly string[]): IncomingRecord[] {
  return texts.map((text, i) => ({ text, sequenceNumber: String(1000 + i), partitionKey: 'pk' }));
}

describe('processBatch: alert decisions (newest event of a key)', () => {
  // prior: the state already stored for the key (null = first evaluation).
  describe.each([
    { name: 'first NON_COMPLIANT', prior: null, old: null, next: 'NON_COMPLIANT', alert: 'violation' },
    {
      name: 'COMPLIANT → NON_COMPLIANT',
      prior: 'COMPLIANT',
      old: 'COMPLIANT',
      next: 'NON_COMPLIANT',
      alert: 'violation',
    },
    {
      name: 'NOT_APPLICABLE → NON_COMPLIANT',
      prior: 'NOT_APPLICABLE',
      old: 'NOT_APPLICABLE',
      next: 'NON_COMPLIANT',
      alert: 'violation',
    },
    {
      name: 'NON_COMPLIANT → NON_COMPLIANT, new annotation',
      prior: 'NON_COMPLIANT',
      old: 'NON_COMPLIANT',
      next: 'NON_COMPLIANT',
      alert: null,
    },
    {
      name: 'NON_COMPLIANT → COMPLIANT',
      prior: 'NON_COMPLIANT',
      old: 'NON_COMPLIANT',
      next: 'COMPLIANT',
      alert: 'resolution',
    },
    {
      name: 'NON_COMPLIANT → NOT_APPLICABLE',
      prior: 'NON_COMPLIANT',
      old: 'NON_COMPLIANT',
      next: 'NOT_APPLICABLE',
      alert: 'resolution',
    },
    { name: 'first COMPLIANT', prior: null, old: null, next: 'COMPLIANT', alert: null },
    { name: 'first INSUFFICIENT_DATA', prior: null, old: null, next: 'INSUFFICIENT_DATA', alert: null },
    {
      name: 'INSUFFICIENT_DATA → NON_COMPLIANT',
      prior: 'INSUFFICIENT_DATA',
      old: 'INSUFFICIENT_DATA',
      next: 'NON_COMPLIANT',
      alert: 'violation',
    },
    {
      name: 'NON_COMPLIANT → INSUFFICIENT_DATA',
      prior: 'NON_COMPLIANT',
      old: 'NON_COMPLIANT',
      next: 'INSUFFICIENT_DATA',
      alert: null,
    },
    {
      name: 'INSUFFICIENT_DATA → COMPLIANT',
      prior: 'INSUFFICIENT_DATA',
      old: 'INSUFFICIENT_DATA',
      next: 'COMPLIANT',
      alert: null,
    },
    { name: 'COMPLIANT → COMPLIANT', prior: 'COMPLIANT', old: 'COMPLIANT', next: 'COMPLIANT', alert: null },
  ] as const)('$name', ({ prior, old, next, alert }) => {
    it(`queues ${alert ?? 'no alert'} and moves the state to ${next}`, async () => {
      // Prepare
      const deps = inMemoryDeps();
      if (prior) {
        await processBatch(
          records([
            change({
              newStatus: prior,
              oldStatus: null,
              at: '2026-11-20T09:00:00.000Z',
              annotation: 'before',
            }),
          ]),
          deps,
        );
      }
      deps.outbox.items.clear();
      const text = change({
        newStatus: next,
        oldStatus: old,
        at: '2026-11-20T10:00:00.000Z',
        annotation: 'after',
      });

      // Act
      const result = await processBatch(records([text]), deps);

      // Assess
      const alerts = [...deps.outbox.alerts.values()];
      expect(alerts.map((a) => a.kind)).toEqual(alert ? [alert] : []);
      expect(result.summary).toMatchObject({
        accepted: 1,
        stale: 0,
        violations: alert === 'violation' ? 1 : 0,
        resolutions: alert === 'resolution' ? 1 : 0,
      });
      expect(deps.states.get(KEY)).toMatchObject({ status: next, annotation: 'after' });
    });
  });
});

describe('processBatch: real-shaped fixtures, in the order AWS would send them', () => {
  it.each([
    ['first-evaluation', [], 'violation', 'NON_COMPLIANT'],
    ['annotation-change-still-non-compliant', ['first-evaluation'], null, 'NON_COMPLIANT'],
    ['not-applicable-after-violation', ['first-evaluation'], 'resolution', 'NOT_APPLICABLE'],
    ['resolution-conformance-pack', [], 'resolution', 'COMPLIANT'],
    ['account-resource-annotation-newline', [], 'violation', 'NON_COMPLIANT'],
    ['insufficient-data', [], null, 'INSUFFICIENT_DATA'],
    ['long-resource-id', [], 'violation', 'NON_COMPLIANT'],
  ] as const)('%s after %j → %s, state %s', async (variant, before, alert, status) => {
    // Prepare
    const deps = inMemoryDeps();
    if (before.length > 0)
      await processBatch(records(before.map((v) => fixtureText('compliance-change', v))), deps);
    deps.outbox.items.clear();
    const text = fixtureText('compliance-change', variant);
    const event = JSON.parse(text);

    // Act
    const result = await processBatch(records([text]), deps);

    // Assess
    expect(result.summary).toMatchObject({ accepted: 1, failed: 0, stale: 0 });
    expect([...deps.outbox.alerts.values()].map((a) => a.kind)).toEqual(alert ? [alert] : []);
    const key = {
      account: event.detail.awsAccountId,
      region: event.detail.awsRegion,
      ruleName: event.detail.configRuleName,
      resourceType: event.detail.resourceType,
      resourceId: event.detail.resourceId,
    };
    expect(deps.states.get(key)?.status).toBe(status);
  });
});

describe('processBatch: order per key', () => {
  it('applies several events of one key in record order within a batch', async () => {
    // Prepare
    const deps = inMemoryDeps();
    const texts = [
      change({ newStatus: 'NON_COMPLIANT', oldStatus: 'COMPLIANT', at: '2026-11-20T10:00:00.000Z' }),
      change({ newStatus: 'COMPLIANT', oldStatus: 'NON_COMPLIANT', at: '2026-11-20T11:00:00.000Z' }),
      change({
        newStatus: 'NON_COMPLIANT',
        oldStatus: 'COMPLIANT',
        at: '2026-11-20T12:00:00.000Z',
        annotation: 'x',
      }),
    ];

    // Act
    const result = await processBatch(records(texts), deps);

    // Assess
    const queued = [...deps.outbox.alerts.values()].sort((a, b) =>
      a.orderingTimestamp.localeCompare(b.orderingTimestamp),
    );
    expect(queued.map((a) => a.kind)).toEqual(['violation', 'resolution', 'violation']);
    expect(deps.states.get(KEY)).toMatchObject({ status: 'NON_COMPLIANT', annotation: 'x' });
    expect(deps.states.writes).toBe(1); // only the newest state of the key is written
    expect(result.summary).toMatchObject({ accepted: 3, violations: 2, resolutions: 1, stale: 0 });
  });

  it('treats an older event after a newer one in the same batch as stale: history only', async () => {
    // Prepare
    const deps = inMemoryDeps();
    const newer = change({
      newStatus: 'COMPLIANT',
      oldStatus: 'NON_COMPLIANT',
      at: '2026-11-20T12:00:00.000Z',
    });
    const older = change({
      newStatus: 'NON_COMPLIANT',
      oldStatus: 'COMPLIANT',
      at: '2026-11-20T11:00:00.000Z',
    });

    // Act
    const result = await processBatch(records([newer, older]), deps);

    // Assess
    expect([...deps.outbox.alerts.values()].map((a) => a.kind)).toEqual(['resolution']);
    expect(deps.states.get(KEY)?.status).toBe('COMPLIANT');
    expect(result.summary).toMatchObject({ accepted: 2, stale: 1, violations: 0, resolutions: 1 });
    expect(deps.events.items.size).toBe(2); // the stale one is kept in history
  });

  it('does not alert nor move the state for a late event older than the stored state', async () => {
    // Prepare
    const deps = inMemoryDeps();
    await processBatch(
      records([
        change({ newStatus: 'COMPLIANT', oldStatus: 'NON_COMPLIANT', at: '2026-11-20T12:00:00.000Z' }),
      ]),
      deps,
    );
    deps.outbox.items.clear();

    // Act
    const late = change({
      newStatus: 'NON_COMPLIANT',
      oldStatus: 'COMPLIANT',
      at: '2026-11-20T11:59:59.999Z',
    });
    const result = await processBatch(records([late]), deps);

    // Assess
    expect(deps.outbox.alerts.size).toBe(0);
    expect(deps.states.get(KEY)?.status).toBe('COMPLIANT');
    expect(result.summary).toMatchObject({ accepted: 1, stale: 1, violations: 0 });
  });

  it('keeps keys apart: the same resource under two rules has two states', async () => {
    // Prepare
    const deps = inMemoryDeps();
    const texts = [
      change({ newStatus: 'NON_COMPLIANT', at: '2026-11-20T10:00:00.000Z' }),
      change({
        newStatus: 'NON_COMPLIANT',
        at: '2026-11-20T09:00:00.000Z',
        rule: 's3-bucket-logging-enabled',
      }),
    ];

    // Act
    const result = await processBatch(records(texts), deps);

    // Assess
    expect(result.summary).toMatchObject({ accepted: 2, stale: 0, violations: 2 });
    expect(deps.states.size).toBe(2);
  });
});

describe('processBatch: counting', () => {
  it('counts accepted, duplicates, skipped and rejected so that they add up to received', async () => {
    // Prepare
    const deps = inMemoryDeps();
    const first = fixtureText('compliance-change', 'first-evaluation');
    const texts = [
      first,
      fixtureText('configuration-item', 'inline-item-account-inside'),
      fixtureText('other', 'ec2-state-change'),
      '{"not": "an event"',
      fixtureText('other', 'sns-envelope'),
      first, // the same id again within the batch
    ];

    // Act
    const result = await processBatch(records(texts), deps);
    const again = await processBatch(records([first]), deps);

    // Assess
    expect(result.summary).toEqual({
      received: 6,
      accepted: 2,
      duplicates: 1,
      stale: 0,
      skipped: 1,
      rejected: 2,
      violations: 1,
      resolutions: 0,
      flapping: 0,
      failed: 0,
    });
    expect(result.firstFailed).toBeNull();
    expect(again.summary).toMatchObject({ received: 1, accepted: 0, duplicates: 1, violations: 0 });
    expect(deps.outbox.alerts.size).toBe(1);
    expect(deps.quarantine.records.map((r) => [r.sequenceNumber, r.reason.slice(0, 30)])).toEqual([
      ['1003', expect.stringMatching(/^bad JSON/)],
      ['1004', 'not an EventBridge event: look'],
    ]);
    expect(deps.quarantine.records[0]?.data).toBe('{"not": "an event"');
  });

  it('stores configuration-item changes without state or alert', async () => {
    // Prepare
    const deps = inMemoryDeps();

    // Act
    const result = await processBatch(records([fixtureText('configuration-item', 'oversized')]), deps);

    // Assess
    expect(result.summary).toMatchObject({ accepted: 1, violations: 0 });
    expect(deps.events.items.size).toBe(1);
    expect(deps.states.size).toBe(0);
  });

  it('quarantines an event whose id is too long for the keys instead of failing the batch', async () => {
    // Prepare
    const deps = inMemoryDeps();
    const text = JSON.stringify(
      complianceEvent({ id: 'x'.repeat(600), newStatus: 'NON_COMPLIANT', at: '2026-11-20T10:00:00Z' }),
    );

    // Act
    const result = await processBatch(
      records([text, change({ newStatus: 'COMPLIANT', at: '2026-11-20T10:00:00Z' })]),
      deps,
    );

    // Assess
    expect(result.summary).toMatchObject({ rejected: 1, accepted: 1, failed: 0 });
    expect(deps.quarantine.records[0]?.reason).toBe('id is 600 UTF-8 bytes; at most 512 allowed');
  });

  it('quarantines an event whose stored item would exceed the item size budget', async () => {
    // Prepare
    const deps = inMemoryDeps();
    const text = change({
      newStatus: 'NON_COMPLIANT',
      at: '2026-11-20T10:00:00Z',
      annotation: '\u20ac'.repeat(200_000),
    });

    // Act
    const result = await processBatch(records([text]), deps);

    // Assess
    expect(result.summary).toMatchObject({ rejected: 1, accepted: 0 });
    expect(deps.quarantine.records[0]?.reason).toMatch(
      /^event is \d+ bytes once stored; at most 350000 allowed/,
    );
  });
});

describe('processBatch: transient failures leave the first unfinished record to redeliver', () => {
  const skipped = fixtureText('other', 'ec2-state-change');

  it.each([
    ['claim', 'read-events'],
    ['markDone', 'write-events'],
  ] as const)('events store %s fails → from the first valid event on', async (method, step) => {
    // Prepare
    const deps = inMemoryDeps();
    deps.events.faults.fail(method);
    const texts = [skipped, change({ newStatus: 'NON_COMPLIANT', at: '2026-11-20T10:00:00Z' }), skipped];

    // Act
    const result = await processBatch(records(texts), deps);

    // Assess
    expect(result.firstFailed).toBe(1);
    expect(result.failures.map((f) => f.step)).toEqual([step]);
    expect(result.summary).toMatchObject({ received: 3, skipped: 1, accepted: 0, failed: 2 });
    // The violation was queued before the failing step (read-events fails before any decision).
    expect(result.summary.violations).toBe(method === 'markDone' ? 1 : 0);
  });

  it('does not move any state when the alerts cannot be queued', async () => {
    // Prepare
    const deps = inMemoryDeps();
    deps.outbox.faults.fail('enqueue');
    const texts = [
      fixtureText('configuration-item', 'oversized'),
      change({ newStatus: 'NON_COMPLIANT', at: '2026-11-20T10:00:00Z' }),
    ];

    // Act
    const result = await processBatch(records(texts), deps);

    // Assess
    expect(result.firstFailed).toBe(1);
    expect(deps.states.size).toBe(0);
    expect([...deps.events.items.keys()]).toEqual(['1f2e3d4c-5b6a-4978-8a9b-0c1d2e3f4a5b']);
    expect(result.summary).toMatchObject({ accepted: 1, failed: 1 });
  });

  it('fails from the first event of a key whose state write failed; earlier records complete', async () => {
    // Prepare
    const deps = inMemoryDeps();
    const other = { resourceId: 'other-bucket' };
    const texts = [
      change({ newStatus: 'NON_COMPLIANT', at: '2026-11-20T10:00:00Z', ...other }),
      change({ newStatus: 'NON_COMPLIANT', at: '2026-11-20T10:00:00Z' }),
      change({ newStatus: 'COMPLIANT', oldStatus: 'NON_COMPLIANT', at: '2026-11-20T11:00:00Z', ...other }),
    ];
    deps.states.failKeys.add(stateKeyId(KEY));

    // Act
    const result = await processBatch(records(texts), deps);
    const doneAfterFirst = deps.events.items.size;
    const retry = await processBatch(records(texts.slice(1)), deps);

    // Assess
    expect(result.firstFailed).toBe(1);
    // Records count when they complete; alerts count when first queued (all three in the first run).
    expect(result.summary).toMatchObject({ accepted: 1, violations: 2, resolutions: 1, failed: 2 });
    expect(doneAfterFirst).toBe(1); // only the completed prefix is marked done
    expect(deps.events.items.size).toBe(3);
    expect(retry.summary).toMatchObject({ accepted: 2, violations: 0, resolutions: 0, failed: 0 });
    expect(deps.states.get(KEY)?.status).toBe('NON_COMPLIANT');
    // Three decisions, each queued once although record 3's was derived in both runs.
    expect(deps.outbox.alerts.size).toBe(3);
  });

  it('reports the record left unprocessed by the final write, and the ones after it', async () => {
    // Prepare
    const deps = inMemoryDeps();
    const texts = [
      change({ newStatus: 'COMPLIANT', at: '2026-11-20T10:00:00Z', resourceId: 'a' }),
      change({ newStatus: 'COMPLIANT', at: '2026-11-20T10:00:00Z', resourceId: 'b' }),
      change({ newStatus: 'COMPLIANT', at: '2026-11-20T10:00:00Z', resourceId: 'c' }),
    ];
    deps.events.leaveUnprocessed.add(JSON.parse(texts[1] as string).id);

    // Act
    const result = await processBatch(records(texts), deps);

    // Assess
    expect(result.firstFailed).toBe(1);
    expect(result.failures[0]?.error).toBeInstanceOf(EventsNotStoredError);
    expect(result.summary).toMatchObject({ accepted: 1, failed: 2 });
  });

  it('marks only rejected records unfinished when the quarantine fails', async () => {
    // Prepare
    const deps = inMemoryDeps();
    deps.quarantine.faults.fail('put');
    const texts = [change({ newStatus: 'COMPLIANT', at: '2026-11-20T10:00:00Z' }), 'garbage', skipped];

    // Act
    const result = await processBatch(records(texts), deps);

    // Assess
    expect(result.firstFailed).toBe(1);
    expect(result.summary).toMatchObject({ accepted: 1, rejected: 0, skipped: 0, failed: 2 });
    expect(deps.events.items.size).toBe(1);
  });
});

describe('processBatch: an event id is one event (first received wins)', () => {
  const spec = { id: 'same-id', newStatus: 'NON_COMPLIANT' as const, at: '2026-11-20T10:00:00Z' };
  const on = (resourceId: string, extra: Partial<ComplianceEventSpec> = {}) =>
    JSON.stringify(complianceEvent({ ...spec, resourceId, ...extra }));

  it('rejects a repeat in the batch with other content as a conflicting duplicate, quarantined with its reason', async () => {
    // Prepare: one id on three resources, then the first again unchanged.
    const deps = inMemoryDeps();
    // Act
    const result = await processBatch(
      records([on('bucket-a'), on('bucket-b'), on('bucket-c'), on('bucket-a')]),
      deps,
    );
    // Assess
    expect(result.summary).toMatchObject({
      received: 4,
      accepted: 1,
      duplicates: 1,
      rejected: 2,
      violations: 1,
    });
    expect(deps.quarantine.records.map((r) => r.reason)).toEqual([
      expect.stringMatching(
        /^conflicting duplicate: event id "same-id" was already received with other content/,
      ),
      expect.stringMatching(/^conflicting duplicate/),
    ]);
    expect(deps.states.get({ ...KEY, resourceId: 'bucket-a' })?.status).toBe('NON_COMPLIANT');
    expect(deps.states.get({ ...KEY, resourceId: 'bucket-b' })).toBeUndefined();
  });

  it('rejects it in a later batch too, and counts an unchanged repeat as a duplicate', async () => {
    const deps = inMemoryDeps();
    await processBatch(records([on('bucket-a')]), deps);
    const later = await processBatch(records([on('bucket-b'), on('bucket-a')]), deps);
    expect(later.summary).toMatchObject({ accepted: 0, duplicates: 1, rejected: 1, violations: 0 });
    expect(deps.states.get({ ...KEY, resourceId: 'bucket-b' })).toBeUndefined();
    expect(deps.outbox.alerts.size).toBe(1);
  });

  it('counts a repeat that differs only in when it was sent (time, annotation) as a duplicate', async () => {
    const deps = inMemoryDeps();
    await processBatch(records([on('bucket-a')]), deps);
    const later = await processBatch(
      records([on('bucket-a', { time: '2026-11-21T00:00:00Z', annotation: 'another wording' })]),
      deps,
    );
    expect(later.summary).toMatchObject({ duplicates: 1, rejected: 0 });
  });

  it('applies a later record of the batch whose content was claimed elsewhere first (by the archive transform), by redelivering from it', async () => {
    // Prepare: the archive transform claimed the id with bucket-b's content before the consumer
    // read this batch, in which bucket-a's record of the id comes first.
    const deps = inMemoryDeps();
    await transformBatchForArchive([on('bucket-b')], deps.events);
    const claimed = deps.events.claims.get('same-id');
    const batch = records([on('bucket-a'), on('bucket-b'), change({ newStatus: 'COMPLIANT', at: spec.at })]);

    // Act
    const result = await processBatch(batch, deps);
    const redelivered = await processBatch(batch.slice(result.firstFailed ?? batch.length), deps);

    // Assess: bucket-b's record is the event, in the hot store as in the archive.
    expect(result.firstFailed).toBe(1);
    expect(result.failures[0]?.error).toBeInstanceOf(KeptContentLaterError);
    expect(result.summary).toMatchObject({ rejected: 1, failed: 2 });
    expect(redelivered.firstFailed).toBeNull();
    expect(redelivered.summary).toMatchObject({ accepted: 2, violations: 1 });
    expect(deps.states.get({ ...KEY, resourceId: 'bucket-b' })?.status).toBe('NON_COMPLIANT');
    expect(deps.states.get({ ...KEY, resourceId: 'bucket-a' })).toBeUndefined();
    expect(claimed).toBeDefined();
    expect(deps.events.items.get('same-id')).toBe(claimed);
  });

  it('leaves a conflicting record unfinished when its quarantine fails, so it is redelivered', async () => {
    const deps = inMemoryDeps();
    await processBatch(records([on('bucket-a')]), deps);
    deps.quarantine.faults.fail('put');
    const result = await processBatch(records([on('bucket-b')]), deps);
    expect(result.firstFailed).toBe(0);
    expect(result.failures.map((f) => f.step)).toEqual(['quarantine']);
  });
});
