// A pass-through stream that refuses a body which is not valid UTF-8, naming the byte offset of the
// first bad sequence and suggesting `encoding=`. Validates with node:buffer's isUtf8 (SIMD, no string
// is built); a character split across chunks is carried over to the next one.
import { isUtf8 } from 'node:buffer';
import { Transform, type TransformCallback } from 'node:stream';
import { type AppError, importerError } from '../errors.js';

export function invalidUtf8(offset: number): AppError {
  return importerError(
    'importer.invalidUtf8',
    `The data is not valid UTF-8 (first bad byte at offset ${offset}). If the file is in another encoding, say which: encoding=windows-1250 (or iso-8859-2, utf-16le, …).`,
    { offset },
  );
}

/** Offset (within `data`) of the first byte of an invalid sequence; -1 when `data` is valid. */
export function firstInvalidUtf8Offset(data: Uint8Array): number {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  // Bisect on a validator: the longest valid prefix ends where the first bad sequence starts.
  let low = 0;
  let high = data.length;
  if (isUtf8(data)) return -1;
  while (low < high) {
    const mid = (low + high + 1) >> 1;
    if (isValidPrefix(data.subarray(0, mid), decoder)) low = mid;
    else high = mid - 1;
  }
  // The longest valid prefix may end inside a character the next byte does not continue.
  return low - incompleteTail(data.subarray(0, low));
}

/** Valid as the start of a UTF-8 text: may end inside a character. */
function isValidPrefix(data: Uint8Array, decoder: InstanceType<typeof TextDecoder>): boolean {
  try {
    decoder.decode(data, { stream: true });
    return true;
  } catch {
    return false;
  } finally {
    // A fresh state for the next call (a fatal decoder resets itself after a throw).
    try {
      decoder.decode();
    } catch {}
  }
}

/** Bytes at the end of `data` that start a UTF-8 character not complete yet (0–3). */
export function incompleteTail(data: Uint8Array): number {
  const end = data.length;
  for (let back = 1; back <= Math.min(3, end); back += 1) {
    const byte = data[end - back] as number;
    if ((byte & 0xc0) === 0x80) continue;
    const length = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 1;
    return length > back ? back : 0;
  }
  return 0;
}

/** Validates the whole stream; fails it with 400 importer.invalidUtf8 at the first bad byte. */
export function createUtf8Check(): Transform {
  let offset = 0;
  let carry: Buffer = Buffer.alloc(0);
  const check = (data: Buffer, last: boolean): AppError | undefined => {
    const keep = last ? 0 : incompleteTail(data);
    const complete = data.subarray(0, data.length - keep);
    if (!isUtf8(complete)) return invalidUtf8(offset + firstInvalidUtf8Offset(complete));
    offset += complete.length;
    carry = Buffer.from(data.subarray(data.length - keep));
    return undefined;
  };
  return new Transform({
    transform(chunk: Buffer, _encoding, callback: TransformCallback) {
      let rest = chunk;
      if (carry.length > 0) {
        // Finish the carried character with the chunk's first bytes (≤ 4 copied, not the chunk).
        const lead = carry[0] as number;
        const length = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : 2;
        const taken = Math.min(length - carry.length, chunk.length);
        const failed = check(Buffer.concat([carry, chunk.subarray(0, taken)]), false);
        // Still incomplete (a chunk of 1–2 bytes): it stays carried and the chunk is all used.
        if (failed || carry.length > 0) return callback(failed ?? null, chunk);
        rest = chunk.subarray(taken);
      }
      callback(check(rest, false) ?? null, chunk);
    },
    flush(callback: TransformCallback) {
      callback(carry.length > 0 ? check(carry, true) : undefined);
    },
  });
}
