/**
 * `config-monitor up`: runs the embedded stack until Ctrl-C — stream, consumer, archiver, alert
 * delivery, the API and the dashboard on 127.0.0.1 — and advertises it in
 * `<data-dir>/endpoints.json` so that `ingest`, `query` and `report` use it instead of starting
 * their own (LevelDB allows one process per data directory).
 */

import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { createConfigServiceClient } from '../../../src/adapters/config/aggregator.compliance-source.js';
import { MuteRepository } from '../../../src/adapters/dynamodb/mute.repository.js';
import { yesterdayUtc } from '../../../src/domain/archive-schema.js';
import { addMute } from '../../../src/use-cases/mutes.js';
import { startConfigAggregatorStandIn } from '../../embedded/config-aggregator-stand-in.js';
import { startControlServer } from '../../embedded/control.js';
import { localActor } from '../../embedded/mute-store.js';
import {
  dataDirLayout,
  type EmbeddedStack,
  readRunningStack,
  removeStackEndpoints,
  startEmbeddedStack,
  writeStackEndpoints,
} from '../../embedded/stack.js';
import { stderrLogger } from '../../embedded/stack-logger.js';
import { syncIntoStack } from '../../embedded/sync.js';
import { demoConfigFile } from '../../generate/demo-config.js';
import { demoLiveEvents } from '../../generate/live.js';
import {
  type DeploymentOptions,
  generateDeployment,
  organizationProfile,
} from '../../generate/organization.js';
import { startStackServer } from '../../server/local-server.js';
import { type Command, dataDirOption, integerOption, parseCommandArgs } from '../args.js';
import { describeDestinations, loadConfigOption, readConfigFile } from '../config-file.js';
import { CliError } from '../errors.js';
import { createProgress, ingestProgress } from '../progress.js';
import { formatReport } from './ingest.js';

const NAME = 'up';
export const DEFAULT_PORT = 8787;

/**
 * The demo organization of `npm start`: 12 accounts, 3 regions, 33 rules, 90 days ending yesterday
 * (UTC), one storm, modelled as a deployment meets it ({@link generateDeployment}): the state
 * before the window comes from an aggregator (a baseline sync), and during the window only about
 * one pair in five changes outside the storm. At the generator's default resources that is ~6k
 * baseline results and ~8k live events: the URL is printed no later than the 15k-event demo did.
 */
export function demoOrganization(): DeploymentOptions {
  return {
    accounts: 12,
    regions: 3,
    days: 90,
    seed: 1,
    storm: 1500,
    redeliveries: 0.005,
    late: 0.005,
    scale: 1,
    changeRate: 0.05,
    // One pair flaps on the last day: flagged once, then quiet (docs/slack.md, "Flapping").
    flapping: 1,
  };
}

/** The aggregator name the demo's stand-in answers to. */
export const DEMO_AGGREGATOR = 'demo-organization';

export const command: Command = {
  usage: `Usage: config-monitor up [--data-dir DIR] [--config FILE] [--port 8787] [--demo]

Runs the embedded stack until Ctrl-C: kinesalite + dynalite persisted in the data directory, the
stream consumer and archiver, Slack delivery (SLACK_WEBHOOK_URL, else <data-dir>/outbox/), and
the API + dashboard on http://127.0.0.1:PORT. While it runs, "ingest", "query", "report" and "mute" on
the same data directory go through it (see <data-dir>/endpoints.json).

Options:
  --data-dir DIR   data directory (default ./.config-monitor)
  --config FILE    configuration file with a routing section (default <data-dir>/config.json,
                   else ./config-monitor.json, else none: every alert to one destination);
                   with it, <data-dir>/outbox/ has one sub-folder per destination
  --port N         HTTP port on 127.0.0.1 (default 8787; 0 picks a free one)
  --demo           on an empty data directory, first load a demo organization (12 accounts,
                   3 regions, ~30 rules, 90 days ending yesterday, one storm) as a deployment
                   meets it: a baseline sync from a local stand-in of its Config aggregator,
                   dated at the start of the 90 days, one mute (an account's rule, 30 days),
                   then the live events of the 90 days (as storm digests), and 75 s later
                   three live violations as single messages with the change that caused
                   them; without a configuration file it
                   writes <data-dir>/config.json routing to two destinations (security, default)
  -h, --help       this help
`,

  async run(argv, io) {
    const { values } = parseCommandArgs(NAME, argv, {
      'data-dir': { type: 'string' },
      config: { type: 'string' },
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
    let configured = loadConfigOption(values.config, dataDir, io.cwd);
    if (values.demo && fresh && configured.path === null) {
      // The demo routes to two destinations: its own configuration file, written once.
      const path = join(dataDir, 'config.json');
      mkdirSync(dataDir, { recursive: true });
      const profile = organizationProfile({ ...demoOrganization(), end: yesterdayUtc() });
      writeFileSync(path, `${JSON.stringify(demoConfigFile(profile), null, 2)}\n`);
      configured = { routing: readConfigFile(path), path };
      log(`--demo: routing to two destinations (security, default) written to ${relative(io.cwd, path)}`);
    }
    const stack = await startEmbeddedStack({
      dataDir,
      autoDeliver: true,
      routing: configured.routing,
      logger: stderrLogger(io.stderr),
    });
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
      const http = await startStackServer(stack, port, undefined, { routing: configured.routing });
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
        io.stdout.write(
          `\nDashboard and API: ${http.url}\nAlerts go to ${describeDestinations(stack, shownDir)}. Press Ctrl-C to stop.\n`,
        );
      }
      if (values.demo && fresh && !cancel.signal.aborted) {
        const tail = scheduleLiveTail(stack, control, log, cancel.signal, DEMO_LIVE_TAIL_DELAY_MS);
        closers.push(() => tail.stop());
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
  const deployment = generateDeployment(options);
  const { events } = deployment;
  log(
    `Demo organization: ${profile.accounts.length} accounts, ${profile.regions.join(', ')}, ${profile.rules.length} rules, ` +
      `${profile.firstDay} to ${profile.lastDay}, storm at ${profile.stormAt} — ` +
      `${deployment.pairs.total.toLocaleString('en-US')} (rule, resource) pairs, ` +
      `${deployment.pairs.withEvents.toLocaleString('en-US')} of them with live events (generated in ${Date.now() - generatedAt} ms)`,
  );

  // The deployment: a baseline sync from a local stand-in of the organization's Config
  // aggregator, dated at the window start (the reconciler's clock), as on the day config-monitor
  // was deployed.
  const standIn = await startConfigAggregatorStandIn({
    aggregatorName: DEMO_AGGREGATOR,
    results: deployment.aggregator.results,
    sources: deployment.aggregator.sources,
  });
  const client = createConfigServiceClient({
    endpoint: standIn.endpoint,
    region: stack.region,
    credentials: { accessKeyId: 'demo', secretAccessKey: 'demo' },
  });
  const syncProgress = createProgress({ stream: stderr, long: true });
  syncProgress.phase('baseline sync', undefined, 'rules');
  let baseline: Awaited<ReturnType<typeof syncIntoStack>>;
  const syncedAt = Date.now();
  try {
    baseline = await syncIntoStack(stack, {
      aggregatorName: DEMO_AGGREGATOR,
      client,
      clock: () => new Date(profile.start),
      onProgress: ({ rulesDone, rulesTotal }) => syncProgress.update(rulesDone, rulesTotal),
    });
  } finally {
    syncProgress.finish();
    client.destroy();
    await standIn.close();
  }
  log(
    `baseline: ${baseline.summary.applied.toLocaleString('en-US')} pairs from the aggregator stand-in, ` +
      `${baseline.report.posture.nonCompliant.toLocaleString('en-US')} open violations ` +
      `(score ${baseline.report.posture.score ?? '-'}, dated ${profile.start}, ${((Date.now() - syncedAt) / 1000).toFixed(1)} s); ` +
      `then ${events.length.toLocaleString('en-US')} live events`,
  );
  if (signal.aborted) {
    log(`demo interrupted: ${shownDir} holds part of it; delete the directory to load it again`);
    return;
  }
  // One mute, before the live events: its violations are recorded but not posted, and the
  // dashboard's Muted panel and the report show them apart.
  const demoMute = await addMute(
    new MuteRepository(stack.doc, stack.tables.mutes),
    {
      account: profile.accounts[0],
      rule: profile.rules[0],
      untilMs: Date.now() + 30 * 86_400_000,
      reason: 'demo: accepted risk, the owning team fixes it in the next release',
    },
    localActor(),
  );
  log(
    `demo mute ${demoMute.id}: account ${demoMute.account}, rule ${demoMute.rule}, until ${demoMute.until.slice(0, 10)} (config-monitor mute list)`,
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
  log(formatReport(report, 'the demo live events', relative(process.cwd(), stack.dataDir) || '.').trimEnd());
}

/**
 * How long after the demo's history its live tail arrives: past the storm detector's one-minute
 * window, so the tail's few violations go out as single messages, not as part of a digest.
 */
export const DEMO_LIVE_TAIL_DELAY_MS = 75_000;

/**
 * The demo's live tail (pipeline/generate/live.ts), ingested once after `delayMs` through the
 * control endpoint's turn-taking; `stop` cancels it or waits for it, so shutdown never closes the
 * stack under it.
 */
function scheduleLiveTail(
  stack: EmbeddedStack,
  control: { exclusive<T>(run: () => Promise<T>): Promise<T> },
  log: (line: string) => void,
  signal: AbortSignal,
  delayMs: number,
): { stop(): Promise<void> } {
  let running: Promise<unknown> = Promise.resolve();
  const timer = setTimeout(() => {
    const profile = organizationProfile({ ...demoOrganization(), end: yesterdayUtc() });
    const events = demoLiveEvents(profile, Date.now());
    running = control
      .exclusive(() =>
        stack.ingest(
          (function* () {
            for (const event of events) yield { value: event };
          })(),
          { signal },
        ),
      )
      .then((report) =>
        log(
          `demo live tail: ${report.summary.alerts.violations} new violations, each a single message with the change that caused it`,
        ),
      )
      .catch((err: unknown) => {
        if (!signal.aborted)
          log(`demo live tail failed: ${err instanceof Error ? err.message : String(err)}`);
      });
  }, delayMs);
  log(
    `demo: ${CASES_IN_TAIL} live violations arrive in ${Math.round(delayMs / 1000)} s, after the storm's digests`,
  );
  return {
    async stop() {
      clearTimeout(timer);
      await running;
    },
  };
}

const CASES_IN_TAIL = 3;
