// The work behind tableCreate and tableImport jobs: fetch the Storage file from the embedded S3
// into a temp file, hand it to the table store (which owns the CSV rules and commits the job's
// outcome with its rows) and record the outcome in metadata. Validation of request parameters
// happens earlier, in the routes; queueing in job-runner.ts.
import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../../logger.js';
import type { LocalFileStorage } from '../files/local-file-storage.js';
import type { FileRecord, JobRecord, MetadataStore, TableRecord } from '../metadata/metadata-store.js';
import { findBucket, findFile, findTable } from '../metadata/resource-lookup.js';
import { presentTable } from '../metadata/resource-views.js';
import { StorageError } from '../protocol/storage-error.js';
import { formatStorageTime } from '../protocol/storage-response.js';
import type { CommittedJobOutcome } from '../tables/job-outcomes.js';
import type { TableStore } from '../tables/table-store.js';
import type { CsvLoadOptions, SourceFile, TableSchema, TableStats } from '../tables/table-types.js';
import type { JobOutcome, JobWork } from './job-runner.js';

export interface TableCreateRequest {
  bucketId: string;
  tableName: string;
  fileId: number;
  load: CsvLoadOptions & { primaryKey: string[] };
  /** Request origin, for the absolute `uri`s in the job results. */
  origin: string;
}

export interface TableImportRequest {
  tableId: string;
  fileId: number;
  load: CsvLoadOptions & { incremental: boolean };
}

export interface TableJobs {
  createTable(request: TableCreateRequest): JobWork;
  importIntoTable(request: TableImportRequest): JobWork;
}

export interface TableJobsDeps {
  metadata: MetadataStore;
  tableStore: TableStore;
  fileStorage: Pick<LocalFileStorage, 'downloadObject'>;
  tempDir: string;
  now: () => Date;
}

export function createTableJobs(deps: TableJobsDeps): TableJobs {
  const { metadata, tableStore } = deps;

  const withSourceFile = async <T>(
    job: JobRecord,
    fileId: number,
    use: (source: SourceFile) => Promise<T>,
  ): Promise<T> => {
    const file = findFile(metadata.state, fileId);
    const path = join(deps.tempDir, `job-${job.id}-${randomBytes(6).toString('hex')}`);
    try {
      const downloaded = await deps.fileStorage.downloadObject(file.key, path);
      if (!downloaded) throw fileNotUploaded(file);
      const gzip = file.name.toLowerCase().endsWith('.gz');
      job.metrics = {
        ...job.metrics,
        inCompressed: gzip,
        inBytes: downloaded.sizeBytes,
        inBytesUncompressed: gzip ? 0 : downloaded.sizeBytes,
      };
      if (file.sizeBytes === null) file.sizeBytes = downloaded.sizeBytes;
      if (job.runId !== null && !file.runIds.includes(job.runId)) file.runIds.push(job.runId);
      return await use({ path, gzip });
    } finally {
      await rm(path, { force: true });
    }
  };

  return {
    createTable: (request) => async (job) => {
      const tableId = `${request.bucketId}.${request.tableName}`;
      findBucket(metadata.state, request.bucketId);
      if (metadata.state.tables[tableId]) throw tableAlreadyExists(request.tableName);
      return withSourceFile(job, request.fileId, async (source) => {
        const marker = { jobId: job.id, context: { origin: request.origin } };
        const created = await tableStore.createTable(tableId, source, request.load, marker);
        return {
          ...applyCreatedTable(metadata, tableId, request.origin, created, deps.now()),
          committedWithData: true,
        };
      });
    },

    importIntoTable: (request) => async (job) => {
      const table = findTable(metadata.state, request.tableId);
      return withSourceFile(job, request.fileId, async (source) => {
        const current = { columns: [...table.columns], primaryKey: [...table.primaryKey] };
        const marker = { jobId: job.id, context: {} };
        const imported = await tableStore.importIntoTable(table.id, current, source, request.load, marker);
        return { ...applyImport(table, imported, deps.now()), committedWithData: true };
      });
    },
  };
}

/** A created table into metadata; saved together with the job's success by the runner. */
function applyCreatedTable(
  metadata: MetadataStore,
  tableId: string,
  origin: string,
  created: TableSchema & TableStats,
  at: Date,
): JobOutcome {
  const time = formatStorageTime(at);
  const lastDot = tableId.lastIndexOf('.');
  const table: TableRecord = {
    id: tableId,
    bucketId: tableId.slice(0, lastDot),
    name: tableId.slice(lastDot + 1),
    columns: created.columns,
    primaryKey: created.primaryKey,
    created: time,
    lastImportDate: time,
    lastChangeDate: time,
    rowsCount: created.rowsCount,
    dataSizeBytes: created.dataSizeBytes,
  };
  metadata.state.tables[tableId] = table;
  return { tableId, results: presentTable(table, metadata.state, origin) };
}

function applyImport(
  table: TableRecord,
  imported: { importedColumns: string[]; columns: string[] } & TableStats,
  at: Date,
): JobOutcome {
  const time = formatStorageTime(at);
  table.columns = imported.columns;
  table.rowsCount = imported.rowsCount;
  table.dataSizeBytes = imported.dataSizeBytes;
  table.lastImportDate = time;
  table.lastChangeDate = time;
  return {
    tableId: table.id,
    results: {
      importedColumns: imported.importedColumns,
      warnings: [],
      transaction: null,
      totalRowsCount: imported.rowsCount,
      totalDataSizeBytes: imported.dataSizeBytes,
    },
  };
}

/**
 * Start-up, before unfinished jobs are marked interrupted: a job whose outcome DuckDB committed
 * with its data succeeded, even if the process died before metadata recorded it. Such jobs are
 * finished here (status success, the same results as without the crash); returns their ids.
 */
export async function recoverCommittedJobs(deps: {
  metadata: MetadataStore;
  tableStore: TableStore;
  logger?: Logger;
}): Promise<number[]> {
  const unfinished = Object.values(deps.metadata.state.jobs).filter(
    (job) => job.status === 'waiting' || job.status === 'processing',
  );
  const outcomes = await deps.tableStore.readJobOutcomes(unfinished.map((job) => job.id));
  const recovered: number[] = [];
  for (const job of unfinished) {
    const outcome = outcomes.get(job.id);
    if (!outcome) continue;
    try {
      const result = recoveredResult(deps.metadata, job, outcome);
      job.status = 'success';
      job.results = result.results;
      job.tableId = result.tableId;
      job.startTime ??= formatStorageTime(new Date(outcome.committedAt));
      job.endTime = formatStorageTime(new Date(outcome.committedAt));
      delete job.error;
      recovered.push(job.id);
    } catch (err) {
      deps.logger?.warn({ err, jobId: job.id }, 'could not recover a committed job');
    }
  }
  return recovered;
}

function recoveredResult(metadata: MetadataStore, job: JobRecord, outcome: CommittedJobOutcome): JobOutcome {
  const at = new Date(outcome.committedAt);
  const result = outcome.result as unknown as TableSchema & TableStats & { importedColumns: string[] };
  if (job.operationName === 'tableCreate') {
    return applyCreatedTable(metadata, job.targetTableId, String(outcome.context.origin ?? ''), result, at);
  }
  return applyImport(findTable(metadata.state, job.targetTableId), result, at);
}

export function tableAlreadyExists(tableName: string): StorageError {
  return new StorageError(
    400,
    'storage.buckets.tableAlreadyExists',
    `The table "${tableName}" in the bucket already has the same display name "${tableName}".`,
  );
}

function fileNotUploaded(file: FileRecord): StorageError {
  return new StorageError(
    400,
    'storage.fileNotUploaded',
    `The file "${file.name}" (id ${file.id}) was prepared but never uploaded.`,
  );
}

/**
 * After a crash, DuckDB may hold work the metadata never recorded: a table created by a job that
 * was interrupted is dropped (its job is an error now), and tables touched by interrupted imports get
 * their columns and statistics re-read from DuckDB.
 */
export async function reconcileInterruptedJobs(
  interrupted: JobRecord[],
  deps: { metadata: MetadataStore; tableStore: TableStore; logger?: Logger },
): Promise<void> {
  for (const job of interrupted) {
    const table = deps.metadata.state.tables[job.targetTableId];
    try {
      if (!table) {
        // Usually there is nothing to drop (the job never started); that is not a problem.
        if (job.operationName === 'tableCreate') {
          await deps.tableStore.dropTable(job.targetTableId).catch(() => undefined);
        }
        continue;
      }
      const [stats, preview] = await Promise.all([
        deps.tableStore.stats(table.id),
        deps.tableStore.preview(table.id, { limit: 1 }),
      ]);
      table.rowsCount = stats.rowsCount;
      table.dataSizeBytes = stats.dataSizeBytes;
      table.columns = preview.columns;
    } catch (err) {
      deps.logger?.warn({ err, tableId: job.targetTableId }, 'could not reconcile an interrupted job');
    }
  }
  if (interrupted.length > 0) await deps.metadata.save();
}
