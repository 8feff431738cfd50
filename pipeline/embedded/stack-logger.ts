/**
 * The embedded stack's logger: the interface its parts log through, and the default that prints
 * warnings and errors on stderr (everything with `CONFIG_MONITOR_LOG=debug`).
 */

export interface StackLogger {
  info(message: string, extra?: Record<string, unknown>): void;
  warn(message: string, extra?: Record<string, unknown>): void;
  error(message: string, extra?: Record<string, unknown>): void;
  debug(message: string, extra?: Record<string, unknown>): void;
}

export function stderrLogger(): StackLogger {
  const line = (level: string, message: string, extra?: Record<string, unknown>) =>
    process.stderr.write(`[${level}] ${message}${extra ? ` ${JSON.stringify(extra)}` : ''}\n`);
  const verbose = process.env.CONFIG_MONITOR_LOG === 'debug';
  return {
    debug: (m, e) => verbose && line('debug', m, e),
    info: (m, e) => verbose && line('info', m, e),
    warn: (m, e) => line('warn', m, e),
    error: (m, e) => line('error', m, e),
  };
}
