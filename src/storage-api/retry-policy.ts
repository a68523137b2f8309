// Which Storage API failures are worth another attempt, how long to wait before it, and how long
// we may keep trying. Data, not code paths: the client applies it to idempotent calls only (never
// to job-starting POSTs).

export interface RetryPolicy {
  retries: number;
  minTimeoutMs: number;
  maxTimeoutMs: number;
  /**
   * Time budget of one call: no attempt starts after it, and a wait (backoff or Retry-After) that
   * would end past it is not taken — the call fails with the last error instead.
   */
  maxRetryTimeMs: number;
  /** A Retry-After above this is not waited for: the call fails instead. */
  maxRetryAfterMs: number;
  /**
   * Per-attempt timeout of a single HTTP call; the client never lets it exceed maxRetryTimeMs. It is
   * separate from the budget so that an attempt which has started is not cut short by the budget:
   * one call therefore lasts at most maxRetryTimeMs + attemptTimeoutMs.
   */
  attemptTimeoutMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  retries: 5,
  minTimeoutMs: 200,
  maxTimeoutMs: 3_000,
  maxRetryTimeMs: 30_000,
  maxRetryAfterMs: 15_000,
  attemptTimeoutMs: 20_000,
};

/** 408, 429 and 5xx except 501 (PRODUCT.md §3). */
export const RETRYABLE_STATUSES: ReadonlySet<number> = new Set([408, 429, 500, 502, 503, 504]);

export function isRetryableStatus(status: number): boolean {
  return RETRYABLE_STATUSES.has(status) || (status > 504 && status < 600);
}

/** Timeout of one attempt: attemptTimeoutMs, but never longer than the whole call's budget. */
export function attemptTimeoutMs(policy: RetryPolicy): number {
  return Math.min(policy.attemptTimeoutMs, policy.maxRetryTimeMs);
}

/**
 * Jittered exponential backoff before retry number `retriesConsumed + 1` (p-retry's formula with
 * factor 2 and randomize): between 1× and 2× minTimeoutMs·2^retriesConsumed, capped at maxTimeoutMs.
 */
export function backoffMs(policy: RetryPolicy, retriesConsumed: number, random = Math.random): number {
  const exponential = (1 + random()) * policy.minTimeoutMs * 2 ** retriesConsumed;
  return Math.min(Math.round(exponential), policy.maxTimeoutMs);
}

/** Retry-After as seconds or an HTTP date → milliseconds from now; undefined when absent or unparsable. */
export function parseRetryAfterMs(header: string | null, now = Date.now()): number | undefined {
  if (header === null || header.trim() === '') return undefined;
  if (/^\d+$/.test(header.trim())) return Number(header.trim()) * 1000;
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
