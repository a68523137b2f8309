// Streams one request body into the S3 object that Storage's files/prepare reserved, with the
// credentials, ACL and encryption it handed out. Memory is bounded by partBytes × (queueSize + 1).
// Cancellation: the signal aborts the multipart upload; the abort's own failure never hides the cause.
import type { Readable } from 'node:stream';
import type { S3Client } from '@aws-sdk/client-s3';
import { Upload, type Options as UploadOptions } from '@aws-sdk/lib-storage';
import { AppError } from '../errors.js';
import { describeCause } from '../storage-api/describe-cause.js';
import type { StorageFile } from '../storage-api/storage-types.js';

/** A new client for each prepared file (its credentials are scoped to that file's key). */
export type S3ClientFor = (file: StorageFile) => S3Client;

export interface UploadLimits {
  partBytes: number;
  queueSize: number;
}

/**
 * The lib-storage `Upload` params for a prepared file: its bucket and key, plus the ACL and
 * server-side encryption files/prepare asked for (S3 answers 403 without the latter). Also the
 * bench's direct baseline, so both upload the same way.
 */
export function s3UploadParams(file: StorageFile, body: Readable): UploadOptions['params'] {
  const params = file.uploadParams;
  if (!params)
    throw new AppError(
      502,
      'importer.storageFailed',
      'Storage files/prepare returned no S3 upload parameters.',
    );
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

export async function uploadToS3(
  body: Readable,
  file: StorageFile,
  deps: {
    s3ClientFor: S3ClientFor;
    limits: UploadLimits;
    signal: AbortSignal;
    onAbortFailure?: (err: unknown) => void;
  },
): Promise<void> {
  const params = s3UploadParams(file, body);
  const client = deps.s3ClientFor(file);
  const lifetime = closeWhenIdle(client);
  const upload = new Upload({
    client,
    queueSize: deps.limits.queueSize,
    partSize: deps.limits.partBytes,
    leavePartsOnError: false,
    params,
  });
  const abort = () => {
    upload.abort().catch((err: unknown) => deps.onAbortFailure?.(err));
  };
  if (deps.signal.aborted) abort();
  deps.signal.addEventListener('abort', abort, { once: true });
  try {
    await upload.done();
  } catch (err) {
    if (deps.signal.aborted) throw deps.signal.reason;
    // The body's own failure (size limit, stalled client) is the cause, whatever S3 said after it.
    if (body.errored instanceof AppError) throw body.errored;
    if (err instanceof AppError) throw err;
    throw new AppError(
      502,
      'importer.s3UploadFailed',
      `Uploading the file to S3 failed: ${describeCause(err)}`,
      {},
      { cause: err },
    );
  } finally {
    deps.signal.removeEventListener('abort', abort);
    lifetime.close();
  }
}

/**
 * Destroys the client (its keep-alive sockets) once it is closed and idle. One client per upload:
 * left alone, its sockets pile up, several per upload. After an abort, done() settles before
 * lib-storage's own cleanup (parts still in flight, then AbortMultipartUpload): those requests
 * finish first, and a request that ends after close() destroys the client again.
 */
function closeWhenIdle(client: S3Client): { close(): void } {
  let inFlight = 0;
  let closing = false;
  const destroyIfIdle = () => {
    if (closing && inFlight === 0) client.destroy();
  };
  client.middlewareStack.add(
    (next) => async (args) => {
      inFlight += 1;
      try {
        return await next(args);
      } finally {
        inFlight -= 1;
        destroyIfIdle();
      }
    },
    { step: 'initialize', name: 'closeWhenIdle' },
  );
  return {
    close() {
      closing = true;
      destroyIfIdle();
    },
  };
}
