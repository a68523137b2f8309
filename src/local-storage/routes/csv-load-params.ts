// The CSV loading parameters shared by tables-async and import-async (contract §5.1), read and
// validated synchronously so bad dialects answer 400 before any job exists.
import { parseCsvDialect } from '../csv/csv-dialect.js';
import type { ParamReader } from '../request-params.js';
import { validationError } from '../storage-response.js';
import type { CsvLoadOptions } from '../table-store.js';

const CODE = 'storage.tables.validation';

export function readCsvLoadOptions(params: ParamReader): CsvLoadOptions {
  const dialect = parseCsvDialect({
    delimiter: params.string('delimiter'),
    enclosure: params.string('enclosure'),
    escapedBy: params.string('escapedBy'),
  });
  const columns = params.stringArray('columns');
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
