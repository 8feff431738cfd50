/**
 * Errors of the HTTP API. Each maps to one status and one public JSON body; the body never carries
 * a stack trace, an internal class name or an AWS resource name — those go to the log, keyed by the
 * request id that the body repeats.
 */

/** Base class: an error the API answers with a deliberate status and public body. */
export class ApiError extends Error {
  readonly status: 400 | 403 | 404 | 409 | 415 | 500 | 502 | 503;
  readonly code: string;
  /** Response headers the status needs (`Retry-After` of a 503). */
  readonly headers: Readonly<Record<string, string>> = {};

  constructor(status: ApiError['status'], code: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
  }

  /** The JSON body sent to the client. */
  toBody(requestId: string): Record<string, string> {
    return { error: this.code, message: this.message, request_id: requestId };
  }
}

/** A query-string or path parameter broke its rule; nothing ran. */
export class InvalidParameterError extends ApiError {
  readonly parameter: string;

  constructor(parameter: string, message: string) {
    super(400, 'invalid_parameter', message);
    this.name = 'InvalidParameterError';
    this.parameter = parameter;
  }

  override toBody(requestId: string): Record<string, string> {
    return { error: this.code, parameter: this.parameter, message: this.message, request_id: requestId };
  }
}

/** No route, or a poll id that no engine knows any more. */
export class NotFoundError extends ApiError {
  constructor(message: string) {
    super(404, 'not_found', message);
    this.name = 'NotFoundError';
  }
}

/** The query engine reported the query as failed or cancelled (the cause is logged, not returned). */
export class QueryFailedError extends ApiError {
  constructor(
    message = 'the query failed; retry later or quote the request id to the operator',
    options?: ErrorOptions,
  ) {
    super(502, 'query_failed', message, options);
    this.name = 'QueryFailedError';
  }
}

/** The query engine is throttling (Athena TooManyRequestsException after retries): retry later. */
export class EngineBusyError extends ApiError {
  override readonly headers = { 'retry-after': '60' };

  constructor(options?: ErrorOptions) {
    super(503, 'engine_busy', 'the query engine is busy; retry in a minute', options);
    this.name = 'EngineBusyError';
  }
}

/** A mutation from a caller the API cannot name (no IAM principal or user in the request context). */
export class ForbiddenError extends ApiError {
  constructor(message: string) {
    super(403, 'forbidden', message);
    this.name = 'ForbiddenError';
  }
}

/** The request is valid but the resource is not in a state that allows it (a mute already ended). */
export class ConflictError extends ApiError {
  constructor(message: string) {
    super(409, 'conflict', message);
    this.name = 'ConflictError';
  }
}

/**
 * A request body that is not `application/json`. Mutations require it: a page on another site can
 * send a form or text/plain POST without a CORS preflight, never a JSON one.
 */
export class UnsupportedMediaTypeError extends ApiError {
  constructor(message: string) {
    super(415, 'unsupported_media_type', message);
    this.name = 'UnsupportedMediaTypeError';
  }
}

/** Values are echoed in messages; keep a hostile 10 kB value from echoing in full. */
export function clip(value: string): string {
  return value.length > 80 ? `${value.slice(0, 80)}…` : value;
}
