// The canonical CSV between the streaming pass and DuckDB's read_csv: its shape, its row-size
// limit and the byte-level helpers both sides of it need. No parsing of user dialects here.

/**
 * Canonical CSV: `"v1","v2",…,<ordinal>\n`: every value quoted with `"` doubled, then the 1-based
 * data-row ordinal unquoted, LF line ends, no header. No value is ever NULL.
 * A row longer than this many bytes is a load error (DuckDB's max_line_size is set above it).
 */
export const MAX_CANONICAL_ROW_BYTES = 64 * 1024 * 1024;

/** Writes `value` (a non-negative integer) as ASCII digits at `at`; returns the offset after it. */
export function writeDecimal(out: Buffer, at: number, value: number): number {
  let digits = 1;
  for (let rest = value; rest >= 10; rest = Math.floor(rest / 10)) digits++;
  let rest = value;
  for (let index = at + digits - 1; index >= at; index--) {
    out[index] = 0x30 + (rest % 10);
    rest = Math.floor(rest / 10);
  }
  return at + digits;
}

/** `"a","b""c"` → ['a', 'b"c']: the values of a canonical record written without its ordinal. */
export function decodeCanonicalRecord(record: string): string[] {
  const values: string[] = [];
  let at = 0;
  while (at < record.length) {
    // `at` is on an opening quote.
    let value = '';
    let from = at + 1;
    for (;;) {
      const close = record.indexOf('"', from);
      value += record.slice(from, close);
      if (record[close + 1] === '"') {
        value += '"';
        from = close + 2;
      } else {
        at = close + 2; // past the closing quote and the comma
        break;
      }
    }
    values.push(value);
  }
  return values;
}
