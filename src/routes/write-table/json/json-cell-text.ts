// How one JSON value becomes one CSV cell: strings as they are, numbers exactly as written in the
// body (RawNumber keeps 12345678901234567890 and 1.0 intact), booleans as true/false, null as an
// empty cell, objects and arrays as their compact JSON text.

/** A JSON number kept as its source text; the parser produces these instead of JS numbers. */
export class RawNumber {
  constructor(readonly text: string) {}
}

/** Deeper nesting is refused rather than risking the call stack on a hostile body. */
export const MAX_JSON_DEPTH = 256;

export class JsonTooDeepError extends Error {
  constructor() {
    super(`a value is nested more than ${MAX_JSON_DEPTH} levels deep`);
    this.name = 'JsonTooDeepError';
  }
}

/** `undefined` for null: the CSV writer leaves such a cell empty and unquoted. */
export function cellText(value: unknown): string | undefined {
  if (value === null || value === undefined) return undefined;
  if (typeof value === 'string') return value;
  if (value instanceof RawNumber) return value.text;
  if (typeof value === 'boolean' || typeof value === 'number') return String(value);
  return stringifyJson(value);
}

/** Compact JSON like JSON.stringify, but RawNumber values are written as their source text. */
function stringifyJson(value: unknown, depth = 0): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'string') return JSON.stringify(value);
  if (value instanceof RawNumber) return value.text;
  if (typeof value === 'boolean' || typeof value === 'number') return String(value);
  if (depth >= MAX_JSON_DEPTH) throw new JsonTooDeepError();
  if (Array.isArray(value)) return `[${value.map((item) => stringifyJson(item, depth + 1)).join(',')}]`;
  const members = Object.entries(value as Record<string, unknown>).map(
    ([key, item]) => `${JSON.stringify(key)}:${stringifyJson(item, depth + 1)}`,
  );
  return `{${members.join(',')}}`;
}
