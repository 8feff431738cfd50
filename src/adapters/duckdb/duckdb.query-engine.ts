/**
 * The embedded query engine: DuckDB over the local Parquet archive, running the saved Athena SQL
 * unchanged (see trino-compat.ts). The archive is read in place through views (archive-views.ts)
 * over its layout on disk (archive-layout.ts); the engine keeps them current, builds the rollup
 * partitions a report query needs, and runs, settles and polls queries as the port specifies.
 *
 * Why one file: one class, the port's lifecycle of a query (run, settle, poll) over DuckDB; the
 * archive layout and its views are files of their own already.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import {
  BIGINT,
  DOUBLE,
  type DuckDBConnection,
  DuckDBDateValue,
  DuckDBDecimalValue,
  DuckDBInstance,
  DuckDBTimestampMillisecondsValue,
  DuckDBTimestampTZValue,
  DuckDBTimestampValue,
  type DuckDBType,
  type DuckDBValue,
  VARCHAR,
} from '@duckdb/node-api';
import {
  type ArchiveColumn,
  COMPLIANCE_DAILY_STATE_COLUMNS,
  COMPLIANCE_DAILY_STATE_TABLE,
  COMPLIANCE_KEY_STATE_COLUMNS,
  COMPLIANCE_KEY_STATE_TABLE,
  KEY_STATE_FROM_HISTORY,
} from '../../domain/archive-schema.js';
import { nextUtcDay, previousUtcDay } from '../../domain/utc-day.js';
import type {
  ExecuteOptions,
  MaterializeOutcome,
  QueryEngine,
  QueryOutcome,
  QueryParameters,
  QueryParameterValue,
  QueryRow,
} from '../../ports/query-engine.js';
import { bindParameters, getSavedQuery } from '../../queries/saved-queries.js';
import {
  archiveHasFiles,
  DAILY_STATE_FILE_NAME,
  dailyStateDir,
  dailyStateFile,
  historyStamp,
  KEY_STATE_FILE_NAME,
  keyStateDir,
  keyStateFile,
  latestKeyStateBefore,
} from './archive-layout.js';
import {
  complianceEventsViewSql,
  dailyStateViewSql,
  keyStateViewSql,
  scopedEventsViewSql,
  sqlString,
} from './archive-views.js';
import { DuckDbQueryFailedError, UnknownQueryIdError } from './errors.js';
import { TRINO_COMPAT_MACROS } from './trino-compat.js';

/** Re-exported for pipeline/embedded/archiver.ts, which imports them from here. */
export { complianceEventsDir, dailyStateDir, keyStateDir } from './archive-layout.js';

/**
 * The longest run of missing days the engine closes by building each day from the one before
 * (one day of events each); past it, one build from the whole history is cheaper.
 */
export const KEY_STATE_CHAIN_MAX_DAYS = 7;

/** Saved queries that read the rollup: the engine builds the partitions they need first. */
const READS_DAILY_STATE = new RegExp(`\\bfrom\\s+${COMPLIANCE_DAILY_STATE_TABLE}\\b`);
const READS_KEY_STATE = new RegExp(`\\bfrom\\s+${COMPLIANCE_KEY_STATE_TABLE}\\b`);

export interface DuckDbQueryEngineOptions {
  /** The data directory holding `archive/compliance_events/`. */
  readonly dataDir: string;
  /** @default - {@link defaultQueriesDir} (`QUERIES_DIR` or the repository's `queries/`) */
  readonly queriesDir?: string;
  /** DuckDB worker threads. @default - DuckDB's default (one per core) */
  readonly threads?: number;
}

/** How long an unpolled `running` result is kept. */
const UNPOLLED_RESULT_TTL_MS = 10 * 60_000;

/** {@link QueryEngine} on an in-process, in-memory DuckDB; the archive is read in place, never copied. */
export class DuckDbQueryEngine implements QueryEngine {
  readonly name = 'duckdb' as const;
  readonly #options: DuckDbQueryEngineOptions;
  #instance: Promise<DuckDBInstance> | undefined;
  #viewHasFiles: boolean | undefined;
  #stateViewHasFiles: boolean | undefined;
  #keyStateViewHasFiles: boolean | undefined;
  #viewUpdate: Promise<void> = Promise.resolve();
  /** One rollup build at a time (a build reads one day, or once the whole history). */
  #materializing: Promise<unknown> = Promise.resolve();
  readonly #pending = new Map<string, { promise: Promise<QueryRow[]>; timer: NodeJS.Timeout }>();

  constructor(options: DuckDbQueryEngineOptions) {
    this.#options = options;
  }

  /** Runs a saved query by name with named parameters (validated and bound natively as `?` values). */
  async execute(name: string, params: QueryParameters, options: ExecuteOptions = {}): Promise<QueryOutcome> {
    const query = getSavedQuery(name, this.#options.queriesDir);
    const values = bindParameters(query, params);
    const queryId = randomUUID();
    const day = params.day;
    // The rollup's partitions of the day and the day before exist before a report query reads
    // them (a no-op when they do), so the saved query answers the same from the CLI, the API and
    // the report use case.
    let ready: Promise<unknown> = Promise.resolve();
    if (typeof day === 'string' && READS_DAILY_STATE.test(query.sql)) {
      ready = this.materializeDailyState([previousUtcDay(day), day]);
    } else if (typeof day === 'string' && name !== 'key_state' && READS_KEY_STATE.test(query.sql)) {
      // daily_state run by hand reads the key state of its day: make it exist first.
      ready = this.#serialized(() => this.#ensureKeyState(day));
    }
    const promise = ready
      .then(() => this.runSql(query.sql, values))
      .catch((err: unknown) => {
        throw new DuckDbQueryFailedError(name, err);
      });
    return this.#settle(queryId, promise, options.waitMs);
  }

  /**
   * Builds the `compliance_daily_state` partition of each day that has none, after the day's
   * `compliance_key_state` partition (see {@link #ensureKeyState}). Each build runs a saved query
   * and writes `<data-dir>/archive/<table>/dt=D/state-<schema>.parquet` under a temporary name,
   * renamed into place (readers never see half a file; a rebuild replaces the file whole, so a
   * partition holds one build). A partition that exists is current: the embedded archiver deletes
   * every rollup partition from the earliest day it writes events to onwards. A flush that lands
   * while a build reads slips past that deletion, so a build whose event partitions changed
   * meanwhile, or whose key state vanished, is run again.
   */
  materializeDailyState(days: readonly string[]): Promise<MaterializeOutcome> {
    return this.#serialized(async () => {
      const dataDir = this.#options.dataDir;
      const built: string[] = [];
      for (const day of [...new Set(days)].sort()) {
        if (existsSync(dailyStateFile(dataDir, day))) continue;
        for (let attempt = 1; ; attempt++) {
          const before = historyStamp(dataDir, day);
          await this.#ensureKeyState(day);
          await this.#buildRollupFile(
            'daily_state',
            { day },
            dailyStateFile(dataDir, day),
            COMPLIANCE_DAILY_STATE_COLUMNS,
            { from: day, to: day },
          );
          const current = historyStamp(dataDir, day) === before && existsSync(keyStateFile(dataDir, day));
          if (current || attempt >= 3) break;
        }
        built.push(day);
      }
      return { built };
    });
  }

  /** Runs rollup work after the work already queued (builds never overlap). */
  #serialized<T>(work: () => Promise<T>): Promise<T> {
    const run = this.#materializing.then(work);
    this.#materializing = run.catch(() => undefined);
    return run;
  }

  /**
   * Makes `compliance_key_state` of `day` exist: from the latest earlier partition, one day at a
   * time (each build reads that day's events and the state of the day before), when it is at most
   * {@link KEY_STATE_CHAIN_MAX_DAYS} days back; else in one build from the whole history.
   */
  async #ensureKeyState(day: string): Promise<void> {
    const dataDir = this.#options.dataDir;
    if (existsSync(keyStateFile(dataDir, day))) return;
    const chain: string[] = [];
    const latest = latestKeyStateBefore(dataDir, day);
    if (latest !== undefined) {
      for (
        let d = nextUtcDay(latest);
        d <= day && chain.length <= KEY_STATE_CHAIN_MAX_DAYS;
        d = nextUtcDay(d)
      ) {
        chain.push(d);
      }
    }
    if (chain.length === 0 || chain.length > KEY_STATE_CHAIN_MAX_DAYS) chain.splice(0, chain.length, day);
    for (const d of chain) {
      for (let attempt = 1; ; attempt++) {
        const previousDay = previousUtcDay(d);
        // Without the day before's state (a flush may just have deleted it), read the history.
        const since = existsSync(keyStateFile(dataDir, previousDay)) ? d : KEY_STATE_FROM_HISTORY;
        const before = historyStamp(dataDir, d);
        await this.#buildRollupFile(
          'key_state',
          { previous_day: previousDay, since, day: d },
          keyStateFile(dataDir, d),
          COMPLIANCE_KEY_STATE_COLUMNS,
          { from: since, to: d },
        );
        if (historyStamp(dataDir, d) === before || attempt >= 3) break;
      }
    }
  }

  /** Runs a rollup's saved query and writes its rows as the partition's one file, atomically. */
  async #buildRollupFile(
    name: string,
    params: QueryParameters,
    target: string,
    columns: readonly ArchiveColumn[],
    events: { readonly from: string; readonly to: string },
  ): Promise<void> {
    const query = getSavedQuery(name, this.#options.queriesDir);
    const values = bindParameters(query, params);
    const dir = join(target, '..');
    mkdirSync(dir, { recursive: true });
    // dt is the directory (Hive layout, as Athena writes it), not a column of the file.
    const list = columns.map((c) => c.name).join(', ');
    const temporary = join(dir, `.state-${randomUUID()}.parquet.tmp`);
    const instance = await this.#getInstance();
    await this.#refreshView(instance);
    const connection = await instance.connect();
    try {
      await connection.run(scopedEventsViewSql(this.#options.dataDir, events.from, events.to));
      await this.#runOn(
        connection,
        `copy (select ${list} from (${query.sql}\n)) to ${sqlString(temporary)} (format parquet, compression zstd)`,
        values,
      );
      renameSync(temporary, target);
    } finally {
      connection.closeSync();
      rmSync(temporary, { force: true });
    }
  }

  async poll(queryId: string, options: ExecuteOptions = {}): Promise<QueryOutcome> {
    const pending = this.#pending.get(queryId);
    if (!pending) throw new UnknownQueryIdError(queryId);
    return this.#settle(queryId, pending.promise, options.waitMs);
  }

  /**
   * Runs SQL text against the archive view with positional `?` values (tests, the benchmark, and
   * ad-hoc use). Rows are converted as the port specifies.
   */
  async runSql(sql: string, values: readonly QueryParameterValue[] = []): Promise<QueryRow[]> {
    const instance = await this.#getInstance();
    await this.#refreshView(instance);
    const connection = await instance.connect();
    try {
      return await this.#runOn(connection, sql, values);
    } catch (err) {
      // A compaction may replace files between DuckDB's glob and its read: re-glob once.
      if (!/No files found|No such file|Cannot open file/i.test((err as Error).message)) throw err;
      this.#viewHasFiles = undefined;
      this.#stateViewHasFiles = undefined;
      this.#keyStateViewHasFiles = undefined;
      await this.#refreshView(instance);
      return await this.#runOn(connection, sql, values);
    } finally {
      connection.closeSync();
    }
  }

  async close(): Promise<void> {
    for (const { timer } of this.#pending.values()) clearTimeout(timer);
    this.#pending.clear();
    const instance = this.#instance;
    this.#instance = undefined;
    if (instance) (await instance).closeSync();
  }

  async #runOn(connection: DuckDBConnection, sql: string, values: readonly QueryParameterValue[]) {
    const types: DuckDBType[] = values.map((v) =>
      typeof v === 'number' ? (Number.isInteger(v) ? BIGINT : DOUBLE) : VARCHAR,
    );
    const reader = await connection.runAndReadAll(sql, [...values] as DuckDBValue[], types);
    const names = reader.columnNames();
    return reader.getRows().map((row) => {
      const out: QueryRow = {};
      names.forEach((column, i) => {
        out[column] = toQueryValue(row[i] ?? null);
      });
      return out;
    });
  }

  async #settle(
    queryId: string,
    promise: Promise<QueryRow[]>,
    waitMs: number | undefined,
  ): Promise<QueryOutcome> {
    if (waitMs === undefined) {
      const rows = await promise;
      this.#forget(queryId);
      return { status: 'succeeded', queryId, rows };
    }
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), Math.max(0, waitMs));
    });
    try {
      const result = await Promise.race([promise, timeout]);
      if (result === 'timeout') {
        if (!this.#pending.has(queryId)) {
          // Keep the outcome for a later poll; drop it if nobody asks. Swallow here, rethrow on poll.
          promise.catch(() => undefined);
          const expiry = setTimeout(() => this.#pending.delete(queryId), UNPOLLED_RESULT_TTL_MS);
          expiry.unref();
          this.#pending.set(queryId, { promise, timer: expiry });
        }
        return { status: 'running', queryId };
      }
      this.#forget(queryId);
      return { status: 'succeeded', queryId, rows: result };
    } catch (err) {
      this.#forget(queryId);
      throw err;
    } finally {
      clearTimeout(timer);
    }
  }

  #forget(queryId: string) {
    const pending = this.#pending.get(queryId);
    if (pending) clearTimeout(pending.timer);
    this.#pending.delete(queryId);
  }

  #getInstance(): Promise<DuckDBInstance> {
    this.#instance ??= (async () => {
      const config: Record<string, string> = {};
      if (this.#options.threads) config.threads = String(this.#options.threads);
      const instance = await DuckDBInstance.create(':memory:', config);
      const connection = await instance.connect();
      try {
        for (const macro of TRINO_COMPAT_MACROS) await connection.run(macro);
      } finally {
        connection.closeSync();
      }
      return instance;
    })();
    return this.#instance;
  }

  /**
   * Re-points each view when its table goes from empty to non-empty or back (DuckDB re-globs on
   * every query, and fails on a glob without files: the archiver may delete every rollup partition).
   */
  #refreshView(instance: DuckDBInstance): Promise<void> {
    this.#viewUpdate = this.#viewUpdate.then(async () => {
      const dataDir = this.#options.dataDir;
      const hasFiles = archiveHasFiles(dataDir);
      const stateHasFiles = archiveHasFiles(dataDir, dailyStateDir(dataDir), DAILY_STATE_FILE_NAME);
      const keyStateHasFiles = archiveHasFiles(dataDir, keyStateDir(dataDir), KEY_STATE_FILE_NAME);
      if (
        hasFiles === this.#viewHasFiles &&
        stateHasFiles === this.#stateViewHasFiles &&
        keyStateHasFiles === this.#keyStateViewHasFiles
      ) {
        return;
      }
      const connection = await instance.connect();
      try {
        if (hasFiles !== this.#viewHasFiles) {
          await connection.run(complianceEventsViewSql(dataDir, hasFiles));
          this.#viewHasFiles = hasFiles;
        }
        if (stateHasFiles !== this.#stateViewHasFiles) {
          await connection.run(dailyStateViewSql(dataDir, stateHasFiles));
          this.#stateViewHasFiles = stateHasFiles;
        }
        if (keyStateHasFiles !== this.#keyStateViewHasFiles) {
          await connection.run(keyStateViewSql(dataDir, keyStateHasFiles));
          this.#keyStateViewHasFiles = keyStateHasFiles;
        }
      } finally {
        connection.closeSync();
      }
    });
    return this.#viewUpdate;
  }
}

/** DuckDB value → port value: integers and decimals as numbers, timestamps as ISO `…Z`, dates as `YYYY-MM-DD`. */
export function toQueryValue(value: DuckDBValue): string | number | boolean | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'string') return value;
  if (value instanceof DuckDBTimestampValue || value instanceof DuckDBTimestampTZValue) {
    return new Date(Number(value.micros / 1000n)).toISOString();
  }
  if (value instanceof DuckDBTimestampMillisecondsValue) return new Date(Number(value.millis)).toISOString();
  if (value instanceof DuckDBDecimalValue) return value.toDouble();
  if (value instanceof DuckDBDateValue) return value.toString();
  return String(value);
}
