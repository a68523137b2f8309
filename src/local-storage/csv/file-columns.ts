// Storage's rules for the column names a load brings (contract §9.2-9.4, §6.1): sanitising and
// validating header names, matching them to a table, primary-key checks. No file I/O here.
import { sanitizeColumnName } from '../../storage-api/sanitize-column-name.js';
import { quoteValue, StorageError } from '../protocol/storage-error.js';

export const MAX_COLUMN_NAME_LENGTH = 64;
/**
 * Columns per table. Storage refuses very wide tables with `tooManyColumns` (its limit depends on
 * the backend); the stand-in's limit keeps DuckDB's plans (and memory) small.
 */
export const MAX_TABLE_COLUMNS = 1000;

/** A load that would leave a table with `count` columns, over MAX_TABLE_COLUMNS. */
export function tooManyColumns(count: number): StorageError {
  return new StorageError(
    400,
    'storage.tables.validation.tooManyColumns',
    `Too many columns: the table would have ${count} columns; at most ${MAX_TABLE_COLUMNS} columns are allowed in a table.`,
  );
}

/**
 * Sanitises header cells (or `columns`) and rejects empty names, names over 64 characters and
 * duplicates. Duplicates are compared case-insensitively after sanitising (`id,name,Name` fails).
 */
export function resolveColumnNames(rawNames: readonly string[]): string[] {
  if (rawNames.length > MAX_TABLE_COLUMNS) throw tooManyColumns(rawNames.length);
  const names = rawNames.map((raw, index) => {
    const name = sanitizeColumnName(raw);
    if (name === '') {
      throw invalidColumnName(
        `Invalid column name "${quoteValue(raw)}" at position ${index + 1}: column name cannot be empty.`,
      );
    }
    if (name.length > MAX_COLUMN_NAME_LENGTH) {
      throw invalidColumnName(
        `Invalid column name "${quoteValue(name)}": Column name cannot be longer than ${MAX_COLUMN_NAME_LENGTH} characters.`,
      );
    }
    return name;
  });
  const seen = new Map<string, string>();
  const duplicates: string[] = [];
  for (const name of names) {
    const first = seen.get(name.toLowerCase());
    if (first === undefined) seen.set(name.toLowerCase(), name);
    else duplicates.push(first === name ? name : `${first}/${name}`);
  }
  if (duplicates.length > 0) {
    // Storage fails here too, but no source shows its code: `csvImport.duplicateColumns` is local-only.
    throw new StorageError(
      400,
      'csvImport.duplicateColumns',
      `There are duplicate columns in the csv file: ${duplicates.join(', ')}. Column names are compared case-insensitively after sanitising.`,
    );
  }
  return names;
}

/** Every table column must come in the load; matching is by name and case-sensitive. */
export function assertNoMissingColumns(
  tableColumns: readonly string[],
  fileColumns: readonly string[],
  delimiter: string,
): void {
  const present = new Set(fileColumns);
  const missingColumns = tableColumns.filter((column) => !present.has(column));
  if (missingColumns.length > 0) throw columnsNotMatch(missingColumns, tableColumns, delimiter);
}

/** Contract §9.3: the exact message and `results` Storage puts on the failed job. */
export function columnsNotMatch(
  missingColumns: readonly string[],
  expectedColumns: readonly string[],
  delimiter: string,
): StorageError {
  return new StorageError(
    400,
    'csvImport.columnsNotMatch',
    `Some columns are missing in the csv file. Missing columns: ${missingColumns.join(',')}. Expected columns: ${expectedColumns.join(',')}. Please check if the expected delimiter "${delimiter}" is used in the csv file.`,
    { results: { missingColumns: [...missingColumns], expectedColumns: [...expectedColumns] } },
  );
}

/** PK names must be table columns, compared case-sensitively (`ID` ≠ `id`); repeats collapse. */
export function resolvePrimaryKey(primaryKey: readonly string[], columns: readonly string[]): string[] {
  const known = new Set(columns);
  const invalid = primaryKey.filter((name) => !known.has(name));
  if (invalid.length > 0) {
    throw new StorageError(
      400,
      'storage.tables.validation.invalidPrimaryKeyColumns',
      `Primary key columns "${invalid.join(', ')}" are not present in the table columns "${columns.join(', ')}".`,
    );
  }
  return [...new Set(primaryKey)];
}

export function invalidColumnName(message: string): StorageError {
  return new StorageError(400, 'storage.tables.validation.invalidColumnName', message);
}
