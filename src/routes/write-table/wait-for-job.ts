// Polls a Storage job until it is final or the wait budget is spent. A plain loop with an
// abortable sleep (not a retry): each poll itself is retried by the Storage client.
import { setTimeout as sleep } from 'node:timers/promises';
import { AppError } from '../../errors.js';
import type { StorageSession } from '../../storage-api/storage-client.js';
import type { StorageJob } from '../../storage-api/storage-types.js';

export interface JobPollSettings {
  firstPollDelayMs: number;
  maxPollDelayMs: number;
}

/**
 * Polls 30, 75, 142, 244, 396 ms … after the job started, then every 2 s: dense where small
 * imports finish (the stand-in's take 20–30 ms, `npm run bench`), 10 polls for a 4 s job.
 */
export const DEFAULT_JOB_POLL: JobPollSettings = { firstPollDelayMs: 30, maxPollDelayMs: 2_000 };
/** Each pause is this much longer than the one before, up to maxPollDelayMs. */
const POLL_DELAY_GROWTH = 1.5;

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
    delayMs = Math.min(delayMs * POLL_DELAY_GROWTH, options.maxPollDelayMs);
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
