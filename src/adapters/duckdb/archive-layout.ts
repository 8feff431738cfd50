/**
 * The local archive's layout on disk, as Firehose and the rollups lay it out in S3: one Hive-
 * partitioned directory per table under `<data-dir>/archive/` (`dt=YYYY-MM-DD/`), the rollups' one
 * file a partition named after their schema, and what the engine reads of it (which partitions
 * hold files, which rollup day is the latest, a stamp of the event partitions).
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import {
  type ArchiveColumn,
  COMPLIANCE_DAILY_STATE_COLUMNS,
  COMPLIANCE_DAILY_STATE_TABLE,
  COMPLIANCE_EVENTS_TABLE,
  COMPLIANCE_KEY_STATE_COLUMNS,
  COMPLIANCE_KEY_STATE_TABLE,
  PARTITION_COLUMN,
} from '../../domain/archive-schema.js';

/** `<data-dir>/archive/compliance_events`: the Hive-partitioned table directory (`dt=YYYY-MM-DD/`). */
export function complianceEventsDir(dataDir: string): string {
  return join(dataDir, 'archive', COMPLIANCE_EVENTS_TABLE);
}

/** `<data-dir>/archive/compliance_daily_state`: the rollup's table directory (`dt=YYYY-MM-DD/state-<schema>.parquet`). */
export function dailyStateDir(dataDir: string): string {
  return join(dataDir, 'archive', COMPLIANCE_DAILY_STATE_TABLE);
}

/** `<data-dir>/archive/compliance_key_state`: the per-key state's table directory (same layout). */
export function keyStateDir(dataDir: string): string {
  return join(dataDir, 'archive', COMPLIANCE_KEY_STATE_TABLE);
}

/**
 * The name of a rollup partition's one file, tagged with the rollup's schema: a file built before
 * a column changed is not read (the view globs this name only) and the day is built again, so the
 * derived table never needs a migration, and every file the view reads has the same columns.
 */
function rollupFileName(columns: readonly ArchiveColumn[]): string {
  const hash = createHash('sha256')
    .update(JSON.stringify(columns.map((c) => [c.name, c.type])))
    .digest('hex');
  return `state-${hash.slice(0, 12)}.parquet`;
}

export const DAILY_STATE_FILE_NAME = rollupFileName(COMPLIANCE_DAILY_STATE_COLUMNS);
export const KEY_STATE_FILE_NAME = rollupFileName(COMPLIANCE_KEY_STATE_COLUMNS);

/** The one Parquet file of a day's `compliance_daily_state` partition. */
export function dailyStateFile(dataDir: string, day: string): string {
  return join(dailyStateDir(dataDir), `${PARTITION_COLUMN.name}=${day}`, DAILY_STATE_FILE_NAME);
}

/** The one Parquet file of a day's `compliance_key_state` partition. */
export function keyStateFile(dataDir: string, day: string): string {
  return join(keyStateDir(dataDir), `${PARTITION_COLUMN.name}=${day}`, KEY_STATE_FILE_NAME);
}

/** The latest day before `day` with a `compliance_key_state` file, or undefined. */
export function latestKeyStateBefore(dataDir: string, day: string): string | undefined {
  const prefix = `${PARTITION_COLUMN.name}=`;
  let entries: string[];
  try {
    entries = readdirSync(keyStateDir(dataDir));
  } catch {
    return undefined;
  }
  return entries
    .filter((d) => d.startsWith(prefix) && d.slice(prefix.length) < day)
    .map((d) => d.slice(prefix.length))
    .filter((d) => existsSync(keyStateFile(dataDir, d)))
    .sort()
    .at(-1);
}

/** Whether any `dt=*\/<fileName>` exists, by default any `*.parquet` (DuckDB's glob fails on none). */
export function archiveHasFiles(
  dataDir: string,
  root: string = complianceEventsDir(dataDir),
  fileName?: string,
  onlyPartition?: string,
): boolean {
  let partitions: string[];
  try {
    partitions =
      onlyPartition === undefined
        ? readdirSync(root).filter((d) => d.startsWith(`${PARTITION_COLUMN.name}=`))
        : [onlyPartition];
  } catch {
    return false;
  }
  return partitions.some((p) => {
    try {
      return readdirSync(join(root, p)).some((f) =>
        fileName === undefined ? f.endsWith('.parquet') : f === fileName,
      );
    } catch {
      return false;
    }
  });
}

/**
 * A stamp of the event partitions up to `day`: their directories' modification times. A flush or
 * a compaction adds or renames a file in a partition, which changes its directory's mtime; a build
 * that saw the same stamp before and after read a history that did not change under it.
 */
export function historyStamp(dataDir: string, day: string): string {
  const root = complianceEventsDir(dataDir);
  let entries: string[];
  try {
    entries = readdirSync(root);
  } catch {
    return '';
  }
  const prefix = `${PARTITION_COLUMN.name}=`;
  return entries
    .filter((d) => d.startsWith(prefix) && d.slice(prefix.length) <= day)
    .sort()
    .map((d) => {
      try {
        return `${d}:${statSync(join(root, d)).mtimeMs}`;
      } catch {
        return `${d}:gone`;
      }
    })
    .join('|');
}
