import { describe, expect, it } from 'vitest';
import { ApiOverloadedError, ReadBudget } from '../../src/api/read-budget.js';

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

describe('ReadBudget', () => {
  it('runs at most maxInFlight reads at once and the rest in order as slots free', async () => {
    // Prepare
    const budget = new ReadBudget({ maxInFlight: 2, maxQueued: 10, maxWaitMs: 5_000 });
    const gates = Array.from({ length: 5 }, deferred);
    const started: number[] = [];
    // Act
    const runs = gates.map((gate, i) =>
      budget.run(async () => {
        started.push(i);
        await gate.promise;
        return i;
      }),
    );
    await Promise.resolve();
    // Assess
    expect(started).toEqual([0, 1]);
    expect(budget.load).toEqual({ inFlight: 2, queued: 3 });
    gates[0]?.resolve();
    await runs[0];
    await new Promise((r) => setImmediate(r));
    expect(started).toEqual([0, 1, 2]);
    for (const gate of gates) gate.resolve();
    expect(await Promise.all(runs)).toEqual([0, 1, 2, 3, 4]);
    expect(budget.load).toEqual({ inFlight: 0, queued: 0 });
  });

  it('refuses a read at once when the queue is full, with a 503 and Retry-After, without running it', async () => {
    const budget = new ReadBudget({ maxInFlight: 1, maxQueued: 1, maxWaitMs: 5_000, retryAfterSeconds: 2 });
    const gate = deferred();
    const first = budget.run(() => gate.promise);
    const second = budget.run(async () => 'second');
    let ran = false;
    const third = budget.run(async () => {
      ran = true;
    });
    const error = await third.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiOverloadedError);
    expect(error).toMatchObject({ status: 503, code: 'overloaded', headers: { 'retry-after': '2' } });
    expect(ran).toBe(false);
    gate.resolve();
    await first;
    expect(await second).toBe('second');
  });

  it('refuses a read that waited longer than maxWaitMs, and frees its place in the queue', async () => {
    const budget = new ReadBudget({ maxInFlight: 1, maxQueued: 5, maxWaitMs: 20 });
    const gate = deferred();
    const first = budget.run(() => gate.promise);
    await expect(budget.run(async () => 'late')).rejects.toBeInstanceOf(ApiOverloadedError);
    expect(budget.load).toEqual({ inFlight: 1, queued: 0 });
    gate.resolve();
    await first;
    expect(await budget.run(async () => 'after')).toBe('after');
    expect(budget.load).toEqual({ inFlight: 0, queued: 0 });
  });

  it('frees the slot of a read that failed', async () => {
    const budget = new ReadBudget({ maxInFlight: 1, maxQueued: 1, maxWaitMs: 1_000 });
    await expect(budget.run(() => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(budget.load).toEqual({ inFlight: 0, queued: 0 });
  });
});
