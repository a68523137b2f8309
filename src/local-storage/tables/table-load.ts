// One load of a CSV file into a DuckDB table, with Storage's rules: tables-async (create from the
// file) and import-async (into an existing table). DuckDB reads plain files as they are; others take
// the streaming canonical pass first, outside any transaction. The DuckDB changes run in one
// transaction, so a failed load changes nothing.
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import type { CsvLayout } from '../csv/canonical-csv-encoder.js';
import { type CsvDialect, parseCsvDialect } from '../csv/csv-dialect.js';
import { planDirectRead } from '../csv/direct-read-plan.js';
import {
  assertNoMissingColumns,
  columnsNotMatch,
  invalidColumnName,
  MAX_TABLE_COLUMNS,
  resolveColumnNames,
  resolvePrimaryKey,
  tooManyColumns,
} from '../csv/file-columns.js';
import { writeCanonicalCsv } from '../csv/write-canonical-csv.js';
import { StorageError } from '../protocol/storage-error.js';
import { toDuckdbTableName } from './duckdb-sql.js';
import {
  addStringColumns,
  appendRows,
  type CanonicalRows,
  createStringTable,
  type DirectRows,
  readTableColumns,
  readTableStats,
  replaceRows,
  upsertRows,
} from './duckdb-table-load.js';
import { type JobCommitMarker, recordJobOutcome } from './job-outcomes.js';
import type { CsvLoadOptions, SourceFile, TableSchema, TableStats } from './table-types.js';

export interface LoadContext {
  connection: DuckDBConnection;
  /** Directory for the canonical CSV of this load (one sub-directory per load, removed after). */
  tempRoot: string;
  /** false: always take the canonical pass (tests compare both ways); default true. */
  directRead?: boolean;
}

/** The rows of the file, without the table columns they go to (known once the header is read). */
type FileRows = Omit<CanonicalRows, 'columns'> | Omit<DirectRows, 'columns'>;

export async function createTableFromFile(
  context: LoadContext,
  tableId: string,
  file: SourceFile,
  options: CsvLoadOptions & { primaryKey: string[] },
  marker?: JobCommitMarker,
): Promise<TableSchema & TableStats> {
  const { connection } = context;
  const table = toDuckdbTableName(tableId);
  const dialect = parseCsvDialect(options);
  if ((await readTableColumns(connection, table)) !== undefined) throw tableAlreadyExists(tableId);
  let schema: TableSchema | undefined;
  const toSchema = (columns: string[]): TableSchema => ({
    columns,
    primaryKey: resolvePrimaryKey(options.primaryKey, columns),
  });
  let layout: CsvLayout;
  if (options.columns !== undefined && options.columns.length > 0) {
    schema = toSchema(resolveColumnNames(options.columns));
    layout = {
      kind: 'fixed',
      ignoredLinesCount: options.ignoredLinesCount,
      fieldCount: schema.columns.length,
    };
  } else if (options.withoutHeaders) {
    throw invalidColumnName(
      'Cannot create a table from a file without a header: pass the column names in "columns".',
    );
  } else {
    layout = {
      kind: 'header',
      ignoredLinesCount: options.ignoredLinesCount,
      onHeader: (rawNames) => {
        schema = toSchema(resolveColumnNames(rawNames));
      },
    };
  }

  return withFileRows(context, file, dialect, layout, options, async (fileRows) => {
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
      await replaceRows(connection, table, { ...fileRows, columns }, primaryKey, new Date());
      const stats = await readTableStats(connection, table, columns);
      if (marker) await recordJobOutcome(connection, marker, { columns, primaryKey, ...stats });
      return stats;
    });
    return { columns, primaryKey, ...stats };
  });
}

export async function importFileIntoTable(
  context: LoadContext,
  tableId: string,
  current: TableSchema,
  file: SourceFile,
  options: CsvLoadOptions & { incremental: boolean },
  marker?: JobCommitMarker,
): Promise<{ importedColumns: string[]; columns: string[] } & TableStats> {
  const { connection } = context;
  const table = toDuckdbTableName(tableId);
  const dialect = parseCsvDialect(options);
  if ((await readTableColumns(connection, table)) === undefined) throw tableNotFound(tableId);
  let fileColumns: string[] | undefined;
  let layout: CsvLayout;
  if (options.columns !== undefined && options.columns.length > 0) {
    fileColumns = resolveColumnNames(options.columns);
    assertNoMissingColumns(current.columns, fileColumns, dialect.delimiter);
    layout = { kind: 'fixed', ignoredLinesCount: options.ignoredLinesCount, fieldCount: fileColumns.length };
  } else if (options.withoutHeaders) {
    fileColumns = [...current.columns];
    layout = { kind: 'fixed', ignoredLinesCount: options.ignoredLinesCount, fieldCount: fileColumns.length };
  } else {
    layout = {
      kind: 'header',
      ignoredLinesCount: options.ignoredLinesCount,
      onHeader: (rawNames) => {
        fileColumns = resolveColumnNames(rawNames);
        assertNoMissingColumns(current.columns, fileColumns, dialect.delimiter);
      },
    };
  }

  return withFileRows(context, file, dialect, layout, options, async (fileRows) => {
    // No header at all (0-byte file): every table column is missing.
    if (fileColumns === undefined) throw columnsNotMatch(current.columns, current.columns, dialect.delimiter);
    const importedColumns = fileColumns;
    const known = new Set(current.columns);
    const addedColumns = importedColumns.filter((column) => !known.has(column));
    const columns = [...current.columns, ...addedColumns];
    if (columns.length > MAX_TABLE_COLUMNS) throw tooManyColumns(columns.length);
    const rows = { ...fileRows, columns: importedColumns };
    const stats = await inTransaction(connection, async () => {
      await addStringColumns(connection, table, addedColumns);
      const loadedAt = new Date();
      if (!options.incremental) {
        await replaceRows(connection, table, rows, current.primaryKey, loadedAt);
      } else if (current.primaryKey.length > 0) {
        await upsertRows(connection, table, rows, current.primaryKey, loadedAt);
      } else {
        await appendRows(connection, table, rows, loadedAt);
      }
      const stats = await readTableStats(connection, table, columns);
      if (marker) await recordJobOutcome(connection, marker, { importedColumns, columns, ...stats });
      return stats;
    });
    return { importedColumns, columns, ...stats };
  });
}

export function tableNotFound(tableId: string): StorageError {
  return new StorageError(404, 'storage.tables.notFound', `The table "${tableId}" was not found.`);
}

/**
 * Runs `load` with the source file itself when DuckDB may read it as it is (planDirectRead), else
 * (or when DuckDB refuses its contents) with the canonical CSV of the streaming pass, written into
 * a fresh temp dir. The canonical pass is the one that reports Storage's load errors.
 */
async function withFileRows<T>(
  context: LoadContext,
  file: SourceFile,
  dialect: CsvDialect,
  layout: CsvLayout,
  options: CsvLoadOptions,
  load: (rows: FileRows) => Promise<T>,
): Promise<T> {
  const emptyValue = resolveEmptyValue(options.treatValuesAsNull);
  if (context.directRead !== false && (await planDirectRead({ source: file, dialect, layout }))) {
    try {
      return await load({
        kind: 'direct',
        path: file.path,
        delimiter: dialect.delimiter,
        header: layout.kind === 'header',
        ...(emptyValue === undefined ? {} : { emptyValue }),
      });
    } catch (error) {
      if (!isInputError(error)) throw error;
    }
  }
  const dir = await mkdtemp(join(context.tempRoot, 'table-store-load-'));
  try {
    const path = join(dir, 'rows.csv');
    const { rowsCount } = await writeCanonicalCsv({
      source: file,
      dialect,
      layout,
      ...(emptyValue === undefined ? {} : { emptyValue }),
      outputPath: path,
    });
    return await load({ kind: 'canonical', path, rowsCount });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** DuckDB's CSV reader refusing the file's contents (field counts, quotes, line size, encoding). */
function isInputError(error: unknown): boolean {
  return (
    error instanceof Error &&
    !(error instanceof StorageError) &&
    /^(Invalid Input|Conversion) Error/.test(error.message)
  );
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

/** treatValuesAsNull on string tables: the (single) listed value is stored as '' (§9.6). */
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
