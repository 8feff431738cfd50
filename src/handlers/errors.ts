/** Errors of the Lambda entrypoints and their configuration (thrown at cold start, never per record). */

/** Base class of every entrypoint error. */
export class HandlerError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'HandlerError';
  }
}

/** A required environment variable is absent or blank. */
export class MissingEnvironmentVariableError extends HandlerError {
  constructor(readonly variable: string) {
    super(`environment variable ${variable} is not set; it is required (see src/config.ts)`);
    this.name = 'MissingEnvironmentVariableError';
  }
}

/** An environment variable is set to a value outside what is allowed. */
export class InvalidEnvironmentVariableError extends HandlerError {
  /** `shown` is the value to print; pass a placeholder for secrets such as webhook URLs. */
  constructor(
    readonly variable: string,
    shown: string,
    readonly allowed: string,
  ) {
    super(`environment variable ${variable} is ${JSON.stringify(shown)}; expected ${allowed}`);
    this.name = 'InvalidEnvironmentVariableError';
  }
}
