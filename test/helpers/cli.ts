/**
 * Runs `config-monitor` commands in-process (the same `main` the binary calls) with captured
 * stdout/stderr, and computes the counts `ingest --json` must print for an input, by a plain
 * reference walk of the archive semantics.
 */
import { PassThrough } from 'node:stream';
import type { CommandIo } from '../../pipeline/cli/args.js';
import { main } from '../../pipeline/cli/main.js';
import type { IngestSummary } from '../../pipeline/embedded/stack.js';
import { type ComplianceState, decide, stateKeyId } from '../../src/domain/compliance-state.js';
import { parseConfigEvent } from '../../src/domain/config-event.js';

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Command io over in-memory streams, with what the command wrote to stdout and stderr so far. */
export function memoryIo(
  options: { cwd?: string; stdin?: string; env?: Record<string, string> } = {},
): CommandIo & { out: () => string; err: () => string } {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const stdin = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d) => {
    out += d;
  });
  stderr.on('data', (d) => {
    err += d;
  });
  stdin.end(options.stdin ?? '');
  return {
    stdin,
    stdout,
    stderr,
    env: options.env ?? {},
    cwd: options.cwd ?? process.cwd(),
    out: () => out,
    err: () => err,
  };
}

/** Runs one command line in this process. */
export async function runCli(
  argv: readonly string[],
  options: { cwd?: string; stdin?: string } = {},
): Promise<CliResult> {
  const io = memoryIo(options);
  const code = await main(argv, io);
  return { code, stdout: io.out(), stderr: io.err() };
}

/** What `ingest --json` prints, less the message count (which depends on pacing and digests). */
export type ExpectedCounts = Omit<IngestSummary, 'alerts'> & {
  alerts: Omit<IngestSummary['alerts'], 'messages'>;
};

/**
 * The counts of ingesting these records (texts, in input order) into an empty store: parse each,
 * deduplicate by id, decide each compliance change against the state so far. Records that EventBridge
 * could not carry (over 256 KB) count as rejected.
 */
export function expectedCounts(records: readonly string[]): ExpectedCounts {
  const counts: ExpectedCounts = {
    received: 0,
    accepted: 0,
    duplicates: 0,
    stale: 0,
    skipped: 0,
    rejected: 0,
    alerts: { violations: 0, resolved: 0 },
  };
  const seen = new Set<string>();
  const state = new Map<string, ComplianceState>();
  for (const text of records) {
    counts.received++;
    const outcome = Buffer.byteLength(text) > 256 * 1024 ? null : parseConfigEvent(text);
    if (!outcome || outcome.status === 'rejected') {
      counts.rejected++;
      continue;
    }
    if (outcome.status === 'skipped') {
      counts.skipped++;
      continue;
    }
    const event = outcome.event;
    if (seen.has(event.eventId)) {
      counts.duplicates++;
      continue;
    }
    seen.add(event.eventId);
    counts.accepted++;
    if (event.kind !== 'compliance-change') continue;
    const key = stateKeyId(event);
    const decision = decide(event, state.get(key));
    if (!decision.newest) {
      counts.stale++;
      continue;
    }
    state.set(key, decision.state);
    if (decision.alert?.kind === 'violation') counts.alerts.violations++;
    if (decision.alert?.kind === 'resolution') counts.alerts.resolved++;
  }
  return counts;
}
