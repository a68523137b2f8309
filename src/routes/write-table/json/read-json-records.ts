// Streams records out of a JSON body with @streamparser/json, one at a time and with bounded
// memory: `application/json` (one object, or an array of objects) or NDJSON (one object per line).
// Knows line and record numbers for error messages; knows nothing about columns or CSV.

import { Tokenizer, TokenParser, TokenType } from '@streamparser/json';
import { type AppError, fileTooLarge, importerError } from '../../../errors.js';
import type { JsonBodyFormat } from '../../../ingest/json-body-type.js';
import { MAX_JSON_DEPTH, RawNumber } from './json-cell-text.js';
import { createJsonDepthGuard } from './json-depth-guard.js';

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
}

export interface ReadJsonRecordsOptions {
  format: JsonBodyFormat;
  /** One record (with the whitespace before it) may not exceed this; 413 otherwise. */
  maxRecordBytes: number;
  /** The decoded body may not exceed this (MAX_FILE_BYTES); 413 otherwise. */
  maxBodyBytes: number;
}

const NEWLINE = 0x0a;
/** A root array and its record object, then a cell value as deep as a cell may be. */
const MAX_BODY_DEPTH = MAX_JSON_DEPTH + 2;

/** Keeps every number as its source text, so nothing is rounded on the way to the CSV. */
class RawNumberTokenizer extends Tokenizer {
  protected override parseNumber(text: string): number {
    return new RawNumber(text) as unknown as number;
  }
}

export function readJsonRecords(
  source: AsyncIterable<Buffer>,
  options: ReadJsonRecordsOptions,
): JsonRecordReader {
  let bytesRead = 0;
  async function* records(): AsyncGenerator<JsonRecord> {
    let line = 1;
    let emitted = 0;
    let bytesSinceRecord = 0;
    const parsed: Array<{ value: unknown; line: number }> = [];
    const structure = trackStructure(options.format);
    const depthGuard = createJsonDepthGuard(MAX_BODY_DEPTH);
    const tokenizer = new RawNumberTokenizer({ separator: '' });
    let parser: TokenParser | undefined;
    const createParser = (paths: string[]) => {
      const created = new TokenParser({ paths, keepStack: false, separator: '' });
      created.onValue = ({ value }) => {
        parsed.push({ value, line });
      };
      return created;
    };
    if (options.format === 'ndjson') parser = createParser(['$']);
    tokenizer.onToken = (token) => {
      const rootPaths = structure.see(token.token);
      if (rootPaths) parser = createParser(rootPaths);
      parser?.write(token);
    };
    const where = () => ({ line, record: emitted + parsed.length + 1 });
    const feed = (segment: Uint8Array) => {
      try {
        // Before the tokenizer: it would build its stack for every level first.
        depthGuard.scan(segment);
        tokenizer.write(segment);
      } catch (err) {
        throw invalidJson(where(), reason(err));
      }
    };

    for await (const chunk of source) {
      bytesRead += chunk.length;
      if (bytesRead > options.maxBodyBytes) {
        throw fileTooLarge(options.maxBodyBytes, 'JSON body');
      }
      // Fed line by line so that an error is reported on the line where it happened.
      let start = 0;
      while (start < chunk.length) {
        const newline = chunk.indexOf(NEWLINE, start);
        const end = newline === -1 ? chunk.length : newline + 1;
        const before = parsed.length;
        feed(chunk.subarray(start, end));
        bytesSinceRecord = parsed.length > before ? 0 : bytesSinceRecord + (end - start);
        if (bytesSinceRecord > options.maxRecordBytes) {
          throw importerError(
            'importer.recordTooLarge',
            `Record ${where().record} (line ${line}) is larger than ${options.maxRecordBytes} bytes.`,
            { ...where(), maxRecordBytes: options.maxRecordBytes },
          );
        }
        if (newline !== -1) line += 1;
        start = end;
      }
      for (const item of parsed.splice(0)) {
        emitted += 1;
        yield { value: asRecord(item.value, emitted, item.line), number: emitted, line: item.line };
      }
    }
    try {
      tokenizer.end();
      parser?.end();
    } catch {
      throw invalidJson(where(), 'the body ended in the middle of a JSON value');
    }
    for (const item of parsed.splice(0)) {
      emitted += 1;
      yield { value: asRecord(item.value, emitted, item.line), number: emitted, line: item.line };
    }
  }
  return {
    get bytesRead() {
      return bytesRead;
    },
    [Symbol.asyncIterator]: () => records(),
  };
}

/**
 * Follows nesting depth to pick the paths to emit once the first token shows the root (an array
 * streams its elements, an object is one record) and to refuse a second top-level value in a
 * `application/json` body. NDJSON takes any number of top-level values.
 */
function trackStructure(format: JsonBodyFormat) {
  let depth = 0;
  let rootsDone = 0;
  return {
    /** Returns the paths for the parser when this token starts the first root value. */
    see(token: TokenType): string[] | undefined {
      if (token === TokenType.SEPARATOR) return undefined;
      let paths: string[] | undefined;
      if (depth === 0 && format === 'json') {
        if (rootsDone > 0) {
          throw new Error(
            'unexpected data after the JSON value: send one object, one array of objects, or NDJSON (Content-Type: application/x-ndjson)',
          );
        }
        if (token === TokenType.LEFT_BRACKET) paths = ['$.*'];
        else if (token === TokenType.LEFT_BRACE) paths = ['$'];
        else throw new Error('the body must be a JSON object or an array of objects');
      }
      if (token === TokenType.LEFT_BRACE || token === TokenType.LEFT_BRACKET) depth += 1;
      else if (token === TokenType.RIGHT_BRACE || token === TokenType.RIGHT_BRACKET) depth -= 1;
      if (depth === 0) rootsDone += 1;
      return paths;
    },
  };
}

function asRecord(value: unknown, number: number, line: number): Record<string, unknown> {
  if (value !== null && typeof value === 'object' && !Array.isArray(value) && !(value instanceof RawNumber)) {
    return value as Record<string, unknown>;
  }
  throw invalidJson({ line, record: number }, `the record is ${describe(value)}, not a JSON object`);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (value instanceof RawNumber) return 'a number';
  return `a ${typeof value}`;
}

function reason(err: unknown): string {
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
