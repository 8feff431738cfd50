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

/** Who holds a data directory's lock, as far as it can be told. */
export interface DataDirHolder {
  readonly pid: number;
  /** When it took the lock (ISO). */
  readonly since?: string;
  /** Its command line, shortened (`config-monitor ingest events.json`). */
  readonly command?: string;
}

/**
 * Another process (or another stack in this one) holds the data directory's lock: a second opener
 * of the LevelDB stores would corrupt them.
 */
export class DataDirInUseError extends EmbeddedError {
  constructor(
    readonly dataDir: string,
    readonly holder: DataDirHolder | null,
    detail?: string,
  ) {
    const who = holder
      ? ` (pid ${holder.pid}${holder.pid === process.pid ? ', this process' : ''}` +
        `${holder.command ? `, ${holder.command}` : ''}${holder.since ? `, since ${holder.since}` : ''})`
      : '';
    super(
      `the data directory ${dataDir} is in use by another config-monitor process${who}` +
        `${detail ? `; ${detail}` : ''}; wait for it to finish or use a different --data-dir`,
    );
    this.name = 'DataDirInUseError';
  }
}

/** A path as one word of a shell command line. */
function shellWord(path: string): string {
  return /^[\w./+:@-]+$/.test(path) ? path : `'${path.replaceAll("'", `'\\''`)}'`;
}

/** A LevelDB store of the data directory cannot be opened because it is damaged. */
export class DataStoreCorruptError extends EmbeddedError {
  constructor(
    readonly path: string,
    readonly store: 'hot store' | 'stream',
    reason: string,
  ) {
    const wayOut =
      store === 'hot store'
        ? 'rebuild it from your inputs: run "config-monitor sync" again (and "config-monitor ingest" ' +
          'of the files you want back); the Parquet archive is kept'
        : 'records it held that were not yet processed are lost: run "config-monitor ingest" of their ' +
          'input again (events already stored are recognized as duplicates)';
    super(
      `the ${store} in ${path} is corrupt (${reason}). config-monitor cannot repair it: move it aside ` +
        `(mv ${shellWord(path)} ${shellWord(`${path}.corrupt`)}), then ${wayOut}`,
    );
    this.name = 'DataStoreCorruptError';
  }
}

/**
 * A local service (dynalite, kinesalite) stopped while the stack ran: its worker thread died, for
 * example on a LevelDB write error. On a full disk the message says so (ENOSPC) and what to do, at
 * once, rather than after the consumers' stall timeout.
 */
export class ServiceStoppedError extends EmbeddedError {
  readonly diskFull: boolean;

  constructor(
    readonly service: 'dynalite' | 'kinesalite',
    readonly path: string,
    reason: string,
  ) {
    const store = service === 'dynalite' ? 'hot store' : 'stream';
    const diskFull = /ENOSPC|no space left on device/i.test(reason);
    super(
      diskFull
        ? `the disk holding ${path} is full (ENOSPC): the ${store} could not write (${reason}). Free ` +
            'space and run the command again; records not yet processed stay in the stream and are ' +
            'read again, and events already stored are recognized as duplicates'
        : `the ${store} (${service}) in ${path} stopped: ${reason}. Run the command again; if it ` +
            'stops again, the message above says why',
    );
    this.name = 'ServiceStoppedError';
    this.diskFull = diskFull;
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
