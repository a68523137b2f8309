// Streams records out of a JSON body, one chunk of records at a time and with bounded memory:
// `application/json` (one object, or an array of objects) or NDJSON (one object per line). The
// scanner cuts record spans (and refuses deep nesting), the record parser keeps numbers exact.
// Knows line and record numbers for error messages; knows nothing about columns or CSV.
import { type AppError, fileTooLarge, importerError } from '../../../errors.js';
import type { JsonBodyFormat } from '../../../ingest/json-body-type.js';
import { MAX_JSON_DEPTH } from './json-cell-text.js';
import { createJsonRecordScanner, type ScannedRecord } from './json-record-scanner.js';
import { JsonSyntaxError, parseJsonRecord } from './parse-json-record.js';

export interface JsonRecord {
  value: Record<string, unknown>;
  /** 1-based position of the record in the body. */
  number: number;
  /** 1-based line on which the record ended. */
  line: number;
}

export interface JsonRecordReader extends AsyncIterable<JsonRecord> {
  /** Decoded body bytes consumed so far. */
  readonly bytesRead: number;
  /** The records a chunk of the body completes, together: one await per chunk, not per record. */
  batches(): AsyncGenerator<JsonRecord[]>;
}

export interface ReadJsonRecordsOptions {
  format: JsonBodyFormat;
  /** One record (with the whitespace before it) may not exceed this; 413 otherwise. */
  maxRecordBytes: number;
  /** The decoded body may not exceed this (MAX_FILE_BYTES); 413 otherwise. */
  maxBodyBytes: number;
}

/** A root array and its record object, then a cell value as deep as a cell may be. */
export const MAX_BODY_DEPTH = MAX_JSON_DEPTH + 2;

export function readJsonRecords(
  source: AsyncIterable<Buffer>,
  options: ReadJsonRecordsOptions,
): JsonRecordReader {
  let bytesRead = 0;
  async function* batches(): AsyncGenerator<JsonRecord[]> {
    let emitted = 0;
    const scanner = createJsonRecordScanner(options.format, MAX_BODY_DEPTH);
    const scanned: ScannedRecord[] = [];
    const where = () => ({ line: scanner.line, record: emitted + scanned.length + 1 });
    const tooLarge = (record: number, line: number) => recordTooLarge(record, line, options.maxRecordBytes);
    const sink = { record: (item: ScannedRecord) => scanned.push(item) };
    /** The records scanned so far, parsed; an error in them comes before any later one. */
    const parseScanned = (): JsonRecord[] => {
      const batch: JsonRecord[] = [];
      for (const item of scanned) {
        emitted += 1;
        if (item.bytes.length > options.maxRecordBytes) throw tooLarge(emitted, item.line);
        batch.push({ value: parseRecord(item, emitted), number: emitted, line: item.line });
      }
      scanned.length = 0;
      return batch;
    };

    for await (const chunk of source) {
      bytesRead += chunk.length;
      if (bytesRead > options.maxBodyBytes) {
        throw fileTooLarge(options.maxBodyBytes, 'JSON body');
      }
      try {
        scanner.scan(chunk, sink);
      } catch (err) {
        const at = where();
        parseScanned();
        throw invalidJson(at, reason(err));
      }
      const batch = parseScanned();
      if (scanner.pendingBytes > options.maxRecordBytes) throw tooLarge(emitted + 1, scanner.line);
      if (batch.length > 0) yield batch;
    }
    try {
      scanner.end();
    } catch (err) {
      throw invalidJson(where(), reason(err));
    }
  }
  return {
    get bytesRead() {
      return bytesRead;
    },
    batches,
    async *[Symbol.asyncIterator]() {
      for await (const batch of batches()) yield* batch;
    },
  };
}

export function recordTooLarge(record: number, line: number, maxRecordBytes: number): AppError {
  return importerError(
    'importer.recordTooLarge',
    `Record ${record} (line ${line}) is larger than ${maxRecordBytes} bytes.`,
    { line, record, maxRecordBytes },
  );
}

/** The object path: a scanned record's value, or 400 importer.invalidJson naming its line. */
export function parseRecord(item: ScannedRecord, number: number): Record<string, unknown> {
  const text = item.bytes.toString('utf8');
  try {
    // The span starts with `{` and ends with its matching bracket, so a parsed value is an object.
    return parseJsonRecord(text) as Record<string, unknown>;
  } catch (err) {
    if (!(err instanceof JsonSyntaxError)) throw err;
    let line = item.startLine;
    for (let at = text.indexOf('\n'); at !== -1 && at < err.offset; at = text.indexOf('\n', at + 1))
      line += 1;
    throw invalidJson({ line, record: number }, reason(err));
  }
}

export function reason(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return message.length > 300 ? `${message.slice(0, 300)}…` : message;
}

export function invalidJson(where: { line: number; record: number }, why: string): AppError {
  return importerError(
    'importer.invalidJson',
    `Invalid JSON body at line ${where.line} (record ${where.record}): ${why}.`,
    where,
  );
}
