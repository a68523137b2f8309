// Cuts a JSON body into the byte spans of its records as the bytes stream in: the elements of a root
// array, a root object, or each top-level value of NDJSON. One pass per byte, strings and escapes
// followed across chunk boundaries, and nesting refused while scanning (before any nest is built).
import type { JsonBodyFormat } from '../../../ingest/json-body-type.js';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACKET = 0x5b;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACKET = 0x5d;
const CLOSE_BRACE = 0x7d;
const COMMA = 0x2c;
const NEWLINE = 0x0a;
const BOM = [0xef, 0xbb, 0xbf];

export class JsonNestingError extends Error {
  constructor(readonly maxDepth: number) {
    super(`a value is nested more than ${maxDepth} levels deep`);
    this.name = 'JsonNestingError';
  }
}

/** A structural error outside any record (the root, separators, data after the root). */
export class JsonStructureError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'JsonStructureError';
  }
}

/** A record whose first byte shows it cannot be an object. */
export class JsonNotObjectError extends Error {
  constructor(readonly kind: string) {
    super(`the record is ${kind}, not a JSON object`);
    this.name = 'JsonNotObjectError';
  }
}

export interface ScannedRecord {
  /** The record's bytes, `{` to `}`. */
  bytes: Buffer;
  /** 1-based line of the record's first byte. */
  startLine: number;
  /** 1-based line on which the record ended. */
  line: number;
}

/** Where the scanner hands each record, in body order. */
export interface ScannedRecordSink {
  /** A record the scanner cut (it may have spanned chunks). */
  record(item: ScannedRecord): void;
  /**
   * Optional fast path, offered each record that starts in a chunk before the scanner reads it:
   * handle the record from `chunk[start]` (its `{`) and return the offset just after its closing
   * `}`, or -1 to leave it to the scanner (it does not end in the chunk, or it needs a closer look).
   * When it returns an offset, `fastLine` must be the line on which the record ended.
   */
  tryRecord?(chunk: Buffer, start: number, line: number): number;
  readonly fastLine?: number;
}

export interface JsonRecordScanner {
  /** Scans the next bytes; hands the records they complete to `sink`, in order. */
  scan(chunk: Buffer, sink: ScannedRecordSink): void;
  /** The body ended: throws when it ended inside a value (an empty body has no records: no error). */
  end(): void;
  /** The current line (1-based), for errors. */
  readonly line: number;
  /** Bytes since the last record ended (the current record and the whitespace before it). */
  readonly pendingBytes: number;
}

enum Outer {
  /** json: before the root value. */
  BeforeRoot,
  /** json: inside the root array, after `,` (a record must follow). */
  ExpectElement,
  /** json: inside the root array, after `[` (so `]` may close it). */
  ExpectFirstElement,
  /** json: inside the root array, after an element. */
  ExpectCommaOrClose,
  /** json: after the root value (only whitespace may follow). */
  AfterRoot,
  /** ndjson: between values. */
  BetweenValues,
}

export function createJsonRecordScanner(format: JsonBodyFormat, maxDepth: number): JsonRecordScanner {
  let outer = format === 'json' ? Outer.BeforeRoot : Outer.BetweenValues;
  /** Depth at which records start: 1 inside a root array, 0 otherwise. */
  let recordDepth = 0;
  let depth = 0;
  let inRecord = false;
  let inString = false;
  let escaped = false;
  let line = 1;
  let startLine = 1;
  let bomSeen = 0;
  let atBodyStart = true;
  /** Pieces of a record that spans chunks. */
  let pieces: Buffer[] = [];
  let pendingBytes = 0;

  const notObject = (byte: number): never => {
    if (byte === QUOTE) throw new JsonNotObjectError('a string');
    if (byte === OPEN_BRACKET) throw new JsonNotObjectError('an array');
    if (byte === 0x2d || (byte >= 0x30 && byte <= 0x39)) throw new JsonNotObjectError('a number');
    if (byte === 0x74 || byte === 0x66) throw new JsonNotObjectError('a boolean');
    if (byte === 0x6e) throw new JsonNotObjectError('null');
    throw new JsonStructureError(`unexpected character ${JSON.stringify(String.fromCharCode(byte))}`);
  };

  return {
    get line() {
      return line;
    },
    get pendingBytes() {
      return pendingBytes;
    },
    scan(chunk, sink) {
      let i = 0;
      const length = chunk.length;
      if (atBodyStart) {
        // A UTF-8 byte order mark may lead the body.
        while (i < length && bomSeen < 3 && chunk[i] === BOM[bomSeen]) {
          bomSeen += 1;
          i += 1;
        }
        if (i < length || bomSeen === 3) atBodyStart = false;
        if (bomSeen > 0 && bomSeen < 3 && !atBodyStart)
          throw new JsonStructureError('invalid byte order mark');
      }
      let recordStart = inRecord ? 0 : -1;
      const chunkStartPending = pendingBytes;
      let lastRecordEnd = 0;
      let ended = false;
      // The state in locals while the loop runs (captured variables cost a memory access each).
      let d = depth;
      let str = inString;
      let esc = escaped;
      let ln = line;
      try {
        for (; i < length; i += 1) {
          if (inRecord) {
            // Inside a record: only strings and brackets matter, until its closing bracket.
            for (; i < length; i += 1) {
              const byte = chunk[i] as number;
              if (str) {
                if (esc) esc = false;
                else if (byte === BACKSLASH) esc = true;
                else if (byte === QUOTE) str = false;
                else if (byte === NEWLINE) ln += 1;
              } else if (byte === QUOTE) str = true;
              else if (byte === OPEN_BRACE || byte === OPEN_BRACKET) {
                d += 1;
                if (d > maxDepth) throw new JsonNestingError(maxDepth);
              } else if (byte === CLOSE_BRACE || byte === CLOSE_BRACKET) {
                d -= 1;
                if (d === recordDepth) break;
              } else if (byte === NEWLINE) ln += 1;
            }
            if (i === length) break;
            const end = i + 1;
            const piece = chunk.subarray(recordStart, end);
            const bytes = pieces.length === 0 ? piece : Buffer.concat([...pieces, piece]);
            pieces = [];
            sink.record({ bytes, startLine, line: ln });
            inRecord = false;
            lastRecordEnd = end;
            ended = true;
            if (format === 'json') outer = recordDepth === 1 ? Outer.ExpectCommaOrClose : Outer.AfterRoot;
            continue;
          }
          const byte = chunk[i] as number;
          // Between records.
          if (byte === 0x20 || byte === 0x09 || byte === 0x0d) continue;
          if (byte === NEWLINE) {
            ln += 1;
            continue;
          }
          switch (outer) {
            case Outer.BetweenValues:
              if (byte !== OPEN_BRACE) notObject(byte);
              break;
            case Outer.BeforeRoot:
              if (byte === OPEN_BRACKET) {
                d = 1;
                recordDepth = 1;
                outer = Outer.ExpectFirstElement;
                continue;
              }
              if (byte !== OPEN_BRACE) {
                throw new JsonStructureError('the body must be a JSON object or an array of objects');
              }
              break;
            case Outer.ExpectFirstElement:
            case Outer.ExpectElement:
              if (byte === CLOSE_BRACKET && outer === Outer.ExpectFirstElement) {
                d = 0;
                outer = Outer.AfterRoot;
                continue;
              }
              if (byte !== OPEN_BRACE) notObject(byte);
              break;
            case Outer.ExpectCommaOrClose:
              if (byte === COMMA) outer = Outer.ExpectElement;
              else if (byte === CLOSE_BRACKET) {
                d = 0;
                outer = Outer.AfterRoot;
              } else throw new JsonStructureError('expected "," or "]" after a record in the array');
              continue;
            case Outer.AfterRoot:
              throw new JsonStructureError(
                'unexpected data after the JSON value: send one object, one array of objects, or NDJSON (Content-Type: application/x-ndjson)',
              );
          }
          // A record starts with this `{`.
          if (sink.tryRecord !== undefined) {
            const end = sink.tryRecord(chunk, i, ln);
            if (end >= 0) {
              ln = sink.fastLine as number;
              lastRecordEnd = end;
              ended = true;
              if (format === 'json') outer = recordDepth === 1 ? Outer.ExpectCommaOrClose : Outer.AfterRoot;
              i = end - 1;
              continue;
            }
          }
          d += 1;
          if (d > maxDepth) throw new JsonNestingError(maxDepth);
          inRecord = true;
          recordStart = i;
          startLine = ln;
        }
      } finally {
        depth = d;
        inString = str;
        escaped = esc;
        line = ln;
      }
      if (inRecord) pieces.push(chunk.subarray(recordStart));
      pendingBytes = ended ? length - lastRecordEnd : chunkStartPending + length;
    },
    end() {
      if (inRecord) throw new JsonStructureError('the body ended in the middle of a JSON value');
      // An empty body has no records (the caller says so); a root array must be closed.
      if (format === 'json' && outer !== Outer.AfterRoot && outer !== Outer.BeforeRoot) {
        throw new JsonStructureError('the body ended in the middle of a JSON value');
      }
    },
  };
}
