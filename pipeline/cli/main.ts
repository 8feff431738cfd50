/**
 * `config-monitor` — command dispatch. Each command lives in `commands/<name>.ts` and exports
 * `command: Command`; it is loaded only when run, so `--help` and `generate` stay fast.
 */
import type { Command, CommandIo } from './args.js';
import { CliError, UsageError } from './errors.js';

interface CommandEntry {
  readonly name: string;
  readonly summary: string;
  readonly load: () => Promise<{ command: Command }>;
}

/** The commands. To add one: create `commands/<name>.ts` exporting `command`, then add one line here. */
const COMMANDS: readonly CommandEntry[] = [
  {
    name: 'up',
    summary: 'run the embedded stack (API + dashboard); --demo loads a demo organization',
    load: () => import('./commands/up.js'),
  },
  {
    name: 'ingest',
    summary: 'send AWS Config events (JSON, JSON array or JSON Lines) through the pipeline',
    load: () => import('./commands/ingest.js'),
  },
  {
    name: 'sync',
    summary: 'pull current compliance from an AWS Config aggregator: baseline, drift, gone pairs',
    load: () => import('./commands/sync.js'),
  },
  {
    name: 'generate',
    summary: 'write a synthetic organization as JSON Lines events',
    load: () => import('./commands/generate.js'),
  },
  {
    name: 'query',
    summary: 'run a saved query on the embedded DuckDB engine or on Athena; --list shows them',
    load: () => import('./commands/query.js'),
  },
  {
    name: 'report',
    summary: 'the daily compliance report of one UTC day (--json, --post)',
    load: () => import('./commands/report.js'),
  },
  {
    name: 'mute',
    summary: 'mute an accepted risk until a date: add, list, remove, audit',
    load: () => import('./commands/mute.js'),
  },
  {
    name: 'doctor',
    summary: 'check a deployed master stack (quota, Athena, reuse, rollup, DLQ): --stage NAME',
    load: () => import('./commands/doctor.js'),
  },
  {
    name: 'cost',
    summary: 'monthly AWS cost of the master stack next to AWS Config for an organization',
    load: () => import('./commands/cost.js'),
  },
];

const USAGE = `config-monitor — AWS Config compliance monitoring, embedded or on AWS

Usage: config-monitor <command> [options]

Commands:
${COMMANDS.map((c) => `  ${c.name.padEnd(10)}${c.summary}`).join('\n')}

Every command takes --help and --data-dir DIR (default ./.config-monitor).
Exit codes: 0 success, 1 failure, 2 usage error.
`;

/** Runs one command line; returns the exit code. Errors never escape: they are printed. */
export async function main(argv: readonly string[], io: CommandIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined) {
    io.stderr.write(USAGE);
    return 2;
  }
  if (name === '--help' || name === '-h' || name === 'help') {
    io.stdout.write(USAGE);
    return 0;
  }
  const entry = COMMANDS.find((c) => c.name === name);
  if (!entry) {
    io.stderr.write(`config-monitor: unknown command "${name}"\n\n${USAGE}`);
    return 2;
  }
  try {
    const { command } = await entry.load();
    if (rest.includes('--help') || rest.includes('-h')) {
      io.stdout.write(command.usage);
      return 0;
    }
    return await command.run(rest, io);
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr.write(
        `config-monitor ${entry.name}: ${err.message}\nRun "config-monitor ${entry.name} --help" for usage.\n`,
      );
      return err.exitCode;
    }
    const message = err instanceof Error ? err.message : String(err);
    io.stderr.write(`config-monitor ${entry.name}: ${message}\n`);
    if (io.env.CONFIG_MONITOR_DEBUG && err instanceof Error && err.stack) io.stderr.write(`${err.stack}\n`);
    return err instanceof CliError ? err.exitCode : 1;
  }
}

let interruptionPromise: Promise<string> | undefined;

/**
 * Ctrl-C / SIGTERM as a promise that long-running commands (up) await. Installed only when a
 * command asks for it, so that Ctrl-C still ends `generate` or `ingest` at once.
 */
function interruption(): Promise<string> {
  interruptionPromise ??= new Promise((resolve) => {
    let count = 0;
    const on = (signal: string) => {
      count++;
      // A second Ctrl-C while shutting down means "now".
      if (count > 1) process.exit(130);
      resolve(signal);
    };
    process.on('SIGINT', () => on('SIGINT'));
    process.on('SIGTERM', () => on('SIGTERM'));
  });
  return interruptionPromise;
}

const isEntryPoint =
  process.argv[1] !== undefined && /config-monitor(\.js)?$|cli[/\\]main\.ts$/.test(process.argv[1]);

if (isEntryPoint) {
  // The SDK warns on every command that Node 20 support ends in 2027; package.json pins the
  // engines, so a CLI user gains nothing from the repeated notice. An explicit setting wins.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  // `config-monitor generate | head`: a closed pipe is the reader's choice, not an error.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(0);
    throw err;
  });
  const code = await main(process.argv.slice(2), {
    stdin: process.stdin,
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    cwd: process.cwd(),
    get interrupted() {
      return interruption();
    },
  });
  // Exit explicitly (open sockets of the local services must not keep the process alive), after
  // stdout has been flushed to a pipe.
  process.stdout.write('', () => process.exit(code));
}
