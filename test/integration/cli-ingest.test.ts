/**
 * `config-monitor ingest --json` on real captures, hostile inputs and a generated storm: exact
 * counts (against a reference walk of the archive semantics), and a second ingest of the same file
 * counts everything as duplicates and posts nothing.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { IngestSummary } from '../../pipeline/embedded/stack.js';
import { generateOrganization } from '../../pipeline/generate/organization.js';
import { DuckDbQueryEngine } from '../../src/adapters/duckdb/duckdb.query-engine.js';
import { transformForArchive } from '../../src/use-cases/archive-transform.js';
import { complianceEvent } from '../helpers/archive-events.js';
import { expectedCounts, runCli } from '../helpers/cli.js';
import { EVENTS_DIR, fixtureText, fixtureVariants } from '../helpers/fixtures.js';

type Summary = IngestSummary;

function captures(kinds: readonly string[]): string[] {
  return kinds.flatMap((kind) =>
    fixtureVariants(kind).map((v) => JSON.stringify(JSON.parse(fixtureText(kind, v)))),
  );
}

const hostileLines = (): string[] => [
  ...captures(['hostile']),
  '{"id": "broken", "source": "aws.config",',
  '[1, 2, 3]',
  '"just a string"',
  'null',
  fixtureText('other', 'sns-envelope').replace(/\s*\n\s*/g, ' '),
  // Over EventBridge's 256 KB limit: the cloud rule could never forward it.
  JSON.stringify({
    ...JSON.parse(fixtureText('compliance-change', 'first-evaluation')),
    id: 'too-large-0001',
    padding: 'x'.repeat(300 * 1024),
  }),
];

const storm = (): string[] =>
  [
    ...generateOrganization({
      accounts: 2,
      regions: 2,
      days: 6,
      end: '2026-11-20',
      seed: 3,
      storm: 400,
      redeliveries: 0.03,
      late: 0.08,
    }),
  ].map((event) => JSON.stringify(event));

function outboxFiles(dataDir: string): string[] {
  const dir = join(dataDir, 'outbox');
  return existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.json')) : [];
}

function quarantined(dataDir: string): Array<{ reason: string; data: string }> {
  const dir = join(dataDir, 'rejected');
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((f) =>
    readFileSync(join(dir, f), 'utf8')
      .trim()
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as { reason: string; data: string }),
  );
}

async function ingestJson(file: string, dataDir: string): Promise<Summary> {
  const result = await runCli(['ingest', file, '--json', '--data-dir', dataDir]);
  expect(result.code, result.stderr).toBe(0);
  // Exactly one JSON object on stdout.
  const lines = result.stdout.trim().split('\n');
  expect(lines).toHaveLength(1);
  return JSON.parse(lines[0]!) as Summary;
}

describe.each([
  [
    'real AWS captures (one JSON array)',
    'array',
    () => captures(['compliance-change', 'configuration-item', 'other']),
  ],
  ['hostile inputs (JSON Lines)', 'lines', hostileLines],
  ['a generated storm with redeliveries and late arrivals (JSON Lines)', 'lines', storm],
] as const)('ingest --json: %s', (_name, format, records) => {
  it('gives the exact counts, then all duplicates and no message on a second ingest', async () => {
    // Prepare
    const dir = mkdtempSync(join(tmpdir(), 'cli-ingest-'));
    const dataDir = join(dir, 'data');
    const lines = records();
    const file = join(dir, format === 'array' ? 'events.json' : 'events.jsonl');
    writeFileSync(file, format === 'array' ? `[\n${lines.join(',\n')}\n]\n` : `${lines.join('\n')}\n`);
    const expected = expectedCounts(lines);

    // Act
    const first = await ingestJson(file, dataDir);
    const messagesAfterFirst = outboxFiles(dataDir).length;
    const second = await ingestJson(file, dataDir);

    // Assess: first ingest
    const { alerts, ...counts } = first;
    const { alerts: expectedAlerts, ...expectedRest } = expected;
    expect(counts).toEqual(expectedRest);
    expect({ violations: alerts.violations, resolved: alerts.resolved }).toEqual(expectedAlerts);
    expect(first.received).toBe(first.accepted + first.duplicates + first.skipped + first.rejected);
    expect(alerts.messages).toBe(messagesAfterFirst);
    if (expectedAlerts.violations + expectedAlerts.resolved > 0) expect(alerts.messages).toBeGreaterThan(0);
    // A storm becomes digests, not one message per alert.
    if (expectedAlerts.violations > 100) expect(alerts.messages).toBeLessThan(expectedAlerts.violations / 10);
    // Every rejected record is quarantined with its reason (once per ingest that rejected it).
    expect(quarantined(dataDir)).toHaveLength(first.rejected + second.rejected);

    // Assess: second ingest of the same file
    expect(second).toEqual({
      received: first.received,
      accepted: 0,
      duplicates: first.accepted + first.duplicates,
      stale: 0,
      skipped: first.skipped,
      rejected: first.rejected,
      alerts: { violations: 0, resolved: 0, messages: 0 },
    });
    expect(outboxFiles(dataDir)).toHaveLength(messagesAfterFirst);
  });
});

describe('ingest: quarantine and Slack safety of hostile inputs', () => {
  it('keeps each rejected record with a reason naming the field, and posts no live mention', async () => {
    // Prepare
    const dir = mkdtempSync(join(tmpdir(), 'cli-hostile-'));
    const dataDir = join(dir, 'data');
    const file = join(dir, 'hostile.jsonl');
    writeFileSync(file, `${hostileLines().join('\n')}\n`);
    // Act
    const result = await runCli(['ingest', file, '--data-dir', dataDir]);
    // Assess
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^Ingested .*hostile\.jsonl/);
    expect(result.stdout).toMatch(/rejected\s+10 {3}reasons in/);
    const reasons = quarantined(dataDir).map((r) => r.reason);
    expect(reasons).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^bad JSON/),
        expect.stringMatching(/not an object: got an array/),
        expect.stringMatching(/looks like an SNS envelope/),
        expect.stringMatching(/EventBridge events are at most 262144 bytes/),
        expect.stringMatching(/complianceType must be/),
        expect.stringMatching(/orderingTimestamp must be an ISO 8601 timestamp/),
        expect.stringMatching(/detail\.resourceId must be a string/),
        expect.stringMatching(/account must be a 12-digit AWS account id/),
      ]),
    );
    const [message] = outboxFiles(dataDir);
    const posted = readFileSync(join(dataDir, 'outbox', message!), 'utf8');
    expect(posted).not.toMatch(/<!channel>|<@U024BE7LH>/);
    expect(() => JSON.parse(posted)).not.toThrow();
  });

  it('reads a single pretty-printed event from stdin', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'cli-stdin-'));
    const result = await runCli(['ingest', '-', '--json', '--data-dir', dataDir], {
      stdin: readFileSync(join(EVENTS_DIR, 'compliance-change', 'first-evaluation.json'), 'utf8'),
    });
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({
      received: 1,
      accepted: 1,
      duplicates: 0,
      stale: 0,
      skipped: 0,
      rejected: 0,
      alerts: { violations: 1, resolved: 0, messages: 1 },
    });
  });
});

describe('ingest: one bad timestamp or spool record never stops the archive', () => {
  it('rejects impossible and out-of-range timestamps naming the field, archives the rest, and later ingests succeed', async () => {
    // Prepare
    const dir = mkdtempSync(join(tmpdir(), 'cli-timestamps-'));
    const dataDir = join(dir, 'data');
    // Only `at` (the orderingTimestamp) or `time` is bad: the other timestamps are valid.
    const event = (id: string, at: string, time = '2026-11-20T10:00:02Z') =>
      JSON.stringify(
        complianceEvent({
          id,
          resourceId: id,
          newStatus: 'NON_COMPLIANT',
          at,
          recordedAt: '2026-11-20T10:00:01Z',
          time,
        }),
      );
    const first = join(dir, 'first.jsonl');
    writeFileSync(
      first,
      `${[
        event('good-1', '2026-11-20T10:00:00Z'),
        // Normalized, these were +010000-01-01… and -000001-12-31…: the archive's flush failed for good.
        event('year-10000', '9999-12-31T23:59:59-01:00'),
        event('year-0', '0000-01-01T00:00:00+01:00'),
        event('february-30', '2026-11-20T10:00:00Z', '2026-02-30T10:00:00Z'),
      ].join('\n')}\n`,
    );
    const second = join(dir, 'second.jsonl');
    writeFileSync(second, `${event('good-2', '2026-11-20T11:00:00Z')}\n`);

    // Act: an ingest with the bad timestamps…
    const firstSummary = await ingestJson(first, dataDir);
    // …then a spool record an older version wrote with such a timestamp, and another ingest.
    const older = transformForArchive(event('older', '2026-11-20T09:00:00Z'));
    if (older.result !== 'Ok') throw new Error('expected Ok');
    const spool = join(dataDir, 'archive', '.spool', 'dt=2026-11-20');
    mkdirSync(spool, { recursive: true });
    writeFileSync(
      join(spool, '0-older.jsonl'),
      `${JSON.stringify({ ...JSON.parse(older.record), ordering_time: '+010000-01-01 00:59:59.000' })}\n`,
    );
    const secondSummary = await ingestJson(second, dataDir);

    // Assess
    expect(firstSummary).toMatchObject({ received: 4, accepted: 1, rejected: 3 });
    expect(secondSummary).toMatchObject({ received: 1, accepted: 1, rejected: 0 });
    expect(quarantined(dataDir).map((r) => r.reason)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          /orderingTimestamp must be an ISO 8601 timestamp: "9999-12-31T23:59:59-01:00" is more than a day ahead/,
        ),
        expect.stringMatching(
          /orderingTimestamp must be an ISO 8601 timestamp: "0000-01-01T00:00:00\+01:00" is before/,
        ),
        expect.stringMatching(
          /^time must be an ISO 8601 timestamp: "2026-02-30T10:00:00Z" is not a real date/,
        ),
      ]),
    );
    const engine = new DuckDbQueryEngine({ dataDir, threads: 1 });
    try {
      const rows = await engine.runSql('select event_id from compliance_events order by event_id');
      expect(rows).toEqual([{ event_id: 'good-1' }, { event_id: 'good-2' }]);
    } finally {
      await engine.close();
    }
    const failedDir = join(dataDir, 'archive', 'format-conversion-failed');
    const setAside = readdirSync(failedDir).map((f) => JSON.parse(readFileSync(join(failedDir, f), 'utf8')));
    expect(setAside).toMatchObject([{ dt: '2026-11-20', reason: expect.stringMatching(/^ordering_time: /) }]);
    expect(readdirSync(spool)).toEqual([]);
  });
});
