/**
 * The Kinesis adapter around the use case: base64 decoding, the partial batch response, the
 * structured log fields and the metric names. In-memory stores; no network.
 */
import { describe, expect, it } from 'vitest';
import { type ConsumerLogger, createBatchHandler, METRICS } from '../../src/handlers/consumer.handler.js';
import { complianceEvent } from '../helpers/archive-events.js';
import { fixtureText } from '../helpers/fixtures.js';
import { inMemoryDeps } from '../helpers/in-memory-hot-store.js';
import { kinesisEvent, sequenceNumbers } from '../helpers/kinesis-event.js';

function recorder() {
  const lines: { level: string; message: string; attributes: Record<string, unknown> }[] = [];
  const log = (level: string) => (message: string, attributes: Record<string, unknown>) =>
    void lines.push({ level, message, attributes });
  const logger: ConsumerLogger = {
    debug: log('debug'),
    info: log('info'),
    warn: log('warn'),
    error: log('error'),
  };
  const metrics: [string, string, number][] = [];
  return {
    lines,
    logger,
    metrics: { addMetric: (n: string, u: string, v: number) => void metrics.push([n, u, v]) },
    recorded: metrics,
  };
}

const NOW = new Date('2026-11-20T10:15:41.000Z');

describe('createBatchHandler', () => {
  it('decodes base64 records, logs each outcome with its fields and emits the metrics', async () => {
    // Prepare
    const deps = inMemoryDeps({ now: () => NOW });
    const { lines, logger, metrics, recorded } = recorder();
    const summaries: unknown[] = [];
    const handler = createBatchHandler(deps, { logger, metrics, onBatch: (s) => summaries.push(s) });
    const event = kinesisEvent([
      fixtureText('compliance-change', 'first-evaluation'),
      new Uint8Array([0xff, 0xfe, 0x00]),
      fixtureText('other', 'ec2-state-change'),
    ]);

    // Act
    const response = await handler(event);

    // Assess
    expect(response).toEqual({ batchItemFailures: [] });
    expect(lines.find((l) => l.message === 'violation queued')?.attributes).toEqual({
      outcome: 'violation',
      eventId: '5b9aa2a5-4c0b-0b1b-0b4b-4e8a1f4d3d21',
      account: '111122223333',
      region: 'eu-west-1',
      ruleName: 's3-bucket-versioning-enabled',
      resourceType: 'AWS::S3::Bucket',
      resourceId: 'my-data-bucket',
      complianceType: 'NON_COMPLIANT',
      oldComplianceType: null,
    });
    const quarantined = lines.find((l) => l.message === 'record quarantined');
    expect(quarantined).toMatchObject({
      level: 'warn',
      attributes: { outcome: 'rejected', sequenceNumber: sequenceNumbers(event)[1] },
    });
    expect(quarantined?.attributes.reason).toMatch(/^bad JSON/);
    expect(lines.at(-1)).toMatchObject({
      level: 'info',
      message: 'batch processed',
      attributes: { received: 3 },
    });
    expect(recorded).toEqual([
      ['ConfigEventsProcessed', 'Count', 2],
      ['ConfigEventProcessingErrors', 'Count', 1],
      ['ComplianceViolationNotifications', 'Count', 1],
      ['ComplianceResolutionNotifications', 'Count', 0],
      [METRICS.latency, 'Milliseconds', 10_000],
    ]);
    expect(summaries).toHaveLength(1);
  });

  it('answers a transient failure with the sequence number of the first unfinished record only', async () => {
    // Prepare
    const deps = inMemoryDeps();
    deps.states.faults.fail('getMany');
    const { lines, logger } = recorder();
    const handler = createBatchHandler(deps, { logger });
    const event = kinesisEvent([
      fixtureText('configuration-item', 'oversized'),
      JSON.stringify(complianceEvent({ id: 'a', newStatus: 'NON_COMPLIANT', at: '2026-11-20T10:00:00Z' })),
      JSON.stringify(complianceEvent({ id: 'b', newStatus: 'COMPLIANT', at: '2026-11-20T10:00:00Z' })),
    ]);

    // Act
    const response = await handler(event);

    // Assess
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: sequenceNumbers(event)[1] }] });
    expect(lines.find((l) => l.level === 'error')?.attributes).toMatchObject({
      step: 'read-states',
      records: 2,
      error: { name: 'ProvisionedThroughputExceededException', message: 'injected failure of getMany' },
      firstFailedSequenceNumber: sequenceNumbers(event)[1],
    });
    expect(deps.events.items.size).toBe(1);
  });

  it('does not build per-record lines the logger level filters out', async () => {
    // Prepare
    const deps = inMemoryDeps();
    const { lines, logger } = recorder();
    const handler = createBatchHandler(deps, { logger: { ...logger, getLevelName: () => 'WARN' } });

    // Act
    await handler(kinesisEvent([fixtureText('compliance-change', 'first-evaluation'), 'garbage']));

    // Assess
    expect(lines.map((l) => [l.level, l.message])).toEqual([
      ['warn', 'record quarantined'],
      ['info', 'batch processed'],
    ]);
  });

  it('handles an empty batch', async () => {
    const handler = createBatchHandler(inMemoryDeps());
    expect(await handler({ Records: [] })).toEqual({ batchItemFailures: [] });
  });
});
