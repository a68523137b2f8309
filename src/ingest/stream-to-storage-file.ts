// Streams one body into a new Storage file: counts bytes and enforces MAX_FILE_BYTES in the
// stream, lets the caller name the file from its first bytes, reserves it with files/prepare (every
// file tagged `table-importer`) and uploads it with the file store of the provider Storage named
// (S3, Azure Blob Storage, GCS). Any failure aborts the upload; it never starts an import job.

import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Collaborators } from '../collaborators.js';
import { AppError } from '../errors.js';
import { fileStoreFor } from '../file-stores/file-store-for.js';
import { fileUploadFailed } from '../file-stores/upload-failed.js';
import type { RequestFacts } from '../http/app-env.js';
import { redactSecrets } from '../redact-secrets.js';
import type { ImporterSettings } from '../settings.js';
import type { StorageSession } from '../storage-api/storage-client.js';
import type { PrepareFileParams, StorageFile } from '../storage-api/storage-types.js';
import { createByteCounter } from './byte-counter.js';

export interface StreamToStorageFileDeps extends Pick<Collaborators, 'fileStores' | 'metrics' | 'logger'> {
  settings: Pick<ImporterSettings, 'maxFileBytes'>;
}

export interface StreamToStorageFileOptions {
  /** files/prepare goes through this session (its branch, run id and signal). */
  session: Pick<StorageSession, 'prepareFile' | 'refreshFile'>;
  signal: AbortSignal;
  /** The caller's own connection: tells a disconnect apart from other aborts in the metrics. */
  clientSignal: AbortSignal;
  /**
   * Names the file from its first 2 bytes (enough to sniff gzip; empty for an empty body); throws
   * to refuse the body. The `table-importer` tag is added to `tags`.
   */
  describe(head: Buffer): Omit<PrepareFileParams, 'tags'> & { tags?: string[] };
  /**
   * false: `describe` ignores the head, so files/prepare goes out as soon as the stream is handed
   * over (a bad token is refused at once, not after the client's first bytes). Default true.
   */
  needsHead?: boolean;
  /** The request's log facts: get the file id once prepared and the byte count once stored. */
  facts?: Pick<RequestFacts, 'fileId' | 'bytes'>;
  /** Called once files/prepare answered, before any byte is sent (e.g. an idempotency key's clock). */
  onPrepared?(file: StorageFile): void;
}

export interface StoredFile {
  /** The files/prepare answer (it carries upload credentials: never send it to a caller). */
  file: StorageFile;
  bytes: number;
}

/** Every Storage file the importer creates carries this tag. */
const FILE_TAG = 'table-importer';

export async function streamToStorageFile(
  source: Readable,
  deps: StreamToStorageFileDeps,
  options: StreamToStorageFileOptions,
): Promise<StoredFile> {
  const controller = new AbortController();
  const signal = AbortSignal.any([options.signal, controller.signal]);
  const counter = createByteCounter(deps.settings.maxFileBytes);
  const piping = pipeline(source, counter, { signal });
  // The body's own failure (size limit, bad input, stalled client) is the cause of everything after it.
  piping.catch((err: unknown) => {
    if (!controller.signal.aborted) controller.abort(err);
  });
  try {
    const head =
      options.needsHead === false ? Buffer.alloc(0) : await Promise.race([counter.head, whenAborted(signal)]);
    const described = options.describe(head);
    const tags = described.tags ?? [];
    const params = { ...described, tags: tags.includes(FILE_TAG) ? tags : [...tags, FILE_TAG] };
    const startedAt = Date.now();
    const file = await options.session.prepareFile(params);
    // Before any byte is sent: an answer naming a provider without a store is a 502 here.
    const store = fileStoreFor(deps.fileStores, file);
    if (options.facts) options.facts.fileId = file.id;
    options.onPrepared?.(file);
    try {
      const written = await store.upload({
        body: counter,
        file,
        signal,
        refreshFile: () => options.session.refreshFile(file.id),
        onAbortFailure: (err) =>
          deps.logger.debug(
            { err: describeUploadError(err), fileId: file.id, provider: store.provider },
            'upload abort failed (best effort)',
          ),
      });
      await piping;
      // Bytes are exact: what the store committed is what the caller sent, or nothing is imported.
      if (written.bytes !== counter.bytes)
        throw fileUploadFailed(
          store.provider,
          undefined,
          `${written.bytes} bytes were stored of ${counter.bytes} received`,
        );
    } catch (err) {
      deps.metrics.abortedUploads.inc({ reason: abortReason(err, options.clientSignal) });
      throw err;
    }
    deps.metrics.uploadedBytes.inc(counter.bytes);
    deps.metrics.uploadDuration.observe((Date.now() - startedAt) / 1000);
    if (options.facts) options.facts.bytes = counter.bytes;
    return { file, bytes: counter.bytes };
  } catch (err) {
    if (!controller.signal.aborted) controller.abort(err);
    throw signal.aborted && !options.signal.aborted ? (controller.signal.reason ?? err) : err;
  }
}

function whenAborted(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    if (signal.aborted) reject(signal.reason);
    else signal.addEventListener('abort', () => reject(signal.reason), { once: true });
  });
}

function abortReason(err: unknown, clientSignal: AbortSignal): string {
  if (clientSignal.aborted) return 'client-disconnect';
  if (!(err instanceof AppError)) return 'error';
  if (err.code === 'importer.shuttingDown') return 'shutdown';
  if (err.status === 413) return 'too-large';
  if (err.status === 408) return 'idle-timeout';
  return err.status >= 500 ? 'upstream' : 'rejected';
}

/**
 * What may be logged of an upload error: never the whole object, since an S3 SignatureDoesNotMatch
 * error carries the CanonicalRequest (session token included) and an Azure one the SAS URL.
 */
function describeUploadError(err: unknown): { name?: string; message?: string; httpStatus?: number } {
  if (!err || typeof err !== 'object') return { message: String(err) };
  const { name, message, $metadata } = err as {
    name?: unknown;
    message?: unknown;
    $metadata?: { httpStatusCode?: unknown };
  };
  return {
    ...(typeof name === 'string' ? { name } : {}),
    ...(typeof message === 'string' ? { message: redactSecrets(message) } : {}),
    ...(typeof $metadata?.httpStatusCode === 'number' ? { httpStatus: $metadata.httpStatusCode } : {}),
  };
}
