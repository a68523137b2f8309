// Turns a JSON / NDJSON body into the CSV write-table uploads, with bounded memory. The sample
// (the first records) goes the object path and fixes the columns; after it, each record is written
// from its bytes by the record CSV writer while the scanner passes over it (one pass), and only
// records it gives up on (or that span chunks) are cut by the scanner and parsed into objects.
import { isUtf8 } from 'node:buffer';
import { AppError, fileTooLarge, importerError } from '../../../errors.js';
import { incompleteTail } from '../../../ingest/check-utf8.js';
import type { JsonBodyFormat } from '../../../ingest/json-body-type.js';
import type { JsonSampleLimits } from '../../../settings.js';
import { csvLine } from './csv-line.js';
import { createCsvOutput } from './csv-output.js';
import type { JsonColumns } from './json-columns.js';
import {
  createJsonRecordScanner,
  type ScannedRecord,
  type ScannedRecordSink,
} from './json-record-scanner.js';
import {
  invalidJson,
  type JsonRecord,
  MAX_BODY_DEPTH,
  parseRecord,
  reason,
  recordTooLarge,
} from './read-json-records.js';
import { createRecordCsvWriter, type RecordCsvWriter } from './record-csv-writer.js';

/** Records are written from their chunk only up to this size; longer ones are cut by the scanner. */
const FAST_RECORD_BYTES = 64 * 1024;

export interface JsonBodyToCsvOptions {
  format: JsonBodyFormat;
  columns: JsonColumns;
  sample: JsonSampleLimits;
  /** One record (with the whitespace before it) may not exceed this; 413 otherwise. */
  maxRecordBytes: number;
  /** The decoded body may not exceed this (MAX_FILE_BYTES); 413 otherwise. */
  maxBodyBytes: number;
}

export interface JsonBodyToCsv {
  /** Reads the sample and fixes the columns: a bad sample fails here, before any upload starts. */
  readSample(): Promise<void>;
  /** The CSV, header first, in chunks of about 64 KiB, as the rest of the body streams in. */
  csv(): AsyncGenerator<Buffer>;
}

export function jsonBodyToCsv(source: AsyncIterable<Buffer>, options: JsonBodyToCsvOptions): JsonBodyToCsv {
  const { columns, maxRecordBytes } = options;
  const chunks = source[Symbol.asyncIterator]();
  const scanner = createJsonRecordScanner(options.format, MAX_BODY_DEPTH);
  const out = createCsvOutput();
  let bytesRead = 0;
  /** Records handed over so far (the number of the last one). */
  let records = 0;
  let sampling = true;
  let sampleRows: Array<Array<string | undefined>> = [];
  /** The sample filled up in the middle of a chunk: the chunk's later records wait in `afterSample`. */
  let sampleFull = false;
  /** Parsed while the sample was read (a syntax error fails before the upload), rows made after. */
  let afterSample: JsonRecord[] = [];
  let writer: RecordCsvWriter | undefined;
  /** The writer gave up on the record the scanner is now cutting: straight to the object path. */
  let gaveUp = false;

  const freeze = () => {
    sampling = false;
    columns.freeze();
    if (sampleRows.length === 0) {
      throw importerError('importer.emptyData', 'The JSON body has no records: send at least one object.');
    }
    const width = columns.names.length;
    if (width === 0) {
      throw importerError(
        'importer.emptyData',
        'The JSON records have no keys, so there are no columns to create the table from.',
      );
    }
    out.writeString(csvLine(columns.names, width));
    for (const row of sampleRows) out.writeString(csvLine(row, width));
    sampleRows = [];
    writer = createRecordCsvWriter(columns);
  };

  /** The chunk whose bytes from `checkedFrom` on were checked once for UTF-8, and the answer. */
  let checkedChunk: Buffer | undefined;
  let checkedFrom = 0;
  let chunkIsUtf8 = false;

  /** The fast path: returns true when the writer wrote the record from `bytes[start]`. */
  const writeFast = (w: RecordCsvWriter, bytes: Buffer, start: number, limit: number, line: number) => {
    out.reserve(w.lineBound(limit - start));
    w.out = out.buffer;
    w.pos = out.pos;
    const end = w.write(bytes, start, limit, line);
    if (end < 0) return end;
    out.pos = w.pos;
    return end;
  };

  const sink: ScannedRecordSink & { fastLine: number } = {
    fastLine: 1,
    tryRecord(chunk, start, line) {
      if (writer === undefined) return -1;
      if (chunk !== checkedChunk || start < checkedFrom) {
        // One check for the rest of the chunk instead of one per record (a record ends in ASCII `}`,
        // so a character cut at the chunk's end belongs to no record the writer finishes here).
        checkedChunk = chunk;
        checkedFrom = start;
        chunkIsUtf8 = isUtf8(chunk.subarray(start, chunk.length - incompleteTail(chunk)));
      }
      writer.checkUtf8 = !chunkIsUtf8;
      const end = writeFast(writer, chunk, start, Math.min(chunk.length, start + FAST_RECORD_BYTES), line);
      if (end < 0) {
        gaveUp = writer.gaveUp;
        return -1;
      }
      records += 1;
      if (end - start > maxRecordBytes) throw recordTooLarge(records, writer.line, maxRecordBytes);
      sink.fastLine = writer.line;
      return end;
    },
    record(item: ScannedRecord) {
      records += 1;
      const skipFast = gaveUp;
      gaveUp = false;
      if (item.bytes.length > maxRecordBytes) throw recordTooLarge(records, item.line, maxRecordBytes);
      if (writer !== undefined && !skipFast) {
        writer.checkUtf8 = true;
        if (writeFast(writer, item.bytes, 0, item.bytes.length, item.startLine) >= 0) return;
      }
      const record = { value: parseRecord(item, records), number: records, line: item.line };
      if (writer !== undefined) out.writeString(csvLine(columns.toRow(record), columns.names.length));
      else if (sampleFull) afterSample.push(record);
      else {
        sampleRows.push(columns.toRow(record));
        if (sampleRows.length >= options.sample.sampleRecords) sampleFull = true;
      }
    },
  };

  /** Scans the next chunk of the body; false once the body has ended. */
  const readChunk = async (): Promise<boolean> => {
    const next = await chunks.next();
    if (next.done) {
      try {
        scanner.end();
      } catch (err) {
        throw invalidJson({ line: scanner.line, record: records + 1 }, reason(err));
      }
      return false;
    }
    const chunk = next.value;
    bytesRead += chunk.length;
    if (bytesRead > options.maxBodyBytes) throw fileTooLarge(options.maxBodyBytes, 'JSON body');
    const recordsBefore = records;
    try {
      scanner.scan(chunk, sink);
    } catch (err) {
      if (err instanceof AppError) throw err;
      throw invalidJson({ line: scanner.line, record: records + 1 }, reason(err));
    }
    if (scanner.pendingBytes > maxRecordBytes) {
      throw recordTooLarge(records + 1, scanner.line, maxRecordBytes);
    }
    // The byte limit of the sample is checked once per chunk that completed a record.
    if (sampling && (sampleFull || (records > recordsBefore && bytesRead >= options.sample.sampleBytes))) {
      freeze();
    }
    return true;
  };

  return {
    async readSample() {
      while (sampling) {
        if (!(await readChunk())) freeze();
      }
    },
    async *csv() {
      if (sampling) throw new Error('jsonBodyToCsv: readSample() first');
      for (const record of afterSample) out.writeString(csvLine(columns.toRow(record), columns.names.length));
      afterSample = [];
      for (;;) {
        yield* out.take();
        if (!(await readChunk())) break;
      }
      yield* out.take(true);
    },
  };
}
