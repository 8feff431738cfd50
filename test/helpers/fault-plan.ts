/** Injected failures for the in-memory stores of the tests (test/helpers/in-memory-*.ts). */

/** Counts down failures per method name: `failures.fail('markDone')` makes the next call throw. */
export class FaultPlan {
  private readonly pending = new Map<string, number>();
  readonly calls = new Map<string, number>();

  fail(method: string, times = 1): void {
    this.pending.set(method, (this.pending.get(method) ?? 0) + times);
  }

  check(method: string): void {
    this.calls.set(method, (this.calls.get(method) ?? 0) + 1);
    const left = this.pending.get(method) ?? 0;
    if (left > 0) {
      this.pending.set(method, left - 1);
      const error = new Error(`injected failure of ${method}`);
      error.name = 'ProvisionedThroughputExceededException';
      throw error;
    }
  }
}
