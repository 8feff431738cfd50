/**
 * Configuration of `firehose-transform.lambda.ts`, read once at cold start. A missing or malformed
 * variable fails the cold start with an error naming it (helpers of src/config.ts). The names are
 * the ones infra/constructs/archive.ts sets, both from {@link ARCHIVE_TRANSFORM_ENV}.
 */
import { type } from 'arktype';
import { optionalEnv, requireEnv } from '../config.js';
import { type Severity, severityOverridesSchema } from '../domain/managed-rules.js';
import { InvalidEnvironmentVariableError } from './errors.js';

type Env = Readonly<Record<string, string | undefined>>;

/** The environment variables of the archive transformation function. */
export const ARCHIVE_TRANSFORM_ENV = {
  eventsTableName: 'EVENTS_TABLE_NAME',
  /** JSON object: base rule name → severity, the configuration's `routing.severityOverrides`. */
  severityOverrides: 'SEVERITY_OVERRIDES',
} as const;

export interface ArchiveTransformConfig {
  /** The events table whose id claims decide which content of an id is archived. */
  readonly eventsTableName: string;
  /** Written into each row's `severity` over the catalog's; empty when the variable is absent. */
  readonly severityOverrides: Readonly<Record<string, Severity>>;
}

export function loadArchiveTransformConfig(env: Env = process.env): ArchiveTransformConfig {
  return {
    eventsTableName: requireEnv(ARCHIVE_TRANSFORM_ENV.eventsTableName, env),
    severityOverrides: severityOverridesOf(env),
  };
}

function severityOverridesOf(env: Env): Readonly<Record<string, Severity>> {
  const name = ARCHIVE_TRANSFORM_ENV.severityOverrides;
  const text = optionalEnv(name, env);
  if (text === undefined) return {};
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    raw = undefined;
  }
  const out = severityOverridesSchema(raw);
  if (out instanceof type.errors || typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new InvalidEnvironmentVariableError(
      name,
      text.slice(0, 200),
      'a JSON object of base rule name → CRITICAL, HIGH, MEDIUM, LOW or INFORMATIONAL',
    );
  }
  return out;
}
