/**
 * `config-monitor up`: runs the embedded stack until Ctrl-C — stream, consumer, archiver, alert
 * delivery, the API and the dashboard on 127.0.0.1 — and advertises it in
 * `<data-dir>/endpoints.json` so that `ingest`, `query` and `report` use it instead of starting
 * their own (LevelDB allows one process per data directory).
 */

import { existsSync, readdirSync } from 'node:fs';
import { relative } from 'node:path';
import { yesterdayUtc } from '../../../src/domain/archive-schema.js';
import { startControlServer } from '../../embedded/control.js';
import {
  dataDirLayout,
  type EmbeddedStack,
  readRunningStack,
  removeStackEndpoints,
  startEmbeddedStack,
  writeStackEndpoints,
} from '../../embedded/stack.js';
import {
  type GenerateOptions,
  generateOrganization,
  organizationProfile,
} from '../../generate/organization.js';
import { startStackServer } from '../../server/local-server.js';
import { type Command, dataDirOption, integerOption, parseCommandArgs } from '../args.js';
import { CliError } from '../errors.js';
import { createProgress, ingestProgress } from '../progress.js';
import { formatReport } from './ingest.js';

const NAME = 'up';
export const DEFAULT_PORT = 8787;

/**
 * The demo organization of `npm start`: 12 accounts, 3 regions, 33 rules, 90 days ending yesterday
 * (UTC), one storm. Resources at 0.6× the generator's default keep the demo ingest around 15k
 * events (a little over half a minute on the 2-core machine class).
 */
export function demoOrganization(): GenerateOptions {
  return {
    accounts: 12,
    regions: 3,
    days: 90,
    seed: 1,
    storm: 1500,
    redeliveries: 0.005,
    late: 0.005,
    scale: 0.6,
  };
}

export const command: Command = {
  usage: `Usage: config-monitor up [--data-dir DIR] [--port 8787] [--demo]

Runs the embedded stack until Ctrl-C: kinesalite + dynalite persisted in the data directory, the
stream consumer and archiver, Slack delivery (SLACK_WEBHOOK_URL, else <data-dir>/outbox/), and
the API + dashboard on http://127.0.0.1:PORT. While it runs, "ingest", "query" and "report" on
the same data directory go through it (see <data-dir>/endpoints.json).

Options:
  --data-dir DIR   data directory (default ./.config-monitor)
  --port N         HTTP port on 127.0.0.1 (default 8787; 0 picks a free one)
  --demo           on an empty data directory, first generate and ingest a demo organization
                   (12 accounts, 3 regions, ~30 rules, 90 days ending yesterday, one storm)
  -h, --help       this help
`,

  async run(argv, io) {
    const { values } = parseCommandArgs(NAME, argv, {
      'data-dir': { type: 'string' },
      port: { type: 'string' },
      demo: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    });
    const dataDir = dataDirOption(values['data-dir'], io.cwd);
    const port = integerOption(NAME, 'port', values.port, DEFAULT_PORT, 0, 65_535);
    const shownDir = relative(io.cwd, dataDir) || '.';
    const running = await readRunningStack(dataDir);
    if (running) {
      throw new CliError(
        `config-monitor is already running on ${shownDir} (pid ${running.pid})${running.api ? `: ${running.api}` : ''}`,
      );
    }
    const fresh = isEmptyDataDir(dataDir);
    const log = (line: string) => io.stderr.write(`${line}\n`);

    // Listen for Ctrl-C from the start: it also cancels a demo ingest, then shuts down cleanly.
    const interrupted = io.interrupted ?? Promise.resolve('stop');
    const cancel = new AbortController();
    void interrupted.then(() => cancel.abort(new CliError('interrupted')));

    const startedAt = Date.now();
    const stack = await startEmbeddedStack({ dataDir, autoDeliver: true });
    const closers: Array<() => Promise<void>> = [];
    let stopped = false;
    const shutdown = async () => {
      if (stopped) return;
      stopped = true;
      await removeStackEndpoints(dataDir);
      for (const close of closers.reverse()) await close().catch(() => undefined);
      await stack.close();
    };
    try {
      const control = await startControlServer(stack);
      closers.push(() => control.close());
      const http = await startHttp(stack, port);
      closers.push(() => http.close());
      await writeStackEndpoints(dataDir, {
        pid: process.pid,
        startedAt: new Date(startedAt).toISOString(),
        kinesis: stack.endpoints.kinesis,
        dynamodb: stack.endpoints.dynamodb,
        region: stack.region,
        tablePrefix: stack.tablePrefix,
        streamName: stack.streamName,
        control: control.url,
        token: control.token,
        api: http.url,
      });
      log(`config-monitor: embedded stack on ${shownDir} (started in ${Date.now() - startedAt} ms)`);

      if (values.demo) {
        // Through the control endpoint's turn-taking: an ingest or sync sent meanwhile waits for it.
        if (fresh) await control.exclusive(() => loadDemo(stack, io.stderr, log, cancel.signal, shownDir));
        else
          log(`--demo: ${shownDir} already holds data; keeping it (use a new --data-dir for a fresh demo)`);
      }
      if (!cancel.signal.aborted) {
        const sink =
          stack.sink.kind === 'slack' ? 'Slack webhook (SLACK_WEBHOOK_URL)' : `${shownDir}/outbox/`;
        io.stdout.write(`\nDashboard and API: ${http.url}\nAlerts go to ${sink}. Press Ctrl-C to stop.\n`);
      }
      log(`\n${await interrupted}: shutting down…`);
    } finally {
      await shutdown();
    }
    log('stopped.');
    return 0;
  },
};

function isEmptyDataDir(dataDir: string): boolean {
  const { dynamodb } = dataDirLayout(dataDir);
  return !existsSync(dynamodb) || readdirSync(dynamodb).length === 0;
}

async function loadDemo(
  stack: EmbeddedStack,
  stderr: Parameters<typeof createProgress>[0]['stream'],
  log: (line: string) => void,
  signal: AbortSignal,
  shownDir: string,
): Promise<void> {
  const options = {
    ...demoOrganization(),
    end: yesterdayUtc(),
  };
  const profile = organizationProfile(options);
  const generatedAt = Date.now();
  const events = [...generateOrganization(options)];
  log(
    `Demo organization: ${profile.accounts.length} accounts, ${profile.regions.join(', ')}, ${profile.rules.length} rules, ` +
      `${profile.firstDay} to ${profile.lastDay}, storm at ${profile.stormAt} — ${events.length.toLocaleString('en-US')} events ` +
      `(generated in ${Date.now() - generatedAt} ms)`,
  );
  const progress = createProgress({ stream: stderr, long: true });
  const report = await stack
    .ingest(
      (function* () {
        for (const event of events) yield { value: event };
      })(),
      { onProgress: ingestProgress(progress, { records: events.length }), signal },
    )
    .catch((err: unknown) => {
      if (!signal.aborted) throw err;
      progress.finish();
      log(`demo interrupted: ${shownDir} holds part of it; delete the directory to load it again`);
      return null;
    });
  if (!report) return;
  progress.finish();
  log(formatReport(report, 'the demo organization', relative(process.cwd(), stack.dataDir) || '.').trimEnd());
}

interface HttpServer {
  readonly url: string;
  close(): Promise<void>;
}

/** The API + dashboard over this stack on 127.0.0.1:`port` (pipeline/server/local-server.ts). */
async function startHttp(stack: EmbeddedStack, port: number): Promise<HttpServer> {
  return startStackServer(stack, port);
}
