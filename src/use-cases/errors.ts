/** Errors of the use cases. Expected outcomes (rejected, duplicate, stale) are values, never these. */

/** Base class of every use-case error. */
export class UseCaseError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'UseCaseError';
  }
}

/** The store left some events unwritten after its bounded retries; they are redelivered. */
export class EventsNotStoredError extends UseCaseError {
  constructor(readonly eventIds: readonly string[]) {
    super(
      `${eventIds.length} event(s) were not stored after the retries (first: ${eventIds[0] ?? '-'}); ` +
        'expected every event written: they will be redelivered',
    );
    this.name = 'EventsNotStoredError';
  }
}

/**
 * The outbox left some alerts unqueued after its retries; `enqueued` others were newly queued by
 * the same call before it gave up, and are counted as queued (their redelivery finds them there).
 */
export class AlertsNotQueuedError extends UseCaseError {
  constructor(
    readonly enqueued: number,
    readonly failed: number,
    options?: ErrorOptions,
  ) {
    const cause =
      options?.cause instanceof Error ? ` (first: ${options.cause.name}: ${options.cause.message})` : '';
    super(
      `${failed} alert(s) could not be queued${cause}; expected every alert queued: they will be redelivered`,
      options,
    );
    this.name = 'AlertsNotQueuedError';
  }
}
