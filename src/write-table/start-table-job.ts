// Starts the one Storage job of a write-table request: import into the existing table, or create
// the bucket (when missing) and the table from the file. Job-starting POSTs are sent exactly once.
import { AppError } from '../errors.js';
import type { StorageSession } from '../storage-api/storage-client.js';
import type { CsvImportParams, StorageJob, StorageTable } from '../storage-api/storage-types.js';
import type { WriteTableOptions } from './write-table-fields.js';

export interface StartedJob {
  job: StorageJob;
  tableCreated: boolean;
}

export async function startTableJob(
  session: StorageSession,
  options: WriteTableOptions,
  existingTable: StorageTable | null,
  fileId: number,
): Promise<StartedJob> {
  const csv = csvParams(options, fileId);
  if (existingTable) {
    const job = await session.importTableAsync(options.table.tableId, {
      ...csv,
      incremental: options.incremental,
    });
    return { job, tableCreated: false };
  }
  if (!options.createTable) {
    throw new AppError(
      404,
      'storage.tables.notFound',
      `The table "${options.table.tableId}" does not exist and createTable=0.`,
    );
  }
  const bucket = await session.getBucket(options.table.bucketId);
  if (!bucket) await session.ensureBucket(options.table.stage, options.table.bucketName);
  const job = await session.createTableAsync(options.table.bucketId, {
    ...csv,
    name: options.table.tableName,
    ...(options.primaryKey ? { primaryKey: options.primaryKey } : {}),
  });
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
