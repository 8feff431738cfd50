/**
 * The embedded query engine: DuckDB over the local Parquet archive, running the saved Athena SQL
 * unchanged (see trino-compat.ts). `compliance_events` is a view over
 * `<data-dir>/archive/compliance_events/dt=*\/*.parquet` with Hive partitioning, `dt` kept a string
 * as in the Glue table, so `dt` predicates prune files exactly as partition projection does in Athena.
 */
import { randomUUID } from 'node:crypto';
import { readdirSync } from 'node:fs';
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
  COMPLIANCE_EVENT_COLUMNS,
  COMPLIANCE_EVENTS_TABLE,
  PARTITION_COLUMN,
} from '../../domain/archive-schema.js';
import type {
  ExecuteOptions,
  QueryEngine,
  QueryOutcome,
  QueryParameters,
  QueryParameterValue,
  QueryRow,
} from '../../ports/query-engine.js';
import { bindParameters, getSavedQuery } from '../../queries/saved-queries.js';
import { DuckDbQueryFailedError, UnknownQueryIdError } from './errors.js';
import { TRINO_COMPAT_MACROS } from './trino-compat.js';

/** `<data-dir>/archive/compliance_events`: the Hive-partitioned table directory (`dt=YYYY-MM-DD/`). */
export function complianceEventsDir(dataDir: string): string {
  return join(dataDir, 'archive', COMPLIANCE_EVENTS_TABLE);
}

/** Whether any `dt=*\/*.parquet` file exists (DuckDB's glob fails on an empty archive). */
export function archiveHasFiles(dataDir: string): boolean {
  const root = complianceEventsDir(dataDir);
  let partitions: string[];
  try {
    partitions = readdirSync(root).filter((d) => d.startsWith(`${PARTITION_COLUMN.name}=`));
  } catch {
    return false;
  }
  return partitions.some((p) => {
    try {
      return readdirSync(join(root, p)).some((f) => f.endsWith('.parquet'));
    } catch {
      return false;
    }
  });
}

const sqlString = (text: string) => `'${text.replaceAll("'", "''")}'`;

const DUCKDB_TYPES = { string: 'varchar', timestamp: 'timestamp' } as const;

/** The view over the Parquet files, or an empty view of the same columns and types when there are none. */
export function complianceEventsViewSql(dataDir: string, hasFiles: boolean): string {
  const columns = [...COMPLIANCE_EVENT_COLUMNS.map((c) => c.name), PARTITION_COLUMN.name];
  if (!hasFiles) {
    const nulls = [
      ...COMPLIANCE_EVENT_COLUMNS.map((c) => `cast(null as ${DUCKDB_TYPES[c.type]}) as ${c.name}`),
      `cast(null as varchar) as ${PARTITION_COLUMN.name}`,
    ];
    return `create or replace view ${COMPLIANCE_EVENTS_TABLE} as select ${nulls.join(', ')} where false`;
  }
  const glob = join(complianceEventsDir(dataDir), `${PARTITION_COLUMN.name}=*`, '*.parquet');
  // union_by_name: files written before a column was added read it as NULL.
  return `create or replace view ${COMPLIANCE_EVENTS_TABLE} as select ${columns.join(', ')} from read_parquet(${sqlString(glob)}, hive_partitioning = true, hive_types = {'${PARTITION_COLUMN.name}': varchar}, union_by_name = true)`;
}

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
  #viewUpdate: Promise<void> = Promise.resolve();
  readonly #pending = new Map<string, { promise: Promise<QueryRow[]>; timer: NodeJS.Timeout }>();

  constructor(options: DuckDbQueryEngineOptions) {
    this.#options = options;
  }

  /** Runs a saved query by name with named parameters (validated and bound natively as `?` values). */
  async execute(name: string, params: QueryParameters, options: ExecuteOptions = {}): Promise<QueryOutcome> {
    const query = getSavedQuery(name, this.#options.queriesDir);
    const values = bindParameters(query, params);
    const queryId = randomUUID();
    const promise = this.runSql(query.sql, values).catch((err: unknown) => {
      throw new DuckDbQueryFailedError(name, err);
    });
    return this.#settle(queryId, promise, options.waitMs);
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

  /** Re-points the view when the archive goes from empty to non-empty (DuckDB re-globs on every query). */
  #refreshView(instance: DuckDBInstance): Promise<void> {
    this.#viewUpdate = this.#viewUpdate.then(async () => {
      const hasFiles = archiveHasFiles(this.#options.dataDir);
      if (hasFiles === this.#viewHasFiles) return;
      const connection = await instance.connect();
      try {
        await connection.run(complianceEventsViewSql(this.#options.dataDir, hasFiles));
        this.#viewHasFiles = hasFiles;
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
