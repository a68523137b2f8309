// Cuts a byte stream into chunks of exactly `chunkBytes` (the last one shorter, none for an empty
// stream), pulling from the source only as chunks are asked for: at most one chunk is assembled ahead.
import type { Readable } from 'node:stream';

export async function* readChunks(source: Readable, chunkBytes: number): AsyncGenerator<Buffer> {
  let parts: Buffer[] = [];
  let length = 0;
  for await (const data of source) {
    let rest = data as Buffer;
    while (length + rest.length >= chunkBytes) {
      const take = chunkBytes - length;
      parts.push(rest.subarray(0, take));
      const chunk = Buffer.concat(parts, chunkBytes);
      parts = [];
      length = 0;
      rest = rest.subarray(take);
      yield chunk;
    }
    if (rest.length > 0) {
      parts.push(rest);
      length += rest.length;
    }
  }
  if (length > 0) yield Buffer.concat(parts, length);
}
