/**
 * The embedded archiver on a real temp dir and DuckDB: buffering by size and time, flush, dt
 * partitions, compaction to few files, redelivery, crash leftovers, dropped and failed records.
 */
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterEach, describe, expect, it } from 'vitest';
import { createEmbeddedArchiver, parquetFiles } from '../../pipeline/embedded/archiver.js';
import { complianceEventsDir, DuckDbQueryEngine } from '../../src/adapters/duckdb/duckdb.query-engine.js';
import { RECONCILE_SOURCE } from '../../src/domain/event-pattern.js';
import { transformForArchive } from '../../src/use-cases/archive-transform.js';
import { complianceEvent, kinesisEvent } from '../helpers/archive-events.js';
import { fixtureText } from '../helpers/fixtures.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function tempDir() {
  const dir = mkdtempSync(join(tmpdir(), 'cm-archiver-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function engineOn(dataDir: string) {
  const engine = new DuckDbQueryEngine({ dataDir, threads: 1 });
  cleanups.push(() => engine.close());
  return engine;
}

/** `n` compliance-change events on `day`, ids `<prefix>-<i>`. */
function events(n: number, day: string, prefix = day): string[] {
  return Array.from({ length: n }, (_, i) =>
    JSON.stringify(
      complianceEvent({
        id: `${prefix}-${i}`,
        resourceId: `bucket-${i}`,
        newStatus: i % 2 ? 'COMPLIANT' : 'NON_COMPLIANT',
        at: `${day}T${String(i % 24).padStart(2, '0')}:00:00.000Z`,
      }),
    ),
  );
}

const partitions = (dataDir: string) => readdirSync(complianceEventsDir(dataDir)).sort();
const waitFor = async (check: () => boolean, ms = 5_000) => {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 20));
  }
};

describe('embedded archiver', () => {
  it('writes each event to the dt partition of its event_time, once flushed', async () => {
    // Prepare
    const dataDir = tempDir();
    const archiver = createEmbeddedArchiver({ dataDir });
    const texts = [...events(3, '2026-04-01'), ...events(2, '2026-04-03')];

    // Act
    await archiver.handler(kinesisEvent(texts));
    const before = existsSync(complianceEventsDir(dataDir)) ? partitions(dataDir) : [];
    await archiver.flush();
    await archiver.close();

    // Assess
    expect(before).toEqual([]);
    expect(partitions(dataDir)).toEqual(['dt=2026-04-01', 'dt=2026-04-03']);
    const rows = await engineOn(dataDir).runSql(
      'select dt, substr(cast(event_time as varchar), 1, 10) as day, count(*) as n from compliance_events group by 1, 2 order by 1',
    );
    expect(rows).toEqual([
      { dt: '2026-04-01', day: '2026-04-01', n: 3 },
      { dt: '2026-04-03', day: '2026-04-03', n: 2 },
    ]);
  });

  it('flushes by itself when the buffer reaches maxBufferRows', async () => {
    // Prepare
    const dataDir = tempDir();
    const archiver = createEmbeddedArchiver({ dataDir, maxBufferRows: 10, maxBufferMs: 3_600_000 });
    cleanups.push(() => archiver.close());

    // Act
    await archiver.handler(kinesisEvent(events(6, '2026-04-01', 'a')));
    const afterFirst = archiver.stats();
    await archiver.handler(kinesisEvent(events(6, '2026-04-01', 'b')));

    // Assess
    expect(afterFirst).toMatchObject({ bufferedRows: 6, archivedRows: 0 });
    expect(archiver.stats()).toMatchObject({ bufferedRows: 0, archivedRows: 12, filesWritten: 1 });
    expect(parquetFiles(complianceEventsDir(dataDir), '2026-04-01')).toHaveLength(1);
  });

  it('flushes by itself when the oldest buffered row is maxBufferMs old', async () => {
    // Prepare
    const dataDir = tempDir();
    const archiver = createEmbeddedArchiver({ dataDir, maxBufferMs: 100 });
    cleanups.push(() => archiver.close());

    // Act
    await archiver.handler(kinesisEvent(events(2, '2026-04-01')));

    // Assess
    expect(archiver.stats().archivedRows).toBe(0);
    await waitFor(() => archiver.stats().archivedRows === 2);
    expect(parquetFiles(complianceEventsDir(dataDir), '2026-04-01')).toHaveLength(1);
  });

  it('compacts a partition that events trickled into, keeping a handful of files and every event once', async () => {
    // Prepare: 20 flushes of 3 events into the same day, plus a redelivered batch
    const dataDir = tempDir();
    const archiver = createEmbeddedArchiver({ dataDir, maxFilesPerPartition: 4 });
    const all: string[] = [];

    // Act
    for (let i = 0; i < 20; i++) {
      const batch = events(3, '2026-04-02', `trickle-${i}`);
      all.push(...batch);
      await archiver.handler(kinesisEvent(batch));
      if (i === 7) await archiver.handler(kinesisEvent(batch));
      await archiver.flush();
      expect(parquetFiles(complianceEventsDir(dataDir), '2026-04-02').length).toBeLessThanOrEqual(4);
    }
    await archiver.compact('2026-04-02');
    await archiver.close();

    // Assess
    expect(archiver.stats().compactions).toBeGreaterThanOrEqual(4);
    expect(parquetFiles(complianceEventsDir(dataDir), '2026-04-02')).toHaveLength(1);
    const [counts] = await engineOn(dataDir).runSql(
      'select count(*) as n, count(distinct event_id) as ids from compliance_events',
    );
    expect(counts).toEqual({ n: all.length, ids: all.length });
  });

  it('loses nothing that arrives while a flush is writing', async () => {
    // Prepare
    const dataDir = tempDir();
    const archiver = createEmbeddedArchiver({ dataDir, maxBufferMs: 3_600_000 });
    await archiver.handler(kinesisEvent(events(2_000, '2026-04-04', 'first')));

    // Act: more records for the same partition while flushes (one queued behind the other) convert
    const flushing = Promise.all([archiver.flush(), archiver.flush()]);
    const late: Promise<unknown>[] = [];
    for (let i = 0; i < 40; i++) {
      await new Promise((resolve) => setTimeout(resolve, 3));
      late.push(archiver.handler(kinesisEvent(events(10, '2026-04-04', `during-${i}`))));
    }
    await Promise.all([flushing, ...late]);
    await archiver.close();

    // Assess
    const [counts] = await engineOn(dataDir).runSql(
      'select count(distinct event_id) as ids from compliance_events',
    );
    expect(counts).toEqual({ ids: 2_400 });
  });

  it('keeps one copy of a redelivered batch and of an event delivered twice in one flush', async () => {
    // Prepare
    const dataDir = tempDir();
    const archiver = createEmbeddedArchiver({ dataDir });
    const batch = events(5, '2026-04-05');

    // Act
    await archiver.handler(kinesisEvent(batch));
    await archiver.handler(kinesisEvent([...batch, batch[0] as string]));
    await archiver.close();

    // Assess
    const [counts] = await engineOn(dataDir).runSql('select count(*) as n from compliance_events');
    expect(counts).toEqual({ n: 5 });
  });

  it('recovers the spool of a process that died before flushing, and ignores half-written files', async () => {
    // Prepare: an archiver that buffered rows and never flushed (the process died)
    const dataDir = tempDir();
    const crashed = createEmbeddedArchiver({ dataDir, maxBufferMs: 3_600_000 });
    await crashed.handler(kinesisEvent(events(4, '2026-04-06')));
    const partitionDir = join(complianceEventsDir(dataDir), 'dt=2026-04-06');
    mkdirSync(partitionDir, { recursive: true });
    writeFileSync(join(partitionDir, '.part-1-crashed.parquet.tmp'), 'half a parquet file');

    // Act
    const restarted = createEmbeddedArchiver({ dataDir });
    await restarted.flush();
    await restarted.close();

    // Assess
    expect(readdirSync(partitionDir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    const [counts] = await engineOn(dataDir).runSql('select count(*) as n from compliance_events');
    expect(counts).toEqual({ n: 4 });
  });

  it('drops non-compliance events and keeps failed records under processing-failed/, as Firehose does', async () => {
    // Prepare
    const dataDir = tempDir();
    const archiver = createEmbeddedArchiver({ dataDir });

    // Act
    const response = await archiver.handler(
      kinesisEvent([
        fixtureText('compliance-change', 'first-evaluation'),
        fixtureText('configuration-item', 'oversized'),
        fixtureText('other', 'ec2-state-change'),
        '{"broken',
      ]),
    );
    await archiver.close();

    // Assess
    expect(response).toEqual({ batchItemFailures: [] });
    expect(archiver.stats()).toMatchObject({ archivedRows: 1, dropped: 2, processingFailed: 1 });
    const failedDir = join(dataDir, 'archive', 'processing-failed');
    const [file] = readdirSync(failedDir);
    const failed = JSON.parse(readFileSync(join(failedDir, file as string), 'utf8'));
    expect(failed.reason).toMatch(/bad JSON/);
    expect(Buffer.from(failed.data, 'base64').toString('utf8')).toBe('{"broken');
  });

  it('reads Parquet and spool written before source and reconciliation existed as NULL, through flush and compaction', async () => {
    // Prepare: a Parquet file and a crash's spool of the schema before the two columns…
    const dataDir = tempDir();
    const day = '2026-04-08';
    const first = createEmbeddedArchiver({ dataDir });
    await first.handler(kinesisEvent(events(2, day, 'old-parquet')));
    await first.close();
    const [current] = parquetFiles(complianceEventsDir(dataDir), day) as [string];
    const older = join(complianceEventsDir(dataDir), `dt=${day}`, 'part-0-older.parquet');
    const duckdb = await DuckDBInstance.create(':memory:');
    const connection = await duckdb.connect();
    await connection.run(
      `copy (select * exclude (source, reconciliation) from read_parquet('${current}')) to '${older}' (format parquet)`,
    );
    connection.closeSync();
    duckdb.closeSync();
    rmSync(current);
    const spool = join(dataDir, 'archive', '.spool', `dt=${day}`);
    mkdirSync(spool, { recursive: true });
    const [text] = events(1, day, 'old-spool') as [string];
    const outcome = transformForArchive(text);
    if (outcome.result !== 'Ok') throw new Error('expected Ok');
    const { source: _s, reconciliation: _r, ...oldRecord } = JSON.parse(outcome.record);
    writeFileSync(join(spool, '0-old.jsonl'), `${JSON.stringify(oldRecord)}\n`);
    // …and a baseline record of the reconciler, with the columns.
    const baseline = JSON.parse(events(1, day, 'sync')[0] as string);
    baseline.source = RECONCILE_SOURCE;
    baseline.detail.reconciliation = { syncId: 'sync-1', mode: 'baseline' };
    const query = `select event_id, source, reconciliation from compliance_events where dt = '${day}' order by event_id`;
    const expected = [
      { event_id: 'old-parquet-0', source: null, reconciliation: null },
      { event_id: 'old-parquet-1', source: null, reconciliation: null },
      { event_id: 'old-spool-0', source: null, reconciliation: null },
      { event_id: 'sync-0', source: RECONCILE_SOURCE, reconciliation: 'baseline' },
    ];

    // Act
    const archiver = createEmbeddedArchiver({ dataDir });
    await archiver.handler(kinesisEvent([JSON.stringify(baseline)]));
    await archiver.flush();
    const beforeCompaction = await engineOn(dataDir).runSql(query);
    await archiver.compact(day);
    await archiver.close();
    const afterCompaction = await engineOn(dataDir).runSql(query);

    // Assess
    expect(beforeCompaction).toEqual(expected);
    expect(parquetFiles(complianceEventsDir(dataDir), day)).toHaveLength(1);
    expect(afterCompaction).toEqual(expected);
  });

  it('lets the query engine read an empty archive, then see files as they land', async () => {
    // Prepare
    const dataDir = tempDir();
    const engine = engineOn(dataDir);
    const archiver = createEmbeddedArchiver({ dataDir });

    // Act
    const before = await engine.runSql('select count(*) as n from compliance_events');
    await archiver.handler(kinesisEvent(events(3, '2026-04-07')));
    await archiver.close();
    const after = await engine.runSql('select count(*) as n from compliance_events');

    // Assess
    expect(before).toEqual([{ n: 0 }]);
    expect(after).toEqual([{ n: 3 }]);
  });
});
