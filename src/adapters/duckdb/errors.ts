/** Errors of the DuckDB query engine. */

export class DuckDbQueryEngineError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'DuckDbQueryEngineError';
  }
}

/** `poll` got an id this engine never issued, or whose result was already read. */
export class UnknownQueryIdError extends DuckDbQueryEngineError {
  constructor(readonly queryId: string) {
    super(`unknown query id "${queryId}": not started by this engine, or its result was already returned`);
    this.name = 'UnknownQueryIdError';
  }
}

/** DuckDB failed to run a saved query. */
export class DuckDbQueryFailedError extends DuckDbQueryEngineError {
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
