// Parses a multipart/form-data body with busboy as it streams: fields go to onField in arrival
// order, the `data` file part to onData as a live stream. Limits become errors (busboy alone
// would truncate silently); parts we do not use are drained so the parser never stalls.
import { type Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import busboy from 'busboy';
import { AppError, importerError } from '../errors.js';

export interface MultipartHandlers {
  /** Throws (AppError) to reject the request. */
  onField(name: string, value: string): void;
  /** The `data` part began; the handler must consume the stream. `part` is absent for a raw body. */
  onData(stream: Readable, part?: DataPartInfo): void;
}

/** What the client said about its file part (never trusted as a storage key). */
export interface DataPartInfo {
  filename: string | undefined;
  mimeType: string | undefined;
}

export interface MultipartLimits {
  maxFileBytes: number;
  maxFields: number;
  maxFieldBytes: number;
  /** Bytes outside the `data` part (preamble, fields, part headers, epilogue): 413 beyond. */
  maxFormBytes: number;
}

/** Room for what busboy reads ahead past the end of the data part before it reports that end. */
const READ_AHEAD_BYTES = 256 * 1024;

const malformed = (message: string) => importerError('importer.malformedMultipart', message);
/** busboy hands `undefined` for a part whose Content-Disposition has no `name` (with or without filename). */
const unnamedPart = () =>
  importerError(
    'importer.unnamedPart',
    'A multipart part has no name in its Content-Disposition: every part needs name="…" (the file part: name="data").',
  );

/** A part's Content-Transfer-Encoding that leaves its bytes as they are (busboy decodes none). */
const IDENTITY_TRANSFER_ENCODINGS = new Set(['7bit', '8bit', 'binary']);

/** Resolves once the whole body was parsed and every part consumed. */
export async function readMultipart(
  source: Readable,
  headers: Record<string, string | undefined>,
  handlers: MultipartHandlers,
  limits: MultipartLimits,
  signal: AbortSignal,
): Promise<void> {
  let parser: busboy.Busboy;
  try {
    parser = busboy({
      headers: headers as Record<string, string>,
      limits: {
        files: 2,
        fields: limits.maxFields,
        parts: limits.maxFields + 2,
        fieldSize: limits.maxFieldBytes,
        fieldNameSize: 200,
        headerPairs: 100,
        fileSize: limits.maxFileBytes + 1,
      },
    });
  } catch (err) {
    throw malformed(`Malformed multipart request: ${(err as Error).message}.`);
  }
  let sawData = false;
  const fail = (err: unknown) => parser.destroy(err instanceof Error ? err : new Error(String(err)));
  // Bytes outside the data part are counted while no data part is open: before it, and after it
  // ended (less what came before its end). A form trickling megabytes of fields holds a connection.
  let totalBytes = 0;
  let dataStartedAt: number | undefined;
  let dataEndedAt: number | undefined;
  const formBytes = () => {
    if (dataStartedAt === undefined) return totalBytes;
    if (dataEndedAt === undefined) return dataStartedAt;
    return dataStartedAt + Math.max(0, totalBytes - dataEndedAt - READ_AHEAD_BYTES);
  };
  const formCounter = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      totalBytes += chunk.length;
      if (formBytes() > limits.maxFormBytes) {
        callback(
          importerError(
            'importer.formTooLarge',
            `The form fields (everything outside the "data" part) are larger than ${limits.maxFormBytes} bytes.`,
            { maxFormBytes: limits.maxFormBytes },
          ),
        );
        return;
      }
      callback(null, chunk);
    },
  });

  parser.on('field', (name: string | undefined, value, info) => {
    if (typeof name !== 'string') {
      fail(unnamedPart());
      return;
    }
    if (info.nameTruncated || info.valueTruncated) {
      fail(malformed(`Field "${name.slice(0, 64)}" is longer than ${limits.maxFieldBytes} bytes.`));
      return;
    }
    try {
      handlers.onField(name, value);
    } catch (err) {
      fail(err);
    }
  });
  parser.on('file', (name: string | undefined, stream, info) => {
    // busboy destroys an open part stream with the parser's error: unlistened, that 'error' event
    // would crash the process (one request with a second file part took the whole service down).
    stream.on('error', () => {});
    if (typeof name !== 'string') {
      stream.resume();
      fail(unnamedPart());
      return;
    }
    if (name !== 'data') {
      stream.resume();
      fail(
        importerError(
          'importer.unknownField',
          `Unexpected file part "${name.slice(0, 64)}": send the CSV as the part "data".`,
          { field: name },
        ),
      );
      return;
    }
    if (sawData) {
      stream.resume();
      fail(
        importerError('importer.duplicateField', 'The file part "data" was sent more than once.', {
          field: 'data',
        }),
      );
      return;
    }
    if (!IDENTITY_TRANSFER_ENCODINGS.has(info.encoding.toLowerCase())) {
      stream.resume();
      fail(
        importerError(
          'importer.unsupportedEncoding',
          `Unsupported Content-Transfer-Encoding "${info.encoding.slice(0, 64)}" on the "data" part: send the bytes as they are (binary).`,
        ),
      );
      return;
    }
    sawData = true;
    dataStartedAt = Math.max(0, totalBytes - READ_AHEAD_BYTES);
    stream.once('end', () => {
      dataEndedAt = totalBytes;
    });
    try {
      handlers.onData(stream, { filename: info.filename, mimeType: info.mimeType });
    } catch (err) {
      stream.resume();
      fail(err);
    }
  });
  parser.on('fieldsLimit', () =>
    fail(malformed(`Too many fields: at most ${limits.maxFields} are allowed.`)),
  );
  parser.on('partsLimit', () => fail(malformed('Too many parts in the multipart body.')));
  parser.on('filesLimit', () => fail(malformed('Too many file parts: send one part "data".')));

  try {
    await pipeline(source, formCounter, parser, { signal });
  } catch (err) {
    if (signal.aborted) throw signal.reason;
    if (err instanceof AppError) throw err;
    throw malformed(`Malformed multipart request: ${(err as Error).message}.`);
  }
}
