/**
 * Configuration of `firehose-transform.lambda.ts`, read once at cold start. A missing or malformed
 * variable fails the cold start with an error naming it (helpers of src/config.ts). The names are
 * the ones infra/constructs/archive.ts sets, both from {@link ARCHIVE_TRANSFORM_ENV}.
 */
import { LAMBDA_ENV, loadRoutingFile, requireEnv } from '../config.js';
import type { Severity } from '../domain/managed-rules.js';

type Env = Readonly<Record<string, string | undefined>>;

/** The environment variables of the archive transformation function. */
export const ARCHIVE_TRANSFORM_ENV = {
  eventsTableName: LAMBDA_ENV.eventsTable,
} as const;

export interface ArchiveTransformConfig {
  /** The events table whose id claims decide which content of an id is archived. */
  readonly eventsTableName: string;
  /**
   * The bundled routing file's `severityOverrides` (src/config.ts `loadRoutingFile`), written into
   * each row's `severity` over the catalog's; empty without the file.
   */
  readonly severityOverrides: Readonly<Record<string, Severity>>;
}

export function loadArchiveTransformConfig(env: Env = process.env): ArchiveTransformConfig {
  return {
    eventsTableName: requireEnv(ARCHIVE_TRANSFORM_ENV.eventsTableName, env),
    severityOverrides: loadRoutingFile(env).severityOverrides,
  };
}
