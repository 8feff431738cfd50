/** Errors of the DynamoDB adapters (hot store). Conditional-check outcomes are return values, not errors. */

/** Base class of every hot-store adapter error. */
export class HotStoreError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'HotStoreError';
  }
}

/**
 * DynamoDB kept returning `UnprocessedKeys` for a BatchGetItem after every bounded retry (the table
 * or a partition is throttled). Transient: the consumer reports the batch as unfinished.
 */
export class UnprocessedKeysError extends HotStoreError {
  constructor(
    readonly tableName: string,
    readonly unprocessed: number,
    readonly attempts: number,
  ) {
    super(
      `BatchGetItem on ${tableName} left ${unprocessed} key(s) unprocessed after ${attempts} attempts; ` +
        'expected every key read (the table is throttled: retry later)',
    );
    this.name = 'UnprocessedKeysError';
  }
}
