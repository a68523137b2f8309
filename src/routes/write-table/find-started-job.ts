// Recovers from a job-starting POST whose outcome is unknown: looks for the job Storage may have
// created for our file (operationParams.source.fileId) instead of posting again, which could
// import the same file twice. Bounded: a few looks over a few seconds, then an honest 502.
import { setTimeout as sleep } from 'node:timers/promises';
import { importOutcomeUnknown } from '../../errors.js';
import { jobSourceFileId } from '../../storage-api/job-facts.js';
import type { StorageSession } from '../../storage-api/storage-client.js';
import type { StorageJob } from '../../storage-api/storage-types.js';

export interface JobSearchSettings {
  attempts: number;
  delayMs: number;
  /** How many of the newest jobs to scan each time. */
  listLimit: number;
}

export const DEFAULT_JOB_SEARCH: JobSearchSettings = { attempts: 5, delayMs: 1_000, listLimit: 100 };

export async function findStartedJob(
  session: Pick<StorageSession, 'listJobs'>,
  match: { fileId: number; operationName: 'tableImport' | 'tableCreate' },
  settings: JobSearchSettings,
  signal: AbortSignal,
  cause: unknown,
): Promise<StorageJob> {
  for (let attempt = 0; attempt < settings.attempts; attempt += 1) {
    if (attempt > 0) await sleep(settings.delayMs, undefined, { signal });
    const jobs = await session.listJobs(settings.listLimit).catch(() => []);
    const found = jobs.find(
      (job) => job.operationName === match.operationName && jobSourceFileId(job) === match.fileId,
    );
    if (found) return found;
  }
  throw importOutcomeUnknown(
    { ...match, searchedSeconds: Math.round((settings.attempts * settings.delayMs) / 1000) },
    cause,
  );
}
