// Reads the request body in either encoding (multipart form, or raw CSV with fields in the query)
// and hands fields and the data stream to the caller as they arrive. Answers `Expect: 100-continue`
// only once the query fields passed, claims the upload slot as the data starts, owns the progress
// watch (a stalled or trickling client gets 408) and never destroys the socket itself, so an early
// error can still be sent.
import type { IncomingMessage } from 'node:http';
import { Transform } from 'node:stream';
import { clientDisconnected, importerError } from '../errors.js';
import { JSON_MEDIA_TYPES } from './json-body-type.js';
import { type MultipartHandlers, readMultipart } from './read-multipart.js';

export type BodyEncoding = 'multipart' | 'raw';

/**
 * A body must average at least this rate over each idle window (IDLE_TIMEOUT_SECONDS): one
 * trickling in at a few bytes per second (slowloris) holds a connection as surely as a silent one.
 */
export const MIN_BYTES_PER_SECOND = 1024;
/** Everything of a multipart body outside its `data` part (preamble, fields, part headers). */
export const MAX_FORM_BYTES = 1024 * 1024;

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

/** Charsets a CSV may declare: Storage reads UTF-8 (ASCII is a subset). */
const CSV_CHARSETS = new Set(['utf-8', 'utf8', 'us-ascii']);
/**
 * The CSV is stored exactly as sent and Storage recognises only gzip (by its first bytes), so the
 * only content coding that can work is one layer of gzip; anything else would fail inside the job.
 */
const CSV_CONTENT_CODINGS = new Set(['', 'identity', 'gzip', 'x-gzip']);

/**
 * Decides the encoding from Content-Type and refuses, before a byte is read, what could only fail
 * inside the job: an unsupported type, charset or Content-Encoding → 415 with a hint.
 */
export function classifyBody(contentType: string | undefined, contentEncoding?: string): BodyEncoding {
  const coding = (contentEncoding ?? '').trim().toLowerCase();
  if (!CSV_CONTENT_CODINGS.has(coding)) {
    throw importerError(
      'importer.unsupportedEncoding',
      `Unsupported Content-Encoding "${coding.slice(0, 100)}" for a CSV: send it as it is (a gzipped file may be sent as is, with or without Content-Encoding: gzip).`,
    );
  }
  const charset = /;\s*charset\s*=\s*"?([^";\s]*)/i.exec(contentType ?? '')?.[1]?.toLowerCase();
  if (charset !== undefined && !CSV_CHARSETS.has(charset)) {
    throw importerError(
      'importer.unsupportedEncoding',
      `Unsupported charset "${charset.slice(0, 100)}" in Content-Type: send the body with the encoding field instead (e.g. ?encoding=${encodeURIComponent(charset.slice(0, 30))}), and it is converted to UTF-8 while streaming.`,
    );
  }
  const mediaType = contentType?.split(';')[0]?.trim().toLowerCase() ?? '';
  if (mediaType === 'multipart/form-data') return 'multipart';
  if (mediaType === '' || RAW_TYPES.has(mediaType)) return 'raw';
  const hint =
    mediaType === 'application/x-www-form-urlencoded'
      ? ' curl --data-binary sends that type by default: add -H "Content-Type: text/csv" (or use -F data=@file.csv).'
      : '';
  throw importerError(
    'importer.unsupportedMediaType',
    `Unsupported Content-Type "${mediaType.slice(0, 100)}": send multipart/form-data with a "data" part, a raw CSV body as ${RAW_CSV_MEDIA_TYPES.join(', ')} (or none), or JSON records as ${JSON_MEDIA_TYPES.join(', ')}.${hint}`,
  );
}

/** What the request's admission lets the body reader do (see http/admit-upload.ts). */
export interface BodyAdmission {
  /** Takes the upload slot as the data starts; throws AppError(503) when none is free. */
  claimSlot(): void;
  /** Answers `Expect: 100-continue` (once, and only when the client asked). */
  sendContinue(): void;
}

export interface ReceiveBodyOptions extends MultipartHandlers {
  admission: BodyAdmission;
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
  const minProgressBytes = Math.max(1024, Math.round((MIN_BYTES_PER_SECOND * options.idleTimeoutMs) / 1000));
  const meter = new Transform({
    highWaterMark: 64 * 1024,
    transform(chunk, _encoding, callback) {
      bytesSinceProgress += chunk.length;
      if (bytesSinceProgress >= minProgressBytes) {
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
          importerError(
            'importer.requestTimeout',
            `The request body stalled: less than ${minProgressBytes} bytes arrived in ${Math.round(options.idleTimeoutMs / 1000)} s (at least ${MIN_BYTES_PER_SECOND} bytes/s are needed).`,
          ),
        );
      }
    },
    Math.min(1000, Math.max(10, options.idleTimeoutMs / 4)),
  );
  signal.addEventListener('abort', detach, { once: true });

  const { admission } = options;
  try {
    for (const [name, value] of options.query) {
      if (name !== 'token') options.onField(name, value);
    }
    if (options.encoding === 'raw') {
      // The data starts with the body: the slot first, so a full house is answered without a 100.
      admission.claimSlot();
      admission.sendContinue();
      options.onData(meter);
      await new Promise<void>((resolve, reject) => {
        meter.once('end', resolve);
        meter.once('close', () => (meter.errored ? reject(meter.errored) : resolve()));
      });
      return;
    }
    admission.sendContinue();
    await readMultipart(
      meter,
      incoming.headers as Record<string, string | undefined>,
      {
        onField: options.onField,
        onData(stream, part) {
          admission.claimSlot();
          options.onData(stream, part);
        },
      },
      {
        maxFileBytes: options.maxFileBytes,
        maxFields: 1000,
        maxFieldBytes: MAX_FORM_BYTES,
        maxFormBytes: MAX_FORM_BYTES,
      },
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
