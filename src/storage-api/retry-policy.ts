// Which Storage API failures are worth another attempt and how attempts are spaced: the policy is
// data, turned into p-retry options here (p-retry owns the backoff, jitter and budget). The client
// applies it to idempotent calls only (never to job-starting POSTs).
import { setTimeout as sleep } from 'node:timers/promises';
import type { Options as PRetryOptions, RetryContext } from 'p-retry';
import { StorageHttpError, UnreadableAnswerError } from './storage-errors.js';

export interface RetryPolicy {
  retries: number;
  minTimeoutMs: number;
  maxTimeoutMs: number;
  /** Backoff growth per retry (p-retry's `factor`); default 2. */
  factor?: number;
  /** Multiply each backoff by a random 1–2 (p-retry's `randomize`); default true. */
  randomize?: boolean;
  /**
   * Time budget of one call: no attempt starts after it, and a wait (backoff or Retry-After) whose
   * shortest length would end past it is not taken — the call fails with the last error instead.
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
 * p-retry options for one idempotent call. p-retry waits the jittered backoff and enforces the
 * retry count and maxRetryTime. Two things it cannot express are done in its hooks:
 * - Retry-After: p-retry has no per-attempt delay, so a failure carrying Retry-After does not
 *   consume a retry (p-retry then skips its backoff) and shouldRetry waits Retry-After instead;
 *   shouldRetry caps the attempts itself, as those retries are not counted by p-retry.
 * - A wait that cannot end inside the budget: p-retry would shorten it to the budget's end and try
 *   once more; we give up at once with Storage's real answer instead.
 */
export function retryOptions(
  policy: RetryPolicy,
  hooks: { signal: AbortSignal; onRetry?: () => void },
): PRetryOptions {
  const factor = policy.factor ?? 2;
  const startedAt = performance.now();
  const retryAfterOf = (error: unknown) =>
    error instanceof StorageHttpError ? error.retryAfterMs : undefined;
  /** The shortest wait before the next attempt: Retry-After, or p-retry's backoff before jitter. */
  const shortestWaitMs = ({ error, retriesConsumed }: RetryContext) =>
    retryAfterOf(error) ?? Math.min(policy.minTimeoutMs * factor ** retriesConsumed, policy.maxTimeoutMs);
  return {
    retries: policy.retries,
    factor,
    minTimeout: policy.minTimeoutMs,
    maxTimeout: policy.maxTimeoutMs,
    randomize: policy.randomize ?? true,
    maxRetryTime: policy.maxRetryTimeMs,
    signal: hooks.signal,
    shouldConsumeRetry: ({ error }) => retryAfterOf(error) === undefined,
    shouldRetry: async (context) => {
      if (!isRetryable(context.error, policy) || context.attemptNumber > policy.retries) return false;
      const remainingMs = policy.maxRetryTimeMs - (performance.now() - startedAt);
      if (shortestWaitMs(context) >= remainingMs) return false;
      hooks.onRetry?.();
      const retryAfterMs = retryAfterOf(context.error);
      if (retryAfterMs !== undefined) await sleep(retryAfterMs, undefined, { signal: hooks.signal });
      return true;
    },
  };
}

/**
 * Retryable: network errors and timeouts, and retryable statuses unless Retry-After asks for more
 * than maxRetryAfterMs. Not retried: a 2xx we cannot read (a wrong URL or a proxy page answers the
 * same way again; on a GET it becomes a 502 importer.storageFailed at once).
 */
function isRetryable(error: unknown, policy: RetryPolicy): boolean {
  if (error instanceof StorageHttpError) {
    if (!isRetryableStatus(error.status)) return false;
    return error.retryAfterMs === undefined || error.retryAfterMs <= policy.maxRetryAfterMs;
  }
  return !(error instanceof UnreadableAnswerError);
}

/** Retry-After as seconds or an HTTP date → milliseconds from now; undefined when absent or unparsable. */
export function parseRetryAfterMs(header: string | null, now = Date.now()): number | undefined {
  if (header === null || header.trim() === '') return undefined;
  if (/^\d+$/.test(header.trim())) return Number(header.trim()) * 1000;
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
