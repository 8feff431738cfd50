import type { _Record as KinesisRecord } from '@aws-sdk/client-kinesis';
import { describe, expect, it } from 'vitest';
import { DEFAULT_BATCH_BYTES, nextReadLimit } from '../../pipeline/embedded/poller.js';

const records = (count: number, bytes: number): KinesisRecord[] =>
  Array.from({ length: count }, (_, i) => ({
    Data: new Uint8Array(bytes),
    PartitionKey: `k${i}`,
    SequenceNumber: String(i + 1),
  }));

describe('nextReadLimit (the byte budget of a poller read)', () => {
  it('keeps the batch size for records of ordinary Config events', () => {
    expect(nextReadLimit(records(100, 1_300), 100, DEFAULT_BATCH_BYTES)).toBe(100);
    expect(nextReadLimit(records(100, 2_600), 100, DEFAULT_BATCH_BYTES)).toBe(100);
  });

  it('asks for as many records as fit in the budget at the average size of the last batch', () => {
    expect(nextReadLimit(records(100, 25_000), 100, 250_000)).toBe(10);
    // 10 of 25 KB and 90 of 1 KB: 3,400 bytes on average.
    const mixed = [...records(10, 25_000), ...records(90, 1_000)];
    expect(nextReadLimit(mixed, 100, 250_000)).toBe(73);
  });

  it('reads at least one record, however large, and at most the batch size', () => {
    expect(nextReadLimit(records(1, 1_048_576), 100, DEFAULT_BATCH_BYTES)).toBe(1);
    expect(nextReadLimit(records(3, 10), 100, DEFAULT_BATCH_BYTES)).toBe(100);
  });

  it('returns the batch size after an empty read or records without data', () => {
    expect(nextReadLimit([], 64, DEFAULT_BATCH_BYTES)).toBe(64);
    expect(nextReadLimit(records(5, 0), 64, DEFAULT_BATCH_BYTES)).toBe(64);
  });
});
