// Cuts a byte stream into parts of exactly `partBytes` (the last one shorter) by copying each chunk
// at once into a buffer from the pool: chunks die young, nothing is concatenated. Reads only as parts
// are asked for (one part filled ahead) and marks the last part. It never destroys the source.
import type { Readable } from 'node:stream';
import type { PartBufferPool } from './part-buffer-pool.js';

export interface FilledPart {
  /** The part's bytes: a view of a pool buffer, or (a body of one short chunk) that chunk as it came. */
  bytes: Buffer;
  /** No byte follows: an empty body is one empty last part. */
  last: boolean;
  /** Hands the buffer back to the pool once nothing reads `bytes` any more (idempotent). */
  release(): void;
}

const NO_BYTES = Buffer.alloc(0);
const nothingToRelease = () => {};

/**
 * Parts of `source`, each a view of a buffer taken from `pool` (partBytes ≤ pool.bufferBytes). The
 * caller releases every part it got; the generator holds at most one buffer of its own, which its
 * return gives back. Its source is left as it is on return, to the pipeline that owns it.
 */
export async function* readParts(
  source: Readable,
  pool: PartBufferPool,
  partBytes: number,
): AsyncGenerator<FilledPart, void, undefined> {
  if (partBytes > pool.bufferBytes) throw new RangeError('part larger than the pool buffers');
  // Our own iterator, never returned: leaving the for-await of a Readable would destroy the body.
  const chunks = source[Symbol.asyncIterator]() as AsyncIterator<unknown>;
  const read = async (): Promise<Buffer | undefined> => {
    for (;;) {
      const next = await chunks.next();
      if (next.done) return undefined;
      const chunk = asBuffer(next.value);
      if (chunk.length > 0) return chunk;
    }
  };
  const lend = (buffer: Buffer, length: number, last: boolean): FilledPart => {
    let held = true;
    return {
      bytes: buffer.subarray(0, length),
      last,
      release() {
        if (held) pool.give(buffer);
        held = false;
      },
    };
  };

  const first = await read();
  if (first === undefined) {
    yield { bytes: NO_BYTES, last: true, release: nothingToRelease };
    return;
  }
  let rest: Buffer = first;
  let buffer: Buffer | undefined;
  let filled = 0;
  try {
    if (rest.length < partBytes) {
      // A small body (one chunk) goes as it came: no part buffer taken, no copy.
      const following = await read();
      if (following === undefined) {
        yield { bytes: rest, last: true, release: nothingToRelease };
        return;
      }
      buffer = pool.take();
      filled = rest.copy(buffer);
      rest = following;
    }
    for (;;) {
      while (rest.length > 0) {
        buffer ??= pool.take();
        const copied = rest.copy(buffer, filled, 0, Math.min(rest.length, partBytes - filled));
        filled += copied;
        rest = rest.subarray(copied);
        if (filled < partBytes) continue;
        // A full part is the last one only if the body ends here: look one chunk ahead.
        const more: Buffer | undefined = rest.length > 0 ? rest : await read();
        const full = buffer;
        buffer = undefined;
        filled = 0;
        yield lend(full, partBytes, more === undefined);
        if (more === undefined) return;
        rest = more;
      }
      const next = await read();
      if (next === undefined) {
        if (buffer !== undefined && filled > 0) {
          const tail = buffer;
          buffer = undefined;
          yield lend(tail, filled, true);
        }
        return;
      }
      rest = next;
    }
  } finally {
    if (buffer !== undefined) pool.give(buffer);
  }
}

function asBuffer(chunk: unknown): Buffer {
  if (Buffer.isBuffer(chunk)) return chunk;
  if (typeof chunk === 'string') return Buffer.from(chunk);
  if (chunk instanceof Uint8Array) return Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  throw new TypeError('upload body chunks must be bytes');
}
