import { describe, expect, it } from 'vitest';
import { parseCsvDialect } from '../../src/local-storage/csv/csv-dialect.js';
import { StorageError } from '../../src/local-storage/protocol/storage-error.js';

function errorOf(run: () => unknown): StorageError {
  try {
    run();
  } catch (error) {
    if (error instanceof StorageError) return error;
    throw error;
  }
  throw new Error('expected a StorageError');
}

describe('parseCsvDialect', () => {
  it('applies Storage defaults', () => {
    expect(parseCsvDialect({})).toEqual({ delimiter: ',', enclosure: '"', escapedBy: '' });
  });

  it('maps the two characters \\t and the word tab to TAB', () => {
    expect(parseCsvDialect({ delimiter: '\\t' }).delimiter).toBe('\t');
    expect(parseCsvDialect({ delimiter: 'tab' }).delimiter).toBe('\t');
    expect(parseCsvDialect({ delimiter: 'TAB' }).delimiter).toBe('\t');
    expect(parseCsvDialect({ delimiter: '\t' }).delimiter).toBe('\t');
  });

  it('accepts an empty enclosure and an escape character without enclosure', () => {
    expect(parseCsvDialect({ delimiter: '|', enclosure: '' })).toEqual({
      delimiter: '|',
      enclosure: '',
      escapedBy: '',
    });
    expect(parseCsvDialect({ enclosure: '', escapedBy: '\\' })).toEqual({
      delimiter: ',',
      enclosure: '',
      escapedBy: '\\',
    });
  });

  it.each([
    [{ delimiter: '/t' }],
    [{ delimiter: '' }],
    [{ delimiter: ';;' }],
    [{ enclosure: '""' }],
    [{ enclosure: '', escapedBy: '\\\\' }],
    [{ delimiter: '\n' }],
    [{ delimiter: '"' }],
  ])('rejects %j with 400 invalidCsv', (input) => {
    const error = errorOf(() => parseCsvDialect(input));
    expect(error.status).toBe(400);
    expect(error.code).toBe('invalidCsv');
  });

  it('rejects enclosure together with escapedBy with csvImport.invalidCsvParams', () => {
    const error = errorOf(() => parseCsvDialect({ enclosure: '"', escapedBy: '\\' }));
    expect(error.status).toBe(400);
    expect(error.code).toBe('csvImport.invalidCsvParams');
    // The default enclosure counts as given.
    expect(errorOf(() => parseCsvDialect({ escapedBy: '\\' })).code).toBe('csvImport.invalidCsvParams');
  });
});
