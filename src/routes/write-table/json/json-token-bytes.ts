// Byte-level writers for the JSON tokens the record CSV writer copies: whitespace (counting lines),
// numbers (validated, copied as written), true/false/null, and strings (escapes decoded for a CSV
// cell, or written again the way JSON.stringify writes them inside a nested cell). Each returns the
// offset after its token, or -1: the token runs past `limit`, or (`gaveUp`) it needs the object path.

const TAB = 0x09;
const LF = 0x0a;
const CR = 0x0d;
const SPACE = 0x20;
const QUOTE = 0x22;
const MINUS = 0x2d;
const DOT = 0x2e;
const ZERO = 0x30;
const NINE = 0x39;
const BACKSLASH = 0x5c;
const LOWER_E = 0x65;
const UPPER_E = 0x45;
const PLUS = 0x2b;
const HEX = '0123456789abcdef';

/** Escapes JSON.stringify writes with a short form, by code point. */
const SHORT_ESCAPE: Record<number, number> = { 8: 0x62, 9: 0x74, 10: 0x6e, 12: 0x66, 13: 0x72 };

/** Where the writers write and what they report. */
export interface TokenCursor {
  out: Buffer;
  pos: number;
  /** The current line (1-based), advanced by the newlines `skipSpace` passes. */
  line: number;
  /** OR of every string byte copied: bit 7 set means UTF-8 to validate. */
  high: number;
  gaveUp: boolean;
}

export function giveUp(c: TokenCursor): number {
  c.gaveUp = true;
  return -1;
}

export function skipSpace(c: TokenCursor, b: Buffer, from: number, limit: number): number {
  let i = from;
  for (; i < limit; i += 1) {
    const byte = b[i];
    if (byte === SPACE || byte === TAB || byte === CR) continue;
    if (byte === LF) c.line += 1;
    else break;
  }
  return i;
}

/** true / false / null, copied (a nested null is written; a top-level null is the caller's). */
export function copyLiteral(
  c: TokenCursor,
  b: Buffer,
  from: number,
  limit: number,
  word: 'true' | 'false' | 'null',
): number {
  const end = from + word.length;
  if (end > limit) return -1;
  for (let k = 0; k < word.length; k += 1) {
    if (b[from + k] !== word.charCodeAt(k)) return giveUp(c);
  }
  if (word !== 'null') for (let k = from; k < end; k += 1) c.out[c.pos++] = b[k] as number;
  return end;
}

/** A number's text, validated and copied; returns the offset after it. */
export function copyNumber(c: TokenCursor, b: Buffer, from: number, limit: number): number {
  let i = from;
  if (b[i] === MINUS) i += 1;
  if (i >= limit) return -1;
  const first = b[i] as number;
  if (first === ZERO) i += 1;
  else if (first > ZERO && first <= NINE) i = digits(b, i + 1, limit);
  else return giveUp(c);
  if (i < limit && b[i] === DOT) {
    i += 1;
    if (i >= limit) return -1;
    if (!isDigit(b[i] as number)) return giveUp(c);
    i = digits(b, i + 1, limit);
  }
  if (i < limit && (b[i] === LOWER_E || b[i] === UPPER_E)) {
    i += 1;
    if (i < limit && (b[i] === PLUS || b[i] === MINUS)) i += 1;
    if (i >= limit) return -1;
    if (!isDigit(b[i] as number)) return giveUp(c);
    i = digits(b, i + 1, limit);
  }
  if (i >= limit) return -1;
  const o = c.out;
  let p = c.pos;
  for (let k = from; k < i; k += 1) o[p++] = b[k] as number;
  c.pos = p;
  return i;
}

/**
 * A string's content from `from` (after its opening quote) to its closing quote, decoded as a
 * top-level cell (`"` doubled) or, `nested`, as JSON.stringify writes it inside a cell (`"` → `""`).
 */
export function copyString(c: TokenCursor, b: Buffer, from: number, limit: number, nested: boolean): number {
  const o = c.out;
  let p = c.pos;
  let high = 0;
  let i = from;
  for (;;) {
    let byte = 0;
    for (; i < limit; i += 1) {
      byte = b[i] as number;
      if (byte === QUOTE || byte === BACKSLASH || byte < SPACE) break;
      high |= byte;
      o[p++] = byte;
    }
    if (i >= limit) return -1;
    if (byte === QUOTE) break;
    if (byte < SPACE) return giveUp(c);
    // An escape.
    if (i + 1 >= limit) return -1;
    const e = b[i + 1] as number;
    let cp: number;
    i += 2;
    if (e === 0x75) {
      if (i + 4 > limit) return -1;
      cp = hex4(b, i);
      if (cp < 0) return giveUp(c);
      i += 4;
      if (cp >= 0xd800 && cp <= 0xdfff) {
        // Only a complete surrogate pair; a lone half is the object path's (U+FFFD or \udxxx).
        if (cp >= 0xdc00) return giveUp(c);
        if (i + 6 > limit) return -1;
        const low = b[i] === BACKSLASH && b[i + 1] === 0x75 ? hex4(b, i + 2) : -1;
        if (low < 0xdc00 || low > 0xdfff) return giveUp(c);
        cp = 0x10000 + ((cp - 0xd800) << 10) + (low - 0xdc00);
        i += 6;
      }
    } else if (e === QUOTE || e === BACKSLASH || e === 0x2f) cp = e;
    else if (e === 0x62) cp = 8;
    else if (e === 0x66) cp = 12;
    else if (e === 0x6e) cp = 10;
    else if (e === 0x72) cp = 13;
    else if (e === 0x74) cp = 9;
    else return giveUp(c);
    if (cp === QUOTE) {
      if (nested) o[p++] = BACKSLASH;
      o[p++] = QUOTE;
      o[p++] = QUOTE;
    } else if (nested && cp === BACKSLASH) {
      o[p++] = BACKSLASH;
      o[p++] = BACKSLASH;
    } else if (nested && cp < SPACE) {
      o[p++] = BACKSLASH;
      const short = SHORT_ESCAPE[cp];
      if (short !== undefined) o[p++] = short;
      else {
        o[p++] = 0x75;
        o[p++] = ZERO;
        o[p++] = ZERO;
        o[p++] = HEX.charCodeAt(cp >> 4);
        o[p++] = HEX.charCodeAt(cp & 15);
      }
    } else p = utf8(o, p, cp);
  }
  c.pos = p;
  c.high |= high;
  return i + 1;
}

export function isDigit(c: number): boolean {
  return c >= ZERO && c <= NINE;
}

function digits(b: Buffer, from: number, limit: number): number {
  let i = from;
  while (i < limit && isDigit(b[i] as number)) i += 1;
  return i;
}

/** Four hex digits at `b[at]` as a number, or -1. */
function hex4(b: Buffer, at: number): number {
  let value = 0;
  for (let k = at; k < at + 4; k += 1) {
    const c = b[k] as number;
    let digit: number;
    if (c >= ZERO && c <= NINE) digit = c - ZERO;
    else if (c >= 0x61 && c <= 0x66) digit = c - 0x57;
    else if (c >= 0x41 && c <= 0x46) digit = c - 0x37;
    else return -1;
    value = (value << 4) | digit;
  }
  return value;
}

/** Writes code point `cp` (not a surrogate) as UTF-8 at `o[p]`; returns the new offset. */
function utf8(o: Buffer, p: number, cp: number): number {
  let at = p;
  if (cp < 0x80) o[at++] = cp;
  else if (cp < 0x800) {
    o[at++] = 0xc0 | (cp >> 6);
    o[at++] = 0x80 | (cp & 0x3f);
  } else if (cp < 0x10000) {
    o[at++] = 0xe0 | (cp >> 12);
    o[at++] = 0x80 | ((cp >> 6) & 0x3f);
    o[at++] = 0x80 | (cp & 0x3f);
  } else {
    o[at++] = 0xf0 | (cp >> 18);
    o[at++] = 0x80 | ((cp >> 12) & 0x3f);
    o[at++] = 0x80 | ((cp >> 6) & 0x3f);
    o[at++] = 0x80 | (cp & 0x3f);
  }
  return at;
}
