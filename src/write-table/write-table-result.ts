// Renders a write-table outcome as the response of PRODUCT.md §2.1: 200 with the old Importer's
// fields at the top level, 202 for a job still running, or an AppError for a failed job.
import { AppError } from '../errors.js';
import type { ImportResults, StorageJob, StorageTable } from '../storage-api/storage-types.js';

export interface UploadedFile {
  id: number;
  name: string;
  sizeBytes: number;
  compressed: boolean;
}

export interface WriteTableOutcome {
  /** null only for a job looked up later (GET /jobs/{id}) whose table is not known yet. */
  tableId: string | null;
  tableCreated: boolean;
  incremental: boolean;
  /** A job looked up later may know less about its file, or nothing. */
  file?: Partial<UploadedFile> & { id: number };
  job: StorageJob;
  /** Absent for a job looked up later: the importer did not see its upload. */
  timings?: { uploadMs: number; jobMs: number; totalMs: number };
}

export interface RenderedResult {
  status: 200 | 202;
  body: Record<string, unknown>;
}

function summariseJob(job: StorageJob) {
  return { id: job.id, url: job.url, status: job.status, operationName: job.operationName };
}

export function renderWriteTableOutcome(outcome: WriteTableOutcome): RenderedResult {
  const { job } = outcome;
  const common = {
    tableId: outcome.tableId,
    tableCreated: outcome.tableCreated,
    incremental: outcome.incremental,
  };
  const tail = {
    ...(outcome.file ? { file: outcome.file } : {}),
    job: summariseJob(job),
    ...(outcome.timings ? { timings: outcome.timings } : {}),
  };
  if (job.status === 'error') {
    throw new AppError(
      400,
      job.error?.code || 'importer.jobFailed',
      job.error?.message ?? `Storage job ${job.id} failed.`,
      {
        ...(job.error?.exceptionId ? { exceptionId: job.error.exceptionId } : {}),
        ...common,
        ...tail,
        ...(job.results && !Array.isArray(job.results) ? { results: job.results } : {}),
      },
    );
  }
  if (job.status !== 'success') return { status: 202, body: { status: job.status, ...common, ...tail } };
  return { status: 200, body: { status: 'success', ...common, ...importFigures(job), ...tail } };
}

function importFigures(job: StorageJob): Omit<ImportResults, never> {
  const results = (job.results && !Array.isArray(job.results) ? job.results : {}) as Partial<ImportResults> &
    Partial<StorageTable>;
  if (job.operationName === 'tableCreate') {
    return {
      importedColumns: results.columns ?? [],
      warnings: [],
      transaction: null,
      totalRowsCount: results.rowsCount ?? 0,
      totalDataSizeBytes: results.dataSizeBytes ?? 0,
    };
  }
  return {
    importedColumns: results.importedColumns ?? [],
    warnings: results.warnings ?? [],
    transaction: results.transaction ?? null,
    totalRowsCount: results.totalRowsCount ?? 0,
    totalDataSizeBytes: results.totalDataSizeBytes ?? 0,
  };
}
