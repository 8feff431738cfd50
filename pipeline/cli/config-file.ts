/**
 * The local configuration file of `up` and `ingest` (`--config FILE`): the routing section of
 * src/domain/routing-config.ts, the same definition the CDK app validates at synth. Looked up as
 * `--config FILE`, else `<data-dir>/config.json`, else `./config-monitor.json`; without one, no
 * routing (every alert to the default destination, the outbox folder as before).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseLocalConfigFile, type RoutingConfig } from '../../src/domain/routing-config.js';
import type { SinkInfo } from '../embedded/sink-selection.js';
import { ConfigFileError } from './errors.js';

/** The file to read: the option (which must exist), else the first default that exists, else null. */
export function configFilePath(option: string | undefined, dataDir: string, cwd: string): string | null {
  if (option !== undefined) {
    const path = resolve(cwd, option);
    if (!existsSync(path)) throw new ConfigFileError(path, ['--config names a file that does not exist']);
    return path;
  }
  for (const candidate of [join(dataDir, 'config.json'), join(cwd, 'config-monitor.json')]) {
    if (existsSync(candidate)) return candidate;
  }
  return null;
}

/** Reads and validates a configuration file; throws {@link ConfigFileError} naming each problem. */
export function readConfigFile(path: string): RoutingConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigFileError(path, [`cannot read the file: ${(err as Error).message}`]);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new ConfigFileError(path, [`not valid JSON: ${(err as Error).message}`]);
  }
  const parsed = parseLocalConfigFile(raw);
  if (!parsed.ok) throw new ConfigFileError(path, parsed.problems);
  return parsed.config;
}

/** `--config` of `up` and `ingest`: the routing in force, and the file it came from (null: none). */
export function loadConfigOption(
  option: string | undefined,
  dataDir: string,
  cwd: string,
): { routing: RoutingConfig | null; path: string | null } {
  const path = configFilePath(option, dataDir, cwd);
  return { routing: path === null ? null : readConfigFile(path), path };
}

/** Where alerts go, for the CLI: one sink, or each destination's (`security → …/outbox/security/`). */
export function describeDestinations(
  stack: {
    readonly routed: boolean;
    readonly sink: SinkInfo;
    readonly destinations: Readonly<Record<string, SinkInfo>>;
  },
  shownDir: string,
): string {
  const where = (name: string | null, info: SinkInfo) =>
    info.kind === 'slack'
      ? `Slack webhook (${info.env ?? 'SLACK_WEBHOOK_URL'})`
      : info.kind === 'bot'
        ? `Slack channel ${info.channel ?? ''} (bot token in ${info.env ?? 'SLACK_BOT_TOKEN'})`
        : `${shownDir}/outbox/${name === null ? '' : `${name}/`}${info.env ? ` (${info.env} unset)` : ''}`;
  if (!stack.routed) return where(null, stack.sink);
  return Object.entries(stack.destinations)
    .map(([name, info]) => `${name} → ${where(name, info)}`)
    .join(', ');
}
