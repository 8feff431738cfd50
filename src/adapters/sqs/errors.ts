/** Errors of the SQS adapters. */

/** Base class of every SQS adapter error. */
export class SqsAdapterError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'SqsAdapterError';
  }
}

/** SQS refused some quarantine messages after every retry; the records must be redelivered. */
export class QuarantineSendError extends SqsAdapterError {
  constructor(
    readonly queueUrlHost: string,
    readonly failures: readonly { code: string; message: string }[],
  ) {
    const first = failures[0];
    super(
      `SQS refused ${failures.length} quarantine message(s) on ${queueUrlHost}` +
        (first ? ` (first: ${first.code}: ${first.message})` : '') +
        '; expected every message accepted',
    );
    this.name = 'QuarantineSendError';
  }
}
