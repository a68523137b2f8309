// Starts the one Storage job of a write-table request: import into the existing table, or create
// the bucket (when missing) and the table from the file. Job-starting POSTs are sent exactly once.
// A create refused because another request created the table meanwhile imported nothing, so the
// file goes into the now-existing table instead (concurrent first writes all land).
import { AppError, tableMissing } from '../../errors.js';
import type { StorageSession } from '../../storage-api/storage-client.js';
import { UncertainOutcomeError } from '../../storage-api/storage-errors.js';
import type { CsvImportParams, StorageJob, StorageTable } from '../../storage-api/storage-types.js';
import { findStartedJob, type JobSearchSettings } from './find-started-job.js';
import type { WriteTableOptions } from './write-table-fields.js';

export interface StartedJob {
  job: StorageJob;
  tableCreated: boolean;
}

export interface JobRecovery {
  search: JobSearchSettings;
  signal: AbortSignal;
}

export async function startTableJob(
  session: StorageSession,
  options: WriteTableOptions,
  existingTable: StorageTable | null,
  fileId: number,
  recovery: JobRecovery,
): Promise<StartedJob> {
  if (existingTable) return startImportJob(session, options, fileId, recovery);
  if (!options.createTable) throw tableMissing(options.table.tableId);
  const bucket = await session.getBucket(options.table.bucketId);
  if (!bucket) await session.ensureBucket(options.table.stage, options.table.bucketName);
  try {
    const job = await once(session, fileId, recovery, 'tableCreate', () =>
      session.createTableAsync(options.table.bucketId, {
        ...csvParams(options, fileId),
        name: options.table.tableName,
        ...(options.primaryKey ? { primaryKey: options.primaryKey } : {}),
      }),
    );
    return { job, tableCreated: true };
  } catch (err) {
    if (!isTableAlreadyExists(err)) throw err;
  }
  return startImportJob(session, options, fileId, recovery);
}

/** The import of the file into the (existing) table. */
export async function startImportJob(
  session: StorageSession,
  options: WriteTableOptions,
  fileId: number,
  recovery: JobRecovery,
): Promise<StartedJob> {
  const job = await once(session, fileId, recovery, 'tableImport', () =>
    session.importTableAsync(options.table.tableId, {
      ...csvParams(options, fileId),
      incremental: options.incremental,
    }),
  );
  return { job, tableCreated: false };
}

/** Storage's refusal of a create (at the POST, or as the job's error) because the table exists. */
export function isTableAlreadyExists(err: unknown): boolean {
  const code = err instanceof AppError ? err.code : (err as StorageJob['error'] | undefined)?.code;
  return code === 'storage.buckets.tableAlreadyExists';
}

/** A POST that may have reached Storage is never sent again: we look for the job it started. */
async function once(
  session: StorageSession,
  fileId: number,
  recovery: JobRecovery,
  operationName: 'tableImport' | 'tableCreate',
  post: () => Promise<StorageJob>,
): Promise<StorageJob> {
  try {
    return await post();
  } catch (err) {
    if (!(err instanceof UncertainOutcomeError)) throw err;
    return findStartedJob(session, { fileId, operationName }, recovery.search, recovery.signal, err);
  }
}

function csvParams(options: WriteTableOptions, fileId: number): CsvImportParams {
  return {
    dataFileId: fileId,
    delimiter: options.delimiter,
    enclosure: options.enclosure,
    escapedBy: options.escapedBy,
    ...(options.columns ? { columns: options.columns } : {}),
    ...(options.withoutHeaders ? { withoutHeaders: true } : {}),
    ...(options.ignoredLinesCount > 0 ? { ignoredLinesCount: options.ignoredLinesCount } : {}),
    ...(options.treatValuesAsNull ? { treatValuesAsNull: options.treatValuesAsNull } : {}),
  };
}
