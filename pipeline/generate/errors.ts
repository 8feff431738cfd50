/** Errors of the synthetic-organization generator. */

export class GenerateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GenerateError';
  }
}

/** An option outside what the generator supports; the message names it, the value and the range. */
export class GenerateOptionError extends GenerateError {
  constructor(
    readonly option: string,
    value: unknown,
    allowed: string,
  ) {
    super(`${option} must be ${allowed}; got ${JSON.stringify(value)}`);
    this.name = 'GenerateOptionError';
  }
}
