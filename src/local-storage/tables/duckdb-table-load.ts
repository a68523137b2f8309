// DuckDB statements of a table load: string tables, bulk reads of the canonical CSV (format in
// csv/canonical-csv-format.ts), full/append/upsert loads, stats. Runs inside the caller's
// transaction; Storage's validation rules live in csv/file-columns.ts, not here.
import type { DuckDBConnection } from '@duckdb/node-api';
import { MAX_CANONICAL_ROW_BYTES } from '../csv/canonical-csv-format.js';
import { quoteIdentifier, quoteLiteral, timestampLiteral } from './duckdb-sql.js';
import type { TableStats } from './table-types.js';

/** Internal column holding each row's last change; never listed among a table's columns. */
export const TIMESTAMP_COLUMN = '_timestamp';

export interface CanonicalRows {
  /** The canonical CSV file. */
  path: string;
  /** The table column each field of the file goes to, in file order. */
  columns: readonly string[];
  rowsCount: number;
}

export async function createStringTable(
  connection: DuckDBConnection,
  table: string,
  columns: readonly string[],
): Promise<void> {
  const definitions = columns.map((column) => `${quoteIdentifier(column)} VARCHAR DEFAULT ''`);
  definitions.push(`${quoteIdentifier(TIMESTAMP_COLUMN)} TIMESTAMP`);
  await connection.run(`CREATE TABLE ${quoteIdentifier(table)} (${definitions.join(', ')})`);
}

/** Existing rows get '' in the new columns (CSV output cannot tell that from NULL, §9.6). */
export async function addStringColumns(
  connection: DuckDBConnection,
  table: string,
  columns: readonly string[],
): Promise<void> {
  for (const column of columns) {
    await connection.run(
      `ALTER TABLE ${quoteIdentifier(table)} ADD COLUMN ${quoteIdentifier(column)} VARCHAR DEFAULT ''`,
    );
  }
}

/**
 * Full load: the table's rows become the file's rows, in file order; with a primary key only the
 * last row of each key is kept. The INSERT preserves file order (DuckDB's default
 * preserve_insertion_order), so the row inserted last has the highest rowid.
 */
export async function replaceRows(
  connection: DuckDBConnection,
  table: string,
  rows: CanonicalRows,
  primaryKey: readonly string[],
  loadedAt: Date,
): Promise<void> {
  const target = quoteIdentifier(table);
  await connection.run(`DELETE FROM ${target}`);
  await appendRows(connection, table, rows, loadedAt);
  if (primaryKey.length === 0 || rows.rowsCount < 2) return;
  const partition = primaryKey.map(quoteIdentifier).join(', ');
  await connection.run(
    `DELETE FROM ${target} WHERE rowid IN (
       SELECT rowid FROM (SELECT rowid, row_number() OVER (PARTITION BY ${partition} ORDER BY rowid DESC) AS rank FROM ${target})
       WHERE rank > 1)`,
  );
}

/** Appends every row of the file, in file order (incremental load without a primary key). */
export async function appendRows(
  connection: DuckDBConnection,
  table: string,
  rows: CanonicalRows,
  loadedAt: Date,
): Promise<void> {
  if (rows.rowsCount === 0) return;
  const columns = rows.columns.map(quoteIdentifier).join(', ');
  await connection.run(
    `INSERT INTO ${quoteIdentifier(table)} (${columns}, ${quoteIdentifier(TIMESTAMP_COLUMN)})
     SELECT ${columns}, ${timestampLiteral(loadedAt)} FROM (${selectRows(rows, [])})`,
  );
}

/**
 * Incremental load into a table with a primary key: keys absent from the table are inserted,
 * present keys are replaced by the file's (last) row; rows whose values do not change keep their
 * `_timestamp`. Every table column is among `rows.columns` (the caller checked).
 */
export async function upsertRows(
  connection: DuckDBConnection,
  table: string,
  rows: CanonicalRows,
  primaryKey: readonly string[],
  loadedAt: Date,
): Promise<void> {
  if (rows.rowsCount === 0) return;
  const target = quoteIdentifier(table);
  const columns = rows.columns.map(quoteIdentifier);
  const keyMatches = (left: string, right: string) =>
    primaryKey
      .map((key) => `${left}.${quoteIdentifier(key)} = ${right}.${quoteIdentifier(key)}`)
      .join(' AND ');
  const keys = new Set(primaryKey);
  const valueChanges = rows.columns
    .filter((column) => !keys.has(column))
    .map((column) => `t.${quoteIdentifier(column)} IS DISTINCT FROM s.${quoteIdentifier(column)}`);

  await connection.run(`CREATE OR REPLACE TEMP TABLE load_rows AS ${selectRows(rows, primaryKey)}`);
  // Joining on the key alone and then comparing values is much cheaper than an anti-join on
  // every column (wide tables). Changed rows are deleted here and come back with the new rows.
  if (valueChanges.length > 0) {
    await connection.run(
      `DELETE FROM ${target} t USING load_rows s WHERE ${keyMatches('t', 's')} AND (${valueChanges.join(' OR ')})`,
    );
  }
  await connection.run(
    `INSERT INTO ${target} (${columns.join(', ')}, ${quoteIdentifier(TIMESTAMP_COLUMN)})
     SELECT ${columns.map((column) => `s.${column}`).join(', ')}, ${timestampLiteral(loadedAt)} FROM load_rows s
     WHERE NOT EXISTS (SELECT 1 FROM ${target} t WHERE ${keyMatches('t', 's')})`,
  );
  await connection.run('DROP TABLE load_rows');
}

/**
 * dataSizeBytes: the UTF-8 byte lengths of all values summed (`_timestamp` excluded). One sum per
 * column, added up here: a single `a + b + …` expression hits DuckDB's expression depth limit (1000).
 */
export async function readTableStats(
  connection: DuckDBConnection,
  table: string,
  columns: readonly string[],
): Promise<TableStats> {
  const columnBytes = columns.map((column) => `coalesce(sum(strlen(${quoteIdentifier(column)})), 0)::BIGINT`);
  const reader = await connection.runAndReadAll(
    `SELECT count(*)::BIGINT${columnBytes.map((sum) => `, ${sum}`).join('')} FROM ${quoteIdentifier(table)}`,
  );
  const [rowsCount, ...bytes] = reader.getRows()[0] ?? [];
  const dataSizeBytes = bytes.reduce<number>((total, value) => total + Number(value ?? 0), 0);
  return { rowsCount: Number(rowsCount ?? 0), dataSizeBytes };
}

/** The table's columns in table order without `_timestamp`; undefined when there is no such table. */
export async function readTableColumns(
  connection: DuckDBConnection,
  table: string,
): Promise<string[] | undefined> {
  const reader = await connection.runAndReadAll(
    `SELECT column_name FROM duckdb_columns()
     WHERE database_name = current_database() AND schema_name = 'main' AND table_name = $1
     ORDER BY column_index`,
    [table],
  );
  const names = reader.getRows().map(([name]) => String(name));
  return names.length === 0 ? undefined : names.filter((name) => name !== TIMESTAMP_COLUMN);
}

/** The file's rows as table columns; with a primary key, the last row of each key in file order. */
function selectRows(rows: CanonicalRows, primaryKey: readonly string[]): string {
  const fields = rows.columns.map((column, index) => `c${index} AS ${quoteIdentifier(column)}`);
  const select = `SELECT ${fields.join(', ')} FROM ${readCanonicalCsv(rows.path, rows.columns.length)}`;
  if (primaryKey.length === 0) return select;
  const partition = primaryKey.map((key) => `c${rows.columns.indexOf(key)}`).join(', ');
  return `${select} QUALIFY row_number() OVER (PARTITION BY ${partition} ORDER BY _n DESC) = 1`;
}

/**
 * The longest canonical line (the encoder refuses rows over MAX_CANONICAL_ROW_BYTES, ordinal
 * included) plus slack for the line end. DuckDB's read buffer must be at least this big and every
 * reader thread holds one, so it stays close to the row limit: DuckDB's default buffer (16 × the
 * line size) could never fit under LOCAL_DUCKDB_MEMORY.
 */
const MAX_LINE_BYTES = MAX_CANONICAL_ROW_BYTES + 1024;

/**
 * DuckDB's bulk CSV reader configured for exactly the canonical format: no sniffing, every value
 * quoted (so never NULL: allow_quoted_nulls=false keeps `""` as ''), strict about malformed rows.
 */
function readCanonicalCsv(path: string, fieldCount: number): string {
  const columns: string[] = [];
  for (let index = 0; index < fieldCount; index++) columns.push(`'c${index}': 'VARCHAR'`);
  columns.push("'_n': 'BIGINT'");
  return `read_csv(${quoteLiteral(path)}, header = false, auto_detect = false, columns = {${columns.join(', ')}},
    delim = ',', quote = '"', escape = '"', new_line = '\\n', allow_quoted_nulls = false,
    strict_mode = true, max_line_size = ${MAX_LINE_BYTES}, buffer_size = ${MAX_LINE_BYTES})`;
}
