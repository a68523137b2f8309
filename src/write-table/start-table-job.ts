// Starts the one Storage job of a write-table request: import into the existing table, or create
// the bucket (when missing) and the table from the file. Job-starting POSTs are sent exactly once.
import { tableMissing } from '../errors.js';
import type { StorageSession } from '../storage-api/storage-client.js';
import { UncertainOutcomeError } from '../storage-api/storage-errors.js';
import type { CsvImportParams, StorageJob, StorageTable } from '../storage-api/storage-types.js';
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
  const csv = csvParams(options, fileId);
  // A POST that may have reached Storage is never sent again: we look for the job it started.
  const once = async (operationName: 'tableImport' | 'tableCreate', post: () => Promise<StorageJob>) => {
    try {
      return await post();
    } catch (err) {
      if (!(err instanceof UncertainOutcomeError)) throw err;
      return findStartedJob(session, { fileId, operationName }, recovery.search, recovery.signal, err);
    }
  };
  if (existingTable) {
    const job = await once('tableImport', () =>
      session.importTableAsync(options.table.tableId, { ...csv, incremental: options.incremental }),
    );
    return { job, tableCreated: false };
  }
  if (!options.createTable) throw tableMissing(options.table.tableId);
  const bucket = await session.getBucket(options.table.bucketId);
  if (!bucket) await session.ensureBucket(options.table.stage, options.table.bucketName);
  const job = await once('tableCreate', () =>
    session.createTableAsync(options.table.bucketId, {
      ...csv,
      name: options.table.tableName,
      ...(options.primaryKey ? { primaryKey: options.primaryKey } : {}),
    }),
  );
  return { job, tableCreated: true };
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
