/** `config-monitor query` in-process: --list, every format on a real archive, and usage errors (exit 2). */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../pipeline/cli/main.js';
import { createEmbeddedArchiver } from '../../pipeline/embedded/archiver.js';
import { loadSavedQueries } from '../../src/queries/saved-queries.js';
import { complianceEvent, kinesisEvent } from '../helpers/archive-events.js';
import { memoryIo } from '../helpers/cli.js';

let dataDir: string;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'cm-query-cli-'));
  const archiver = createEmbeddedArchiver({ dataDir });
  await archiver.handler(
    kinesisEvent([
      JSON.stringify(
        complianceEvent({
          id: 'a',
          newStatus: 'NON_COMPLIANT',
          at: '2026-03-01T10:00:00Z',
          annotation: 'bad, "really"\n\u001b[31mred',
        }),
      ),
      JSON.stringify(
        complianceEvent({ id: 'b', resourceId: 'other', newStatus: 'COMPLIANT', at: '2026-03-01T11:00:00Z' }),
      ),
      JSON.stringify(
        complianceEvent({
          id: 'c',
          newStatus: 'COMPLIANT',
          oldStatus: 'NON_COMPLIANT',
          at: '2026-03-02T09:00:00Z',
        }),
      ),
    ]),
  );
  await archiver.close();
});

afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

describe('config-monitor query', () => {
  it('--list prints one saved query per line, name first, then its description', async () => {
    const io = memoryIo({ cwd: dataDir });
    expect(await main(['query', '--list'], io)).toBe(0);
    const lines = io.out().trimEnd().split('\n');
    const queries = loadSavedQueries();
    expect(lines).toHaveLength(queries.length);
    lines.forEach((line, i) => {
      expect(line).toMatch(new RegExp(`^${queries[i]?.name} +\\S`));
      expect(line.endsWith(queries[i]?.description ?? '?')).toBe(true);
    });
  });

  it('prints JSON as an array of row objects', async () => {
    const io = memoryIo({ cwd: '/' });
    const code = await main(
      [
        'query',
        'compliance_score',
        '--param',
        'as_of=2026-03-02T00:00:00Z',
        '--format',
        'json',
        '--data-dir',
        dataDir,
      ],
      io,
    );
    expect(code).toBe(0);
    expect(JSON.parse(io.out())).toEqual([
      { compliant: 1, non_compliant: 1, not_applicable: 0, insufficient_data: 0, compliance_score: 50 },
    ]);
  });

  it('prints CSV with quoting, and a table with control characters neutralized', async () => {
    const csv = memoryIo({ cwd: '/' });
    const table = memoryIo({ cwd: '/' });
    const args = [
      'query',
      'resource_timeline',
      '--data-dir',
      dataDir,
      '--param',
      'account=111122223333',
      '--param',
      'region=eu-west-1',
      '--param',
      'resource_type=AWS::S3::Bucket',
      '--param',
      'resource_id=my-data-bucket',
    ];
    expect(await main([...args, '--format', 'csv'], csv)).toBe(0);
    expect(await main(args, table)).toBe(0);
    expect(csv.out().split('\r\n')[0]).toBe(
      'event_id,event_time,ordering_time,recorded_time,notification_time,rule_name,base_rule_name,rule_arn,old_status,new_status,annotation',
    );
    expect(csv.out()).toContain('"bad, ""really""\n\u001b[31mred"');
    expect(table.out()).toContain('bad, "really"··[31mred');
    expect(table.out()).not.toContain('\u001b');
    expect(table.out().trimEnd().endsWith('(2 rows)')).toBe(true);
  });

  it.each([
    [['query'], /missing query name/],
    [['query', 'nope'], /unknown saved query "nope"; known: /],
    [['query', 'daily_report'], /parameter "day" is required/],
    [['query', 'daily_report', '--param', 'day'], /--param must be key=value; got "day"/],
    [
      ['query', 'daily_report', '--param', 'day=2026-03-01', '--format', 'xml'],
      /--format must be one of table, json, csv/,
    ],
    [['query', 'current_state', '--engine', 'athena'], /--engine athena needs --workgroup/],
    [['query', 'current_state', '--engine', 'presto'], /--engine must be duckdb or athena/],
  ])('%j is a usage error (exit 2)', async (argv, message) => {
    const io = memoryIo({ cwd: dataDir });
    expect(await main([...argv, '--data-dir', dataDir], io)).toBe(2);
    expect(io.err()).toMatch(message);
  });
});
