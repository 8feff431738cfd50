/**
 * Rejected records for the concurrent-quarantine test: large (up to EventBridge's 256 KB, as a
 * hostile input's are) so that a batch is several hundred KiB, each one checkable on its own.
 */
import type { QuarantinedRecord } from '../../src/ports/quarantine.js';

/** `count` records of writer `writer`, 40–250 KB of data each, deterministic. */
export function quarantineRecords(writer: number, count: number): QuarantinedRecord[] {
  return Array.from({ length: count }, (_, i) => {
    const size = 40_000 + ((writer * 7919 + i * 104_729) % 211) * 1000;
    const mark = `w${writer}-r${i}|`;
    return {
      reason: `writer ${writer} record ${i}: bad JSON`,
      data: mark + 'x'.repeat(size - mark.length),
      sequenceNumber: String(writer * 1_000_000 + i),
      partitionKey: `pk-${writer}`,
      receivedAt: '2026-11-20T10:00:00.000Z',
    };
  });
}
