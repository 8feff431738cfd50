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

/** The resource records of some item changes were not written; those events are redelivered. */
export class ResourcesNotRecordedError extends UseCaseError {
  constructor(readonly eventIds: readonly string[]) {
    super(
      `the resource records of ${eventIds.length} configuration item change(s) were not written (first: ${eventIds[0] ?? '-'}); ` +
        'expected every record merged: they will be redelivered',
    );
    this.name = 'ResourcesNotRecordedError';
  }
}

/**
 * A batch's first record of an event id lost the claim to a later record of the same batch with
 * other content (claimed first elsewhere: another shard, or the archive transform): the later one
 * is the event, and is redelivered to be applied as the first of its batch.
 */
export class KeptContentLaterError extends UseCaseError {
  constructor(readonly eventId: string) {
    super(
      `event id ${JSON.stringify(eventId.length > 80 ? `${eventId.slice(0, 80)}…` : eventId)} is kept with the content of a later record of the batch; expected its first record: the batch is redelivered from that later record, which then applies it`,
    );
    this.name = 'KeptContentLaterError';
  }
}
