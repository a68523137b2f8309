// The column set of a JSON body: the existing table's columns, then the `columns` field or new
// top-level keys in first-seen order, each key sanitised the way Storage sanitises CSV headers.
// Once frozen (after the sample), a key it has not seen is refused: the CSV header is already out.
import { type AppError, importerError } from '../../../errors.js';
import { sanitizeColumnName } from '../../../storage-api/sanitize-column-name.js';
import { cellText, JsonTooDeepError } from './json-cell-text.js';
import { invalidJson, type JsonRecord } from './read-json-records.js';

/** Storage refuses longer column names (storage-api-contract.md §9.2). */
const MAX_COLUMN_NAME_LENGTH = 64;
const MAX_CACHED_KEYS = 10_000;

export interface JsonColumns {
  readonly names: readonly string[];
  /** The record's cells by column position (`undefined` = null or missing); adds keys until frozen. */
  toRow(record: JsonRecord): Array<string | undefined>;
  /** The column a key already has (`undefined`: new, refused, or unknown yet); never adds one. */
  knownColumn(key: string): number | undefined;
  freeze(): void;
  readonly frozen: boolean;
}

export function createJsonColumns(options: {
  tableColumns: readonly string[];
  /** The `columns` field: the complete key set, so the set starts frozen. */
  explicitColumns?: readonly string[] | undefined;
  maxColumns: number;
}): JsonColumns {
  const names: string[] = [];
  const byName = new Map<string, number>();
  const byLowerName = new Map<string, string>();
  /** Record number that last filled each column: two keys of one record landing in one column. */
  const filledBy: number[] = [];
  /** Raw key → column, so each distinct key is sanitised once, not once per record. */
  const byKey = new Map<string, number>();
  const remember = (key: string, column: number) => {
    if (byKey.size < MAX_CACHED_KEYS) byKey.set(key, column);
    return column;
  };
  let frozen = false;

  const add = (name: string) => {
    byName.set(name, names.length);
    byLowerName.set(name.toLowerCase(), name);
    names.push(name);
  };
  for (const column of options.tableColumns) add(column);
  for (const column of options.explicitColumns ?? []) {
    const name = sanitizeColumnName(column);
    if (byName.has(name)) continue;
    const clash = byLowerName.get(name.toLowerCase());
    if (name === '' || name.length > MAX_COLUMN_NAME_LENGTH || clash !== undefined) {
      throw importerError(
        'importer.invalidColumns',
        `Column "${truncate(column)}" cannot be used: ${problemWith(name, clash)}.`,
        { field: 'columns' },
      );
    }
    add(name);
  }
  if (options.explicitColumns) frozen = true;

  const columnFor = (key: string, record: JsonRecord): number => {
    const cached = byKey.get(key);
    if (cached !== undefined) return cached;
    const name = sanitizeColumnName(key);
    const known = byName.get(name);
    if (known !== undefined) return remember(key, known);
    const clash = byLowerName.get(name.toLowerCase());
    if (name === '' || name.length > MAX_COLUMN_NAME_LENGTH || clash !== undefined) {
      throw invalidKey(key, problemWith(name, clash), record);
    }
    if (frozen) {
      throw importerError(
        'importer.unexpectedKey',
        `Key "${truncate(key)}" in record ${record.number} (line ${record.line}) was not among the columns fixed from ${options.explicitColumns ? 'the "columns" field' : 'the table and the first records'} (${truncate(names.join(', '))}); nothing was imported. Send it in an earlier record, list it in "columns", or add the column to the table.`,
        { key, column: name, record: record.number, line: record.line },
      );
    }
    if (names.length >= options.maxColumns) {
      throw invalidKey(key, `the records have more than ${options.maxColumns} distinct keys`, record);
    }
    add(name);
    return remember(key, names.length - 1);
  };

  return {
    names,
    get frozen() {
      return frozen;
    },
    freeze() {
      frozen = true;
    },
    knownColumn(key) {
      const cached = byKey.get(key);
      if (cached !== undefined) return cached;
      const known = byName.get(sanitizeColumnName(key));
      return known === undefined ? undefined : remember(key, known);
    },
    toRow(record) {
      const cells: Array<string | undefined> = [];
      const fields = record.value;
      // for…in, not Object.entries: no [key, value] pair per cell (records are plain objects).
      for (const key in fields) {
        const value = fields[key];
        const column = columnFor(key, record);
        if (filledBy[column] === record.number) {
          throw invalidKey(key, `another key of the record also becomes column "${names[column]}"`, record);
        }
        filledBy[column] = record.number;
        try {
          cells[column] = cellText(value);
        } catch (err) {
          if (err instanceof JsonTooDeepError) {
            throw invalidJson({ line: record.line, record: record.number }, err.message);
          }
          throw err;
        }
      }
      return cells;
    },
  };
}

function problemWith(name: string, clash: string | undefined): string {
  if (name === '') return 'it has no letters or digits to make a column name from';
  if (name.length > MAX_COLUMN_NAME_LENGTH) {
    return `its column name "${truncate(name)}" is longer than ${MAX_COLUMN_NAME_LENGTH} characters`;
  }
  return `its column name "${name}" differs only in case from the column "${clash}"`;
}

function invalidKey(key: string, why: string, record: JsonRecord): AppError {
  return importerError(
    'importer.invalidKey',
    `Key "${truncate(key)}" in record ${record.number} (line ${record.line}) cannot become a column: ${why}.`,
    { key, record: record.number, line: record.line },
  );
}

function truncate(value: string): string {
  return value.length > 200 ? `${value.slice(0, 200)}…` : value;
}
