// The first step of a request whose key is known before its body (header, query, X-GitHub-Delivery):
// when a file carrying the key already has its job, the answer is that job's outcome (waited for
// like any job) and the body is never read. Matched by key (and table, when the query names it)
// only: the body digest is known only after reading, so a changed body is not detected here.
import type { StorageSession } from '../../storage-api/storage-client.js';
import type { StorageJob } from '../../storage-api/storage-types.js';
import { type JobPollSettings, waitForJob } from '../wait-for-job.js';
import type { WriteTableOutcome } from '../write-table-result.js';
import { keyReused } from './decide-keyed-import.js';
import { tableFingerprint } from './idempotency-tags.js';
import { findKeyedJob, type KeyedSession, listKeyedFiles } from './keyed-files.js';

export interface ReplayLookup {
  session: KeyedSession & Pick<StorageSession, 'getJob'>;
  key: string;
  /** From the query string, when it names them (multipart form fields come later). */
  tableId: string | undefined;
  branchId: string | undefined;
  jobListLimit: number;
  jobPoll: JobPollSettings;
  budgetMs: number;
  signal: AbortSignal;
  stopWaiting?: AbortSignal | undefined;
}

/** The earlier request's outcome (its job waited for within the budget), or undefined. */
export async function replayBeforeUpload(lookup: ReplayLookup): Promise<WriteTableOutcome | undefined> {
  const files = await listKeyedFiles(lookup.session, lookup.key);
  if (files.length === 0) return undefined;
  if (lookup.tableId !== undefined) {
    const table = tableFingerprint(lookup.tableId, lookup.branchId);
    if (files.some((file) => file.table !== undefined && file.table !== table)) throw keyReused('table');
  }
  const found = await findKeyedJob(lookup.session, files, lookup.jobListLimit);
  if (!found) return undefined;
  const job = await waitForJob(lookup.session, found.job, {
    ...lookup.jobPoll,
    budgetMs: lookup.budgetMs,
    signal: lookup.signal,
    stopWaiting: lookup.stopWaiting,
  });
  return {
    tableId: tableIdOf(job) ?? lookup.tableId ?? null,
    tableCreated: job.operationName === 'tableCreate',
    incremental:
      found.file.uploaded?.incremental ??
      (paramsOf(job).incremental === true || paramsOf(job).incremental === 1),
    file: {
      id: found.file.id,
      name: found.file.name,
      ...(found.file.sizeBytes !== undefined ? { sizeBytes: found.file.sizeBytes } : {}),
      compressed: found.file.name.endsWith('.gz'),
    },
    job,
  };
}

function paramsOf(job: StorageJob): Record<string, unknown> {
  const params = job.operationParams?.params;
  return params && typeof params === 'object' ? (params as Record<string, unknown>) : {};
}

function tableIdOf(job: StorageJob): string | null {
  if (job.tableId) return job.tableId;
  const results = job.results && !Array.isArray(job.results) ? job.results : {};
  return typeof results.id === 'string' ? results.id : null;
}
