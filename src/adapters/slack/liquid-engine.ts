/**
 * The one Liquid engine of the project (Slack messages and the daily report). Strict: a missing
 * variable or an unknown filter fails the render loudly instead of posting a half-empty message.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Liquid } from 'liquidjs';
import { TemplatesDirError } from './errors.js';
import { SLACK_FILTERS } from './filters/index.js';

export interface LiquidEngineOptions {
  /** Directory holding `*.liquid`. @default - `TEMPLATES_DIR`, else the repository's `templates/` */
  readonly templatesDir?: string;
}

/**
 * Where templates live: `TEMPLATES_DIR` (set by the CDK bundling, which copies `templates/` next to
 * the bundle), else `templates/` at the repository root, found from this module's URL.
 */
export function resolveTemplatesDir(env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env.TEMPLATES_DIR?.trim();
  if (fromEnv) return resolve(fromEnv);
  return fileURLToPath(new URL('../../../templates/', import.meta.url));
}

/**
 * Builds a Liquid engine over the templates directory with `strictVariables`, `strictFilters`,
 * own-property lookups only, parsed-template caching, and the custom Slack filters registered.
 */
export function createLiquidEngine(options: LiquidEngineOptions = {}): Liquid {
  const root = options.templatesDir ?? resolveTemplatesDir();
  if (!existsSync(root)) {
    throw new TemplatesDirError(
      `templates directory ${root} does not exist; set TEMPLATES_DIR to the folder holding *.liquid`,
    );
  }
  const engine = new Liquid({
    root,
    extname: '.liquid',
    cache: true,
    strictVariables: true,
    strictFilters: true,
    ownPropertyOnly: true,
  });
  for (const filter of SLACK_FILTERS) engine.registerFilter(filter.name, filter.handler);
  return engine;
}

const engines = new Map<string, Liquid>();
/** The engine of the default directory, once found: resolving it reads the environment. */
let defaultEngine: Liquid | undefined;

/**
 * The shared engine for a templates directory (one per process, so parsed templates are cached
 * once); without an argument, TEMPLATES_DIR or the repository's templates/, looked up once (a failed
 * lookup is retried on the next call).
 */
export function sharedLiquidEngine(templatesDir?: string): Liquid {
  if (templatesDir === undefined) {
    defaultEngine ??= sharedLiquidEngine(resolveTemplatesDir());
    return defaultEngine;
  }
  let engine = engines.get(templatesDir);
  if (!engine) {
    engine = createLiquidEngine({ templatesDir });
    engines.set(templatesDir, engine);
  }
  return engine;
}
