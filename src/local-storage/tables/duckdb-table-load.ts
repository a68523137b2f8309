// DuckDB statements of a table load: string tables, bulk reads of the canonical CSV (format in
// csv/canonical-csv-format.ts) or of a source file DuckDB may read as is (csv/direct-read-plan.ts),
// full/append/upsert loads, stats. Runs inside the caller's transaction; Storage's validation rules
// live in csv/file-columns.ts, not here.
import type { DuckDBConnection } from '@duckdb/node-api';
import { MAX_CANONICAL_ROW_BYTES } from '../csv/canonical-csv-format.js';
import { quoteIdentifier, quoteLiteral, timestampLiteral } from './duckdb-sql.js';
import type { TableStats } from './table-types.js';

/** Internal column holding each row's last change; never listed among a table's columns. */
export const TIMESTAMP_COLUMN = '_timestamp';

/** The rows of a load: the canonical CSV of the streaming pass, or the source file itself. */
export type LoadRows = CanonicalRows | DirectRows;

export interface CanonicalRows {
  kind: 'canonical';
  /** The canonical CSV file. */
  path: string;
  /** The table column each field of the file goes to, in file order. */
  columns: readonly string[];
  rowsCount: number;
}

/** A plain UTF-8 file in Storage's default dialect that passed planDirectRead. */
export interface DirectRows {
  kind: 'direct';
  path: string;
  columns: readonly string[];
  delimiter: string;
  /** The first record is a header (skipped). */
  header: boolean;
  /** A value equal to this one is stored as '' (treatValuesAsNull, §9.6). */
  emptyValue?: string;
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
  rows: LoadRows,
  primaryKey: readonly string[],
  loadedAt: Date,
): Promise<void> {
  const target = quoteIdentifier(table);
  await connection.run(`DELETE FROM ${target}`);
  const inserted = await appendRows(connection, table, rows, loadedAt);
  if (primaryKey.length === 0 || inserted < 2) return;
  const partition = primaryKey.map(quoteIdentifier).join(', ');
  // Duplicate keys are rare: finding none is a cheap aggregate, the dedup below a sort of all rows.
  const duplicates = await connection.runAndReadAll(
    `SELECT 1 FROM ${target} GROUP BY ${partition} HAVING count(*) > 1 LIMIT 1`,
  );
  if (duplicates.currentRowCount === 0) return;
  await connection.run(
    `DELETE FROM ${target} WHERE rowid IN (
       SELECT rowid FROM (SELECT rowid, row_number() OVER (PARTITION BY ${partition} ORDER BY rowid DESC) AS rank FROM ${target})
       WHERE rank > 1)`,
  );
}

/**
 * Appends every row of the file, in file order (incremental load without a primary key); returns
 * how many.
 */
export async function appendRows(
  connection: DuckDBConnection,
  table: string,
  rows: LoadRows,
  loadedAt: Date,
): Promise<number> {
  if (rows.kind === 'canonical' && rows.rowsCount === 0) return 0;
  const columns = rows.columns.map(quoteIdentifier).join(', ');
  const result = await connection.run(
    `INSERT INTO ${quoteIdentifier(table)} (${columns}, ${quoteIdentifier(TIMESTAMP_COLUMN)})
     SELECT ${columns}, ${timestampLiteral(loadedAt)} FROM (${selectRows(rows, [])})`,
  );
  return Number(result.rowsChanged);
}

/**
 * Incremental load into a table with a primary key: keys absent from the table are inserted,
 * present keys are replaced by the file's (last) row; rows whose values do not change keep their
 * `_timestamp`. Every table column is among `rows.columns` (the caller checked).
 */
export async function upsertRows(
  connection: DuckDBConnection,
  table: string,
  rows: LoadRows,
  primaryKey: readonly string[],
  loadedAt: Date,
): Promise<void> {
  if (rows.kind === 'canonical' && rows.rowsCount === 0) return;
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

/**
 * The table's columns in table order without `_timestamp`; undefined when there is no such table.
 * `pragma_table_info` of the one table, not a filter over `duckdb_columns()`, which lists every
 * column of every table first (2.6 vs 1.1 ms with 30 tables, on every job). Fully qualified (not a
 * temp table) and never `SELECT * FROM "<id>"`: DuckDB reads a missing `….csv`/`….json` table
 * as a file (a replacement scan), even when qualified.
 */
export async function readTableColumns(
  connection: DuckDBConnection,
  table: string,
): Promise<string[] | undefined> {
  const qualified = `'"' || replace(current_database(), '"', '""') || ${quoteLiteral(`".main.${quoteIdentifier(table)}`)}`;
  let rows: unknown[][];
  try {
    rows = (
      await connection.runAndReadAll(`SELECT name FROM pragma_table_info(${qualified}) ORDER BY cid`)
    ).getRows();
  } catch (error) {
    if (error instanceof Error && MISSING_TABLE.test(error.message)) return undefined;
    throw error;
  }
  const names = rows.map(([name]) => String(name));
  return names.length === 0 ? undefined : names.filter((name) => name !== TIMESTAMP_COLUMN);
}

/** DuckDB's answer for a table (or a view) that does not exist. */
const MISSING_TABLE = /^Catalog Error: Table with name .* does not exist/;

/** The file's rows as table columns; with a primary key, the last row of each key in file order. */
function selectRows(rows: LoadRows, primaryKey: readonly string[]): string {
  const value = (index: number) =>
    rows.kind === 'direct' ? directValue(`c${index}`, rows.emptyValue) : `c${index}`;
  const fields = rows.columns.map((column, index) => `${value(index)} AS ${quoteIdentifier(column)}`);
  const source =
    rows.kind === 'canonical'
      ? readCanonicalCsv(rows.path, rows.columns.length)
      : readDirectCsv(rows.path, rows.columns.length, rows.delimiter, rows.header);
  if (primaryKey.length === 0) return `SELECT ${fields.join(', ')} FROM ${source}`;
  const partition = primaryKey.map((key) => value(rows.columns.indexOf(key))).join(', ');
  // The direct read has no ordinal column: a streaming row_number() keeps the scan's (file) order.
  const from = rows.kind === 'canonical' ? source : `(SELECT *, row_number() OVER () AS _n FROM ${source})`;
  return `SELECT ${fields.join(', ')} FROM ${from} QUALIFY row_number() OVER (PARTITION BY ${partition} ORDER BY _n DESC) = 1`;
}

/** DuckDB reads an empty unquoted value as NULL; the canonical pass (and Storage) as ''. */
function directValue(field: string, emptyValue: string | undefined): string {
  return emptyValue === undefined || emptyValue === ''
    ? `coalesce(${field}, '')`
    : `coalesce(nullif(${field}, ${quoteLiteral(emptyValue)}), '')`;
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

/**
 * DuckDB's bulk CSV reader on a source file that passed planDirectRead: RFC 4180 with `"`, strict
 * about field counts and anything after a closing quote; quoted empty values stay '' (not NULL).
 * Any error here makes the caller take the canonical pass, which reports Storage's error.
 */
function readDirectCsv(path: string, fieldCount: number, delimiter: string, header: boolean): string {
  const columns: string[] = [];
  for (let index = 0; index < fieldCount; index++) columns.push(`'c${index}': 'VARCHAR'`);
  return `read_csv(${quoteLiteral(path)}, header = ${header}, auto_detect = false, columns = {${columns.join(', ')}},
    delim = ${quoteLiteral(delimiter)}, quote = '"', escape = '"', new_line = '\\n', allow_quoted_nulls = false,
    strict_mode = true, parallel = true)`;
}
