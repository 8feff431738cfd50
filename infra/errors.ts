/** Base class of every error the CDK app raises at synth time. */
export class InfraError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InfraError';
  }
}

/** The deployment configuration is missing or invalid; the message lists every problem found. */
export class ConfigError extends InfraError {
  readonly problems: readonly string[];

  constructor(source: string, problems: readonly string[]) {
    super(
      `Invalid config-monitor configuration (${source}):\n${problems.map((p) => `  - ${p}`).join('\n')}\n` +
        'See docs/deploy.md#configuration for every setting and its allowed values.',
    );
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

/** A Lambda entry file the stacks deploy does not exist. */
export class MissingEntryError extends InfraError {
  constructor(entry: string) {
    super(`Lambda entry file not found: ${entry}. The CDK app deploys src/handlers/*.lambda.ts as they are.`);
    this.name = 'MissingEntryError';
  }
}
