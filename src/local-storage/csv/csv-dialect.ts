// CSV dialect parameters of tables-async / import-async (contract §5.1): defaults, the TAB aliases
// and Storage's validation codes. Knows nothing about parsing files; see csv-record-parser.ts.
import { StorageError } from '../protocol/storage-error.js';

export interface CsvDialect {
  /** Exactly one UTF-16 code unit (TAB allowed). */
  delimiter: string;
  /** '' (no quoting at all) or one character. */
  enclosure: string;
  /** '' or one character; never together with a non-empty enclosure. */
  escapedBy: string;
}

const TAB_ALIASES = new Set(['\\t', 'tab']);
const LINE_BREAKS = new Set(['\n', '\r']);

/**
 * Applies Storage's defaults (`,` `"` and no escape character) and rejects what Storage rejects:
 * multi-character values and an empty delimiter (`invalidCsv`), enclosure together with escapedBy
 * (`csvImport.invalidCsvParams`). `\t` written as two characters, or `tab`, means TAB.
 */
export function parseCsvDialect(input: {
  delimiter?: string;
  enclosure?: string;
  escapedBy?: string;
}): CsvDialect {
  const rawDelimiter = input.delimiter ?? ',';
  const delimiter = TAB_ALIASES.has(rawDelimiter.toLowerCase()) ? '\t' : rawDelimiter;
  const enclosure = input.enclosure ?? '"';
  const escapedBy = input.escapedBy ?? '';

  if (delimiter.length !== 1) {
    throw invalidCsv(`Invalid delimiter "${rawDelimiter}": the delimiter must be exactly one character.`);
  }
  if (enclosure.length > 1) {
    throw invalidCsv(`Invalid enclosure "${enclosure}": the enclosure must be one character or empty.`);
  }
  if (escapedBy.length > 1) {
    throw invalidCsv(
      `Invalid escapedBy "${escapedBy}": the escape character must be one character or empty.`,
    );
  }
  for (const [name, value] of [
    ['delimiter', delimiter],
    ['enclosure', enclosure],
    ['escapedBy', escapedBy],
  ] as const) {
    if (LINE_BREAKS.has(value)) throw invalidCsv(`Invalid ${name}: a line break cannot be used.`);
  }
  if (enclosure !== '' && escapedBy !== '') {
    throw new StorageError(
      400,
      'csvImport.invalidCsvParams',
      'Invalid CSV params: either enclosure or escapedBy can be set, not both.',
    );
  }
  if (delimiter === enclosure || delimiter === escapedBy) {
    throw invalidCsv('Invalid CSV params: the delimiter must differ from the enclosure and escapedBy.');
  }
  return { delimiter, enclosure, escapedBy };
}

function invalidCsv(message: string): StorageError {
  return new StorageError(400, 'invalidCsv', message);
}
