/**
 * An in-memory {@link QueryEngine} for API and report tests: answers saved queries from canned
 * rows, records every call, and can be made slow (answers `running` until released) or failing.
 * Like the DuckDB engine, it forgets a result once it has returned it.
 */
import {
  type ExecuteOptions,
  type QueryEngine,
  type QueryOutcome,
  type QueryParameters,
  type QueryRow,
  UnknownQueryIdError,
} from '../../src/ports/query-engine.js';

export interface FakeCall {
  readonly name: string;
  readonly params: QueryParameters;
  readonly waitMs: number | undefined;
}

export class FakeQueryEngine implements QueryEngine {
  readonly name = 'duckdb' as const;
  readonly calls: FakeCall[] = [];
  readonly polls: string[] = [];
  /** Rows per saved-query name. */
  rows: Record<string, QueryRow[]> = {};
  /** When true, every query answers `running` until {@link release}. */
  slow = false;
  /** Saved queries that answer `running` until {@link release}, whatever `slow` says. */
  slowQueries = new Set<string>();
  /** When set, `execute` throws it. */
  failure: Error | null = null;
  private readonly pending = new Map<string, string>();
  private sequence = 0;

  async execute(name: string, params: QueryParameters, options: ExecuteOptions = {}): Promise<QueryOutcome> {
    this.calls.push({ name, params, waitMs: options.waitMs });
    if (this.failure) throw this.failure;
    const queryId = `q-${++this.sequence}`;
    if (this.isSlow(name)) {
      this.pending.set(queryId, name);
      return { status: 'running', queryId };
    }
    return { status: 'succeeded', queryId, rows: this.rows[name] ?? [] };
  }

  async poll(queryId: string): Promise<QueryOutcome> {
    this.polls.push(queryId);
    const name = this.pending.get(queryId);
    if (name === undefined) throw new UnknownQueryIdError(queryId, `unknown query id "${queryId}"`);
    if (this.isSlow(name)) return { status: 'running', queryId };
    this.pending.delete(queryId);
    return { status: 'succeeded', queryId, rows: this.rows[name] ?? [] };
  }

  /** Lets the slow queries finish: the next poll answers `succeeded`. */
  release(): void {
    this.slow = false;
    this.slowQueries.clear();
  }

  async close(): Promise<void> {}

  private isSlow(name: string): boolean {
    return this.slow || this.slowQueries.has(name);
  }
}
