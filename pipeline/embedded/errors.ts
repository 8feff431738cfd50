/** Errors of the embedded stack (stream poller, stack start-up, running-stack discovery). */

export class EmbeddedError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'EmbeddedError';
  }
}

/** Another process (a running `config-monitor up`) holds the data directory's LevelDB locks. */
export class StackAlreadyRunningError extends EmbeddedError {
  constructor(
    readonly dataDir: string,
    readonly pid: number,
  ) {
    super(
      `the data directory ${dataDir} is in use by a running config-monitor (pid ${pid}); ` +
        'stop it (Ctrl-C) or use a different --data-dir',
    );
    this.name = 'StackAlreadyRunningError';
  }
}

/** Waiting for the stream consumers did not finish in time; says which consumer and shard lag. */
export class ProcessingTimeoutError extends EmbeddedError {
  constructor(waitedMs: number, lagging: string, lastError: string | null) {
    super(
      `consumers did not process the published records within ${waitedMs} ms (behind: ${lagging})` +
        (lastError ? `; last handler error: ${lastError}` : ''),
    );
    this.name = 'ProcessingTimeoutError';
  }
}

/** Kinesis kept refusing some records of a PutRecords call after bounded retries. */
export class PublishError extends EmbeddedError {
  constructor(failed: number, attempts: number, lastErrorCode: string | undefined) {
    super(
      `${failed} record(s) were still refused by the stream after ${attempts} attempts` +
        (lastErrorCode ? ` (last error code: ${lastErrorCode})` : ''),
    );
    this.name = 'PublishError';
  }
}

/** A stream poller was used after `stop()` or before `start()`. */
export class PollerStateError extends EmbeddedError {
  constructor(consumer: string, state: string, action: string) {
    super(`poller "${consumer}" is ${state}; cannot ${action}`);
    this.name = 'PollerStateError';
  }
}
