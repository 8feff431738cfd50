/**
 * An in-memory {@link QueryEngine} for API tests: answers saved queries from canned rows, records
 * every call, and can be made slow (answers `running` until released) or failing.
 */
import type {
  ExecuteOptions,
  QueryEngine,
  QueryOutcome,
  QueryParameters,
  QueryRow,
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
  /** When true, `execute` answers `running` and `poll` too, until {@link release}. */
  slow = false;
  /** When set, `execute` throws it. */
  failure: Error | null = null;
  private readonly pending = new Map<string, string>();
  private sequence = 0;

  async execute(name: string, params: QueryParameters, options: ExecuteOptions = {}): Promise<QueryOutcome> {
    this.calls.push({ name, params, waitMs: options.waitMs });
    if (this.failure) throw this.failure;
    const queryId = `q-${++this.sequence}`;
    this.pending.set(queryId, name);
    if (this.slow) return { status: 'running', queryId };
    return { status: 'succeeded', queryId, rows: this.rows[name] ?? [] };
  }

  async poll(queryId: string): Promise<QueryOutcome> {
    this.polls.push(queryId);
    const name = this.pending.get(queryId);
    if (name === undefined) throw new Error(`unknown query ${queryId}`);
    if (this.slow) return { status: 'running', queryId };
    return { status: 'succeeded', queryId, rows: this.rows[name] ?? [] };
  }

  /** Lets the slow queries finish: the next poll answers `succeeded`. */
  release(): void {
    this.slow = false;
  }

  async close(): Promise<void> {}
}
