// The few Storage API calls the bench makes itself against the stand-in: files/prepare for the
// direct-upload baseline, job polling (so one run's table load never overlaps the next run), table
// row counts (to prove every row arrived), and any other call (callStorage) for the local phase.
import type { StorageFile, StorageJob } from '../src/storage-api/storage-types.js';

export interface StorageTarget {
  storageUrl: string;
  token: string;
}

export async function callStorage<T>(
  target: StorageTarget,
  method: 'GET' | 'POST',
  path: string,
  body?: unknown,
): Promise<T> {
  const response = await fetch(`${target.storageUrl}/v2/storage/${path}`, {
    method,
    headers: {
      'X-StorageApi-Token': target.token,
      ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text.slice(0, 300)}`);
  return JSON.parse(text) as T;
}

export function prepareFile(target: StorageTarget, name: string): Promise<StorageFile> {
  return callStorage<StorageFile>(target, 'POST', 'files/prepare', {
    name,
    federationToken: true,
    isEncrypted: true,
    tags: ['table-importer-bench'],
  });
}

/** Polls until the job is final; throws when it failed. */
export async function waitForJob(
  target: StorageTarget,
  jobId: number,
  timeoutMs = 30 * 60_000,
): Promise<StorageJob> {
  const deadline = Date.now() + timeoutMs;
  let delayMs = 20;
  while (Date.now() < deadline) {
    const job = await callStorage<StorageJob>(target, 'GET', `jobs/${jobId}`);
    if (job.status === 'success') return job;
    if (job.status === 'error') throw new Error(`job ${jobId} failed: ${JSON.stringify(job.error)}`);
    await new Promise((resolve) => setTimeout(resolve, delayMs));
    delayMs = Math.min(delayMs * 2, 500);
  }
  throw new Error(`job ${jobId} not finished after ${timeoutMs} ms`);
}

export async function tableRowsCount(target: StorageTarget, tableId: string): Promise<number> {
  const table = await callStorage<{ rowsCount?: number }>(target, 'GET', `tables/${tableId}`);
  return table.rowsCount ?? 0;
}

/** The job id of a 200/202 write-table answer. */
export function jobIdOf(body: Record<string, unknown>): number {
  const job = body.job as { id?: unknown } | undefined;
  if (typeof job?.id !== 'number') throw new Error(`no job in answer: ${JSON.stringify(body).slice(0, 300)}`);
  return job.id;
}
