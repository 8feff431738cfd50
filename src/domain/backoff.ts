/**
 * Exponential backoff, the one formula every bounded retry of the project uses: the `retry`-th wait
 * (1 = the first retry) has the ceiling min(cap, base · 2^(retry-1)), spread by a jitter.
 * - `full`: uniform in [0, ceiling) — AWS's "full jitter", for many clients retrying one service
 *   (https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/);
 * - `equal`: uniform in [ceiling/2, ceiling) — never much shorter than the ceiling (a poller that
 *   must not spin);
 * - `none`: the ceiling itself — one caller, where a deterministic wait is easier to reason about.
 * Each caller keeps its numbers in its own constants; only the formula lives here.
 */

export interface BackoffPolicy {
  readonly baseMs: number;
  /** @default Infinity (the caller bounds the attempts instead) */
  readonly capMs?: number;
  /** @default 'full' */
  readonly jitter?: 'full' | 'equal' | 'none';
}

/** The wait before retry number `retry` (1-based), in whole ms. `random` returns [0, 1). */
export function backoffDelay(
  retry: number,
  policy: BackoffPolicy,
  random: () => number = Math.random,
): number {
  // The exponent is bounded so that a runaway count cannot overflow to Infinity × 0 = NaN.
  const ceiling = Math.min(
    policy.capMs ?? Number.POSITIVE_INFINITY,
    policy.baseMs * 2 ** Math.min(Math.max(0, retry - 1), 30),
  );
  switch (policy.jitter ?? 'full') {
    case 'full':
      return Math.floor(random() * ceiling);
    case 'equal':
      return Math.floor(ceiling * (0.5 + random() / 2));
    case 'none':
      return ceiling;
  }
}
