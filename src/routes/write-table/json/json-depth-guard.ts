// Refuses JSON nested deeper than a limit while the bytes stream in, before the tokenizer sees them:
// a streaming parser builds its stack for every `[`/`{` (hundreds of bytes per level), so 4 M
// nested `[` (4 KB gzipped) would cost a GB of heap before any value reaches a depth check.
// Counts brackets outside strings only; knows nothing else about JSON (the tokenizer validates).

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACKET = 0x5b;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACKET = 0x5d;
const CLOSE_BRACE = 0x7d;

export class JsonNestingError extends Error {
  constructor(readonly maxDepth: number) {
    super(`a value is nested more than ${maxDepth} levels deep`);
    this.name = 'JsonNestingError';
  }
}

export interface JsonDepthGuard {
  /** Scans the next bytes of the body; throws JsonNestingError once the nesting exceeds the limit. */
  scan(bytes: Uint8Array): void;
}

export function createJsonDepthGuard(maxDepth: number): JsonDepthGuard {
  let depth = 0;
  let inString = false;
  let escaped = false;
  return {
    scan(bytes) {
      for (let i = 0; i < bytes.length; i += 1) {
        const byte = bytes[i] as number;
        if (inString) {
          if (escaped) escaped = false;
          else if (byte === BACKSLASH) escaped = true;
          else if (byte === QUOTE) inString = false;
        } else if (byte === QUOTE) {
          inString = true;
        } else if (byte === OPEN_BRACKET || byte === OPEN_BRACE) {
          depth += 1;
          if (depth > maxDepth) throw new JsonNestingError(maxDepth);
        } else if ((byte === CLOSE_BRACKET || byte === CLOSE_BRACE) && depth > 0) {
          depth -= 1;
        }
      }
    },
  };
}
