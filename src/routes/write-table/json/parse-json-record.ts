// Parses the text of one JSON record (already cut out of the body by the record scanner) into plain
// objects, with every number kept as its source text (RawNumber): no float round-trip, so big
// integers and decimals reach the CSV exactly. Validates the full JSON grammar; nothing else.
import { RawNumber } from './json-cell-text.js';

export class JsonSyntaxError extends Error {
  constructor(
    message: string,
    /** Offset in the record text where the error was found. */
    readonly offset: number,
  ) {
    super(message);
    this.name = 'JsonSyntaxError';
  }
}

const SPACE = 0x20;
const TAB = 0x09;
const LF = 0x0a;
const CR = 0x0d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const MINUS = 0x2d;
const PLUS = 0x2b;
const DOT = 0x2e;
const ZERO = 0x30;
const NINE = 0x39;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;

/**
 * The record's value. The caller bounds the nesting (the scanner refuses deep bodies before any
 * text reaches here), so the recursion is bounded too.
 */
export function parseJsonRecord(text: string): unknown {
  const parser = new RecordParser(text);
  const value = parser.value();
  parser.skipSpace();
  if (parser.at < text.length) parser.fail('unexpected data after the value');
  return value;
}

class RecordParser {
  at = 0;
  constructor(private readonly text: string) {}

  fail(why: string): never {
    const char = this.text[this.at];
    const found = char === undefined ? 'the end of the record' : JSON.stringify(char);
    throw new JsonSyntaxError(`${why} (found ${found})`, this.at);
  }

  skipSpace(): void {
    const { text } = this;
    let at = this.at;
    for (;;) {
      const c = text.charCodeAt(at);
      if (c === SPACE || c === LF || c === CR || c === TAB) at += 1;
      else break;
    }
    this.at = at;
  }

  value(): unknown {
    this.skipSpace();
    const c = this.text.charCodeAt(this.at);
    if (c === QUOTE) return this.string();
    if (c === OPEN_BRACE) return this.object();
    if (c === OPEN_BRACKET) return this.array();
    if (c === MINUS || (c >= ZERO && c <= NINE)) return this.number();
    if (this.text.startsWith('true', this.at)) {
      this.at += 4;
      return true;
    }
    if (this.text.startsWith('false', this.at)) {
      this.at += 5;
      return false;
    }
    if (this.text.startsWith('null', this.at)) {
      this.at += 4;
      return null;
    }
    return this.fail('expected a JSON value');
  }

  object(): Record<string, unknown> {
    const result: Record<string, unknown> = {};
    this.at += 1;
    this.skipSpace();
    if (this.text.charCodeAt(this.at) === CLOSE_BRACE) {
      this.at += 1;
      return result;
    }
    for (;;) {
      if (this.text.charCodeAt(this.at) !== QUOTE) this.fail('expected a key in double quotes');
      const key = this.string();
      this.skipSpace();
      if (this.text.charCodeAt(this.at) !== COLON) this.fail('expected ":" after the key');
      this.at += 1;
      const item = this.value();
      if (key === '__proto__') {
        // An own property, as JSON.parse makes it, never the object's prototype.
        Object.defineProperty(result, key, {
          value: item,
          enumerable: true,
          writable: true,
          configurable: true,
        });
      } else {
        result[key] = item;
      }
      this.skipSpace();
      const next = this.text.charCodeAt(this.at);
      this.at += 1;
      if (next === CLOSE_BRACE) return result;
      if (next !== COMMA) {
        this.at -= 1;
        this.fail('expected "," or "}" in an object');
      }
      this.skipSpace();
    }
  }

  array(): unknown[] {
    const result: unknown[] = [];
    this.at += 1;
    this.skipSpace();
    if (this.text.charCodeAt(this.at) === CLOSE_BRACKET) {
      this.at += 1;
      return result;
    }
    for (;;) {
      result.push(this.value());
      this.skipSpace();
      const next = this.text.charCodeAt(this.at);
      this.at += 1;
      if (next === CLOSE_BRACKET) return result;
      if (next !== COMMA) {
        this.at -= 1;
        this.fail('expected "," or "]" in an array');
      }
    }
  }

  string(): string {
    const { text } = this;
    const start = this.at + 1;
    let at = start;
    let escaped = false;
    for (;;) {
      const c = text.charCodeAt(at);
      if (c === QUOTE) break;
      if (c === BACKSLASH) {
        escaped = true;
        at += 2;
        continue;
      }
      if (c < SPACE || Number.isNaN(c)) {
        this.at = at;
        this.fail(Number.isNaN(c) ? 'unterminated string' : 'a control character inside a string');
      }
      at += 1;
    }
    this.at = at + 1;
    if (!escaped) return text.slice(start, at);
    try {
      // Escapes are rare: the engine's own decoder is exact and checks every escape.
      return JSON.parse(text.slice(start - 1, at + 1)) as string;
    } catch {
      this.at = start - 1;
      return this.fail('invalid escape in a string');
    }
  }

  number(): RawNumber {
    const { text } = this;
    const start = this.at;
    let at = start;
    if (text.charCodeAt(at) === MINUS) at += 1;
    const first = text.charCodeAt(at);
    if (first === ZERO) at += 1;
    else if (first > ZERO && first <= NINE) at = this.digits(at);
    else return this.failAt(at, 'expected a digit');
    if (text.charCodeAt(at) === DOT) {
      if (!isDigit(text.charCodeAt(at + 1))) return this.failAt(at + 1, 'expected a digit after "."');
      at = this.digits(at + 1);
    }
    const e = text.charCodeAt(at);
    if (e === 0x65 || e === 0x45) {
      at += 1;
      const sign = text.charCodeAt(at);
      if (sign === PLUS || sign === MINUS) at += 1;
      if (!isDigit(text.charCodeAt(at))) return this.failAt(at, 'expected a digit in the exponent');
      at = this.digits(at);
    }
    this.at = at;
    return new RawNumber(text.slice(start, at));
  }

  private digits(from: number): number {
    let at = from;
    while (isDigit(this.text.charCodeAt(at))) at += 1;
    return at;
  }

  private failAt(at: number, why: string): never {
    this.at = at;
    return this.fail(why);
  }
}

function isDigit(c: number): boolean {
  return c >= ZERO && c <= NINE;
}
