// Renders a write-table outcome as the response of PRODUCT.md §2.1: 200 with the old Importer's
// fields at the top level, 202 for a job still running, or an AppError for a failed job.
import { AppError, IMPORTER_ERRORS } from '../errors.js';
import type { ImportResults, StorageJob, StorageTable } from '../storage-api/storage-types.js';
import type { ImporterWarning } from './warnings.js';

export interface UploadedFile {
  id: number;
  name: string;
  sizeBytes: number;
  compressed: boolean;
}

export interface WriteTableOutcome {
  /** null only for a job looked up later (GET /jobs/{id}) whose table is not known yet. */
  tableId: string | null;
  /** The job creates the table (tableCreate); the answer says `tableCreated` only once it did. */
  tableCreated: boolean;
  incremental: boolean;
  /** The importer's own warnings (a detected delimiter, an ignored primaryKey, …). */
  warnings?: ImporterWarning[];
  /** CSV bodies: the delimiter the import used, sent or detected. */
  delimiter?: string;
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
  const creates = job.operationName === 'tableCreate';
  const ours = outcome.warnings ?? [];
  const common = {
    tableId: outcome.tableId,
    // Facts, not intentions: a create job that failed or still runs has created nothing yet, and
    // a created table is loaded whole (nothing appended), whatever `incremental` said.
    tableCreated: outcome.tableCreated && job.status === 'success',
    incremental: creates ? false : outcome.incremental,
    ...(outcome.delimiter !== undefined ? { delimiter: outcome.delimiter } : {}),
  };
  const tail = {
    ...(outcome.file ? { file: outcome.file } : {}),
    job: summariseJob(job),
    ...(outcome.timings ? { timings: outcome.timings } : {}),
  };
  if (job.status === 'error') {
    // Storage's own code is relayed; importer.jobFailed only when the job carries none.
    throw new AppError(
      IMPORTER_ERRORS['importer.jobFailed'],
      job.error?.code || 'importer.jobFailed',
      job.error?.message ?? `Storage job ${job.id} failed.`,
      {
        ...(job.error?.exceptionId ? { exceptionId: job.error.exceptionId } : {}),
        ...common,
        ...(ours.length > 0 ? { warnings: ours } : {}),
        ...tail,
        ...(job.results && !Array.isArray(job.results) ? { results: job.results } : {}),
      },
    );
  }
  if (job.status !== 'success') {
    return { status: 202, body: { status: job.status, ...common, warnings: ours, ...tail } };
  }
  const figures = importFigures(job);
  return {
    status: 200,
    body: { status: 'success', ...common, ...figures, warnings: [...figures.warnings, ...ours], ...tail },
  };
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
