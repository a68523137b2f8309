// Byte-level CSV parser for Storage's dialects (contract §9.1) that writes canonical CSV (see
// canonical-csv-format.ts) as it goes, and applies the record rules of a load: skipped lines,
// header capture, field counts, treatValuesAsNull. No I/O, gzip, BOM or UTF-8 checks here.
import { decodeCanonicalRecord, MAX_CANONICAL_ROW_BYTES, writeDecimal } from './canonical-csv-format.js';
import type { CsvDialect } from './csv-dialect.js';
import { createLoadError } from './load-error.js';

/**
 * `header`: the first record names the columns, and `ignoredLinesCount` counts it, so the first
 * max(ignoredLinesCount, 1) records are not data. `fixed`: every record is data except the first
 * `ignoredLinesCount`, and each must have `fieldCount` fields.
 * Records, not physical lines, are counted: a quoted multi-line value is one "line" here.
 */
export type CsvLayout =
  | { kind: 'header'; ignoredLinesCount: number; onHeader: (rawNames: string[]) => void }
  | { kind: 'fixed'; ignoredLinesCount: number; fieldCount: number };

export interface CanonicalCsvEncoder {
  /** Encodes the next piece of the file, which must end on a UTF-8 character boundary. */
  push(chunk: Buffer): void;
  /** End of input: a last record without a line break; fails on an open enclosure or escape. */
  finish(): void;
  /** Takes the canonical bytes of the records completed so far. */
  takeOutput(): Buffer[];
  /** The 1-based physical line the parser is on. */
  readonly line: number;
  readonly rowsCount: number;
  /** Raw header cells in `header` layout, once read. */
  readonly header: string[] | undefined;
}

const LF = 0x0a;
const CR = 0x0d;
const TAB = 0x09;
const QUOTE = 0x22;
const COMMA = 0x2c;
const LOWER_N = 0x6e;
const LOWER_T = 0x74;

const RECORD_START = 0;
const FIELD_START = 1;
const UNQUOTED = 2;
const QUOTED = 3;
/** Saw the enclosure inside a quoted field: a doubled enclosure or the closing one. */
const AFTER_ENCLOSURE = 4;
/** After the closing enclosure, at a line end (LF, or CR that must be followed by LF). */
const AFTER_ENCLOSURE_CR = 5;
const AFTER_ESCAPE = 6;

const OUTPUT_BUFFER_BYTES = 4 * 1024 * 1024;
/** Opening quote, `,` + ordinal + LF, and slack. */
const RECORD_OVERHEAD_BYTES = 64;

/**
 * RFC 4180 with a configurable delimiter and enclosure (a doubled enclosure inside a quoted
 * value is one literal enclosure; an empty enclosure disables quoting), LF or CRLF line ends, and
 * MySQL-style `escapedBy` for files without enclosure: `\n` → LF, `\t` → TAB, anything else
 * escaped (the escape character, the delimiter, a line break) → itself. An enclosure inside an
 * unquoted value is kept literally; a lone CR is data. Dialect characters may be non-ASCII.
 */
export function createCanonicalCsvEncoder(options: {
  dialect: CsvDialect;
  layout: CsvLayout;
  /** A value equal to this one is written as '' (treatValuesAsNull on string tables, §9.6). */
  emptyValue?: string;
}): CanonicalCsvEncoder {
  const { dialect, layout } = options;
  const delimiter = Buffer.from(dialect.delimiter);
  const enclosure = Buffer.from(dialect.enclosure);
  const escapeBytes = Buffer.from(dialect.escapedBy);
  const delimiterLead = delimiter[0] ?? -1;
  const enclosureLead = enclosure[0] ?? -1;
  const escapeLead = escapeBytes[0] ?? -1;
  const enclosureIsQuote = dialect.enclosure === '"';
  const emptyValue =
    options.emptyValue === undefined || options.emptyValue === ''
      ? undefined
      : Buffer.from(options.emptyValue.replaceAll('"', '""'));
  const recordsToSkip =
    layout.kind === 'header' ? Math.max(layout.ignoredLinesCount, 1) : layout.ignoredLinesCount;

  /** Bytes that end a run of plain bytes outside / inside an enclosure. */
  const unquotedStops = new Uint8Array(256);
  for (const byte of [LF, QUOTE, delimiterLead, escapeLead]) if (byte >= 0) unquotedStops[byte] = 1;
  const quotedStops = new Uint8Array(256);
  for (const byte of [LF, QUOTE, enclosureLead]) if (byte >= 0) quotedStops[byte] = 1;

  let expectedFields = layout.kind === 'fixed' ? layout.fieldCount : 0;
  let header: string[] | undefined;
  let state = RECORD_START;
  let line = 1;
  let recordLine = 1;
  let quotedFieldLine = 1;
  let recordIndex = 0;
  let rowsCount = 0;
  let fieldsInRecord = 0;
  let dataRecord = false;

  let out = Buffer.allocUnsafe(OUTPUT_BUFFER_BYTES);
  let written = 0;
  /** out[taken, recordStart) is finished output not yet handed out; out[recordStart, written) the open record. */
  let taken = 0;
  let recordStart = 0;
  let fieldStart = 0;
  const ready: Buffer[] = [];

  /** Makes room for `bytes` more output; only the open record moves to a new buffer. */
  const reserve = (bytes: number): void => {
    if (written + bytes <= out.length) return;
    const open = written - recordStart;
    if (open > MAX_CANONICAL_ROW_BYTES) throw rowTooLong();
    if (recordStart > taken) ready.push(out.subarray(taken, recordStart));
    const next = Buffer.allocUnsafe(Math.max(OUTPUT_BUFFER_BYTES, 2 * (open + bytes)));
    out.copy(next, 0, recordStart, written);
    out = next;
    fieldStart -= recordStart;
    written = open;
    taken = 0;
    recordStart = 0;
  };

  /** After the last field of a record (its closing quote written). */
  const endRecord = (): void => {
    if (!dataRecord) {
      if (recordIndex === 0 && layout.kind === 'header') {
        header = decodeCanonicalRecord(out.toString('utf8', recordStart, written));
        expectedFields = header.length;
        layout.onHeader(header);
      }
      written = recordStart;
    } else {
      if (fieldsInRecord !== expectedFields) {
        throw createLoadError(
          `line ${recordLine}: expected ${expectedFields} fields, found ${fieldsInRecord}. Please check if the expected delimiter "${dialect.delimiter}" is used in the csv file.`,
        );
      }
      if (written - recordStart > MAX_CANONICAL_ROW_BYTES) throw rowTooLong();
      rowsCount++;
      out[written++] = COMMA;
      written = writeDecimal(out, written, rowsCount);
      out[written++] = LF;
    }
    recordIndex++;
    recordStart = written;
  };

  const rowTooLong = () =>
    createLoadError(`line ${recordLine}: the row is longer than ${MAX_CANONICAL_ROW_BYTES} bytes.`);

  const unexpectedAfterEnclosure = (found: string, atLine: number) =>
    createLoadError(
      `line ${atLine}: found ${found} after the closing enclosure ${dialect.enclosure}; expected the delimiter ${describeChar(dialect.delimiter)} or a line break.`,
    );

  // Output capacity: an input byte yields at most 3 output bytes (a delimiter becomes `","`), plus
  // a per-record constant (opening quote, ordinal, LF), reserved at every record start.
  // The loop keeps its state in locals and syncs them around out-of-line calls: updating closure
  // variables per byte or per field is several times slower.
  const push = (chunk: Buffer): void => {
    const length = chunk.length;
    reserve(3 * length + RECORD_OVERHEAD_BYTES);
    let target = out;
    let at = written;
    let current = state;
    let fields = fieldsInRecord;
    let valueStart = fieldStart;
    let atLine = line;
    let i = 0;
    while (i < length) {
      switch (current) {
        case RECORD_START: {
          if (at + 3 * (length - i) + RECORD_OVERHEAD_BYTES > target.length) {
            written = at;
            reserve(3 * (length - i) + RECORD_OVERHEAD_BYTES);
            target = out;
            at = written;
          }
          recordStart = at;
          recordLine = atLine;
          fields = 0;
          dataRecord = recordIndex >= recordsToSkip;
          current = FIELD_START;
          break;
        }
        case FIELD_START: {
          if (fields > 0) target[at++] = COMMA;
          target[at++] = QUOTE;
          valueStart = at;
          if (chunk[i] === enclosureLead && matchesAt(chunk, i, enclosure)) {
            i += enclosure.length;
            quotedFieldLine = atLine;
            current = QUOTED;
          } else {
            current = UNQUOTED;
          }
          break;
        }
        case UNQUOTED: {
          let byte = 0;
          while (i < length) {
            byte = chunk[i] as number;
            if (unquotedStops[byte] === 1) break;
            target[at++] = byte;
            i++;
          }
          if (i === length) break;
          if (byte === delimiterLead && matchesAt(chunk, i, delimiter)) {
            i += delimiter.length;
            at = closeField(target, at, valueStart, dataRecord ? emptyValue : undefined);
            fields++;
            current = FIELD_START;
          } else if (byte === escapeLead && matchesAt(chunk, i, escapeBytes)) {
            i += escapeBytes.length;
            current = AFTER_ESCAPE;
          } else if (byte === LF) {
            i++;
            if (at > valueStart && target[at - 1] === CR) at--;
            at = closeField(target, at, valueStart, dataRecord ? emptyValue : undefined);
            atLine++;
            written = at;
            fieldsInRecord = fields + 1;
            endRecord();
            target = out;
            at = written;
            current = RECORD_START;
          } else {
            // A quote in the data (doubled for the canonical form), or a lead byte of a longer character.
            target[at++] = byte;
            if (byte === QUOTE) target[at++] = QUOTE;
            i++;
          }
          break;
        }
        case QUOTED: {
          let byte = 0;
          while (i < length) {
            byte = chunk[i] as number;
            if (quotedStops[byte] === 1) break;
            target[at++] = byte;
            i++;
          }
          if (i === length) break;
          if (byte === enclosureLead && matchesAt(chunk, i, enclosure)) {
            i += enclosure.length;
            current = AFTER_ENCLOSURE;
          } else {
            target[at++] = byte;
            if (byte === QUOTE) target[at++] = QUOTE;
            else if (byte === LF) atLine++;
            i++;
          }
          break;
        }
        case AFTER_ENCLOSURE: {
          const byte = chunk[i] as number;
          if (byte === enclosureLead && matchesAt(chunk, i, enclosure)) {
            i += enclosure.length;
            at += enclosure.copy(target, at);
            if (enclosureIsQuote) target[at++] = QUOTE;
            current = QUOTED;
          } else if (byte === delimiterLead && matchesAt(chunk, i, delimiter)) {
            i += delimiter.length;
            at = closeField(target, at, valueStart, dataRecord ? emptyValue : undefined);
            fields++;
            current = FIELD_START;
          } else if (byte === CR) {
            i++;
            current = AFTER_ENCLOSURE_CR;
          } else if (byte === LF) {
            current = AFTER_ENCLOSURE_CR; // ends the record there
          } else {
            throw unexpectedAfterEnclosure(describeChar(charAt(chunk, i)), atLine);
          }
          break;
        }
        case AFTER_ENCLOSURE_CR: {
          // After the closing enclosure (and a CR, if any): only LF may come.
          if (chunk[i] !== LF) throw unexpectedAfterEnclosure('CR', atLine);
          i++;
          at = closeField(target, at, valueStart, dataRecord ? emptyValue : undefined);
          atLine++;
          written = at;
          fieldsInRecord = fields + 1;
          endRecord();
          target = out;
          at = written;
          current = RECORD_START;
          break;
        }
        default: {
          // AFTER_ESCAPE: the character after the escape character.
          const byte = chunk[i] as number;
          const size = utf8CharLength(byte);
          if (byte === LOWER_N) target[at++] = LF;
          else if (byte === LOWER_T) target[at++] = TAB;
          else {
            at += chunk.copy(target, at, i, i + size);
            if (byte === QUOTE) target[at++] = QUOTE;
            else if (byte === LF) atLine++;
          }
          i += size;
          current = UNQUOTED;
        }
      }
    }
    written = at;
    state = current;
    fieldsInRecord = fields;
    fieldStart = valueStart;
    line = atLine;
  };

  const finish = (): void => {
    switch (state) {
      case QUOTED:
        throw createLoadError(
          `line ${quotedFieldLine}: unterminated enclosure: the value enclosed in ${dialect.enclosure} starting on this line never ends.`,
        );
      case AFTER_ESCAPE:
        throw createLoadError(
          `line ${line}: the file ends with the escape character ${dialect.escapedBy} and nothing to escape.`,
        );
      case RECORD_START:
        return;
      case FIELD_START:
        // The last record ends with a delimiter: one more, empty, field.
        reserve(RECORD_OVERHEAD_BYTES);
        out[written++] = COMMA;
        out[written++] = QUOTE;
        fieldStart = written;
        break;
      case UNQUOTED:
        if (written > fieldStart && out[written - 1] === CR) written--;
        break;
    }
    reserve(RECORD_OVERHEAD_BYTES);
    written = closeField(out, written, fieldStart, dataRecord ? emptyValue : undefined);
    fieldsInRecord++;
    endRecord();
    state = RECORD_START;
  };

  return {
    push,
    finish,
    takeOutput: () => {
      if (recordStart > taken) ready.push(out.subarray(taken, recordStart));
      taken = recordStart;
      return ready.splice(0);
    },
    get line() {
      return line;
    },
    get rowsCount() {
      return rowsCount;
    },
    get header() {
      return header;
    },
  };
}

/** Writes a value's closing quote; a value equal to `emptyValue` (canonical form) becomes ''. */
function closeField(target: Buffer, at: number, valueStart: number, emptyValue: Buffer | undefined): number {
  let end = at;
  if (
    emptyValue !== undefined &&
    end - valueStart === emptyValue.length &&
    target.compare(emptyValue, 0, emptyValue.length, valueStart, end) === 0
  ) {
    end = valueStart;
  }
  target[end] = QUOTE;
  return end + 1;
}

/** Whether `token` (whose lead byte the caller matched) is at `at`. */
function matchesAt(chunk: Buffer, at: number, token: Buffer): boolean {
  if (token.length === 1) return true;
  return (
    at + token.length <= chunk.length && chunk.compare(token, 0, token.length, at, at + token.length) === 0
  );
}

/** Length of the UTF-8 sequence a lead byte starts (1 for anything unexpected). */
function utf8CharLength(lead: number): number {
  if (lead < 0xc0) return 1;
  if (lead < 0xe0) return 2;
  if (lead < 0xf0) return 3;
  return 4;
}

function charAt(chunk: Buffer, at: number): string {
  return chunk.toString('utf8', at, Math.min(chunk.length, at + utf8CharLength(chunk[at] as number)));
}

function describeChar(char: string): string {
  if (char === '\t') return 'TAB';
  const code = char.charCodeAt(0);
  return code < 0x20 ? `U+${code.toString(16).padStart(4, '0').toUpperCase()}` : `"${char}"`;
}
