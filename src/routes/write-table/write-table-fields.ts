// The write-table form fields (PRODUCT.md §2.1): collected one by one as they arrive (multipart
// parts or query parameters), each validated at once so a bad request fails before the upload
// ends. Knows nothing about HTTP or Storage; only turns name/value pairs into WriteTableOptions.
import {
  invalidField,
  parseBooleanField,
  parseBranchIdField,
  shortened,
} from '../../http/form-field-values.js';
import { type BodyFormat, parseFormatField } from '../../ingest/body-format.js';
import { parseEncodingField } from '../../ingest/transcode.js';

export interface TableRef {
  tableId: string;
  bucketId: string;
  stage: 'in' | 'out';
  /** Bucket name without the `c-` prefix, as POST buckets expects it. */
  bucketName: string;
  tableName: string;
}

export interface WriteTableOptions {
  table: TableRef;
  incremental: boolean;
  delimiter: string;
  /** False when `delimiter` is the default (then it may be detected from the file). */
  delimiterSent: boolean;
  /** A non-UTF-8 character set to transcode from; undefined for UTF-8. */
  encoding: string | undefined;
  /** `format`: forces the body format of a raw body. */
  format: BodyFormat | undefined;
  enclosure: string;
  escapedBy: string;
  columns: string[] | undefined;
  withoutHeaders: boolean;
  ignoredLinesCount: number;
  treatValuesAsNull: string[] | undefined;
  createTable: boolean;
  primaryKey: string | undefined;
  /** undefined = the default branch. */
  branchId: string | undefined;
  waitSeconds: number;
}

export interface FieldCollector {
  /** Validates one field; throws AppError(400) at once when it is invalid, unknown or repeated. */
  add(name: string, value: string): void;
  /** The table, as soon as a valid tableId arrived. */
  readonly table: TableRef | undefined;
  readonly branchId: string | undefined;
  /** A scalar field's value as sent so far. */
  sent(name: string): string | undefined;
  /** All fields are in: applies defaults and cross-field rules. */
  finish(): WriteTableOptions;
}

const TABLE_ID = /^(in|out)\.c-([A-Za-z0-9_-]{1,96})\.([A-Za-z0-9_-]{1,96})$/;
const MAX_COLUMNS = 5000;
const ARRAY_FIELD = /^(columns|treatValuesAsNull)(\[\d*\])?$/;
const SCALAR_FIELDS = new Set([
  'tableId',
  'incremental',
  'delimiter',
  'enclosure',
  'escapedBy',
  'withoutHeaders',
  'ignoredLinesCount',
  'createTable',
  'primaryKey',
  'branchId',
  'wait',
  'encoding',
  'format',
]);

export function createFieldCollector(limits: {
  maxWaitSeconds: number;
  defaultWaitSeconds: number;
}): FieldCollector {
  const scalars = new Map<string, string>();
  const columns: string[] = [];
  const nullValues: string[] = [];
  let table: TableRef | undefined;
  let branchId: string | undefined;

  const add = (name: string, value: string) => {
    const arrayField = ARRAY_FIELD.exec(name);
    if (arrayField) {
      const target = arrayField[1] === 'columns' ? columns : nullValues;
      // `columns=a,b` is a comma list; the bracket forms carry one name each.
      const values = arrayField[1] === 'columns' && !arrayField[2] ? value.split(',') : [value];
      target.push(...values.map((v) => (arrayField[1] === 'columns' ? v.trim() : v)));
      if (columns.length > MAX_COLUMNS)
        throw invalidField(
          'importer.invalidColumns',
          'columns',
          `At most ${MAX_COLUMNS} columns are allowed.`,
        );
      if (arrayField[1] === 'columns' && values.some((v) => v.trim() === '')) {
        throw invalidField(
          'importer.invalidColumns',
          'columns',
          'Column names in "columns" must not be empty.',
        );
      }
      return;
    }
    if (!SCALAR_FIELDS.has(name)) {
      throw invalidField(
        'importer.unknownField',
        name,
        `Unknown field "${shortened(name)}". Known fields: data, columns, treatValuesAsNull, idempotencyKey, ${[...SCALAR_FIELDS].join(', ')}.`,
      );
    }
    if (scalars.has(name))
      throw invalidField('importer.duplicateField', name, `Field "${name}" was sent more than once.`);
    validateScalar(name, value, limits.maxWaitSeconds);
    scalars.set(name, value);
    if (name === 'tableId') table = parseTableId(value);
    if (name === 'branchId') branchId = parseBranchIdField(value);
  };

  return {
    add,
    get table() {
      return table;
    },
    get branchId() {
      return branchId;
    },
    sent: (name) => scalars.get(name),
    finish() {
      if (!table)
        throw invalidField(
          'importer.missingField',
          'tableId',
          'Field "tableId" is required, e.g. tableId=in.c-main.users.',
        );
      const enclosure = scalars.get('enclosure') ?? (scalars.get('escapedBy') ? '' : '"');
      const escapedBy = scalars.get('escapedBy') ?? '';
      if (enclosure !== '' && escapedBy !== '') {
        throw invalidField(
          'importer.invalidDialect',
          'escapedBy',
          'Use either "enclosure" or "escapedBy", not both.',
        );
      }
      const wait = scalars.get('wait');
      return {
        table,
        incremental: parseBoolean(scalars.get('incremental'), false),
        delimiter: parseDelimiter(scalars.get('delimiter') ?? ','),
        delimiterSent: scalars.has('delimiter'),
        encoding: parseEncodingField(scalars.get('encoding') ?? 'utf-8'),
        format: parseFormatField(scalars.get('format')),
        enclosure,
        escapedBy,
        columns: columns.length > 0 ? columns : undefined,
        withoutHeaders: parseBoolean(scalars.get('withoutHeaders'), false),
        ignoredLinesCount: Number(scalars.get('ignoredLinesCount') ?? 0),
        treatValuesAsNull: nullValues.length > 0 ? nullValues : undefined,
        createTable: parseBoolean(scalars.get('createTable'), true),
        primaryKey: normalisePrimaryKey(scalars.get('primaryKey')),
        branchId,
        waitSeconds: wait === undefined ? limits.defaultWaitSeconds : Number(wait),
      };
    },
  };
}

function validateScalar(name: string, value: string, maxWaitSeconds: number): void {
  switch (name) {
    case 'tableId':
      parseTableId(value);
      return;
    case 'incremental':
    case 'withoutHeaders':
    case 'createTable':
      parseBoolean(value, false, name);
      return;
    case 'delimiter':
      parseDelimiter(value);
      return;
    case 'enclosure':
    case 'escapedBy':
      if (Buffer.byteLength(value) > 1) {
        throw invalidField(
          'importer.invalidDialect',
          name,
          `"${name}" must be one single-byte (ASCII) character or empty, got "${shortened(value)}".`,
        );
      }
      return;
    case 'ignoredLinesCount':
      if (!/^\d{1,7}$/.test(value)) {
        throw invalidField(
          'importer.invalidNumber',
          name,
          `"ignoredLinesCount" must be a whole number from 0 to 9999999.`,
        );
      }
      return;
    case 'wait':
      if (!/^\d{1,6}$/.test(value) || Number(value) > maxWaitSeconds) {
        throw invalidField(
          'importer.invalidNumber',
          name,
          `"wait" must be a whole number of seconds from 0 to ${maxWaitSeconds}.`,
        );
      }
      return;
    case 'branchId':
      parseBranchIdField(value);
      return;
    case 'primaryKey':
      normalisePrimaryKey(value);
      return;
    case 'encoding':
      parseEncodingField(value);
      return;
    case 'format':
      parseFormatField(value);
      return;
  }
}

export function parseTableId(value: string): TableRef {
  const match = TABLE_ID.exec(value);
  if (!match) {
    throw invalidField(
      'importer.invalidTableId',
      'tableId',
      `Invalid tableId "${shortened(value)}": expected <in|out>.c-<bucket>.<table> with letters, digits, "-" and "_", e.g. in.c-main.users.`,
    );
  }
  const [, stage, bucketName, tableName] = match as unknown as [string, 'in' | 'out', string, string];
  return { tableId: value, bucketId: `${stage}.c-${bucketName}`, stage, bucketName, tableName };
}

function parseBoolean(value: string | undefined, fallback: boolean, field = ''): boolean {
  return value === undefined ? fallback : parseBooleanField(field, value);
}

function parseDelimiter(value: string): string {
  if (value === '\\t' || value.toLowerCase() === 'tab') return '\t';
  // Storage splits on one byte: a multi-byte character would fail only inside the job.
  if (Buffer.byteLength(value) !== 1) {
    throw invalidField(
      'importer.invalidDialect',
      'delimiter',
      `"delimiter" must be exactly one single-byte (ASCII) character (or "\\t"), got "${shortened(value)}".`,
    );
  }
  return value;
}

function normalisePrimaryKey(value: string | undefined): string | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const names = value.split(',').map((name) => name.trim());
  if (names.some((name) => name === '')) {
    throw invalidField(
      'importer.invalidPrimaryKey',
      'primaryKey',
      '"primaryKey" must be a comma-separated list of column names, e.g. id,sub_id.',
    );
  }
  return names.join(',');
}
