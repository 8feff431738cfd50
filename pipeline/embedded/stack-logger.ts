/**
 * The embedded stack's logger: the interface its parts log through, and the default that prints
 * warnings and errors on stderr (everything with `CONFIG_MONITOR_LOG=debug`).
 */

import type { Logger } from '../../src/ports/logger.js';

/** The one logger port (src/ports/logger.ts). */
export type StackLogger = Logger;

/** Lines on `stream`: the CLI gives its own stderr, so a command's warnings go where its output goes. */
export function stderrLogger(stream: { write(text: string): unknown } = process.stderr): StackLogger {
  const line = (level: string, message: string, extra?: Record<string, unknown>) =>
    stream.write(`[${level}] ${message}${extra ? ` ${JSON.stringify(extra)}` : ''}\n`);
  const verbose = process.env.CONFIG_MONITOR_LOG === 'debug';
  return {
    debug: (m, e) => verbose && line('debug', m, e),
    info: (m, e) => verbose && line('info', m, e),
    warn: (m, e) => line('warn', m, e),
    error: (m, e) => line('error', m, e),
  };
}
