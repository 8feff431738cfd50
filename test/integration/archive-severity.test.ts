/**
 * The archive's `severity` column over real Parquet and DuckDB: written by the embedded archiver
 * (the one transformation), read by name by the query engine's view and the saved queries, and NULL
 * in files written before the column existed, including an archive whose every file predates it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterEach, describe, expect, it } from 'vitest';
import { createEmbeddedArchiver, parquetFiles } from '../../pipeline/embedded/archiver.js';
import { complianceEventsDir } from '../../src/adapters/duckdb/archive-layout.js';
import { DuckDbQueryEngine } from '../../src/adapters/duckdb/duckdb.query-engine.js';
import type { Severity } from '../../src/domain/managed-rules.js';
import { complianceEvent, kinesisEvent } from '../helpers/archive-events.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function tempDir() {
  const dir = mkdtempSync(join(tmpdir(), 'cm-severity-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function engineOn(dataDir: string) {
  const engine = new DuckDbQueryEngine({ dataDir, threads: 1 });
  cleanups.push(() => engine.close());
  return engine;
}

/** CRITICAL, HIGH, MEDIUM (catalog), MEDIUM (a custom rule) and INFORMATIONAL. */
const RULES = [
  's3-bucket-public-read-prohibited',
  'cloudtrail-enabled',
  's3-bucket-versioning-enabled-conformance-pack-x1y2z3w4v',
  'our-custom-rule',
  'ec2-volume-inuse-check',
];

function events(day: string, prefix: string): string[] {
  return RULES.map((rule, i) =>
    JSON.stringify(
      complianceEvent({
        id: `${prefix}-${i}`,
        rule,
        resourceId: `${prefix}-resource-${i}`,
        newStatus: 'NON_COMPLIANT',
        at: `${day}T0${i}:00:00.000Z`,
      }),
    ),
  );
}

async function archive(
  dataDir: string,
  texts: readonly string[],
  severityOverrides?: Readonly<Record<string, Severity>>,
): Promise<void> {
  const archiver = createEmbeddedArchiver({ dataDir, ...(severityOverrides ? { severityOverrides } : {}) });
  await archiver.handler(kinesisEvent(texts));
  await archiver.close();
}

/** Rewrites every Parquet file of a day as the schema before the column: without `severity`. */
async function dropSeverityColumn(dataDir: string, day: string): Promise<void> {
  const duckdb = await DuckDBInstance.create(':memory:');
  const connection = await duckdb.connect();
  try {
    for (const file of parquetFiles(complianceEventsDir(dataDir), day)) {
      const older = file.replace(/\.parquet$/, '-older.parquet');
      await connection.run(
        `copy (select * exclude (severity) from read_parquet('${file}')) to '${older}' (format parquet)`,
      );
      rmSync(file);
      const columns = await connection.runAndReadAll(`describe select * from read_parquet('${older}')`);
      expect(columns.getRowObjects().map((c) => c.column_name)).not.toContain('severity');
    }
  } finally {
    connection.closeSync();
    duckdb.closeSync();
  }
}

const bySeverity = (rows: readonly Record<string, unknown>[]) => rows.map((r) => [r.event_id, r.severity]);

describe('the severity column of compliance_events', () => {
  it('is written into the Parquet files, per rule from the catalog', async () => {
    // Prepare
    const dataDir = tempDir();
    const day = '2026-05-01';

    // Act
    await archive(dataDir, events(day, 'new'));

    // Assess: in the file itself, and through the engine's view
    const duckdb = await DuckDBInstance.create(':memory:');
    const connection = await duckdb.connect();
    const [file] = parquetFiles(complianceEventsDir(dataDir), day) as [string];
    const inFile = await connection.runAndReadAll(
      `select event_id, severity from read_parquet('${file}') order by event_id`,
    );
    connection.closeSync();
    duckdb.closeSync();
    const expected = [
      ['new-0', 'CRITICAL'],
      ['new-1', 'HIGH'],
      ['new-2', 'MEDIUM'],
      ['new-3', 'MEDIUM'],
      ['new-4', 'INFORMATIONAL'],
    ];
    expect(bySeverity(inFile.getRowObjects())).toEqual(expected);
    const viewed = await engineOn(dataDir).runSql(
      'select event_id, severity from compliance_events order by event_id',
    );
    expect(bySeverity(viewed)).toEqual(expected);
  });

  it("takes the configuration's overrides by base rule name, as the Firehose transformation does", async () => {
    // Prepare
    const dataDir = tempDir();
    const day = '2026-05-02';

    // Act
    await archive(dataDir, events(day, 'ovr'), {
      's3-bucket-versioning-enabled': 'CRITICAL',
      'our-custom-rule': 'LOW',
    });

    // Assess
    const viewed = await engineOn(dataDir).runSql(
      'select event_id, severity from compliance_events order by event_id',
    );
    expect(bySeverity(viewed)).toEqual([
      ['ovr-0', 'CRITICAL'],
      ['ovr-1', 'HIGH'],
      ['ovr-2', 'CRITICAL'],
      ['ovr-3', 'LOW'],
      ['ovr-4', 'INFORMATIONAL'],
    ]);
  });

  it('reads as NULL from files written before it, beside files with it, and the filter skips them', async () => {
    // Prepare: a day of files without the column, then a day with it
    const dataDir = tempDir();
    await archive(dataDir, events('2026-05-01', 'old'));
    await dropSeverityColumn(dataDir, '2026-05-01');
    await archive(dataDir, events('2026-05-02', 'new'));
    const engine = engineOn(dataDir);

    // Act
    const rows = await engine.runSql('select event_id, severity from compliance_events order by event_id');
    const critical = await engine.execute('compliance_summary', { severity: 'CRITICAL' });
    const all = await engine.execute('compliance_summary', {});

    // Assess
    expect(bySeverity(rows)).toEqual([
      ...RULES.map((_, i) => [`new-${i}`, ['CRITICAL', 'HIGH', 'MEDIUM', 'MEDIUM', 'INFORMATIONAL'][i]]),
      ...RULES.map((_, i) => [`old-${i}`, null]),
    ]);
    if (critical.status !== 'succeeded' || all.status !== 'succeeded') throw new Error('expected rows');
    const nonCompliant = (out: typeof critical.rows) =>
      out.find((r) => r.dimension === 'new_status' && r.value === 'NON_COMPLIANT')?.events;
    expect(nonCompliant(all.rows)).toBe(10);
    expect(nonCompliant(critical.rows)).toBe(1);
  });

  it('reads as NULL in an archive whose every file predates it, and every saved query still runs', async () => {
    // Prepare
    const dataDir = tempDir();
    await archive(dataDir, events('2026-05-01', 'old'));
    await dropSeverityColumn(dataDir, '2026-05-01');
    const engine = engineOn(dataDir);

    // Act
    const rows = await engine.runSql('select event_id, severity from compliance_events order by event_id');
    const score = await engine.execute('compliance_score', { as_of: '2026-06-01T00:00:00Z' });
    const scoreHigh = await engine.execute('compliance_score', {
      severity: 'HIGH',
      as_of: '2026-06-01T00:00:00Z',
    });
    const trend = await engine.execute('compliance_trend', {
      severity: 'CRITICAL,HIGH',
      start: '2026-05-01T00:00:00Z',
      end: '2026-05-03T00:00:00Z',
    });

    // Assess
    expect(bySeverity(rows)).toEqual(RULES.map((_, i) => [`old-${i}`, null]));
    if (score.status !== 'succeeded' || scoreHigh.status !== 'succeeded' || trend.status !== 'succeeded') {
      throw new Error('expected rows');
    }
    expect(score.rows[0]).toMatchObject({ non_compliant: 5 });
    expect(scoreHigh.rows[0]).toMatchObject({ non_compliant: 0, compliance_score: null });
    expect(trend.rows).toEqual([]);
  });
});
