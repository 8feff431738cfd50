/**
 * Shared command-line parsing: every command parses with `node:util` `parseArgs` through
 * {@link parseCommandArgs}, so unknown options, missing values and bad numbers all become a
 * {@link UsageError} (exit code 2) with a message that names the option, the value and what is allowed.
 */
import { resolve } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { UsageError } from './errors.js';

export const DEFAULT_DATA_DIR = './.config-monitor';

/** What a command may touch: streams and environment are injected so tests can run commands in-process. */
export interface CommandIo {
  readonly stdin: Readable & { isTTY?: boolean };
  readonly stdout: Writable & { isTTY?: boolean };
  readonly stderr: Writable & { isTTY?: boolean; columns?: number };
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string;
  /** Resolves when the user asks to stop (Ctrl-C, SIGTERM); only long-running commands use it. */
  readonly interrupted?: Promise<string>;
}

/** A subcommand: its `--help` text and its entry point returning the exit code. */
export interface Command {
  readonly usage: string;
  run(argv: readonly string[], io: CommandIo): Promise<number>;
}

type Options = NonNullable<ParseArgsConfig['options']>;

/** The `--data-dir` and `--help` options every command takes. */
export const COMMON_OPTIONS = {
  'data-dir': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies Options;

/**
 * Parses a command's arguments strictly. Unknown options, a missing value or unexpected
 * positionals throw a UsageError naming the command.
 */
export function parseCommandArgs<const T extends Options>(
  command: string,
  argv: readonly string[],
  options: T,
  positionals: { min?: number; max?: number } = {},
) {
  let parsed: ReturnType<
    typeof parseArgs<{ args: string[]; options: T; allowPositionals: true; strict: true }>
  >;
  try {
    parsed = parseArgs({ args: [...argv], options, allowPositionals: true, strict: true });
  } catch (err) {
    // node:util messages already name the option ("Unknown option '--x'", "Option '--seed <value>' argument missing").
    throw new UsageError(
      (err as Error).message.replace(/\. To specify a positional argument.*$/s, ''),
      command,
    );
  }
  const { min = 0, max = 0 } = positionals;
  const help = (parsed.values as Record<string, unknown>).help === true;
  if (!help && parsed.positionals.length < min) {
    throw new UsageError(`missing argument: expected ${min === max ? min : `at least ${min}`}`, command);
  }
  if (parsed.positionals.length > max) {
    throw new UsageError(`unexpected argument "${parsed.positionals[max]}"`, command);
  }
  return parsed;
}

/** An integer option within [min, max]; `fallback` when absent. */
export function integerOption(
  command: string,
  name: string,
  value: string | undefined,
  fallback: number,
  min: number,
  max: number,
): number {
  if (value === undefined) return fallback;
  const n = /^-?\d+$/.test(value.trim()) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw new UsageError(`--${name} must be an integer from ${min} to ${max}; got "${value}"`, command);
  }
  return n;
}

/** A fraction option in [0, 1] (a rate); accepts `0.05` or `5%`. */
export function rateOption(
  command: string,
  name: string,
  value: string | undefined,
  fallback: number,
): number {
  if (value === undefined) return fallback;
  const text = value.trim();
  const n = text.endsWith('%') ? Number(text.slice(0, -1)) / 100 : Number(text);
  if (text === '' || !Number.isFinite(n) || n < 0 || n > 1) {
    throw new UsageError(
      `--${name} must be a fraction from 0 to 1 (or a percentage); got "${value}"`,
      command,
    );
  }
  return n;
}

/** A `YYYY-MM-DD` calendar date option. */
export function dateOption(command: string, name: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const valid =
    /^\d{4}-\d{2}-\d{2}$/.test(value) && new Date(`${value}T00:00:00Z`).toISOString().startsWith(value);
  if (!valid) throw new UsageError(`--${name} must be a date YYYY-MM-DD; got "${value}"`, command);
  return value;
}

/** The absolute data directory: `--data-dir`, else `./.config-monitor` under the working directory. */
export function dataDirOption(value: string | undefined, cwd: string): string {
  if (value !== undefined && value.trim() === '') throw new UsageError('--data-dir must not be empty');
  return resolve(cwd, value ?? DEFAULT_DATA_DIR);
}
