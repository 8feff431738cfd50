import { describe, expect, it } from 'vitest';
import { backoffDelay } from '../../src/domain/backoff.js';

describe('backoffDelay', () => {
  it('doubles from the base on each retry up to the cap, without jitter', () => {
    const waits = [1, 2, 3, 4, 5, 6].map((retry) =>
      backoffDelay(retry, { baseMs: 100, capMs: 1000, jitter: 'none' }),
    );
    expect(waits).toEqual([100, 200, 400, 800, 1000, 1000]);
  });

  it('spreads full jitter over [0, ceiling) and equal jitter over [ceiling/2, ceiling)', () => {
    expect(backoffDelay(3, { baseMs: 100 }, () => 0)).toBe(0);
    expect(backoffDelay(3, { baseMs: 100 }, () => 0.999999)).toBe(399);
    expect(backoffDelay(3, { baseMs: 100, jitter: 'equal' }, () => 0)).toBe(200);
    expect(backoffDelay(3, { baseMs: 100, jitter: 'equal' }, () => 0.999999)).toBe(399);
  });

  it('stays finite for a runaway retry count with no cap', () => {
    const wait = backoffDelay(10_000, { baseMs: 1, jitter: 'none' });
    expect(Number.isFinite(wait)).toBe(true);
    expect(backoffDelay(0, { baseMs: 50, jitter: 'none' })).toBe(50);
  });
});
