/**
 * The daily report's muted pairs over a generated organization archived as Parquet and queried on
 * DuckDB: their counts, the open ones listed, and the score with and without them, against a plain
 * reference computation of the archive semantics; the Slack message shows them escaped.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEmbeddedArchiver } from '../../pipeline/embedded/archiver.js';
import { generateOrganization } from '../../pipeline/generate/organization.js';
import { DuckDbQueryEngine } from '../../src/adapters/duckdb/duckdb.query-engine.js';
import { allTexts } from '../../src/adapters/slack/block-kit.js';
import { createTemplateRenderer } from '../../src/adapters/slack/slack-messages.js';
import { toComplianceEventRow } from '../../src/domain/archive-schema.js';
import { complianceScore } from '../../src/domain/compliance-state.js';
import { baseRuleName, parseConfigEvent } from '../../src/domain/config-event.js';
import type { Mute } from '../../src/domain/mute.js';
import { buildDailyReport, renderDailyReport } from '../../src/use-cases/daily-report.js';
import { kinesisEvent } from '../helpers/kinesis-event.js';
import { type ArchiveRow, latestStates } from '../helpers/reference-semantics.js';

const ORG = {
  accounts: 3,
  regions: 2,
  days: 6,
  end: '2024-03-10',
  seed: 11,
  storm: 20,
  redeliveries: 0.02,
  late: 0.03,
};
const DAY = '2024-03-09';
const END = '2024-03-10T00:00:00.000Z';

let dataDir: string;
let rows: ArchiveRow[];
let engine: DuckDbQueryEngine;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'report-mutes-'));
  const texts = [...generateOrganization(ORG)].map((event) => JSON.stringify(event));
  const archiver = createEmbeddedArchiver({ dataDir });
  for (let i = 0; i < texts.length; i += 500) {
    await archiver.handler(kinesisEvent(texts.slice(i, i + 500), { firstSequence: BigInt(1000 + i) }));
  }
  await archiver.close();
  rows = [];
  for (const text of texts) {
    const outcome = parseConfigEvent(text);
    if (outcome.status === 'accepted' && outcome.event.kind === 'compliance-change') {
      rows.push(toComplianceEventRow(outcome.event));
    }
  }
  engine = new DuckDbQueryEngine({ dataDir, threads: 2 });
}, 120_000);

afterAll(async () => {
  await engine?.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

function mute(overrides: Partial<Mute>): Mute {
  return {
    id: 'm-000000000001',
    account: '000000000000',
    region: null,
    rule: null,
    resource: null,
    until: '2024-04-01T00:00:00.000Z',
    reason: 'accepted <!channel> & co',
    createdAt: '2024-03-01T00:00:00.000Z',
    createdBy: 'local:alice',
    removedAt: null,
    removedBy: null,
    removalReason: null,
    endHandledAt: null,
    ...overrides,
  };
}

describe('the daily report with mutes', () => {
  it('counts the muted pairs and gives the score without them as the reference computes it', async () => {
    // Prepare: one whole account, one rule of another account in one region; one mute that ended
    // before the end of the day and one created after it (neither counts).
    const states = [...latestStates(rows, END).values()];
    const accounts = [...new Set(states.map((s) => s.account as string))].sort();
    const [first, second] = accounts as [string, string];
    const ruleOfSecond = baseRuleName(states.find((s) => s.account === second)?.rule_name as string);
    const regionOfSecond = states.find((s) => s.account === second)?.region as string;
    const mutes = [
      mute({ id: 'm-00000000000a', account: first }),
      mute({ id: 'm-00000000000b', account: second, region: regionOfSecond, rule: ruleOfSecond }),
      mute({ id: 'm-00000000000c', account: second, until: '2024-03-09T12:00:00.000Z' }),
      mute({ id: 'm-00000000000d', account: second, createdAt: '2024-03-10T00:00:00.000Z' }),
    ];

    // Act
    const report = await buildDailyReport(engine, DAY, { mutes: { list: async () => mutes } });

    // Assess against the reference.
    const isMuted = (s: ArchiveRow) =>
      s.account === first ||
      (s.account === second &&
        s.region === regionOfSecond &&
        baseRuleName(s.rule_name as string) === ruleOfSecond);
    const count = (list: ArchiveRow[], status: string) => list.filter((s) => s.new_status === status).length;
    const muted = states.filter(isMuted);
    const kept = states.filter((s) => !isMuted(s));
    expect(muted.length).toBeGreaterThan(0);
    expect(report.muted).toMatchObject({
      compliant: count(muted, 'COMPLIANT'),
      non_compliant: count(muted, 'NON_COMPLIANT'),
      not_applicable: count(muted, 'NOT_APPLICABLE'),
      insufficient_data: count(muted, 'INSUFFICIENT_DATA'),
      compliance_percentage_without_muted: complianceScore(
        count(kept, 'COMPLIANT'),
        count(kept, 'NON_COMPLIANT'),
      ),
    });
    expect(report.compliance_percentage).toBe(
      complianceScore(count(states, 'COMPLIANT'), count(states, 'NON_COMPLIANT')),
    );
    expect(report.muted?.mutes.map((m) => m.id)).toEqual(['m-00000000000a', 'm-00000000000b']);
    expect(report.muted?.open_pairs.length).toBe(Math.min(50, count(muted, 'NON_COMPLIANT')));
    expect(report.muted?.open_pairs[0]?.mute_ids.length).toBeGreaterThan(0);

    // The message shows them apart, the reason escaped.
    const text = allTexts(renderDailyReport(report, createTemplateRenderer()).message).join('\n');
    expect(text).toContain('*Muted* · 2 mutes in force cover');
    expect(text).toContain('accepted &lt;!channel&gt; &amp; co');
    expect(text).not.toContain('<!channel>');
  });

  it('without mutes the report has no muted block, and a failing mute store does not stop it', async () => {
    const none = await buildDailyReport(engine, DAY, { mutes: { list: async () => [] } });
    expect(none.muted).toMatchObject({
      mutes: [],
      non_compliant: 0,
      compliance_percentage_without_muted: none.compliance_percentage,
    });
    expect(allTexts(renderDailyReport(none, createTemplateRenderer()).message).join('\n')).not.toContain(
      'Muted',
    );
    const errors: unknown[] = [];
    const failed = await buildDailyReport(engine, DAY, {
      mutes: {
        list: async () => {
          throw new Error('AccessDenied');
        },
      },
      onMutesError: (err) => errors.push(err),
    });
    expect(failed.muted).toBeNull();
    expect(errors).toHaveLength(1);
  });
});
