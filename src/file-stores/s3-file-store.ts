// The S3 file store (AWS stacks): streams a body into the object files/prepare reserved, with the
// federation credentials, ACL and encryption it handed out, through lib-storage. Memory is bounded
// by partBytes × (queueSize + 1). The signal aborts the multipart upload; its failure never hides the cause.
import type { Readable } from 'node:stream';
import type { S3Client } from '@aws-sdk/client-s3';
import { Upload, type Options as UploadOptions } from '@aws-sdk/lib-storage';
import { AppError, importerError } from '../errors.js';
import { describeCause } from '../storage-api/describe-cause.js';
import type { StorageFile } from '../storage-api/storage-types.js';
import type { FileStore, UploadSettings } from './file-store.js';

/** A new client for each prepared file (its credentials are scoped to that file's key). */
export type S3ClientFor = (file: StorageFile) => S3Client;

/** Commands whose body is file data, counted once S3 acknowledged them. */
const DATA_COMMANDS = new Set(['PutObjectCommand', 'UploadPartCommand']);

/**
 * The lib-storage `Upload` params for a prepared file: its bucket and key, plus the ACL and
 * server-side encryption files/prepare asked for (S3 answers 403 without the latter). Also the
 * bench's direct baseline, so both upload the same way.
 */
export function s3UploadParams(file: StorageFile, body: Readable): UploadOptions['params'] {
  const params = file.uploadParams;
  if (!params)
    throw importerError('importer.storageFailed', 'Storage files/prepare returned no S3 upload parameters.');
  const sse = params['x-amz-server-side-encryption'];
  return {
    Bucket: params.bucket,
    Key: params.key,
    Body: body,
    ...(params.acl ? { ACL: params.acl as 'private' } : {}),
    ContentDisposition: `attachment; filename=${file.name};`,
    ...(sse ? { ServerSideEncryption: sse as 'AES256' } : {}),
  };
}

export function createS3FileStore(deps: { s3ClientFor: S3ClientFor; settings: UploadSettings }): FileStore {
  return {
    provider: 'aws',
    async upload({ body, file, signal, onAbortFailure }) {
      const params = s3UploadParams(file, body);
      const client = deps.s3ClientFor(file);
      const lifetime = trackRequests(client);
      const upload = new Upload({
        client,
        queueSize: deps.settings.queueSize,
        partSize: deps.settings.partBytes,
        leavePartsOnError: false,
        params,
      });
      const abort = () => {
        upload.abort().catch((err: unknown) => onAbortFailure?.(err));
      };
      if (signal.aborted) abort();
      signal.addEventListener('abort', abort, { once: true });
      try {
        await upload.done();
        return { bytes: lifetime.acknowledgedBytes() };
      } catch (err) {
        if (signal.aborted) throw signal.reason;
        // The body's own failure (size limit, stalled client) is the cause, whatever S3 said after it.
        if (body.errored instanceof AppError) throw body.errored;
        if (err instanceof AppError) throw err;
        const status = (err as { $metadata?: { httpStatusCode?: unknown } }).$metadata?.httpStatusCode;
        throw importerError(
          'importer.s3UploadFailed',
          `Uploading the file to S3 failed: ${describeCause(err)}`,
          { provider: 'aws', ...(typeof status === 'number' ? { upstreamStatus: status } : {}) },
          { cause: err },
        );
      } finally {
        signal.removeEventListener('abort', abort);
        lifetime.close();
      }
    },
  };
}

/**
 * Counts the bytes S3 acknowledged and destroys the client (its keep-alive sockets) once it is
 * closed and idle. One client per upload: left alone, its sockets pile up, several per upload.
 * After an abort, done() settles before lib-storage's own cleanup (parts still in flight, then
 * AbortMultipartUpload): those requests finish first, and one that ends after close() destroys it.
 */
function trackRequests(client: S3Client): { close(): void; acknowledgedBytes(): number } {
  let inFlight = 0;
  let closing = false;
  let bytes = 0;
  const destroyIfIdle = () => {
    if (closing && inFlight === 0) client.destroy();
  };
  client.middlewareStack.add(
    (next, context) => async (args) => {
      inFlight += 1;
      try {
        const result = await next(args);
        const data = (args.input as { Body?: unknown }).Body;
        if (DATA_COMMANDS.has(context.commandName ?? '') && data instanceof Uint8Array)
          bytes += data.byteLength;
        return result;
      } finally {
        inFlight -= 1;
        destroyIfIdle();
      }
    },
    { step: 'initialize', name: 'trackRequests' },
  );
  return {
    acknowledgedBytes: () => bytes,
    close() {
      closing = true;
      destroyIfIdle();
    },
  };
}
