// Row filters shared by data-preview and export-async (contract §13.2, §13.5): the deprecated
// `whereColumn`/`whereValues[]`/`whereOperator` trio, `whereFilters[i][column|operator|values|dataType]`
// (ANDed) and `changedSince`/`changedUntil` against the row `_timestamp`. Parses and validates only;
// duckdb-table-read.ts turns a RowFilter into SQL.
import type { RequestParams } from '../protocol/request-params.js';
import { StorageError } from '../protocol/storage-error.js';
import { validationError } from '../protocol/storage-response.js';

const CODE = 'storage.tables.validation';
const OPERATORS = ['eq', 'ne', 'gt', 'ge', 'lt', 'le'] as const;
const DATA_TYPES = ['INTEGER', 'DOUBLE', 'BIGINT', 'REAL', 'DECIMAL'] as const;

export type WhereOperator = (typeof OPERATORS)[number];
export type WhereDataType = (typeof DATA_TYPES)[number];

export interface WhereCondition {
  column: string;
  operator: WhereOperator;
  /** eq: any of them (SQL IN), ne: none of them; '' matches empty cells. gt…le: any of them. */
  values: string[];
  dataType?: WhereDataType;
}

export interface RowFilter {
  where: WhereCondition[];
  /** Rows whose `_timestamp` ≥ changedSince … */
  changedSince?: Date;
  /** … and < changedUntil. */
  changedUntil?: Date;
}

/** The filter parameters in `raw`, checked against the table's columns; an empty filter when none. */
export function readRowFilter(raw: RequestParams, tableColumns: readonly string[], now: Date): RowFilter {
  const where: WhereCondition[] = [];
  const whereColumn = raw.whereColumn;
  if (whereColumn !== undefined && whereColumn !== null && whereColumn !== '') {
    if (typeof whereColumn !== 'string')
      throw validationError(CODE, 'whereColumn', 'This value should be of type string.');
    where.push({
      column: whereColumn,
      operator: readOperator(raw.whereOperator ?? 'eq', ['eq', 'ne']),
      values: readValues(raw.whereValues, 'whereValues'),
    });
  }
  if (raw.whereFilters !== undefined && raw.whereFilters !== null) {
    const filters = toList(raw.whereFilters);
    if (!filters) {
      throw new StorageError(
        400,
        CODE,
        `Parameter "whereFilters" should be an array, but parameter contains:\n${JSON.stringify(raw.whereFilters)}`,
      );
    }
    filters.forEach((filter, index) => {
      if (typeof filter !== 'object' || filter === null || Array.isArray(filter)) {
        throw new StorageError(
          400,
          CODE,
          `All items in param "whereFilters" should be an arrays, but parameter contains:\n${JSON.stringify(filter)}`,
        );
      }
      const item = filter as Record<string, unknown>;
      const key = `whereFilters[${index}]`;
      if (typeof item.column !== 'string' || item.column === '') {
        throw validationError(CODE, `${key}[column]`, 'This field is missing.');
      }
      if (item.values === undefined || item.values === null) {
        throw validationError(CODE, `${key}[values]`, 'This field is missing.');
      }
      where.push({
        column: item.column,
        operator: readOperator(item.operator ?? 'eq', OPERATORS),
        values: readValues(item.values, `${key}[values]`),
        ...(item.dataType === undefined || item.dataType === null || item.dataType === ''
          ? {}
          : { dataType: readDataType(item.dataType) }),
      });
    });
  }
  const known = new Set(tableColumns);
  for (const condition of where) {
    if (!known.has(condition.column)) {
      throw new StorageError(
        400,
        'storage.tables.validation.columnNotExists',
        `Column "${condition.column}" not found in the table.`,
      );
    }
  }
  const changedSince = readTime(raw.changedSince, 'changedSince', now);
  const changedUntil = readTime(raw.changedUntil, 'changedUntil', now);
  return {
    where,
    ...(changedSince ? { changedSince } : {}),
    ...(changedUntil ? { changedUntil } : {}),
  };
}

function toList(value: unknown): unknown[] | undefined {
  if (Array.isArray(value)) return value;
  if (typeof value === 'object' && value !== null && Object.keys(value).every((key) => /^\d+$/.test(key))) {
    return Object.values(value);
  }
  return undefined;
}

function readOperator(value: unknown, allowed: readonly WhereOperator[]): WhereOperator {
  const operator = typeof value === 'string' ? value.toLowerCase() : '';
  if (!(allowed as readonly string[]).includes(operator)) {
    throw new StorageError(400, CODE, `Invalid where operator ${String(value)}`);
  }
  return operator as WhereOperator;
}

function readDataType(value: unknown): WhereDataType {
  const type = typeof value === 'string' ? value.toUpperCase() : '';
  if (!(DATA_TYPES as readonly string[]).includes(type)) {
    throw new StorageError(400, CODE, `Data type ${String(value)} not recognized`);
  }
  return type as WhereDataType;
}

/** `whereValues[]=a&whereValues[]=b`, `whereValues[0]=`, JSON arrays, or one scalar. */
function readValues(value: unknown, key: string): string[] {
  if (value === undefined || value === null) return [];
  const list = typeof value === 'object' ? toList(value) : [value];
  if (!list) throw validationError(CODE, key, 'This value should be of type array.');
  return list.map((item, index) => {
    if (typeof item === 'string') return item;
    if (typeof item === 'number' || typeof item === 'boolean') return String(item);
    throw validationError(CODE, `${key}[${index}]`, 'This value should be of type string.');
  });
}

const UNIT_SECONDS: Record<string, number> = {
  sec: 1,
  second: 1,
  min: 60,
  minute: 60,
  hour: 3600,
  day: 86_400,
  week: 604_800,
  month: 2_629_800,
  year: 31_557_600,
};

/** Unix seconds, a relative strtotime phrase (`-2 days`, `3 hours ago`) or a date/ISO string. */
function readTime(value: unknown, key: string, now: Date): Date | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  const text = String(value).trim();
  if (/^-?\d+$/.test(text)) return new Date(Number(text) * 1000);
  const relative = /^([+-]?\d+)\s*(sec|second|min|minute|hour|day|week|month|year)s?(\s+ago)?$/i.exec(text);
  if (relative) {
    const sign = relative[3] ? -1 : 1;
    const seconds = Number(relative[1]) * (UNIT_SECONDS[relative[2]?.toLowerCase() ?? ''] ?? 0);
    return new Date(now.getTime() + sign * seconds * 1000);
  }
  if (/^now$/i.test(text)) return now;
  if (/^(today|yesterday)$/i.test(text)) {
    const day = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
    return /^yesterday$/i.test(text) ? new Date(day.getTime() - 86_400_000) : day;
  }
  // `2026-11-25T15:09:00+0100` (Storage's own format) needs the colon for Date.parse.
  const parsed = Date.parse(text.replace(/([+-]\d{2})(\d{2})$/, '$1:$2'));
  if (Number.isNaN(parsed)) throw validationError(CODE, key, `"${text}" is not a valid date and time.`);
  return new Date(parsed);
}
