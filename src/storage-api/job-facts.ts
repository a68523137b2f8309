// Facts read off a Storage job answer (contract §5): its `operationParams.params`, the file it loads
// (`operationParams.source.fileId`) and the table it concerns (`tableId`, or for a create job only
// `results.id` once it succeeded).
import type { StorageJob } from './storage-types.js';

export function jobParams(job: StorageJob): Record<string, unknown> {
  const params = job.operationParams?.params;
  return params && typeof params === 'object' ? (params as Record<string, unknown>) : {};
}

export function jobTableId(job: StorageJob): string | null {
  if (job.tableId) return job.tableId;
  const results = job.results && !Array.isArray(job.results) ? job.results : {};
  return typeof results.id === 'string' ? results.id : null;
}

/** The Storage file an import or create job loads, when the job names one. */
export function jobSourceFileId(job: StorageJob): number | undefined {
  const fileId = job.operationParams?.source?.fileId;
  return typeof fileId === 'number' ? fileId : undefined;
}
