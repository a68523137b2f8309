// Polls a Storage job until it is final or the wait budget is spent. A plain loop with an
// abortable sleep (not a retry): each poll itself is retried by the Storage client.
import { setTimeout as sleep } from 'node:timers/promises';
import { AppError } from '../../errors.js';
import type { StorageSession } from '../../storage-api/storage-client.js';
import type { StorageJob } from '../../storage-api/storage-types.js';

export interface JobPollSettings {
  firstPollDelayMs: number;
  maxPollDelayMs: number;
  /**
   * Until this long after the job started, each pause is a quarter of the time waited, at least
   * firstPollDelayMs: a job is seen at most about a quarter of its duration late (default: none).
   */
  denseUntilMs?: number;
}

/**
 * Polls 5 ms after the job started, then a quarter of the time waited later (5, 10, 15, 20, 25,
 * 31, 39, 49, 61, 76, 95, 119 ms: a 10-row import in the stand-in takes 5–10 ms, `npm run bench`,
 * and was seen at the old schedule's first poll at 15 ms), then at about 1.5× the time waited
 * (149, 224, 335, 503 ms …) and at most 2 s apart: 21 polls in the first 4 s (the old every-15-ms
 * start: 16). Against Keboola a poll's round trip (tens of ms) spaces the first ones out anyway.
 */
export const DEFAULT_JOB_POLL: JobPollSettings = {
  firstPollDelayMs: 5,
  denseUntilMs: 120,
  maxPollDelayMs: 2_000,
};
/** After the dense start, each pause is this much longer than the one before, up to maxPollDelayMs. */
const POLL_DELAY_GROWTH = 1.5;
/** During the dense start, each pause is this share of the time waited. */
const DENSE_SHARE_OF_WAITED = 0.25;

/** The pause before the next poll, given the last pause and the time waited since the job started. */
export function nextPollDelayMs(previousMs: number, waitedMs: number, settings: JobPollSettings): number {
  if (waitedMs < (settings.denseUntilMs ?? 0)) {
    return Math.max(settings.firstPollDelayMs, waitedMs * DENSE_SHARE_OF_WAITED);
  }
  return Math.min(Math.max(previousMs * POLL_DELAY_GROWTH, waitedMs / 2), settings.maxPollDelayMs);
}

function isFinal(job: StorageJob): boolean {
  return job.status === 'success' || job.status === 'error';
}

/**
 * Returns the final job, or the latest non-final one when `budgetMs` ran out or Storage could not
 * be asked any more (the job runs on regardless: a 202 with it, never an error inviting a resend).
 */
export async function waitForJob(
  session: Pick<StorageSession, 'getJob'>,
  accepted: StorageJob,
  options: JobPollSettings & {
    budgetMs: number;
    signal: AbortSignal;
    /** Aborted = the budget counts as spent now (a graceful shutdown ran out of time). */
    stopWaiting?: AbortSignal;
    onPoll?: (job: StorageJob) => void;
  },
): Promise<StorageJob> {
  let job = accepted;
  const deadline = Date.now() + options.budgetMs;
  let delayMs = options.firstPollDelayMs;
  const startedAt = Date.now();
  while (!isFinal(job)) {
    const remainingMs = deadline - Date.now();
    if (remainingMs <= 0 || options.stopWaiting?.aborted) return job;
    const stopped = await pauseUnlessStopped(
      Math.min(delayMs, remainingMs),
      options.signal,
      options.stopWaiting,
    );
    if (stopped) return job;
    try {
      job = await session.getJob(job.id);
    } catch (err) {
      if (err instanceof AppError && err.status >= 500 && !options.signal.aborted) return job;
      throw err;
    }
    options.onPoll?.(job);
    delayMs = nextPollDelayMs(delayMs, Date.now() - startedAt, options);
  }
  return job;
}

/** Sleeps `ms`; true when `stopWaiting` cut the sleep short. `signal` aborting still throws. */
async function pauseUnlessStopped(
  ms: number,
  signal: AbortSignal,
  stopWaiting: AbortSignal | undefined,
): Promise<boolean> {
  if (!stopWaiting || signal.aborted) {
    await sleep(ms, undefined, { signal });
    return false;
  }
  // A listener removed after every pause, not AbortSignal.any: stopWaiting lives as long as the process.
  const pause = new AbortController();
  const stop = () => pause.abort();
  const onAbort = () => pause.abort(signal.reason);
  stopWaiting.addEventListener('abort', stop, { once: true });
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    await sleep(ms, undefined, { signal: pause.signal });
    return false;
  } catch (err) {
    if (signal.aborted || !stopWaiting.aborted) throw err;
    return true;
  } finally {
    stopWaiting.removeEventListener('abort', stop);
    signal.removeEventListener('abort', onAbort);
  }
}
