/**
 * The API's own concurrency budget for hot-store reads. One `GET /events` without an account reads
 * 8 shards × up to 8 days in parallel; a hundred such requests at once used to put thousands of
 * queries on one HTTP client, whose sockets then ran out, so requests failed after the client's
 * 3-second connection timeout (500s) and the consumer sharing that client stalled too.
 *
 * Now every read the API makes goes through a budget: at most `maxInFlight` at once, a bounded
 * queue behind them, and a bounded wait. A request the budget cannot serve in time is refused
 * with {@link ApiOverloadedError}, a 503 with `Retry-After`, before it has any effect; the
 * consumer has its own client and never waits for the API.
 */
import type { DocumentSender } from '../adapters/dynamodb/batch-write.js';
import { ApiError } from './errors.js';

export interface ReadBudgetOptions {
  /** Reads in flight at most. */
  readonly maxInFlight: number;
  /** Reads waiting at most; one more is refused at once. */
  readonly maxQueued: number;
  /** Longest a read waits for its turn before the request is refused. */
  readonly maxWaitMs: number;
  /** The `Retry-After` the refusal suggests, in seconds. @default 1 */
  readonly retryAfterSeconds?: number;
}

/** Defaults of the local server and the Lambda: below the SDK handler's 50 sockets, with room. */
export const DEFAULT_READ_BUDGET: ReadBudgetOptions = {
  maxInFlight: 16,
  maxQueued: 512,
  maxWaitMs: 2_000,
  retryAfterSeconds: 1,
};

/** The API is at its read budget: retry after `retryAfterSeconds`. */
export class ApiOverloadedError extends ApiError {
  override readonly headers: Readonly<Record<string, string>>;

  constructor(readonly retryAfterSeconds: number) {
    super(503, 'overloaded', `the API is busy; retry in ${retryAfterSeconds} s`);
    this.name = 'ApiOverloadedError';
    this.headers = { 'retry-after': String(retryAfterSeconds) };
  }
}

interface Waiter {
  readonly start: () => void;
  readonly timer: NodeJS.Timeout;
}

export class ReadBudget {
  private inFlight = 0;
  private readonly queue: Waiter[] = [];
  private readonly retryAfterSeconds: number;

  constructor(private readonly options: ReadBudgetOptions = DEFAULT_READ_BUDGET) {
    if (options.maxInFlight < 1) throw new RangeError('maxInFlight must be at least 1');
    this.retryAfterSeconds = options.retryAfterSeconds ?? 1;
  }

  /** Reads in flight and waiting (for tests and metrics). */
  get load(): { inFlight: number; queued: number } {
    return { inFlight: this.inFlight, queued: this.queue.length };
  }

  /** Runs `read` within the budget, or rejects with {@link ApiOverloadedError} without running it. */
  async run<T>(read: () => Promise<T>): Promise<T> {
    await this.acquire();
    try {
      return await read();
    } finally {
      this.release();
    }
  }

  /** A document client whose every call goes through this budget. */
  wrap(sender: DocumentSender): DocumentSender {
    return {
      send: ((command: Parameters<DocumentSender['send']>[0]) =>
        this.run(() => sender.send(command))) as DocumentSender['send'],
    };
  }

  private acquire(): Promise<void> {
    if (this.inFlight < this.options.maxInFlight) {
      this.inFlight += 1;
      return Promise.resolve();
    }
    if (this.queue.length >= this.options.maxQueued) {
      return Promise.reject(new ApiOverloadedError(this.retryAfterSeconds));
    }
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        start: () => {
          clearTimeout(waiter.timer);
          resolve();
        },
        timer: setTimeout(() => {
          const at = this.queue.indexOf(waiter);
          if (at >= 0) this.queue.splice(at, 1);
          reject(new ApiOverloadedError(this.retryAfterSeconds));
        }, this.options.maxWaitMs),
      };
      this.queue.push(waiter);
    });
  }

  private release(): void {
    const next = this.queue.shift();
    // The slot passes straight to the next waiter: inFlight stays the same.
    if (next) next.start();
    else this.inFlight -= 1;
  }
}
