// Renders the JSON body's records as an RFC 4180 CSV: a header of the column names, then one line
// per record with every value quoted, except null/missing cells, which stay empty (NULL in Storage).
// Lines are batched into ~64 KiB buffers; the records stream through in the reader's batches,
// only the sample is held.
import type { JsonColumns } from './json-columns.js';
import type { JsonRecord } from './read-json-records.js';

const BATCH_BYTES = 64 * 1024;

export async function* writeCsvRows(
  columns: JsonColumns,
  sampleRows: ReadonlyArray<Array<string | undefined>>,
  afterSample: readonly JsonRecord[],
  rest: AsyncIterator<JsonRecord[]>,
): AsyncGenerator<Buffer> {
  const width = columns.names.length;
  let batch = csvLine(columns.names, width);
  for (const row of sampleRows) {
    batch += csvLine(row, width);
    if (batch.length >= BATCH_BYTES) {
      yield Buffer.from(batch);
      batch = '';
    }
  }
  let records = afterSample;
  for (;;) {
    for (const record of records) {
      batch += csvLine(columns.toRow(record), width);
      if (batch.length >= BATCH_BYTES) {
        yield Buffer.from(batch);
        batch = '';
      }
    }
    const next = await rest.next();
    if (next.done) break;
    records = next.value;
  }
  if (batch.length > 0) yield Buffer.from(batch);
}

export function csvLine(cells: ReadonlyArray<string | undefined>, width: number): string {
  let line = '';
  for (let i = 0; i < width; i += 1) {
    const cell = cells[i];
    if (i > 0) line += ',';
    // A one-column line with nothing in it would be a blank line, which CSV readers may skip.
    if (cell === undefined) line += width === 1 ? '""' : '';
    else line += `"${cell.includes('"') ? cell.replaceAll('"', '""') : cell}"`;
  }
  return `${line}\n`;
}
