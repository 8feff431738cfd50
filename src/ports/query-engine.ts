/**
 * The query engine port: the one interface with two implementations (Athena in AWS, DuckDB over
 * the local Parquet archive). Both run the same saved `.sql` text from `queries/`, and both throw
 * the errors declared here (or subclasses) for the outcomes a caller must tell apart.
 */

/** A value bound to a saved query's named parameter. Null means "not given" (the SQL treats it as "any"). */
export type QueryParameterValue = string | number | null;

/** Named parameters; the saved-query registry maps them to the file's positional `?` markers. */
export type QueryParameters = Readonly<Record<string, QueryParameterValue>>;

/**
 * One result row. Integers and decimals are numbers, timestamps are ISO 8601 strings
 * (`YYYY-MM-DDTHH:mm:ss.sssZ`), SQL NULL is null, whatever the engine.
 */
export type QueryRow = Record<string, string | number | boolean | null>;

export type QueryOutcome =
  | { readonly status: 'succeeded'; readonly queryId: string; readonly rows: QueryRow[] }
  /** Not finished within `waitMs`: poll with {@link QueryEngine.poll} (the API answers 202). */
  | { readonly status: 'running'; readonly queryId: string };

export interface ExecuteOptions {
  /** How long to wait before answering `running`. @default - wait until done (bounded by the engine's deadline) */
  readonly waitMs?: number;
}

/** What {@link QueryEngine.materializeDailyState} did. */
export interface MaterializeOutcome {
  /** Days whose `compliance_daily_state` partition was (re)built by this call, in order. */
  readonly built: readonly string[];
}

export interface QueryEngine {
  readonly name: 'athena' | 'duckdb';
  /** Runs the saved query `name` with named parameters, validated against the query's header. */
  execute(name: string, params: QueryParameters, options?: ExecuteOptions): Promise<QueryOutcome>;
  /** The outcome of a query that answered `running` before. */
  poll(queryId: string, options?: ExecuteOptions): Promise<QueryOutcome>;
  /**
   * Builds the `compliance_daily_state` partition of each day (`YYYY-MM-DD`) from the saved query
   * `daily_state`, so that the report queries read a small rollup instead of the history. An
   * engine that can tell a partition is current (DuckDB: its archiver deletes stale ones) skips it;
   * one that cannot (Athena) rebuilds every day given. Optional: engines without an archive
   * (test fakes) leave it out and the report reads whatever they answer.
   */
  materializeDailyState?(days: readonly string[]): Promise<MaterializeOutcome>;
  close(): Promise<void>;
}

/** Base class of the errors the port names; each engine's errors extend these. */
export class QueryEngineError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'QueryEngineError';
  }
}

/** A saved query did not succeed: it failed, was cancelled, or ran past the engine's deadline. */
export class QueryExecutionError extends QueryEngineError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'QueryExecutionError';
  }
}

/** The engine kept refusing work (throttling) after its own retries: try again later. */
export class QueryEngineBusyError extends QueryEngineError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'QueryEngineBusyError';
  }
}

/** `poll` got a query id the engine does not know: never issued by it, or its result expired. */
export class UnknownQueryIdError extends QueryEngineError {
  constructor(
    readonly queryId: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'UnknownQueryIdError';
  }
}
