// The stand-in's table data: DuckDB string tables loaded from CSV files with Storage's import
// semantics (contract §9, §12.4-5), plus preview and stats. Owns no metadata, jobs or S3: callers
// pass the table's schema and a local copy of the Storage file, and serialise jobs per table.
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import type { CsvLayout } from './csv/canonical-csv-encoder.js';
import { parseCsvDialect } from './csv/csv-dialect.js';
import {
  assertNoMissingColumns,
  columnsNotMatch,
  invalidColumnName,
  resolveColumnNames,
  resolvePrimaryKey,
} from './csv/file-columns.js';
import { writeCanonicalCsv } from './csv/write-canonical-csv.js';
import { quoteIdentifier, toDuckdbTableName } from './duckdb-sql.js';
import {
  addStringColumns,
  createStringTable,
  deleteAllRows,
  insertRows,
  readTableColumns,
  readTableStats,
  upsertRows,
} from './duckdb-table-load.js';
import { StorageError } from './storage-error.js';

export interface CsvLoadOptions {
  delimiter: string;
  enclosure: string;
  escapedBy: string;
  /** When given (non-empty): the file has no header row; names are sanitised like headers. */
  columns?: string[];
  withoutHeaders: boolean;
  /**
   * Leading records to skip. A header counts as one: with a header in the file, record 1 is the
   * header and data starts after max(ignoredLinesCount, 1) records (contract §5.1, §9.3).
   */
  ignoredLinesCount: number;
  /** At most 1 element; matching values are stored as '' on these string tables (§9.6). */
  treatValuesAsNull?: string[];
}
export interface TableSchema {
  columns: string[];
  primaryKey: string[];
}
export interface TableStats {
  rowsCount: number;
  /** Sum of the UTF-8 byte lengths of all values; `_timestamp`, quotes and delimiters excluded. */
  dataSizeBytes: number;
}
/** A local temp file the caller downloaded from S3; gzip decided by the Storage file name (.gz). */
export interface SourceFile {
  path: string;
  gzip: boolean;
}
export interface TableStore {
  /** tables-async: create from the file's header (or `columns`) and load it. */
  createTable(
    tableId: string,
    file: SourceFile,
    options: CsvLoadOptions & { primaryKey: string[] },
  ): Promise<TableSchema & TableStats>;
  /** import-async into an existing table; current = the table's schema before the import. */
  importIntoTable(
    tableId: string,
    current: TableSchema,
    file: SourceFile,
    options: CsvLoadOptions & { incremental: boolean },
  ): Promise<{ importedColumns: string[]; columns: string[] } & TableStats>;
  /** Values as strings ('' for NULL); columns in table order, or in the order of `columns`. */
  preview(
    tableId: string,
    options: { limit: number; columns?: string[] },
  ): Promise<{ columns: string[]; rows: string[][] }>;
  stats(tableId: string): Promise<TableStats>;
  dropTable(tableId: string): Promise<void>;
  /** Waits for running operations, then closes the database. */
  close(): Promise<void>;
}

/**
 * Opens (or creates) the DuckDB database at `dbPath` (':memory:' for a throw-away one). Canonical
 * CSV temp files go to `<dbPath>.tmp/`, which is wiped on open. Every operation uses its own
 * connection, so operations on different tables may run concurrently.
 */
export async function openTableStore(options: { dbPath: string }): Promise<TableStore> {
  const inMemory = options.dbPath === ':memory:';
  const tempRoot = inMemory ? tmpdir() : `${resolve(options.dbPath)}.tmp`;
  if (!inMemory) {
    await rm(tempRoot, { recursive: true, force: true });
    await mkdir(tempRoot, { recursive: true });
  }
  const instance = await DuckDBInstance.create(options.dbPath);
  const running = new Set<Promise<unknown>>();
  let closed = false;

  const operate = <T>(work: (connection: DuckDBConnection) => Promise<T>): Promise<T> => {
    if (closed) return Promise.reject(new Error('The table store is closed.'));
    const operation = (async () => {
      const connection = await instance.connect();
      try {
        return await work(connection);
      } finally {
        connection.disconnectSync();
      }
    })();
    running.add(operation);
    const forget = () => running.delete(operation);
    operation.then(forget, forget);
    return operation;
  };

  const withTempDir = async <T>(work: (dir: string) => Promise<T>): Promise<T> => {
    const dir = await mkdtemp(join(tempRoot, 'table-store-load-'));
    try {
      return await work(dir);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  };

  return {
    createTable: (tableId, file, loadOptions) =>
      operate(async (connection) => {
        const table = toDuckdbTableName(tableId);
        const dialect = parseCsvDialect(loadOptions);
        if ((await readTableColumns(connection, table)) !== undefined) throw tableAlreadyExists(tableId);
        let schema: TableSchema | undefined;
        const toSchema = (columns: string[]): TableSchema => ({
          columns,
          primaryKey: resolvePrimaryKey(loadOptions.primaryKey, columns),
        });
        let layout: CsvLayout;
        if (loadOptions.columns !== undefined && loadOptions.columns.length > 0) {
          schema = toSchema(resolveColumnNames(loadOptions.columns));
          layout = {
            kind: 'fixed',
            ignoredLinesCount: loadOptions.ignoredLinesCount,
            fieldCount: schema.columns.length,
          };
        } else if (loadOptions.withoutHeaders) {
          throw invalidColumnName(
            'Cannot create a table from a file without a header: pass the column names in "columns".',
          );
        } else {
          layout = {
            kind: 'header',
            ignoredLinesCount: loadOptions.ignoredLinesCount,
            onHeader: (rawNames) => {
              schema = toSchema(resolveColumnNames(rawNames));
            },
          };
        }

        return withTempDir(async (dir) => {
          const path = join(dir, 'rows.csv');
          const { rowsCount } = await writeCanonicalCsv({
            source: file,
            dialect,
            layout,
            emptyValue: resolveEmptyValue(loadOptions.treatValuesAsNull),
            outputPath: path,
          });
          if (schema === undefined) {
            throw new StorageError(
              400,
              'storage.tables.validation.noColumns',
              'Cannot create a table from an empty file: no columns found in the csv file.',
            );
          }
          const { columns, primaryKey } = schema;
          const stats = await inTransaction(connection, async () => {
            await createStringTable(connection, table, columns).catch((error: unknown) => {
              throw isAlreadyExists(error) ? tableAlreadyExists(tableId) : error;
            });
            await insertRows(connection, table, { path, columns, rowsCount }, primaryKey, new Date());
            return readTableStats(connection, table, columns);
          });
          return { columns, primaryKey, ...stats };
        });
      }),

    importIntoTable: (tableId, current, file, loadOptions) =>
      operate(async (connection) => {
        const table = toDuckdbTableName(tableId);
        const dialect = parseCsvDialect(loadOptions);
        if ((await readTableColumns(connection, table)) === undefined) throw tableNotFound(tableId);
        let fileColumns: string[] | undefined;
        let layout: CsvLayout;
        if (loadOptions.columns !== undefined && loadOptions.columns.length > 0) {
          fileColumns = resolveColumnNames(loadOptions.columns);
          assertNoMissingColumns(current.columns, fileColumns, dialect.delimiter);
          layout = {
            kind: 'fixed',
            ignoredLinesCount: loadOptions.ignoredLinesCount,
            fieldCount: fileColumns.length,
          };
        } else if (loadOptions.withoutHeaders) {
          fileColumns = [...current.columns];
          layout = {
            kind: 'fixed',
            ignoredLinesCount: loadOptions.ignoredLinesCount,
            fieldCount: fileColumns.length,
          };
        } else {
          layout = {
            kind: 'header',
            ignoredLinesCount: loadOptions.ignoredLinesCount,
            onHeader: (rawNames) => {
              fileColumns = resolveColumnNames(rawNames);
              assertNoMissingColumns(current.columns, fileColumns, dialect.delimiter);
            },
          };
        }

        return withTempDir(async (dir) => {
          const path = join(dir, 'rows.csv');
          const { rowsCount } = await writeCanonicalCsv({
            source: file,
            dialect,
            layout,
            emptyValue: resolveEmptyValue(loadOptions.treatValuesAsNull),
            outputPath: path,
          });
          // No header at all (0-byte file): every table column is missing.
          if (fileColumns === undefined)
            throw columnsNotMatch(current.columns, current.columns, dialect.delimiter);
          const importedColumns = fileColumns;
          const known = new Set(current.columns);
          const addedColumns = importedColumns.filter((column) => !known.has(column));
          const columns = [...current.columns, ...addedColumns];
          const rows = { path, columns: importedColumns, rowsCount };
          const stats = await inTransaction(connection, async () => {
            await addStringColumns(connection, table, addedColumns);
            const loadedAt = new Date();
            if (!loadOptions.incremental) {
              await deleteAllRows(connection, table);
              await insertRows(connection, table, rows, current.primaryKey, loadedAt);
            } else if (current.primaryKey.length > 0) {
              await upsertRows(connection, table, rows, current.primaryKey, loadedAt);
            } else {
              await insertRows(connection, table, rows, [], loadedAt);
            }
            return readTableStats(connection, table, columns);
          });
          return { importedColumns, columns, ...stats };
        });
      }),

    preview: (tableId, previewOptions) =>
      operate(async (connection) => {
        const table = toDuckdbTableName(tableId);
        const tableColumns = await readTableColumns(connection, table);
        if (tableColumns === undefined) throw tableNotFound(tableId);
        const columns = previewOptions.columns ?? tableColumns;
        const known = new Set(tableColumns);
        const unknown = columns.filter((column) => !known.has(column));
        if (unknown.length > 0) {
          throw new StorageError(
            400,
            'storage.tables.validation',
            `Columns ${unknown.map((column) => `"${column}"`).join(', ')} not found in table "${tableId}".`,
          );
        }
        if (!Number.isSafeInteger(previewOptions.limit) || previewOptions.limit < 0) {
          throw new StorageError(
            400,
            'storage.tables.validation',
            'The limit must be a non-negative integer.',
          );
        }
        if (columns.length === 0) return { columns, rows: [] };
        const reader = await connection.runAndReadAll(
          `SELECT ${columns.map(quoteIdentifier).join(', ')} FROM ${quoteIdentifier(table)} LIMIT ${previewOptions.limit}`,
        );
        const rows = reader.getRows().map((row) => row.map((value) => (value === null ? '' : String(value))));
        return { columns: [...columns], rows };
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

async function inTransaction<T>(connection: DuckDBConnection, work: () => Promise<T>): Promise<T> {
  await connection.run('BEGIN TRANSACTION');
  try {
    const result = await work();
    await connection.run('COMMIT');
    return result;
  } catch (error) {
    // A failed COMMIT has already rolled back; the error that matters is the original one.
    await connection.run('ROLLBACK').catch(() => undefined);
    throw error;
  }
}

function resolveEmptyValue(treatValuesAsNull: readonly string[] | undefined): string | undefined {
  if (treatValuesAsNull === undefined) return undefined;
  if (treatValuesAsNull.length > 1) {
    throw new StorageError(
      400,
      'storage.tables.validation',
      'Invalid request:\n - treatValuesAsNull: "This collection should contain 1 element or less."',
      {
        errors: [{ key: 'treatValuesAsNull', message: 'This collection should contain 1 element or less.' }],
      },
    );
  }
  return treatValuesAsNull[0];
}

function tableNotFound(tableId: string): StorageError {
  return new StorageError(404, 'storage.tables.notFound', `The table "${tableId}" was not found.`);
}

function tableAlreadyExists(tableId: string): StorageError {
  return new StorageError(
    400,
    'storage.buckets.tableAlreadyExists',
    `The table "${tableId}" already exists.`,
  );
}

function isAlreadyExists(error: unknown): boolean {
  return error instanceof Error && /already exists/i.test(error.message);
}
