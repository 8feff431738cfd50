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
