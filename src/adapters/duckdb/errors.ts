/**
 * Errors of the DuckDB query engine: both are outcomes the query port names, so they extend its
 * classes (failed, unknown id) and callers tell them apart with `instanceof`.
 */
import {
  UnknownQueryIdError as PortUnknownQueryIdError,
  QueryExecutionError,
} from '../../ports/query-engine.js';

/** `poll` got an id this engine never issued, or whose result was already read. */
export class UnknownQueryIdError extends PortUnknownQueryIdError {
  constructor(queryId: string) {
    super(
      queryId,
      `unknown query id "${queryId}": not started by this engine, or its result was already returned`,
    );
    this.name = 'UnknownQueryIdError';
  }
}

/** DuckDB failed to run a saved query. */
export class DuckDbQueryFailedError extends QueryExecutionError {
  constructor(
    readonly queryName: string,
    cause: unknown,
  ) {
    super(`saved query ${queryName} failed on DuckDB: ${(cause as Error)?.message ?? String(cause)}`, {
      cause,
    });
    this.name = 'DuckDbQueryFailedError';
  }
}
