// Which Storage API failures are worth another attempt, and how long we may keep trying.
// Data, not code paths: the client applies it to idempotent calls only (never to job-starting POSTs).

export interface RetryPolicy {
  retries: number;
  minTimeoutMs: number;
  maxTimeoutMs: number;
  /** Total time budget for one call including all attempts and sleeps. */
  maxRetryTimeMs: number;
  /** A Retry-After above this is not waited for: the call fails instead. */
  maxRetryAfterMs: number;
  /** Per-attempt timeout of a single HTTP call. */
  attemptTimeoutMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  retries: 5,
  minTimeoutMs: 200,
  maxTimeoutMs: 3_000,
  maxRetryTimeMs: 30_000,
  maxRetryAfterMs: 15_000,
  attemptTimeoutMs: 60_000,
};

/** 408, 429 and 5xx except 501 (PRODUCT.md §3). */
export const RETRYABLE_STATUSES: ReadonlySet<number> = new Set([408, 429, 500, 502, 503, 504]);

export function isRetryableStatus(status: number): boolean {
  return RETRYABLE_STATUSES.has(status) || (status > 504 && status < 600);
}

/** Retry-After as seconds or an HTTP date → milliseconds from now; undefined when absent or unparsable. */
export function parseRetryAfterMs(header: string | null, now = Date.now()): number | undefined {
  if (header === null || header.trim() === '') return undefined;
  if (/^\d+$/.test(header.trim())) return Number(header.trim()) * 1000;
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
