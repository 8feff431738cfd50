/**
 * `config-monitor report`: the daily compliance report of one UTC day, computed by the same use
 * case as the report Lambda, on DuckDB over the local archive (no stack needed, so it also runs
 * while `up` holds the data directory).
 *
 * The last sync's coverage is one item of the hot store (dynalite, LevelDB under
 * `<data-dir>/dynamodb`): read through the running `up`'s dynalite when there is one, else by
 * opening dynalite alone on the directory for one read (not the whole stack: no stream, no
 * pollers). When another process holds the directory the report goes out without coverage.
 */

import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { createDocumentClient } from '../../../src/adapters/aws-clients.js';
import { archiveHasFiles } from '../../../src/adapters/duckdb/archive-layout.js';
import { DuckDbQueryEngine } from '../../../src/adapters/duckdb/duckdb.query-engine.js';
import { SyncStatusRepository } from '../../../src/adapters/dynamodb/sync-status.repository.js';
import { EVENTS_TABLE, tableName } from '../../../src/adapters/dynamodb/table-definitions.js';
import { createFolderMessageSink } from '../../../src/adapters/slack/folder.message-sink.js';
import { createTemplateRenderer } from '../../../src/adapters/slack/slack-messages.js';
import {
  createSlackWebhookClient,
  parseWebhookUrl,
} from '../../../src/adapters/slack/slack-webhook.client.js';
import { yesterdayUtc } from '../../../src/domain/archive-schema.js';
import type { Mute } from '../../../src/domain/mute.js';
import type { SyncStatus } from '../../../src/ports/config-compliance.js';
import type { MessageSink } from '../../../src/ports/message-sink.js';
import {
  buildDailyReport,
  checkReportDay,
  type DailyReport,
  renderDailyReport,
} from '../../../src/use-cases/daily-report.js';
import { lockDataDir } from '../../embedded/data-dir-lock.js';
import { withLocalMuteStore } from '../../embedded/mute-store.js';
import { startServiceThread } from '../../embedded/service-threads.js';
import {
  DEFAULT_REGION,
  DEFAULT_TABLE_PREFIX,
  dataDirLayout,
  readRunningStack,
  type StackEndpoints,
} from '../../embedded/stack.js';
import { COMMON_OPTIONS, type Command, type CommandIo, dataDirOption, parseCommandArgs } from '../args.js';
import { CliError, UsageError } from '../errors.js';

const USAGE = `Usage: config-monitor report [--date YYYY-MM-DD] [--json] [--post] [--data-dir DIR]

The daily compliance report of one UTC day, from the local archive (<data-dir>/archive):
score at the end of the day and its change, evaluations, new and resolved violations, the top 5
non-compliant rules and the accounts with the most open violations; and, after a
"config-monitor sync", the coverage the last sync saw (failed or outdated aggregator sources,
accounts and regions without rules); with mutes in force at the end of the day ("config-monitor
mute"), the muted pairs apart, with the score without them.

Options:
  --date YYYY-MM-DD  the UTC day to report (default: yesterday, UTC)
  --json             print the report as one JSON object on stdout
  --post             send the Slack message: to SLACK_WEBHOOK_URL when set, else to <data-dir>/outbox/
  --data-dir DIR     data directory (default ./.config-monitor)
  -h, --help         show this help

Environment: SLACK_WEBHOOK_URL (with --post), DASHBOARD_URL (linked from the message).
`;

const OPTIONS = {
  ...COMMON_OPTIONS,
  date: { type: 'string' },
  json: { type: 'boolean' },
  post: { type: 'boolean' },
} as const;

/** Terminal-safe text: control characters (escape sequences) and bidi overrides from rule names are shown as `?`. */
function plain(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g, '?');
}

const integer = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const percent = (value: number | null) => (value === null ? 'n/a' : `${value.toFixed(2)}%`);

/** The readable form printed without `--json`. */
export function formatReport(report: DailyReport): string {
  const change =
    report.compliance_change === null
      ? 'no previous score'
      : `${report.compliance_change >= 0 ? '▲ +' : '▼ −'}${Math.abs(report.compliance_change).toFixed(2)} pts from the day before`;
  const lines = [
    `Daily compliance report — ${report.day} (UTC)`,
    '',
    `  Compliance score      ${percent(report.compliance_percentage).padStart(8)}   ${change}`,
    `  Evaluations           ${integer.format(report.total_evaluations).padStart(8)}`,
    `  New violations        ${integer.format(report.new_violations).padStart(8)}`,
    `  Resolved violations   ${integer.format(report.resolved_violations).padStart(8)}`,
    `  Open at end of day    ${integer.format(report.open_violations).padStart(8)}`,
    '',
    'Top non-compliant rules (resources non-compliant at the end of the day)',
  ];
  if (report.top_rules.length === 0) lines.push('  none');
  const width = Math.min(60, Math.max(10, ...report.top_rules.map((r) => plain(r.name).length)));
  report.top_rules.forEach((rule, i) => {
    lines.push(
      `  ${i + 1}. ${plain(rule.name).slice(0, 60).padEnd(width)}  ${integer.format(rule.count).padStart(6)} resources · ${rule.affected_accounts} account${rule.affected_accounts === 1 ? '' : 's'}`,
    );
  });
  lines.push('', 'Accounts with the most open violations');
  if (report.top_accounts.length === 0) lines.push('  none');
  report.top_accounts.forEach((account, i) => {
    lines.push(
      `  ${String(i + 1).padStart(2)}. ${plain(account.account)}  ${integer.format(account.open_violations).padStart(6)} open · score ${percent(account.compliance_score)}`,
    );
  });
  if (report.coverage) {
    const c = report.coverage;
    lines.push(
      '',
      `Coverage (last sync ${plain(c.last_sync)}): ${integer.format(c.sources_ok)} sources ok, ${integer.format(c.sources_failed)} failed or outdated`,
    );
    if (c.sentences.length === 0) lines.push('  every aggregator source is healthy and reports rules');
    for (const sentence of c.sentences) lines.push(`  ${plain(sentence)}`);
    for (const source of c.unhealthy_sources) {
      lines.push(
        `  source ${plain(source.account)}/${plain(source.region)} ${plain(source.status)}${source.error ? `: ${plain(source.error).slice(0, 200)}` : ''}`,
      );
    }
  }
  const muted = report.muted;
  if (muted && muted.mutes.length > 0) {
    lines.push(
      '',
      `Muted (${muted.mutes.length} mute${muted.mutes.length === 1 ? '' : 's'} in force, counted above): ${integer.format(muted.non_compliant)} open violations, ${integer.format(muted.compliant)} compliant pairs; score without them ${percent(muted.compliance_percentage_without_muted)}`,
    );
    for (const mute of muted.mutes) {
      lines.push(
        `  ${mute.id}  account ${mute.account}${mute.region ? ` ${mute.region}` : ''}${mute.rule ? ` rule ${plain(mute.rule).slice(0, 60)}` : ''}${mute.resource ? ` resource ${plain(mute.resource).slice(0, 60)}` : ''} until ${mute.until.slice(0, 10)}: ${plain(mute.reason).slice(0, 200)}`,
      );
    }
  }
  if (report.link) lines.push('', `Dashboard: ${report.link}`);
  return `${lines.join('\n')}\n`;
}

/** `--date`: a real calendar day (2024-13-01 and 2024-02-30 are usage errors, exit 2). */
function reportDay(value: string): string {
  try {
    return checkReportDay(value);
  } catch {
    throw new UsageError(`--date must be a date YYYY-MM-DD; got "${value}"`, 'report');
  }
}

function createSink(io: CommandIo, dataDir: string): { sink: MessageSink; where: string } {
  const url = io.env.SLACK_WEBHOOK_URL?.trim();
  if (url) {
    return {
      sink: createSlackWebhookClient({ url: parseWebhookUrl(url, 'SLACK_WEBHOOK_URL').toString() }),
      where: 'Slack (SLACK_WEBHOOK_URL)',
    };
  }
  const dir = join(dataDir, 'outbox');
  return {
    sink: createFolderMessageSink({ dir, log: (line) => io.stderr.write(`${line}\n`) }),
    where: `${dir}/ (set SLACK_WEBHOOK_URL to post to Slack)`,
  };
}

/** The data directory's mutes (none when no stack ever ran here), through the running `up` if any. */
async function readLocalMutes(dataDir: string, running: boolean): Promise<Mute[]> {
  const dir = dataDirLayout(dataDir).dynamodb;
  if (!running && (!existsSync(dir) || readdirSync(dir).length === 0)) return [];
  return withLocalMuteStore(dataDir, (store) => store.list());
}

/** A table that does not exist (no stack ever ran here) is no sync, not an error. */
async function latestOrNone(repository: SyncStatusRepository): Promise<SyncStatus | null> {
  try {
    return await repository.latest();
  } catch (err) {
    if ((err as { name?: string }).name === 'ResourceNotFoundException') return null;
    throw err;
  }
}

/**
 * The last sync's status of the data directory: through the running `up`'s dynalite, else from
 * dynalite opened alone on `<data-dir>/dynamodb` for this one read (holding the data directory's
 * lock) and closed at once, so the directory is not held while DuckDB computes the report. An
 * empty directory means no stack ever ran, so no sync either.
 */
export async function readLocalSyncStatus(
  dataDir: string,
  running: StackEndpoints | null,
): Promise<SyncStatus | null> {
  if (running) {
    const doc = createDocumentClient({ endpoint: running.dynamodb, region: running.region });
    try {
      return await latestOrNone(new SyncStatusRepository(doc, tableName(running.tablePrefix, EVENTS_TABLE)));
    } finally {
      doc.destroy();
    }
  }
  const dir = dataDirLayout(dataDir).dynamodb;
  if (!existsSync(dir) || readdirSync(dir).length === 0) return null;
  // The data directory's lock first, as every opener of its LevelDB takes it (data-dir-lock.ts).
  const lock = await lockDataDir(dataDir);
  try {
    const service = await startServiceThread('dynalite', dir);
    const doc = createDocumentClient({ endpoint: service.endpoint, region: DEFAULT_REGION });
    try {
      return await latestOrNone(new SyncStatusRepository(doc, tableName(DEFAULT_TABLE_PREFIX, EVENTS_TABLE)));
    } finally {
      doc.destroy();
      await service.close();
    }
  } finally {
    await lock.release();
  }
}

export const command: Command = {
  usage: USAGE,
  async run(argv, io) {
    const { values } = parseCommandArgs('report', argv, OPTIONS);
    const dataDir = dataDirOption(values['data-dir'], io.cwd);
    const day = values.date === undefined ? yesterdayUtc() : reportDay(values.date);
    if (!archiveHasFiles(dataDir)) {
      io.stderr.write(
        `config-monitor report: the archive under ${dataDir} is empty; run "config-monitor ingest" or "config-monitor up --demo" first\n`,
      );
    }
    const running = await readRunningStack(dataDir);
    const dashboardUrl = io.env.DASHBOARD_URL?.trim() || (running?.api ? `${running.api}/` : null);
    const status = await readLocalSyncStatus(dataDir, running).catch((err: unknown) => {
      // Another process holds the data directory (a sync or an ingest without `up`): the report
      // is still worth having.
      io.stderr.write(
        `config-monitor report: the last sync's coverage was not read (${plain(err instanceof Error ? err.message : String(err)).slice(0, 300)}); the report has none\n`,
      );
      return null;
    });
    const mutes = await readLocalMutes(dataDir, running !== null).catch((err: unknown) => {
      io.stderr.write(
        `config-monitor report: the mutes were not read (${plain(err instanceof Error ? err.message : String(err)).slice(0, 300)}); the report has no muted pairs\n`,
      );
      return null;
    });
    const engine = new DuckDbQueryEngine({ dataDir });
    try {
      const report = await buildDailyReport(engine, day, {
        dashboardUrl,
        syncStatus: { latest: async () => status },
        ...(mutes === null ? {} : { mutes: { list: async () => mutes } }),
      });
      io.stdout.write(values.json ? `${JSON.stringify(report)}\n` : formatReport(report));
      if (!values.post) return 0;
      const { sink, where } = createSink(io, dataDir);
      const fitted = renderDailyReport(report, createTemplateRenderer());
      const result = await sink.post(fitted.message);
      if (!result.ok) throw new CliError(`could not post the report to ${where}: ${result.reason}`);
      io.stderr.write(`Report for ${day} sent to ${where}\n`);
      return 0;
    } finally {
      await engine.close();
    }
  },
};
