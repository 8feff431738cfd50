/**
 * The DuckDB views that stand for the archive's Glue tables: each a view over its Hive-partitioned
 * Parquet files, with `dt` kept a string as in the Glue table (so `dt` predicates prune files as
 * partition projection does in Athena), or an empty view of the same columns when it has no file.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  type ArchiveColumn,
  COMPLIANCE_DAILY_STATE_COLUMNS,
  COMPLIANCE_DAILY_STATE_TABLE,
  COMPLIANCE_EVENT_COLUMNS,
  COMPLIANCE_EVENTS_TABLE,
  COMPLIANCE_KEY_STATE_COLUMNS,
  COMPLIANCE_KEY_STATE_TABLE,
  PARTITION_COLUMN,
} from '../../domain/archive-schema.js';
import {
  archiveHasFiles,
  complianceEventsDir,
  DAILY_STATE_FILE_NAME,
  dailyStateDir,
  KEY_STATE_FILE_NAME,
  keyStateDir,
} from './archive-layout.js';

export const sqlString = (text: string) => `'${text.replaceAll("'", "''")}'`;

const DUCKDB_TYPES = { string: 'varchar', timestamp: 'timestamp', bigint: 'bigint' } as const;

/** A view over a Hive-partitioned Parquet table, or an empty view of the same columns and types when it has no file. */
function partitionedViewSql(
  table: string,
  dir: string,
  columns: readonly ArchiveColumn[],
  hasFiles: boolean,
  fileName?: string,
  partitions?: readonly string[],
): string {
  if (!hasFiles) return `create or replace view ${table} as ${typedEmptySql(columns)}`;
  const names = [...columns.map((c) => c.name), PARTITION_COLUMN.name];
  const globs = (partitions ?? [`${PARTITION_COLUMN.name}=*`]).map((p) =>
    sqlString(join(dir, p, fileName ?? '*.parquet')),
  );
  const files = globs.length === 1 ? globs[0] : `[${globs.join(', ')}]`;
  const read = `read_parquet(${files}, hive_partitioning = true, hive_types = {'${PARTITION_COLUMN.name}': varchar}`;
  // Files of one name tagged with their schema (the rollups) have one schema: read as they are.
  if (fileName !== undefined)
    return `create or replace view ${table} as select ${names.join(', ')} from ${read})`;
  // union_by_name: files written before a column was added read it as NULL. It reads every file's
  // schema on each query. When no file has the column yet (an archive older than the column),
  // union_by_name does not know it either: the files are unioned by name with an empty relation of
  // the schema's columns and types, so the column is there, NULL. Filters and projections still
  // reach the Parquet scan (dt prunes files).
  return `create or replace view ${table} as select ${names.join(', ')} from (${typedEmptySql(columns)} union all by name select * from ${read}, union_by_name = true))`;
}

/** No row, with the schema's columns and types and `dt`. */
function typedEmptySql(columns: readonly ArchiveColumn[]): string {
  const nulls = [
    ...columns.map((c) => `cast(null as ${DUCKDB_TYPES[c.type]}) as ${c.name}`),
    `cast(null as varchar) as ${PARTITION_COLUMN.name}`,
  ];
  return `select ${nulls.join(', ')} where false`;
}

/**
 * `compliance_events` for one connection, over the partitions from `from` to `to` only (a
 * temporary view shadows the main one on that connection). A rollup build reads a day range; the
 * main view globs every partition and reads each file's schema (`union_by_name`), a cost that
 * grows with the history, where Athena's partition projection lists only the partitions the
 * predicate names. So a build here, like there, costs what its range holds.
 */
export function scopedEventsViewSql(dataDir: string, from: string, to: string): string {
  const prefix = `${PARTITION_COLUMN.name}=`;
  const root = complianceEventsDir(dataDir);
  let partitions: string[] = [];
  try {
    partitions = readdirSync(root).filter((d) => {
      if (!d.startsWith(prefix)) return false;
      const dt = d.slice(prefix.length);
      return dt >= from && dt <= to && archiveHasFiles(dataDir, root, undefined, d);
    });
  } catch {
    partitions = [];
  }
  const view = partitionedViewSql(
    COMPLIANCE_EVENTS_TABLE,
    root,
    COMPLIANCE_EVENT_COLUMNS,
    partitions.length > 0,
    undefined,
    partitions,
  );
  return view.replace('create or replace view', 'create or replace temp view');
}

/** The view over the Parquet files, or an empty view of the same columns and types when there are none. */
export function complianceEventsViewSql(dataDir: string, hasFiles: boolean): string {
  return partitionedViewSql(
    COMPLIANCE_EVENTS_TABLE,
    complianceEventsDir(dataDir),
    COMPLIANCE_EVENT_COLUMNS,
    hasFiles,
  );
}

/** The view over the `compliance_daily_state` rollup (see {@link DuckDbQueryEngine.materializeDailyState}). */
export function dailyStateViewSql(dataDir: string, hasFiles: boolean): string {
  return partitionedViewSql(
    COMPLIANCE_DAILY_STATE_TABLE,
    dailyStateDir(dataDir),
    COMPLIANCE_DAILY_STATE_COLUMNS,
    hasFiles,
    DAILY_STATE_FILE_NAME,
  );
}

/** The view over the `compliance_key_state` rollup. */
export function keyStateViewSql(dataDir: string, hasFiles: boolean): string {
  return partitionedViewSql(
    COMPLIANCE_KEY_STATE_TABLE,
    keyStateDir(dataDir),
    COMPLIANCE_KEY_STATE_COLUMNS,
    hasFiles,
    KEY_STATE_FILE_NAME,
  );
}
