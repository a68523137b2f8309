// The CSV loading parameters shared by tables-async and import-async (contract §5.1), read and
// validated synchronously so bad dialects answer 400 before any job exists.
import { parseCsvDialect } from '../../csv/csv-dialect.js';
import { invalidColumnName, MAX_COLUMN_NAME_LENGTH } from '../../csv/file-columns.js';
import type { ParamReader } from '../../protocol/request-params.js';
import { quoteValue } from '../../protocol/storage-error.js';
import { validationError } from '../../protocol/storage-response.js';
import type { CsvLoadOptions } from '../../tables/table-types.js';

const CODE = 'storage.tables.validation';
/**
 * A `columns` name this long cannot sanitise to 64 characters: refused before a job (which would
 * store it in its operationParams) exists.
 */
const MAX_RAW_COLUMN_NAME_CHARS = 16 * MAX_COLUMN_NAME_LENGTH;

export function readCsvLoadOptions(params: ParamReader): CsvLoadOptions {
  const dialect = parseCsvDialect({
    delimiter: params.string('delimiter'),
    enclosure: params.string('enclosure'),
    escapedBy: params.string('escapedBy'),
  });
  const columns = params.stringArray('columns');
  const tooLong = columns?.find((column) => column.length > MAX_RAW_COLUMN_NAME_CHARS);
  if (tooLong !== undefined) {
    throw invalidColumnName(
      `Invalid column name "${quoteValue(tooLong)}": Column name cannot be longer than ${MAX_COLUMN_NAME_LENGTH} characters.`,
    );
  }
  const ignoredLinesCount = params.integer('ignoredLinesCount') ?? 0;
  if (ignoredLinesCount < 0) {
    throw validationError(CODE, 'ignoredLinesCount', 'This value should be greater than or equal to 0.');
  }
  const treatValuesAsNull = params.stringArray('treatValuesAsNull');
  if (treatValuesAsNull && treatValuesAsNull.length > 1) {
    throw validationError(CODE, 'treatValuesAsNull', 'This collection should contain 1 element or less.');
  }
  return {
    ...dialect,
    ...(columns && columns.length > 0 ? { columns } : {}),
    withoutHeaders: params.boolean('withoutHeaders', false),
    ignoredLinesCount,
    ...(treatValuesAsNull ? { treatValuesAsNull } : {}),
  };
}

/** `dataFileId`: required, since files are the only import source the stand-in supports. */
export function readDataFileId(params: ParamReader): number {
  const fileId = params.integer('dataFileId');
  if (fileId === undefined) throw validationError(CODE, 'dataFileId', 'This field is missing.');
  return fileId;
}
