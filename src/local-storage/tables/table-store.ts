// The stand-in's table data: DuckDB string tables loaded from CSV files with Storage's import
// semantics (contract §9, §12.4-5), plus preview and stats. Owns no metadata, jobs or S3: callers
// pass the table's schema and a local copy of the Storage file, and serialise jobs per table.
import { mkdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { resolve } from 'node:path';
import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { StorageError } from '../protocol/storage-error.js';
import { quoteIdentifier, toDuckdbTableName } from './duckdb-sql.js';
import { readTableColumns, readTableStats } from './duckdb-table-load.js';
import { exportRowsToCsv, readRows } from './duckdb-table-read.js';
import {
  type CommittedJobOutcome,
  clearJobOutcomes,
  ensureJobOutcomesTable,
  type JobCommitMarker,
  readJobOutcomes,
} from './job-outcomes.js';
import type { RowFilter } from './row-filter.js';
import { createTableFromFile, importFileIntoTable, tableNotFound } from './table-load.js';
import type { CsvLoadOptions, SourceFile, TableSchema, TableStats } from './table-types.js';

export interface TableStore {
  /**
   * tables-async: create from the file's header (or `columns`) and load it. With a `marker`, the
   * outcome is recorded in the same transaction (readJobOutcomes finds it after a crash).
   */
  createTable(
    tableId: string,
    file: SourceFile,
    options: CsvLoadOptions & { primaryKey: string[] },
    marker?: JobCommitMarker,
  ): Promise<TableSchema & TableStats>;
  /** import-async into an existing table; current = the table's schema before the import. */
  importIntoTable(
    tableId: string,
    current: TableSchema,
    file: SourceFile,
    options: CsvLoadOptions & { incremental: boolean },
    marker?: JobCommitMarker,
  ): Promise<{ importedColumns: string[]; columns: string[] } & TableStats>;
  /** Outcomes committed with the data of these jobs (by job id). */
  readJobOutcomes(jobIds: readonly number[]): Promise<Map<number, CommittedJobOutcome>>;
  /** Forgets every recorded outcome: call once metadata durably holds every job's end. */
  clearJobOutcomes(): Promise<void>;
  /**
   * Values as strings ('' for NULL), at most `limit` rows in load order (Storage promises no order).
   * Columns in table order, or those of a non-empty `columns` in its order.
   */
  preview(
    tableId: string,
    options: { limit: number; columns?: string[]; filter?: RowFilter },
  ): Promise<{ columns: string[]; rows: string[][] }>;
  /** export-async: the (filtered, limited) rows as a header-less, fully quoted CSV at `path`. */
  exportToFile(
    tableId: string,
    options: { columns?: string[]; filter?: RowFilter; limit?: number; gzip: boolean },
    path: string,
  ): Promise<{ columns: string[] }>;
  stats(tableId: string): Promise<TableStats>;
  dropTable(tableId: string): Promise<void>;
  /** Waits for running operations, then closes the database. */
  close(): Promise<void>;
}

/**
 * Opens (or creates) the DuckDB database at `dbPath` (':memory:' for a throw-away one). Canonical
 * CSV temp files go to `<dbPath>.load-tmp/` (not `.tmp/`: that is DuckDB's own
 * spill directory), which is wiped on open. Every operation uses its own
 * connection, so operations on different tables may run concurrently.
 */
export async function openTableStore(options: {
  dbPath: string;
  /** DuckDB `memory_limit`, e.g. `512MB`; DuckDB's own default (80 % of RAM) when absent. */
  memoryLimit?: string;
  /** Where DuckDB spills beyond the memory limit; DuckDB's default (`<dbPath>.tmp`) when absent. */
  spillDir?: string;
}): Promise<TableStore> {
  const inMemory = options.dbPath === ':memory:';
  const tempRoot = inMemory ? tmpdir() : `${resolve(options.dbPath)}.load-tmp`;
  if (!inMemory) {
    await rm(tempRoot, { recursive: true, force: true });
    await mkdir(tempRoot, { recursive: true });
  }
  const instance = await DuckDBInstance.create(options.dbPath, {
    ...(options.memoryLimit ? { memory_limit: options.memoryLimit } : {}),
    ...(options.spillDir ? { temp_directory: options.spillDir } : {}),
    threads: '1',
  });
  const setup = await instance.connect();
  try {
    // Not taken from the create options (silently ignored there): set on the instance.
    await setup.run(`SET GLOBAL disabled_compression_methods = '${UNUSED_COMPRESSION_METHODS}'`);
    await ensureJobOutcomesTable(setup);
  } finally {
    setup.disconnectSync();
  }
  const running = new Set<Promise<unknown>>();
  let closed = false;

  const operate = <T>(work: (connection: DuckDBConnection) => Promise<T>): Promise<T> => {
    if (closed) return Promise.reject(new Error('The table store is closed.'));
    const operation = (async () => {
      const connection = await instance.connect();
      try {
        return await work(connection);
      } catch (error) {
        throw explainOutOfMemory(error, options.memoryLimit);
      } finally {
        connection.disconnectSync();
      }
    })();
    running.add(operation);
    const forget = () => running.delete(operation);
    operation.then(forget, forget);
    return operation;
  };

  return {
    createTable: (tableId, file, loadOptions, marker) =>
      operate((connection) =>
        createTableFromFile({ connection, tempRoot }, tableId, file, loadOptions, marker),
      ),

    importIntoTable: (tableId, current, file, loadOptions, marker) =>
      operate((connection) =>
        importFileIntoTable({ connection, tempRoot }, tableId, current, file, loadOptions, marker),
      ),

    readJobOutcomes: (jobIds) => operate((connection) => readJobOutcomes(connection, jobIds)),
    clearJobOutcomes: () => operate((connection) => clearJobOutcomes(connection)),

    preview: (tableId, previewOptions) =>
      operate(async (connection) => {
        const table = toDuckdbTableName(tableId);
        const tableColumns = await readTableColumns(connection, table);
        if (tableColumns === undefined) throw tableNotFound(tableId);
        const columns = resolveColumns(tableId, tableColumns, previewOptions.columns);
        if (!Number.isSafeInteger(previewOptions.limit) || previewOptions.limit < 0) {
          throw new StorageError(
            400,
            'storage.tables.validation',
            'The limit must be a non-negative integer.',
          );
        }
        const rows = await readRows(connection, table, {
          columns,
          limit: previewOptions.limit,
          ...(previewOptions.filter ? { filter: previewOptions.filter } : {}),
        });
        return { columns: [...columns], rows };
      }),

    exportToFile: (tableId, exportOptions, path) =>
      operate(async (connection) => {
        const table = toDuckdbTableName(tableId);
        const tableColumns = await readTableColumns(connection, table);
        if (tableColumns === undefined) throw tableNotFound(tableId);
        const columns = resolveColumns(tableId, tableColumns, exportOptions.columns);
        await exportRowsToCsv(
          connection,
          table,
          {
            columns,
            ...(exportOptions.filter ? { filter: exportOptions.filter } : {}),
            ...(exportOptions.limit ? { limit: exportOptions.limit } : {}),
          },
          path,
          exportOptions.gzip,
        );
        return { columns };
      }),

    stats: (tableId) =>
      operate(async (connection) => {
        const table = toDuckdbTableName(tableId);
        const columns = await readTableColumns(connection, table);
        if (columns === undefined) throw tableNotFound(tableId);
        return readTableStats(connection, table, columns);
      }),

    dropTable: (tableId) =>
      operate(async (connection) => {
        await connection.run(`DROP TABLE IF EXISTS ${quoteIdentifier(toDuckdbTableName(tableId))}`);
      }),

    close: async () => {
      if (closed) return;
      closed = true;
      await Promise.allSettled(running);
      instance.closeSync();
    },
  };
}

/**
 * Speed over disk space, measured on a 1,000,000-row CSV (bench/local-storage-import.ts), applied
 * in openTableStore:
 * - one thread per statement (`threads`): a parallel INSERT that keeps file order leaves partly filled row
 *   groups, which the next checkpoint rewrites (about as much CPU as the INSERT itself); separate
 *   operations (other tables, other connections) still run side by side;
 * - no dictionary/FSST string compression (`disabled_compression_methods`): analysing and compressing unique strings cost about 2×
 *   the rest of a load; tables take about 1.3× their CSV size on disk instead of about 0.35×.
 */
const UNUSED_COMPRESSION_METHODS = 'fsst,dict_fsst,dictionary';

/** The requested columns (all when none are given), each checked to exist in the table. */
function resolveColumns(tableId: string, tableColumns: string[], requested: string[] | undefined): string[] {
  const columns = requested && requested.length > 0 ? requested : tableColumns;
  const known = new Set(tableColumns);
  const unknown = columns.filter((column) => !known.has(column));
  if (unknown.length > 0) {
    throw new StorageError(
      400,
      'storage.tables.validation',
      `Columns ${unknown.map((column) => `"${column}"`).join(', ')} not found in table "${tableId}".`,
    );
  }
  return [...columns];
}

/**
 * DuckDB's "Out of Memory Error" (the memory limit reached where it cannot spill, e.g. a large
 * upsert) as a Storage error naming the setting to raise; other errors unchanged.
 */
function explainOutOfMemory(error: unknown, memoryLimit: string | undefined): unknown {
  if (!(error instanceof Error) || !error.message.startsWith('Out of Memory Error')) return error;
  return new StorageError(
    507,
    'storage.local.outOfMemory',
    `The local Storage ran out of memory for this operation (DuckDB memory limit ${memoryLimit ?? 'default'}): raise LOCAL_DUCKDB_MEMORY and run it again.`,
  );
}
