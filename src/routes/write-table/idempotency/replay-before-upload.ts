// The replay check of a keyed request before its `data` is read: when a file carrying the key has
// its job already, the answer is that job's outcome (waited for like any job) and the data is never
// uploaded. Matched by key and table only: the body digest is known only after reading, so a
// changed body is not detected here (it is where the body is read: decide-keyed-import).

import type { WriteTableOutcome } from '../../../results/write-table-result.js';
import { jobParams, jobTableId } from '../../../storage-api/job-facts.js';
import type { StorageSession } from '../../../storage-api/storage-client.js';
import { type JobPollSettings, waitForJob } from '../wait-for-job.js';
import { keyReused } from './decide-keyed-import.js';
import { tableFingerprint } from './idempotency-tags.js';
import { findKeyedJob, type KeyedJob, type KeyedSession, listKeyedFiles } from './keyed-files.js';

export type ReplaySession = KeyedSession & Pick<StorageSession, 'getJob'>;

/**
 * The job of an earlier request with the key, or undefined. A file of the key recorded for
 * another table (or branch) → 422, when `tableId` is known.
 */
export async function findReplay(
  session: ReplaySession,
  lookup: { key: string; tableId: string | undefined; branchId: string | undefined; jobListLimit: number },
): Promise<KeyedJob | undefined> {
  const files = await listKeyedFiles(session, lookup.key);
  if (files.length === 0) return undefined;
  if (lookup.tableId !== undefined) {
    const table = tableFingerprint(lookup.tableId, lookup.branchId);
    if (files.some((file) => file.table !== undefined && file.table !== table)) throw keyReused('table');
  }
  return findKeyedJob(session, files, lookup.jobListLimit);
}

/** The earlier request's outcome: its job waited for within the budget, described as it answered. */
export async function replayOutcome(
  session: ReplaySession,
  found: KeyedJob,
  wait: {
    jobPoll: JobPollSettings;
    budgetMs: number;
    signal: AbortSignal;
    stopWaiting?: AbortSignal | undefined;
  },
  tableId: string | undefined,
): Promise<WriteTableOutcome> {
  const job = await waitForJob(session, found.job, {
    ...wait.jobPoll,
    budgetMs: wait.budgetMs,
    signal: wait.signal,
    stopWaiting: wait.stopWaiting,
  });
  return {
    tableId: jobTableId(job) ?? tableId ?? null,
    tableCreated: job.operationName === 'tableCreate',
    incremental:
      found.file.uploaded?.incremental ??
      (jobParams(job).incremental === true || jobParams(job).incremental === 1),
    ...(found.file.uploaded?.delimiter !== undefined ? { delimiter: found.file.uploaded.delimiter } : {}),
    file: {
      id: found.file.id,
      name: found.file.name,
      ...(found.file.sizeBytes !== undefined ? { sizeBytes: found.file.sizeBytes } : {}),
      compressed: found.file.name.endsWith('.gz'),
    },
    job,
  };
}

/** Thrown from the upload phase when the replay check at `data` found the earlier request's job. */
export class ReplayFound extends Error {
  constructor(
    readonly found: KeyedJob,
    /** The request's `wait`, as far as its fields say (they may be incomplete at `data`). */
    readonly waitSeconds: number,
  ) {
    super('an earlier request with this idempotency key has its job');
    this.name = 'ReplayFound';
  }
}
