// Reads the request body in either encoding (multipart form, or raw CSV with fields in the query)
// and hands fields and the data stream to the caller as they arrive. Owns the idle watch (a
// stalled client gets 408) and never destroys the socket itself, so an early error can still be sent.
import type { IncomingMessage } from 'node:http';
import { Transform } from 'node:stream';
import { AppError, clientDisconnected } from '../errors.js';
import { JSON_MEDIA_TYPES } from './json/json-body-type.js';
import { type MultipartHandlers, readMultipart } from './read-multipart.js';

export type BodyEncoding = 'multipart' | 'raw';

/**
 * Less than this within the idle limit counts as no progress: a body trickling in at a byte per
 * second (slowloris) holds an upload slot as surely as a silent one.
 */
const MIN_PROGRESS_BYTES = 1024;

/** Raw CSV bodies (the README's list matches this one; a test checks). */
export const RAW_CSV_MEDIA_TYPES = [
  'text/csv',
  'application/csv',
  'text/plain',
  'application/gzip',
  'application/x-gzip',
  'application/octet-stream',
];
const RAW_TYPES = new Set(RAW_CSV_MEDIA_TYPES);

/** Decides the encoding from Content-Type; anything unsupported → 415 with a hint. */
export function classifyBody(contentType: string | undefined): BodyEncoding {
  const mediaType = contentType?.split(';')[0]?.trim().toLowerCase() ?? '';
  if (mediaType === 'multipart/form-data') return 'multipart';
  if (mediaType === '' || RAW_TYPES.has(mediaType)) return 'raw';
  const hint =
    mediaType === 'application/x-www-form-urlencoded'
      ? ' curl --data-binary sends that type by default: add -H "Content-Type: text/csv" (or use -F data=@file.csv).'
      : '';
  throw new AppError(
    415,
    'importer.unsupportedMediaType',
    `Unsupported Content-Type "${mediaType.slice(0, 100)}": send multipart/form-data with a "data" part, a raw CSV body as ${RAW_CSV_MEDIA_TYPES.join(', ')} (or none), or JSON records as ${JSON_MEDIA_TYPES.join(', ')}.${hint}`,
  );
}

export interface ReceiveBodyOptions extends MultipartHandlers {
  encoding: BodyEncoding;
  incoming: IncomingMessage;
  query: URLSearchParams;
  maxFileBytes: number;
  idleTimeoutMs: number;
  signal: AbortSignal;
}

/** Resolves when the whole body has been read (its data stream may still be draining into S3). */
export async function receiveBody(options: ReceiveBodyOptions): Promise<void> {
  const { incoming, signal } = options;
  // A meter between the socket and the parser: knows when bytes last arrived and whether it is
  // held back by backpressure (then a pause is ours, not the client's).
  let lastChunkAt = Date.now();
  let bytesSinceProgress = 0;
  const meter = new Transform({
    highWaterMark: 64 * 1024,
    transform(chunk, _encoding, callback) {
      bytesSinceProgress += chunk.length;
      if (bytesSinceProgress >= MIN_PROGRESS_BYTES) {
        lastChunkAt = Date.now();
        bytesSinceProgress = 0;
      }
      callback(null, chunk);
    },
  });
  // `pipe`, not pipeline(): on failure we only detach, so the socket stays open for the answer and
  // the HTTP server drains or closes it afterwards.
  incoming.pipe(meter);
  const detach = () => {
    incoming.unpipe(meter);
    meter.destroy();
  };
  incoming.once('aborted', () => meter.destroy(clientDisconnected()));

  const idleCheck = setInterval(
    () => {
      const heldBack =
        meter.writableLength >= meter.writableHighWaterMark ||
        meter.readableLength >= meter.readableHighWaterMark;
      if (heldBack) lastChunkAt = Date.now();
      if (Date.now() - lastChunkAt > options.idleTimeoutMs) {
        meter.destroy(
          new AppError(
            408,
            'importer.requestTimeout',
            `The request body stalled: less than ${MIN_PROGRESS_BYTES} bytes arrived in ${Math.round(options.idleTimeoutMs / 1000)} s.`,
          ),
        );
      }
    },
    Math.min(1000, Math.max(10, options.idleTimeoutMs / 4)),
  );
  signal.addEventListener('abort', detach, { once: true });

  try {
    if (options.encoding === 'raw') {
      for (const [name, value] of options.query) {
        if (name !== 'token') options.onField(name, value);
      }
      options.onData(meter);
      await new Promise<void>((resolve, reject) => {
        meter.once('end', resolve);
        meter.once('close', () => (meter.errored ? reject(meter.errored) : resolve()));
      });
      return;
    }
    for (const [name, value] of options.query) {
      if (name !== 'token') options.onField(name, value);
    }
    await readMultipart(
      meter,
      incoming.headers as Record<string, string | undefined>,
      options,
      { maxFileBytes: options.maxFileBytes, maxFields: 1000, maxFieldBytes: 1024 * 1024 },
      signal,
    );
  } catch (err) {
    detach();
    throw err;
  } finally {
    clearInterval(idleCheck);
    signal.removeEventListener('abort', detach);
  }
}
