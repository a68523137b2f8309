// The fast path for records after the sample: one pass over a record's bytes that validates it and
// writes its CSV line straight into an output buffer (no string, object or number is built). It
// gives up (-1) on whatever it does not render exactly as the object path would (a key without a
// column yet, two keys for one column, a lone surrogate, an integer-like or repeated nested key,
// deep nesting, invalid UTF-8, any syntax error): the caller then takes the object path, which decides.
import { isUtf8 } from 'node:buffer';
import type { JsonColumns } from './json-columns.js';
import {
  copyLiteral,
  copyNumber,
  copyString,
  giveUp,
  isDigit,
  skipSpace,
  type TokenCursor,
} from './json-token-bytes.js';

const LF = 0x0a;
const SPACE = 0x20;
const QUOTE = 0x22;
const COMMA = 0x2c;
const MINUS = 0x2d;
const ZERO = 0x30;
const NINE = 0x39;
const COLON = 0x3a;
const BACKSLASH = 0x5c;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;

/** Nested cells deeper than this take the object path (which allows 256 levels). */
const MAX_FAST_DEPTH = 64;
/** Keys remembered for the repeated-key check across the open nested objects. */
const MAX_NESTED_KEYS = 512;
/** A nested object with more keys takes the object path: the repeated-key check is quadratic. */
const MAX_FAST_OBJECT_KEYS = 32;

export interface RecordCsvWriter {
  /** Where the next line goes; the caller sets both and reads `pos` back after a success. */
  out: Buffer;
  pos: number;
  /**
   * Writes the record starting at `bytes[start]` (its `{`) as one CSV line at `out[pos]`, reading no
   * further than `limit`. Returns the offset after the record's `}`, or -1: it did not end before
   * `limit` (`gaveUp` false) or needs the object path (`gaveUp` true). `out` needs room for
   * {@link lineBound} of the bytes read.
   */
  write(bytes: Buffer, start: number, limit: number, line: number): number;
  /** False when the caller has checked that the bytes are valid UTF-8 (true: the writer checks). */
  checkUtf8: boolean;
  /** After a success: the line on which the record ended. */
  readonly line: number;
  readonly gaveUp: boolean;
  /** Room a line may take for a record of `recordBytes` bytes. */
  lineBound(recordBytes: number): number;
}

export function createRecordCsvWriter(columns: JsonColumns): RecordCsvWriter {
  return new Writer(columns);
}

class Writer implements RecordCsvWriter, TokenCursor {
  out: Buffer = Buffer.alloc(0);
  pos = 0;
  line = 1;
  gaveUp = false;
  checkUtf8 = true;
  private readonly width: number;
  /** Record sequence number that last filled each column. */
  private readonly filled: Int32Array;
  private readonly cellStart: Int32Array;
  private readonly cellEnd: Int32Array;
  /** The raw bytes of the key seen at each position of the last records, and its column. */
  private readonly keyBytes: Array<Buffer | undefined> = [];
  private readonly keyColumns: number[] = [];
  private seq = 0;
  /** OR of every string byte of the record: bit 7 set means UTF-8 to validate. */
  high = 0;
  private scratch: Buffer = Buffer.alloc(0);
  /** Open nested containers: 1 = object, 2 = array; where each object's keys start in keyStart. */
  private readonly kinds = new Uint8Array(MAX_FAST_DEPTH + 1);
  private readonly keyBase = new Int32Array(MAX_FAST_DEPTH + 1);
  /** The keys of the open nested objects, as spans of `out` (as written, so escapes compare decoded). */
  private readonly keyStart = new Int32Array(MAX_NESTED_KEYS);
  private readonly keyLength = new Int32Array(MAX_NESTED_KEYS);

  constructor(private readonly columns: JsonColumns) {
    this.width = columns.names.length;
    this.filled = new Int32Array(this.width).fill(-1);
    this.cellStart = new Int32Array(this.width);
    this.cellEnd = new Int32Array(this.width);
  }

  lineBound(recordBytes: number): number {
    // A nested cell at most doubles (every `"` becomes `""`); each column adds at most `,` or `""`.
    return 2 * recordBytes + 3 * this.width + 16;
  }

  write(b: Buffer, start: number, limit: number, line: number): number {
    this.gaveUp = false;
    this.line = line;
    this.high = 0;
    this.seq = (this.seq + 1) | 0;
    const seq = this.seq;
    const lineStart = this.pos;
    const width = this.width;
    let keys = 0;
    let inOrder = true;
    let i = skipSpace(this, b, start + 1, limit);
    if (i >= limit) return -1;
    if (b[i] === CLOSE_BRACE) i += 1;
    else {
      for (;;) {
        if (b[i] !== QUOTE) return giveUp(this);
        const keyStart = i + 1;
        let escaped = false;
        for (i = keyStart; i < limit; i += 1) {
          const c = b[i] as number;
          if (c === QUOTE) break;
          if (c === BACKSLASH) {
            escaped = true;
            i += 1;
          } else if (c < SPACE) return giveUp(this);
          else this.high |= c;
        }
        if (i >= limit) return -1;
        const column = this.columnOf(b, keyStart, i, keys, escaped);
        if (column < 0 || this.filled[column] === seq) return giveUp(this);
        this.filled[column] = seq;
        if (column !== keys) inOrder = false;
        i = skipSpace(this, b, i + 1, limit);
        if (i >= limit) return -1;
        if (b[i] !== COLON) return giveUp(this);
        i = skipSpace(this, b, i + 1, limit);
        if (i >= limit) return -1;
        if (keys > 0) this.out[this.pos++] = COMMA;
        this.cellStart[column] = this.pos;
        i = this.cell(b, i, limit);
        if (i < 0) return -1;
        this.cellEnd[column] = this.pos;
        keys += 1;
        i = skipSpace(this, b, i, limit);
        if (i >= limit) return -1;
        const next = b[i];
        i += 1;
        if (next === CLOSE_BRACE) break;
        if (next !== COMMA) return giveUp(this);
        i = skipSpace(this, b, i, limit);
        if (i >= limit) return -1;
      }
    }
    if (this.checkUtf8 && (this.high & 0x80) !== 0 && !isUtf8(b.subarray(start, i))) return giveUp(this);
    if (!inOrder || keys !== width) this.reorder(lineStart, seq);
    this.out[this.pos++] = LF;
    return i;
  }

  /** The column of the key `b[from, to)`, or -1 when it has none yet (or is not a valid string). */
  private columnOf(b: Buffer, from: number, to: number, position: number, escaped: boolean): number {
    const cached = this.keyBytes[position];
    const length = to - from;
    if (cached !== undefined && cached.length === length) {
      let same = true;
      for (let k = 0; k < length; k += 1) {
        if (cached[k] !== b[from + k]) {
          same = false;
          break;
        }
      }
      if (same) return this.keyColumns[position] as number;
    }
    if (position >= this.width) return -1;
    let key: string;
    if (!escaped) key = b.toString('utf8', from, to);
    else {
      try {
        // The object path decodes escaped strings with JSON.parse too.
        key = JSON.parse(b.toString('utf8', from - 1, to + 1)) as string;
      } catch {
        return -1;
      }
    }
    const column = this.columns.knownColumn(key);
    if (column === undefined) return -1;
    this.keyBytes[position] = Buffer.from(b.subarray(from, to));
    this.keyColumns[position] = column;
    return column;
  }

  /** One top-level value as a cell; returns the offset after it, or -1 (see `gaveUp`). */
  private cell(b: Buffer, from: number, limit: number): number {
    const c = b[from] as number;
    const o = this.out;
    if (c === QUOTE) {
      o[this.pos++] = QUOTE;
      const i = copyString(this, b, from + 1, limit, false);
      if (i >= 0) o[this.pos++] = QUOTE;
      return i;
    }
    if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      o[this.pos++] = QUOTE;
      const i = this.nested(b, from, limit);
      if (i >= 0) o[this.pos++] = QUOTE;
      return i;
    }
    if (c === MINUS || (c >= ZERO && c <= NINE)) {
      o[this.pos++] = QUOTE;
      const i = copyNumber(this, b, from, limit);
      if (i >= 0) o[this.pos++] = QUOTE;
      return i;
    }
    if (c === 0x6e) {
      // null: an empty cell ("" when it is the only column: a blank line could be skipped).
      const i = copyLiteral(this, b, from, limit, 'null');
      if (i >= 0 && this.width === 1) {
        o[this.pos++] = QUOTE;
        o[this.pos++] = QUOTE;
      }
      return i;
    }
    o[this.pos++] = QUOTE;
    const i =
      c === 0x74 ? copyLiteral(this, b, from, limit, 'true') : copyLiteral(this, b, from, limit, 'false');
    if (i >= 0) o[this.pos++] = QUOTE;
    return i;
  }

  /** An object or array cell as compact JSON with `"` doubled; returns the offset after it. */
  private nested(b: Buffer, from: number, limit: number): number {
    const o = this.out;
    const { kinds, keyBase, keyStart, keyLength } = this;
    let depth = 0;
    let keyCount = 0;
    let i = from;
    // Each turn starts at a value (i at its first byte) and ends after it.
    for (;;) {
      const c = b[i] as number;
      let expectKey = false;
      if (c === OPEN_BRACE || c === OPEN_BRACKET) {
        if (depth === MAX_FAST_DEPTH) return giveUp(this);
        depth += 1;
        kinds[depth] = c === OPEN_BRACE ? 1 : 2;
        keyBase[depth] = keyCount;
        o[this.pos++] = c;
        i = skipSpace(this, b, i + 1, limit);
        if (i >= limit) return -1;
        const close = c === OPEN_BRACE ? CLOSE_BRACE : CLOSE_BRACKET;
        if (b[i] === close) {
          o[this.pos++] = close;
          i += 1;
          depth -= 1;
        } else if (c === OPEN_BRACE) expectKey = true;
        else continue;
      } else if (c === QUOTE) {
        o[this.pos++] = QUOTE;
        o[this.pos++] = QUOTE;
        i = copyString(this, b, i + 1, limit, true);
        if (i < 0) return -1;
        o[this.pos++] = QUOTE;
        o[this.pos++] = QUOTE;
      } else if (c === MINUS || (c >= ZERO && c <= NINE)) {
        i = copyNumber(this, b, i, limit);
        if (i < 0) return -1;
      } else if (c === 0x74 || c === 0x66 || c === 0x6e) {
        const word = c === 0x74 ? 'true' : c === 0x66 ? 'false' : 'null';
        i = copyLiteral(this, b, i, limit, word);
        if (i < 0) return -1;
        if (word === 'null') {
          o[this.pos++] = 0x6e;
          o[this.pos++] = 0x75;
          o[this.pos++] = 0x6c;
          o[this.pos++] = 0x6c;
        }
      } else return giveUp(this);
      // After a value: close containers, or move to the next member.
      while (!expectKey) {
        if (depth === 0) return i;
        i = skipSpace(this, b, i, limit);
        if (i >= limit) return -1;
        const next = b[i] as number;
        const kind = kinds[depth];
        if (next === COMMA) {
          o[this.pos++] = COMMA;
          i = skipSpace(this, b, i + 1, limit);
          if (i >= limit) return -1;
          if (kind === 1) expectKey = true;
          break;
        }
        if ((kind === 1 && next === CLOSE_BRACE) || (kind === 2 && next === CLOSE_BRACKET)) {
          o[this.pos++] = next;
          i += 1;
          keyCount = keyBase[depth] as number;
          depth -= 1;
          continue;
        }
        return giveUp(this);
      }
      if (!expectKey) continue;
      // A member's key, written as JSON.stringify writes it; compared as written: not integer-like
      // (JS would order it first), not repeated (JS would keep one, with the last value).
      if (b[i] !== QUOTE) return giveUp(this);
      o[this.pos++] = QUOTE;
      o[this.pos++] = QUOTE;
      const start = this.pos;
      i = copyString(this, b, i + 1, limit, true);
      if (i < 0) return -1;
      const length = this.pos - start;
      let allDigits = length > 0;
      for (let k = start; k < this.pos && allDigits; k += 1) allDigits = isDigit(o[k] as number);
      if (allDigits) return giveUp(this);
      for (let k = keyBase[depth] as number; k < keyCount; k += 1) {
        const other = keyStart[k] as number;
        if (keyLength[k] === length && o.compare(o, other, other + length, start, this.pos) === 0) {
          return giveUp(this);
        }
      }
      if (keyCount === MAX_NESTED_KEYS || keyCount - (keyBase[depth] as number) === MAX_FAST_OBJECT_KEYS) {
        return giveUp(this);
      }
      keyStart[keyCount] = start;
      keyLength[keyCount] = length;
      keyCount += 1;
      o[this.pos++] = QUOTE;
      o[this.pos++] = QUOTE;
      i = skipSpace(this, b, i, limit);
      if (i >= limit) return -1;
      if (b[i] !== COLON) return giveUp(this);
      o[this.pos++] = COLON;
      i = skipSpace(this, b, i + 1, limit);
      if (i >= limit) return -1;
    }
  }

  /** The cells were written in key order: rewrites the line in column order, missing ones empty. */
  private reorder(lineStart: number, seq: number): void {
    const length = this.pos - lineStart;
    if (this.scratch.length < length) this.scratch = Buffer.allocUnsafe(Math.max(length, 4096));
    const scratch = this.scratch;
    const o = this.out;
    o.copy(scratch, 0, lineStart, this.pos);
    let p = lineStart;
    for (let column = 0; column < this.width; column += 1) {
      if (column > 0) o[p++] = COMMA;
      if (this.filled[column] === seq) {
        const end = (this.cellEnd[column] as number) - lineStart;
        for (let k = (this.cellStart[column] as number) - lineStart; k < end; k += 1) {
          o[p++] = scratch[k] as number;
        }
      } else if (this.width === 1) {
        o[p++] = QUOTE;
        o[p++] = QUOTE;
      }
    }
    this.pos = p;
  }
}
