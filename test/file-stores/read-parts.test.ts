// readParts: the cutting shared by the S3 and GCS stores. Every body shape gives parts of exactly
// partBytes with the last one marked, the bytes copied out of the chunks in order; a body of one
// short chunk takes no buffer; returning early neither destroys the body nor keeps a buffer.
import { randomBytes } from 'node:crypto';
import { PassThrough, Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createPartBufferPool } from '../../src/file-stores/part-buffer-pool.js';
import { readParts } from '../../src/file-stores/read-parts.js';

const P = 1000;

async function cut(bytes: Buffer, chunkBytes: number) {
  const pool = createPartBufferPool({ bufferBytes: P, maxIdle: 0 });
  const body = Readable.from(
    (function* () {
      for (let at = 0; at < bytes.length; at += chunkBytes) yield bytes.subarray(at, at + chunkBytes);
    })(),
  );
  const parts: { length: number; last: boolean }[] = [];
  const copies: Buffer[] = [];
  for await (const part of readParts(body, pool, P)) {
    parts.push({ length: part.bytes.length, last: part.last });
    copies.push(Buffer.from(part.bytes));
    part.release();
  }
  return { parts, joined: Buffer.concat(copies), pool: pool.stats() };
}

describe('readParts', () => {
  it.each([0, 1, P - 1, P, P + 1, 3 * P + 7])(
    '%i bytes: exact parts, last one marked, bytes in order',
    async (size) => {
      const bytes = randomBytes(size);
      for (const chunkBytes of [1, 7, 333, P, P + 1, 5 * P]) {
        const { parts, joined, pool } = await cut(bytes, chunkBytes);
        const expected =
          size === 0
            ? [{ length: 0, last: true }]
            : Array.from({ length: Math.ceil(size / P) }, (_, i) => ({
                length: Math.min(P, size - i * P),
                last: i === Math.ceil(size / P) - 1,
              }));
        expect(parts, `chunks of ${chunkBytes}`).toEqual(expected);
        expect(joined.equals(bytes), `chunks of ${chunkBytes}`).toBe(true);
        expect(pool.lent).toBe(0);
        // Only a body that came as one chunk shorter than a part goes without a buffer.
        expect(pool.allocated > 0, `chunks of ${chunkBytes}`).toBe(size >= P || chunkBytes < size);
      }
    },
  );

  it('returning early leaves the body to its owner; a body failing mid-part gives the buffer back', async () => {
    const pool = createPartBufferPool({ bufferBytes: P, maxIdle: 4 });
    const body = new PassThrough();
    body.write(randomBytes(P + 10));
    const parts = readParts(body, pool, P);
    const first = await parts.next();
    expect(first.value).toMatchObject({ last: false });
    first.value?.release();
    await parts.return();
    expect(body.destroyed).toBe(false);

    const failing = new PassThrough();
    failing.write(randomBytes(P + 10));
    const more = readParts(failing, pool, P);
    (await more.next()).value?.release();
    const pending = more.next();
    failing.destroy(new Error('client went away'));
    await expect(pending).rejects.toThrow('client went away');
    expect(pool.stats()).toMatchObject({ lent: 0 });
  });
});
