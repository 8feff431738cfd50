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
import { complianceEventsDir } from '../../src/adapters/duckdb/archive-layout.js';
import { DuckDbQueryEngine } from '../../src/adapters/duckdb/duckdb.query-engine.js';
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

  it('sets aside the spool records that cannot be converted, archives the others, and keeps flushing', async () => {
    // Prepare: a spool left by a crash of an older version, one partition holding a record of each
    // kind that DuckDB refuses (the whole read fails on any one of them) among good ones…
    const dataDir = tempDir();
    const day = '2026-04-09';
    const spool = join(dataDir, 'archive', '.spool', `dt=${day}`);
    mkdirSync(spool, { recursive: true });
    const record = (text: string) => {
      const outcome = transformForArchive(text);
      if (outcome.result !== 'Ok') throw new Error('expected Ok');
      return outcome.record;
    };
    const [good0, good1, good2] = events(3, day, 'good').map(record) as [string, string, string];
    const edited = (line: string, change: Record<string, unknown>) =>
      `${JSON.stringify({ ...JSON.parse(line), ...change })}\n`;
    const bad = [
      // what the transformation wrote for orderingTimestamp 9999-12-31T23:59:59-01:00
      edited(good0, { event_id: 'year-10000', ordering_time: '+010000-01-01 00:59:59.000' }),
      edited(good0, { event_id: 'february-30', event_time: `2026-02-30 10:00:00.000` }),
      edited(good0, { event_id: 'surrogate', annotation: 'x\ud800y' }),
      '{"event_id":"torn","event_ti\n',
    ];
    writeFileSync(join(spool, '1-older.jsonl'), [good0, bad[0], good1, bad[1]].join(''));
    writeFileSync(join(spool, '2-older.jsonl'), [bad[2], good2, bad[3]].join(''));
    const warnings: string[] = [];
    const archiver = createEmbeddedArchiver({ dataDir, onWarning: (m) => warnings.push(m) });
    cleanups.push(() => archiver.close());
    // …and a partition of this version's records, flushed together.
    await archiver.handler(kinesisEvent(events(2, '2026-04-10', 'other')));

    // Act
    await archiver.flush();
    const first = await engineOn(dataDir).runSql(
      'select dt, event_id from compliance_events order by dt, event_id',
    );
    await archiver.handler(kinesisEvent(events(1, day, 'later')));
    await archiver.flush();

    // Assess: every good row archived, the spool empty, each bad record kept with its reason.
    expect(first).toEqual([
      { dt: day, event_id: 'good-0' },
      { dt: day, event_id: 'good-1' },
      { dt: day, event_id: 'good-2' },
      { dt: '2026-04-10', event_id: 'other-0' },
      { dt: '2026-04-10', event_id: 'other-1' },
    ]);
    const [later] = await engineOn(dataDir).runSql(
      `select count(*) as n from compliance_events where event_id = 'later-0'`,
    );
    expect(later).toEqual({ n: 1 });
    expect(readdirSync(spool)).toEqual([]);
    const failedDir = join(dataDir, 'archive', 'format-conversion-failed');
    const failed = readdirSync(failedDir).flatMap((f) =>
      readFileSync(join(failedDir, f), 'utf8')
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line)),
    );
    expect(failed.map((f) => [f.spoolFile, f.line, Buffer.from(f.data, 'base64').toString('utf8')])).toEqual([
      ['1-older.jsonl', 2, bad[0]?.trimEnd()],
      ['1-older.jsonl', 4, bad[1]?.trimEnd()],
      ['2-older.jsonl', 1, bad[2]?.trimEnd()],
      ['2-older.jsonl', 3, bad[3]?.trimEnd()],
    ]);
    expect(failed.map((f) => f.reason)).toEqual([
      expect.stringMatching(/^ordering_time: "\+010000-01-01 00:59:59\.000" is not a timestamp/),
      expect.stringMatching(/^event_time: "2026-02-30 10:00:00\.000" is not a real date/),
      expect.stringMatching(/^annotation holds a lone UTF-16 surrogate/),
      expect.stringMatching(/^bad JSON/),
    ]);
    expect(failed.every((f) => f.dt === day)).toBe(true);
    expect(archiver.stats()).toMatchObject({ conversionFailed: 4, bufferedRows: 0 });
    expect(warnings).toEqual([expect.stringMatching(/4 spool record\(s\) of dt=2026-04-09 .* set aside/)]);
  });

  it('keeps the spool of a partition that fails for another reason, blames no record, and flushes the others', async () => {
    // Prepare: the partition directory of one day cannot be created (a file is in the way)
    const dataDir = tempDir();
    const archiver = createEmbeddedArchiver({ dataDir, maxBufferMs: 3_600_000, onWarning: () => {} });
    cleanups.push(() => archiver.close());
    await archiver.handler(kinesisEvent([...events(2, '2026-04-11'), ...events(3, '2026-04-12')]));
    const blocked = join(complianceEventsDir(dataDir), 'dt=2026-04-11');
    mkdirSync(complianceEventsDir(dataDir), { recursive: true });
    writeFileSync(blocked, 'in the way');

    // Act
    const failure = await archiver.flush().then(
      () => null,
      (err: Error) => err,
    );
    const spoolKept = readdirSync(join(dataDir, 'archive', '.spool', 'dt=2026-04-11'));
    rmSync(blocked);
    await archiver.flush();

    // Assess
    expect(failure?.message).toMatch(/^partition dt=2026-04-11 kept in the spool: /);
    expect(spoolKept).toHaveLength(1);
    expect(existsSync(join(dataDir, 'archive', 'format-conversion-failed'))).toBe(false);
    const rows = await engineOn(dataDir).runSql(
      'select dt, count(*) as n from compliance_events group by dt order by dt',
    );
    expect(rows).toEqual([
      { dt: '2026-04-11', n: 2 },
      { dt: '2026-04-12', n: 3 },
    ]);
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
