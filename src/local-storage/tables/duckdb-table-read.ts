// DuckDB reads of a table: the filtered, limited SELECT behind data-preview and export-async, and
// the export itself (header-less CSV, every value quoted, optionally gzipped, written by DuckDB's
// COPY). Filters arrive parsed and validated (row-filter.ts); this module only renders SQL.
import type { DuckDBConnection } from '@duckdb/node-api';
import { quoteIdentifier, quoteLiteral, timestampLiteral } from './duckdb-sql.js';
import { TIMESTAMP_COLUMN } from './duckdb-table-load.js';
import type { RowFilter, WhereCondition } from './row-filter.js';

export interface TableRead {
  /** Output columns, in output order (already checked to exist). */
  columns: readonly string[];
  filter?: RowFilter;
  /** No limit when undefined. */
  limit?: number;
}

/** `SELECT coalesce(col, '') AS col, … FROM table WHERE … LIMIT n`. */
export function selectRowsSql(table: string, read: TableRead): string {
  const fields = read.columns.map(
    (column) => `coalesce(${quoteIdentifier(column)}, '') AS ${quoteIdentifier(column)}`,
  );
  const conditions = read.filter ? filterConditions(read.filter) : [];
  const where = conditions.length > 0 ? ` WHERE ${conditions.join(' AND ')}` : '';
  const limit = read.limit === undefined ? '' : ` LIMIT ${Math.max(0, Math.floor(read.limit))}`;
  return `SELECT ${fields.join(', ')} FROM ${quoteIdentifier(table)}${where}${limit}`;
}

export async function readRows(
  connection: DuckDBConnection,
  table: string,
  read: TableRead,
): Promise<string[][]> {
  const reader = await connection.runAndReadAll(selectRowsSql(table, read));
  return reader.getRows().map((row) => row.map((value) => (value === null ? '' : String(value))));
}

/** Writes the rows to `path` as Storage's export slices look: no header, all quoted, `,`, LF. */
export async function exportRowsToCsv(
  connection: DuckDBConnection,
  table: string,
  read: TableRead,
  path: string,
  gzip: boolean,
): Promise<void> {
  await connection.run(
    `COPY (${selectRowsSql(table, read)}) TO ${quoteLiteral(path)}
     (FORMAT csv, HEADER false, DELIMITER ',', QUOTE '"', ESCAPE '"', FORCE_QUOTE *, COMPRESSION ${gzip ? 'gzip' : 'none'})`,
  );
}

function filterConditions(filter: RowFilter): string[] {
  const conditions = filter.where.map(conditionSql);
  const timestamp = quoteIdentifier(TIMESTAMP_COLUMN);
  if (filter.changedSince) conditions.push(`${timestamp} >= ${timestampLiteral(filter.changedSince)}`);
  if (filter.changedUntil) conditions.push(`${timestamp} < ${timestampLiteral(filter.changedUntil)}`);
  return conditions;
}

const COMPARISONS = { gt: '>', ge: '>=', lt: '<', le: '<=' } as const;

function conditionSql(condition: WhereCondition): string {
  const column = `coalesce(${quoteIdentifier(condition.column)}, '')`;
  const value = (literal: string) =>
    condition.dataType
      ? `TRY_CAST(${quoteLiteral(literal)} AS ${condition.dataType})`
      : quoteLiteral(literal);
  const subject = condition.dataType ? `TRY_CAST(nullif(${column}, '') AS ${condition.dataType})` : column;
  if (condition.operator === 'eq' || condition.operator === 'ne') {
    if (condition.values.length === 0) return condition.operator === 'eq' ? 'false' : 'true';
    const list = condition.values.map(value).join(', ');
    return condition.operator === 'eq' ? `${subject} IN (${list})` : `${subject} NOT IN (${list})`;
  }
  if (condition.values.length === 0) return 'false';
  const comparison = COMPARISONS[condition.operator];
  return `(${condition.values.map((literal) => `${subject} ${comparison} ${value(literal)}`).join(' OR ')})`;
}
