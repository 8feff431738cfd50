/**
 * A progress display on stderr, so stdout stays clean for `--json` and pipes.
 *
 * On a terminal it redraws one line (`\r`) at most ten times a second. Elsewhere (CI logs, a
 * file) it prints a plain line every 10 % — and only for long inputs, so short runs stay quiet.
 */
import type { Writable } from 'node:stream';
import type { IngestProgress } from '../embedded/stack.js';

export interface ProgressOptions {
  readonly stream: Writable & { isTTY?: boolean; columns?: number };
  /** Show something even without a terminal (long inputs). @default false */
  readonly long?: boolean;
  /** Never show anything. @default false */
  readonly quiet?: boolean;
}

export interface Progress {
  /**
   * Starts a phase: `label` and, if known, the total. Replaces the previous phase's line.
   * `unit` names what is counted ("events", "MB").
   */
  phase(label: string, total?: number, unit?: string): void;
  /** Updates the current phase's count (absolute, not an increment). */
  update(done: number, total?: number): void;
  /** Clears the line (terminal) so that a summary can follow. */
  finish(): void;
}

const WIDTH = 28;

function formatCount(n: number, unit: string | undefined): string {
  if (unit === 'MB') return (n / 1e6).toFixed(1);
  return Math.round(n).toLocaleString('en-US');
}

/** Creates a progress display; without a terminal and without `long`, all calls are no-ops. */
export function createProgress(options: ProgressOptions): Progress {
  const tty = options.stream.isTTY === true;
  const enabled = !options.quiet && (tty || options.long === true);
  let label = '';
  let unit: string | undefined;
  let total: number | undefined;
  let done = 0;
  let startedAt = Date.now();
  let lastDraw = 0;
  let lastDecile = -1;
  let drawn = false;

  const line = (): string => {
    const elapsed = (Date.now() - startedAt) / 1000;
    const rate = elapsed > 0.5 && unit !== 'MB' ? ` ${formatCount(done / elapsed, undefined)}/s` : '';
    if (total && total > 0) {
      const ratio = Math.min(1, done / total);
      const filled = Math.round(ratio * WIDTH);
      const bar = `${'█'.repeat(filled)}${'░'.repeat(WIDTH - filled)}`;
      const pct = `${Math.floor(ratio * 100)}`.padStart(3);
      return `${label} ${bar} ${pct}% ${formatCount(done, unit)}/${formatCount(total, unit)}${unit ? ` ${unit}` : ''}${rate}`;
    }
    if (!unit) return `${label}…`;
    return `${label} ${formatCount(done, unit)} ${unit}${rate}`;
  };

  const draw = (force: boolean) => {
    if (!enabled) return;
    const now = Date.now();
    if (tty) {
      if (!force && now - lastDraw < 100) return;
      lastDraw = now;
      const columns = options.stream.columns ?? 100;
      options.stream.write(`\r\x1b[K${line().slice(0, Math.max(20, columns - 1))}`);
      drawn = true;
      return;
    }
    // Plain output: one line per completed tenth of a known total.
    if (!total) return;
    const decile = Math.floor((Math.min(done, total) / total) * 10);
    if (decile > lastDecile) {
      lastDecile = decile;
      options.stream.write(`${line()}\n`);
    }
  };

  return {
    phase(nextLabel, nextTotal, nextUnit) {
      if (drawn && tty) options.stream.write('\n');
      drawn = false;
      label = nextLabel;
      total = nextTotal;
      unit = nextUnit;
      done = 0;
      startedAt = Date.now();
      lastDecile = -1;
      draw(true);
    },
    update(nextDone, nextTotal) {
      done = nextDone;
      if (nextTotal !== undefined) total = nextTotal;
      draw(false);
    },
    finish() {
      if (!enabled) return;
      if (tty) {
        draw(true);
        options.stream.write('\n');
        drawn = false;
      } else if (total && lastDecile < 10) {
        done = total;
        draw(true);
      }
    },
  };
}

/**
 * Shows an ingest's phases: sending (by bytes of a file, else by records), processing (records
 * done by the consumer out of those published), archiving, delivering alerts.
 */
export function ingestProgress(
  progress: Progress,
  input: { readonly bytes?: number; readonly bytesRead?: () => number; readonly records?: number } = {},
): (update: IngestProgress) => void {
  let phase: IngestProgress['phase'] | undefined;
  return (update) => {
    if (update.phase !== phase) {
      phase = update.phase;
      if (update.phase === 'sending') {
        if (input.bytes) progress.phase('sending   ', input.bytes, 'MB');
        else progress.phase('sending   ', input.records, 'events');
      } else if (update.phase === 'processing') progress.phase('processing', update.total, 'events');
      else if (update.phase === 'recovering') progress.phase('starting');
      else if (update.phase === 'archiving') progress.phase('archiving');
      else progress.phase('delivering alerts', undefined, 'messages');
    }
    if (update.phase === 'sending')
      progress.update(input.bytes && input.bytesRead ? input.bytesRead() : update.read);
    else if (update.phase === 'processing') progress.update(update.processed, update.total);
    else if (update.phase === 'delivering') progress.update(update.messages);
  };
}
