// The sha256 of a request body's bytes, computed as they stream past (nothing is buffered): a
// pass-through placed between the body and whatever consumes it.
import { createHash } from 'node:crypto';
import { type Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';

export interface BodyDigest {
  /** The stream to read instead of the body. */
  stream: Readable;
  /** Hex sha256 of every byte that passed; only meaningful once the stream ended. */
  hex(): string;
}

export function digestBody(body: Readable): BodyDigest {
  const hash = createHash('sha256');
  let hex: string | undefined;
  const tap = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      hash.update(chunk);
      callback(null, chunk);
    },
    flush(callback) {
      hex = hash.digest('hex');
      callback();
    },
  });
  // The body's failure reaches the tap (and whoever reads it); the tap's destruction stops the body.
  pipeline(body, tap).catch(() => {});
  return {
    stream: tap,
    hex() {
      if (hex === undefined) throw new Error('body digest read before the body ended');
      return hex;
    },
  };
}
