/**
 * Errors of the Athena query engine. Messages carry the query execution id to look it up in Athena.
 * The outcomes the query port names extend its classes (failed, busy, unknown id), so callers tell
 * them apart with `instanceof`; the others extend {@link AthenaQueryEngineError}.
 */
import {
  UnknownQueryIdError as PortUnknownQueryIdError,
  QueryEngineBusyError,
  QueryEngineError,
  QueryExecutionError,
} from '../../ports/query-engine.js';

export class AthenaQueryEngineError extends QueryEngineError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'AthenaQueryEngineError';
  }
}

const CATEGORIES: Readonly<Record<number, string>> = { 1: 'system', 2: 'user', 3: 'other' };

/** Athena reported FAILED. `retryable` is Athena's own `AthenaError.Retryable`. */
export class AthenaQueryFailedError extends QueryExecutionError {
  constructor(
    readonly queryId: string,
    readonly queryName: string | undefined,
    readonly category: number | undefined,
    readonly errorType: number | undefined,
    readonly retryable: boolean,
    reason: string,
  ) {
    super(
      `Athena query ${queryId}${queryName ? ` (${queryName})` : ''} failed: ${reason} ` +
        `[category ${category === undefined ? 'unknown' : `${category} ${CATEGORIES[category] ?? ''}`.trim()}, ` +
        `type ${errorType ?? 'unknown'}, ${retryable ? 'retryable' : 'not retryable'}]`,
    );
    this.name = 'AthenaQueryFailedError';
  }
}

/** The query was CANCELLED (stopped by a deadline elsewhere, or by a user). */
export class AthenaQueryCancelledError extends QueryExecutionError {
  constructor(
    readonly queryId: string,
    reason: string | undefined,
  ) {
    super(`Athena query ${queryId} was cancelled${reason ? `: ${reason}` : ''}`);
    this.name = 'AthenaQueryCancelledError';
  }
}

/** The query ran past the engine's deadline; StopQueryExecution was called. */
export class AthenaQueryTimeoutError extends QueryExecutionError {
  constructor(
    readonly queryId: string,
    readonly deadlineMs: number,
  ) {
    super(`Athena query ${queryId} was still running after ${deadlineMs} ms; it was stopped`);
    this.name = 'AthenaQueryTimeoutError';
  }
}

/** Athena kept answering TooManyRequestsException after the engine's retries. */
export class AthenaThrottledError extends QueryEngineBusyError {
  constructor(
    readonly operation: string,
    attempts: number,
    cause: unknown,
  ) {
    super(`Athena ${operation} was throttled (TooManyRequestsException) ${attempts} times; giving up`, {
      cause,
    });
    this.name = 'AthenaThrottledError';
  }
}

/** A parameter value that cannot be an Athena execution parameter. */
export class AthenaParameterError extends AthenaQueryEngineError {
  constructor(
    readonly position: number,
    problem: string,
  ) {
    super(`execution parameter ${position + 1}: ${problem}`);
    this.name = 'AthenaParameterError';
  }
}

/** Athena does not know this query execution id (never started here, or older than its 45-day history). */
export class UnknownQueryIdError extends PortUnknownQueryIdError {
  constructor(queryId: string, cause?: unknown) {
    super(queryId, `unknown Athena query execution id "${queryId}"`, { cause });
    this.name = 'UnknownQueryIdError';
  }
}
