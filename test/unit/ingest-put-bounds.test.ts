import { describe, expect, it } from 'vitest';
import { createIngester, type IngestRecord } from '../../pipeline/embedded/ingest.js';
import {
  PUT_CALL_MAX_BYTES,
  PUT_RECORDS_MAX,
  type StreamRecord,
} from '../../pipeline/embedded/stream-producer.js';
import type { FileQuarantine } from '../../src/adapters/file/file.quarantine.js';

/** An event the EventBridge rule forwards, of about `bytes` bytes. */
function event(i: number, bytes: number): IngestRecord {
  return {
    value: {
      id: `id-${i}`,
      source: 'aws.config',
      'detail-type': 'Config Configuration Item Change',
      detail: { resourceId: `r-${i % 9}`, pad: 'x'.repeat(bytes) },
    },
  };
}

/** An ingester whose putRecords records each call's records and whose consumer sees none. */
function ingester(calls: StreamRecord[][]) {
  return createIngester({
    quarantine: { put: async () => undefined } as unknown as FileQuarantine,
    logger: { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined },
    putRecords: async (records) => {
      calls.push([...records]);
      return { published: records.length, sequenceNumbers: new Map() };
    },
    catchUp: async () => undefined,
    waitUntilProcessed: async () => undefined,
    deliverAlerts: async () => ({ messages: 0, pending: 0, failed: 0, unconfirmed: 0, muted: 0 }) as never,
    onBatch: () => () => undefined,
  });
}

const chars = (records: readonly StreamRecord[]) =>
  records.reduce((sum, r) => sum + r.data.length + r.partitionKey.length, 0);

describe('ingest: what waits for PutRecords is bounded in bytes as well as records', () => {
  it('hands large records over a call at a time, each of at most PUT_CALL_MAX_BYTES, in order', async () => {
    const calls: StreamRecord[][] = [];
    const input = Array.from({ length: 300 }, (_, i) => event(i, 25_000));
    await ingester(calls).ingest(input);
    // 41 records of 25 KB fill 1 MiB: 300 records take 8 calls, not one of 300 (7.5 MB).
    expect(calls.length).toBeGreaterThanOrEqual(Math.ceil((300 * 25_000) / PUT_CALL_MAX_BYTES));
    for (const call of calls) expect(chars(call)).toBeLessThanOrEqual(PUT_CALL_MAX_BYTES);
    const ids = calls.flat().map((r) => (JSON.parse(r.data) as { id: string }).id);
    expect(ids).toEqual(input.map((_, i) => `id-${i}`));
  });

  it('hands small records over by PUT_RECORDS_MAX, as before', async () => {
    const calls: StreamRecord[][] = [];
    await ingester(calls).ingest(Array.from({ length: 1200 }, (_, i) => event(i, 1_000)));
    expect(calls.map((c) => c.length)).toEqual([PUT_RECORDS_MAX, PUT_RECORDS_MAX, 200]);
  });
});
