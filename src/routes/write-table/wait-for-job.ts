// Polls a Storage job until it is final or the wait budget is spent. A plain loop with an
// abortable sleep (not a retry): each poll itself is retried by the Storage client.
import { setTimeout as sleep } from 'node:timers/promises';
import { AppError } from '../../errors.js';
import type { StorageSession } from '../../storage-api/storage-client.js';
import type { StorageJob } from '../../storage-api/storage-types.js';

export interface JobPollSettings {
  firstPollDelayMs: number;
  maxPollDelayMs: number;
  /** Polls stay firstPollDelayMs apart until this long after the job started (default: none). */
  denseUntilMs?: number;
}

/**
 * Polls every 15 ms for the first 120 ms after the job started (small imports finish there: the
 * stand-in's take 25–60 ms, `npm run bench`; a poll found them 15–30 ms late at 30, 75 ms), then
 * at about 1.5× the time waited (180, 270, 405, 608 ms …) and at most 2 s apart: 16 polls in the
 * first 4 s (the old 30, 75, 142 ms … schedule: 10).
 */
export const DEFAULT_JOB_POLL: JobPollSettings = {
  firstPollDelayMs: 15,
  denseUntilMs: 120,
  maxPollDelayMs: 2_000,
};
/** After the dense start, each pause is this much longer than the one before, up to maxPollDelayMs. */
const POLL_DELAY_GROWTH = 1.5;

/** The pause before the next poll, given the last pause and the time waited since the job started. */
export function nextPollDelayMs(previousMs: number, waitedMs: number, settings: JobPollSettings): number {
  if (waitedMs < (settings.denseUntilMs ?? 0)) return settings.firstPollDelayMs;
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
