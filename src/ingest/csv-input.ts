// What the importer does to a CSV body between the request and S3: sniffs gzip, transcodes to UTF-8
// when `encoding` names another character set, refuses invalid UTF-8 otherwise, and keeps the first
// decoded bytes (≤ 64 KiB, gzip decoded on the side) for delimiter detection. Without `encoding` the
// stored bytes are the sent ones; a gzipped body is checked on its prefix only (Storage's job checks the rest).
import { pipeline, Readable, Transform, type TransformCallback } from 'node:stream';
import { createGunzip, createGzip, constants as zlibConstants } from 'node:zlib';
import { type AppError, importerError } from '../errors.js';
import { isGzip } from './byte-counter.js';
import { createUtf8Check, firstInvalidUtf8Offset, incompleteTail, invalidUtf8 } from './check-utf8.js';
import { createTranscoder } from './transcode.js';

export const CSV_PREFIX_BYTES = 64 * 1024;

const MAX_SIDE_BACKLOG_BYTES = 1024 * 1024;

export interface CsvPrefix {
  /** The first decoded UTF-8 bytes of the file (at most CSV_PREFIX_BYTES). */
  bytes: Buffer;
  /** True when `bytes` is the whole file. */
  complete: boolean;
}

export interface CsvInput {
  /** What goes to S3. */
  stream: Readable;
  /** Settles once the prefix is known (at the latest when the stream ends or fails). */
  prefix: Promise<CsvPrefix>;
}

/** `encoding`: a validated non-UTF-8 label (transcode.ts), or undefined for UTF-8. */
export async function prepareCsvInput(
  source: Readable,
  options: { encoding: string | undefined; prefixBytes?: number },
): Promise<CsvInput> {
  const limit = options.prefixBytes ?? CSV_PREFIX_BYTES;
  const { head, stream } = await peekHead(source, 2);
  const gzip = isGzip(head);
  if (!options.encoding) {
    if (gzip) {
      const capture = captureGzipPrefix(limit);
      return { stream: chain([stream, capture.stream]), prefix: capture.prefix };
    }
    const capture = capturePrefix(limit);
    return { stream: chain([stream, capture.stream, createUtf8Check()]), prefix: capture.prefix };
  }
  const capture = capturePrefix(limit);
  if (!gzip) {
    return {
      stream: chain([stream, createTranscoder(options.encoding), capture.stream]),
      prefix: capture.prefix,
    };
  }
  const gunzip = createGunzip();
  const last = createGzip({ level: zlibConstants.Z_BEST_SPEED });
  gunzip.once('error', (err) => last.destroy(invalidGzip(err)));
  return {
    stream: chain([stream, gunzip, createTranscoder(options.encoding), capture.stream, last]),
    prefix: capture.prefix,
  };
}

/** The prefix as text for detection: an incomplete last character is left out. */
export function prefixText(prefix: CsvPrefix): string {
  const keep = prefix.complete ? prefix.bytes.length : prefix.bytes.length - incompleteTail(prefix.bytes);
  return prefix.bytes.subarray(0, keep).toString('utf8');
}

function invalidGzip(err: unknown): AppError {
  return importerError(
    'importer.invalidGzip',
    `The data starts like gzip but does not decompress: ${err instanceof Error ? err.message : String(err)}.`,
  );
}

/** Pipes the streams into each other; a failure anywhere fails the last one, which is returned. */
function chain(streams: [Readable, ...Array<Transform>]): Readable {
  if (streams.length === 1) return streams[0];
  return pipeline(streams as unknown as [Readable, Transform], () => {}) as unknown as Readable;
}

/** Reads until `bytes` bytes (or the end) are in; the returned stream replays them, then the rest. */
async function peekHead(source: Readable, bytes: number): Promise<{ head: Buffer; stream: Readable }> {
  const iterator = source[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  const seen: Buffer[] = [];
  let length = 0;
  let done = false;
  while (length < bytes) {
    const next = await iterator.next();
    if (next.done) {
      done = true;
      break;
    }
    seen.push(next.value);
    length += next.value.length;
  }
  async function* replay(): AsyncGenerator<Buffer> {
    try {
      yield* seen.splice(0);
      while (!done) {
        const next = await iterator.next();
        if (next.done) return;
        yield next.value;
      }
    } finally {
      await iterator.return?.();
    }
  }
  return {
    head: Buffer.concat(seen).subarray(0, bytes),
    stream: Readable.from(replay(), { objectMode: false }),
  };
}

function createPrefix(limit: number) {
  const chunks: Buffer[] = [];
  let length = 0;
  let settled = false;
  let resolve: (prefix: CsvPrefix) => void = () => {};
  const prefix = new Promise<CsvPrefix>((r) => {
    resolve = r;
  });
  return {
    prefix,
    get full() {
      return settled || length >= limit;
    },
    add(chunk: Buffer) {
      if (settled || length >= limit) return;
      const part = chunk.subarray(0, limit - length);
      chunks.push(Buffer.from(part));
      length += part.length;
    },
    settle(complete: boolean): CsvPrefix {
      const result = { bytes: Buffer.concat(chunks), complete: complete && length <= limit };
      if (!settled) resolve(result);
      settled = true;
      return result;
    },
  };
}

/** Copies the first `limit` bytes passing through (the stream is already plain UTF-8). */
function capturePrefix(limit: number): { stream: Transform; prefix: Promise<CsvPrefix> } {
  const captured = createPrefix(limit);
  let total = 0;
  const stream = new Transform({
    transform(chunk: Buffer, _encoding, callback: TransformCallback) {
      total += chunk.length;
      captured.add(chunk);
      if (total > limit) captured.settle(false);
      callback(null, chunk);
    },
    flush(callback: TransformCallback) {
      captured.settle(true);
      callback();
    },
  });
  stream.once('close', () => captured.settle(false));
  return { stream, prefix: captured.prefix };
}

/**
 * Passes gzip bytes through unchanged and decompresses them on the side until `limit` decoded bytes
 * are in; that prefix must be valid UTF-8 (the rest is Storage's to check).
 */
function captureGzipPrefix(limit: number): { stream: Transform; prefix: Promise<CsvPrefix> } {
  const captured = createPrefix(limit);
  const gunzip = createGunzip();
  let decoded = 0;
  let stopped = false;
  const stopSide = () => {
    stopped = true;
    gunzip.destroy();
  };
  gunzip.on('data', (chunk: Buffer) => {
    decoded += chunk.length;
    captured.add(chunk);
    if (decoded > limit) {
      check(captured.settle(false));
      stopSide();
    }
  });
  gunzip.once('end', () => check(captured.settle(true)));
  // Not gzip after all, or cut short: no prefix to learn from; Storage reports the file itself.
  gunzip.once('error', () => captured.settle(false));
  const stream = new Transform({
    transform(chunk: Buffer, _encoding, callback: TransformCallback) {
      if (!stopped) gunzip.write(chunk);
      // The side decoder may not hold more than this while it catches up: give up on the prefix.
      if (!stopped && gunzip.writableLength > MAX_SIDE_BACKLOG_BYTES) {
        captured.settle(false);
        stopSide();
      }
      callback(null, chunk);
    },
    flush(callback: TransformCallback) {
      if (stopped) {
        callback();
        return;
      }
      gunzip.once('close', () => callback());
      gunzip.end();
    },
  });
  stream.once('close', () => {
    captured.settle(false);
    if (!stopped) stopSide();
  });
  function check(prefix: CsvPrefix) {
    const keep = prefix.complete ? prefix.bytes.length : prefix.bytes.length - incompleteTail(prefix.bytes);
    const offset = firstInvalidUtf8Offset(prefix.bytes.subarray(0, keep));
    if (offset >= 0) stream.destroy(invalidUtf8(offset));
  }
  return { stream, prefix: captured.prefix };
}
