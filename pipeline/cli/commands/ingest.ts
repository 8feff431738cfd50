/**
 * `config-monitor ingest FILE|-`: sends AWS Config events through the embedded pipeline, exactly
 * as the EventBridge rule would send them to Kinesis, and waits until they are processed,
 * archived and their alerts delivered (or safely queued).
 */
import { createReadStream, statSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { ingestThroughRunningStack } from '../../embedded/control.js';
import { readIngestRecords } from '../../embedded/ingest-input.js';
import { type IngestReport, readRunningStack, startEmbeddedStack } from '../../embedded/stack.js';
import { stderrLogger } from '../../embedded/stack-logger.js';
import { type Command, type CommandIo, dataDirOption, parseCommandArgs } from '../args.js';
import { describeDestinations, loadConfigOption } from '../config-file.js';
import { UsageError } from '../errors.js';
import { createProgress, ingestProgress } from '../progress.js';

const NAME = 'ingest';
/** Inputs above this size get a progress display even without a terminal. */
const LONG_INPUT_BYTES = 5_000_000;

export { readIngestRecords };

export const command: Command = {
  usage: `Usage: config-monitor ingest FILE|- [--data-dir DIR] [--config FILE] [--json]

Sends AWS Config events (EventBridge events) through the embedded pipeline: stream → consumer
(hot store, alerts) and archiver. FILE holds one JSON event, a JSON array of events, JSON
Lines, or JSON values one after another (pretty-printed or not); - reads stdin. It is read as
a stream, record by record: a record longer than 1 MiB is rejected, a broken one is rejected by
itself and the reading goes on. The EventBridge rule's pattern is applied: other events are skipped;
input that is not an EventBridge event (bad JSON, SNS envelopes…) is rejected and kept in
<data-dir>/rejected/ with the reason. Waits until everything is processed, archived and the
alerts are delivered or safely queued.

If a "config-monitor up" is running on the data directory, the ingest runs inside it.

Options:
  --data-dir DIR   data directory (default ./.config-monitor)
  --config FILE    configuration file with a routing section (default <data-dir>/config.json,
                   else ./config-monitor.json, else none); a running "up" uses its own
  --json           print exactly one JSON object on stdout:
                   {"received","accepted","duplicates","stale","skipped","rejected",
                    "alerts":{"violations","resolved","messages"}}
  -h, --help       this help

Counts: received = accepted + duplicates + skipped + rejected. accepted = valid events stored
for the first time; duplicates = already stored (same id); stale = accepted events older than
the state of their resource and rule (history only, no alert). violations/resolved = alert
decisions; messages = Slack messages posted and answered ok (SLACK_WEBHOOK_URL) or written to
<data-dir>/outbox/ (<data-dir>/outbox/<destination>/ with a routing configuration; messages
Slack never answered are named apart: they may be in the channel).
`,

  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(
      NAME,
      argv,
      {
        'data-dir': { type: 'string' },
        config: { type: 'string' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      { min: 1, max: 1 },
    );
    const dataDir = dataDirOption(values['data-dir'], io.cwd);
    // Read (and validated) before anything is ingested: a bad file fails fast, exit 2.
    const configured = loadConfigOption(values.config, dataDir, io.cwd);
    const source = positionals[0]!;
    const { stream, size } = openInput(source, io);
    const progress = createProgress({ stream: io.stderr, long: (size ?? 0) > LONG_INPUT_BYTES });
    let bytes = 0;
    const countBytes = (n: number) => {
      bytes += n;
    };
    const show = ingestProgress(progress, { ...(size ? { bytes: size } : {}), bytesRead: () => bytes });

    const running = await readRunningStack(dataDir);
    let report: IngestReport;
    if (running) {
      if (values.config !== undefined) {
        io.stderr.write(
          `--config ignored: the running "up" (pid ${running.pid}) routes with the configuration it started with\n`,
        );
      }
      // The input goes as it is: the running stack reads it with the same reader.
      report = await ingestThroughRunningStack(running, countedChunks(stream, countBytes), show);
    } else {
      const records = readIngestRecords(stream, countBytes);
      const stack = await startEmbeddedStack({
        dataDir,
        routing: configured.routing,
        messageLog: (line) => io.stderr.write(`${line}\n`),
        logger: stderrLogger(io.stderr),
      });
      if (stack.routed && !values.json) {
        io.stderr.write(`Alerts go to ${describeDestinations(stack, relative(io.cwd, dataDir) || '.')}\n`);
      }
      try {
        report = await stack.ingest(records, { onProgress: show });
      } finally {
        await stack.close();
      }
    }
    progress.finish();

    if (values.json) {
      io.stdout.write(`${JSON.stringify(report.summary)}\n`);
    } else {
      io.stdout.write(formatReport(report, source, relative(io.cwd, dataDir) || '.', running?.pid));
    }
    if (report.pendingAlerts > 0) {
      io.stderr.write(
        `${report.pendingAlerts} alert(s) are still queued in the outbox` +
          `${report.failedAlerts > 0 ? ' (the message sink is failing)' : ''}; "config-monitor up" delivers them.\n`,
      );
    }
    return 0;
  },
};

async function* countedChunks(
  stream: Readable,
  onBytes: (bytes: number) => void,
): AsyncGenerator<Buffer | string> {
  for await (const chunk of stream as AsyncIterable<Buffer | string>) {
    onBytes(typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.length);
    yield chunk;
  }
}

function openInput(source: string, io: CommandIo): { stream: Readable; size: number | undefined } {
  if (source === '-') return { stream: io.stdin, size: undefined };
  const path = resolve(io.cwd, source);
  let size: number;
  try {
    const stat = statSync(path);
    if (!stat.isFile()) throw new UsageError(`${source} is not a file`, NAME);
    size = stat.size;
  } catch (err) {
    if (err instanceof UsageError) throw err;
    throw new UsageError(
      `cannot read ${source}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`,
      NAME,
    );
  }
  return { stream: createReadStream(path), size };
}

function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}

/** The human summary of an ingest. */
export function formatReport(
  report: IngestReport,
  source: string,
  dataDir: string,
  runningPid?: number,
): string {
  const s = report.summary;
  const seconds = report.durationMs / 1000;
  const rate = seconds > 0 ? Math.round(s.received / seconds) : s.received;
  const width = Math.max(
    ...[s.received, s.accepted, s.duplicates, s.skipped, s.rejected].map((n) => formatCount(n).length),
  );
  const row = (label: string, n: number, note = '') =>
    `  ${label.padEnd(11)}${formatCount(n).padStart(width)}${note}\n`;
  const where = runningPid ? ` (through the running config-monitor, pid ${runningPid})` : '';
  return (
    `Ingested ${source === '-' ? 'stdin' : source} in ${seconds.toFixed(1)} s (${formatCount(rate)} events/s)${where}\n` +
    (report.recovered > 0
      ? `  first finished ${formatCount(report.recovered)} record(s) left by an interrupted run\n`
      : '') +
    row('received', s.received) +
    row(
      'accepted',
      s.accepted,
      s.stale > 0 ? `   ${formatCount(s.stale)} stale (older than the current state: history only)` : '',
    ) +
    row('duplicates', s.duplicates, s.duplicates > 0 ? '   already stored (same event id)' : '') +
    row('skipped', s.skipped, s.skipped > 0 ? '   not selected by the EventBridge rule' : '') +
    row('rejected', s.rejected, s.rejected > 0 ? `   reasons in ${dataDir}/rejected/` : '') +
    `Alerts: ${formatCount(s.alerts.violations)} violation(s), ${formatCount(s.alerts.resolved)} resolved → ` +
    `${formatCount(s.alerts.messages)} message(s)` +
    (report.unconfirmedMessages > 0
      ? `, ${formatCount(report.unconfirmedMessages)} sent but never answered by Slack (may be in the channel; re-sent once, a possible duplicate)`
      : '') +
    ((report.mutedAlerts ?? 0) > 0
      ? `, ${formatCount(report.mutedAlerts ?? 0)} held back by mutes (recorded, not posted)`
      : '') +
    '\n'
  );
}
