// Polls a Storage job until it is final or the wait budget is spent. A plain loop with an
// abortable sleep (not a retry): each poll itself is retried by the Storage client.
import { setTimeout as sleep } from 'node:timers/promises';
import type { StorageSession } from '../storage-api/storage-client.js';
import type { StorageJob } from '../storage-api/storage-types.js';

export interface JobPollSettings {
  firstPollDelayMs: number;
  maxPollDelayMs: number;
}

export const DEFAULT_JOB_POLL: JobPollSettings = { firstPollDelayMs: 50, maxPollDelayMs: 2_000 };

export function isFinal(job: StorageJob): boolean {
  return job.status === 'success' || job.status === 'error';
}

/** Returns the final job, or the latest non-final one when `budgetMs` ran out. */
export async function waitForJob(
  session: Pick<StorageSession, 'getJob'>,
  accepted: StorageJob,
  options: JobPollSettings & { budgetMs: number; signal: AbortSignal; onPoll?: (job: StorageJob) => void },
): Promise<StorageJob> {
  let job = accepted;
  const deadline = Date.now() + options.budgetMs;
  let delayMs = options.firstPollDelayMs;
  while (!isFinal(job)) {
    const remainingMs = deadline - Date.now();
    if (remainingMs <= 0) return job;
    await sleep(Math.min(delayMs, remainingMs), undefined, { signal: options.signal });
    job = await session.getJob(job.id);
    options.onPoll?.(job);
    delayMs = Math.min(delayMs * 2, options.maxPollDelayMs);
  }
  return job;
}
