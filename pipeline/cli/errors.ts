/** Errors of the command line. A `UsageError` exits with code 2 and points at `--help`. */

export class CliError extends Error {
  /** Process exit code. */
  readonly exitCode: number = 1;

  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'CliError';
  }
}

/** The command line itself is wrong: unknown command or option, bad value, missing argument. */
export class UsageError extends CliError {
  override readonly exitCode = 2;

  /** `command` is the subcommand whose `--help` to suggest, if any. */
  constructor(
    message: string,
    readonly command?: string,
  ) {
    super(message);
    this.name = 'UsageError';
  }
}

/** The configuration file (`--config`) cannot be read or does not validate; each problem names its field. */
export class ConfigFileError extends CliError {
  override readonly exitCode = 2;

  constructor(
    readonly path: string,
    readonly problems: readonly string[],
  ) {
    super(`${path}: invalid configuration file:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigFileError';
  }
}
