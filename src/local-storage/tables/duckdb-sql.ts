// Safe SQL text for the table store: identifier and literal quoting, and the mapping of Storage
// table ids to DuckDB table names. Builds no statements itself.
import { StorageError } from '../protocol/storage-error.js';

const TABLE_ID = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/;
const UPPER_CASE = /[A-Z]/g;

export function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

export function quoteLiteral(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

/**
 * `in.c-main.users` → `in.c-main.users`, `in.c-main.Users` → `in.c-main.^users`: DuckDB compares
 * identifiers case-insensitively even when quoted, so upper-case letters are encoded to keep the
 * mapping one-to-one (Storage ids are case-sensitive strings). Use with quoteIdentifier.
 */
export function toDuckdbTableName(tableId: string): string {
  if (!TABLE_ID.test(tableId)) {
    throw new StorageError(400, 'storage.tables.validation', `Invalid table id "${tableId}".`);
  }
  return tableId.replace(UPPER_CASE, (letter) => `^${letter.toLowerCase()}`);
}

/** A TIMESTAMP literal (UTC wall time) for the `_timestamp` of the rows a load changes. */
export function timestampLiteral(at: Date): string {
  return `TIMESTAMP '${at.toISOString().replace('T', ' ').replace('Z', '')}'`;
}
