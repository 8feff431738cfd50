/**
 * The Firehose transformation and the embedded archiver give byte-for-byte the same rows for the
 * same input: every row the archiver stored in Parquet, read back and serialized as the archive
 * JSON, equals the record the Firehose Lambda emits, and lands in the partition Firehose would use.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEmbeddedArchiver } from '../../pipeline/embedded/archiver.js';
import { DuckDbQueryEngine } from '../../src/adapters/duckdb/duckdb.query-engine.js';
import type { ComplianceEventRow } from '../../src/domain/archive-schema.js';
import { RECONCILE_SOURCE } from '../../src/domain/event-pattern.js';
import { transformFirehoseEvent } from '../../src/handlers/firehose-transform.handler.js';
import { toArchiveRecord } from '../../src/use-cases/archive-transform.js';
import { complianceEvent, firehoseEvent, kinesisEvent } from '../helpers/archive-events.js';
import { fixtureText, fixtureVariants } from '../helpers/fixtures.js';

const HOSTILE = [
  'plain',
  'line one\nline two\r\n\ttabbed',
  'quotes " and \' and \\ backslash',
  'unicode: Zürich — 東京 — 🚨 <!channel> &amp;',
  '\u0001 control \u001f chars',
  '   ',
];

function inputs(): string[] {
  const texts = [
    ...fixtureVariants('compliance-change').map((v) => fixtureText('compliance-change', v)),
    ...fixtureVariants('configuration-item').map((v) => fixtureText('configuration-item', v)),
    ...fixtureVariants('other').map((v) => fixtureText('other', v)),
    'not json',
  ];
  HOSTILE.forEach((annotation, i) => {
    texts.push(
      JSON.stringify(
        complianceEvent({
          id: `hostile-${i}`,
          resourceId: `bucket-${annotation.length}-${i}`,
          newStatus: i % 2 ? 'NON_COMPLIANT' : 'COMPLIANT',
          oldStatus: i % 3 ? 'NOT_APPLICABLE' : null,
          // Around midnight UTC, and with sub-second precision and an offset in the input.
          at: i % 2 ? `2026-05-0${i + 1}T23:59:59.999Z` : `2026-05-0${i + 1}T00:30:00.5+01:00`,
          annotation,
        }),
      ),
    );
  });
  // Records of the reconciler: their source and mode are columns of the row.
  for (const mode of ['baseline', 'drift', 'gone'] as const) {
    const event = complianceEvent({
      id: `sync-${mode}`,
      resourceId: `synced-${mode}`,
      newStatus: mode === 'gone' ? 'NOT_APPLICABLE' : 'NON_COMPLIANT',
      oldStatus: mode === 'baseline' ? null : 'COMPLIANT',
      at: '2025-01-01T00:00:00.000Z',
      time: '2026-05-09T06:00:00.000Z',
    }) as { source: string; detail: Record<string, unknown> };
    event.source = RECONCILE_SOURCE;
    event.detail.reconciliation = { syncId: 'sync-1', mode };
    texts.push(JSON.stringify(event));
  }
  return texts;
}

let dataDir: string;
let engine: DuckDbQueryEngine;

beforeAll(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'cm-parity-'));
  engine = new DuckDbQueryEngine({ dataDir, threads: 1 });
});

afterAll(async () => {
  await engine.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('Firehose transformation vs embedded archiver', () => {
  it('store the same rows, byte for byte, in the same dt partitions', async () => {
    // Prepare
    const texts = inputs();

    // Act: the Firehose Lambda's output…
    const firehose = (await transformFirehoseEvent(firehoseEvent(texts))).records.filter(
      (r) => r.result === 'Ok',
    );
    const fromFirehose = firehose
      .map((r) => `${r.metadata?.partitionKeys.dt}|${Buffer.from(r.data ?? '', 'base64').toString('utf8')}`)
      .sort();
    // …and the archiver's Parquet, read back and serialized the same way.
    const archiver = createEmbeddedArchiver({ dataDir });
    await archiver.handler(kinesisEvent(texts));
    await archiver.close();
    const stored = await engine.runSql('select * from compliance_events');
    const fromArchive = stored.map((row) => `${row.dt}|${toArchiveRecord(isoRow(row))}`).sort();

    // Assess
    expect(firehose.length).toBe(fixtureVariants('compliance-change').length + HOSTILE.length + 3);
    expect(fromArchive).toEqual(fromFirehose);
    expect(fromArchive.filter((r) => r.includes(`"source":"${RECONCILE_SOURCE}"`))).toHaveLength(3);
  });
});

/** A Parquet row as the engine returns it (ISO timestamps) → the schema row the transformation takes. */
function isoRow(row: Record<string, unknown>): ComplianceEventRow {
  return row as unknown as ComplianceEventRow;
}
