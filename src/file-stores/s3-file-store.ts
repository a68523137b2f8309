// The S3 file store (AWS stacks): streams a body into the object files/prepare reserved, with the
// federation credentials, ACL and encryption it handed out (s3-multipart-upload.ts does the protocol).
// Memory is bounded by partBytes × (queueSize + 1). Failures become importer.s3UploadFailed.
import type { S3Client } from '@aws-sdk/client-s3';
import { AppError, importerError } from '../errors.js';
import { describeCause } from '../storage-api/describe-cause.js';
import type { StorageFile } from '../storage-api/storage-types.js';
import type { FileStore, UploadSettings } from './file-store.js';
import { createPartBufferPool, type PartBufferPool } from './part-buffer-pool.js';
import { type S3ObjectParams, uploadToS3 } from './s3-multipart-upload.js';

/** A new client for each prepared file (its credentials are scoped to that file's key). */
export type S3ClientFor = (file: StorageFile) => S3Client;

/**
 * The object parameters for a prepared file: its bucket and key, plus the ACL and server-side
 * encryption files/prepare asked for (S3 answers 403 without the latter). Also the bench's direct
 * baseline (lib-storage), so both upload the same object.
 */
export function s3UploadParams(file: StorageFile): S3ObjectParams {
  const params = file.uploadParams;
  if (!params)
    throw importerError('importer.storageFailed', 'Storage files/prepare returned no S3 upload parameters.');
  const sse = params['x-amz-server-side-encryption'];
  return {
    Bucket: params.bucket,
    Key: params.key,
    ...(params.acl ? { ACL: params.acl as 'private' } : {}),
    ContentDisposition: `attachment; filename=${file.name};`,
    ...(sse ? { ServerSideEncryption: sse as 'AES256' } : {}),
  };
}

export interface S3FileStoreDeps {
  s3ClientFor: S3ClientFor;
  settings: UploadSettings;
  /** Part buffers shared across uploads (and stores); default: each upload its own. */
  pool?: PartBufferPool;
  /** S3's 10,000; lower only in tests. */
  maxParts?: number;
}

export function createS3FileStore(deps: S3FileStoreDeps): FileStore {
  const { partBytes, queueSize } = deps.settings;
  return {
    provider: 'aws',
    async upload({ body, file, signal, onAbortFailure }) {
      const params = s3UploadParams(file);
      const pool = deps.pool ?? createPartBufferPool({ bufferBytes: partBytes, maxIdle: queueSize + 1 });
      // One client per upload (its credentials are the file's); every request of it has settled
      // when uploadToS3 settles, so its keep-alive sockets go with it.
      const client = deps.s3ClientFor(file);
      try {
        return await uploadToS3({
          client,
          params,
          body,
          pool,
          partBytes,
          queueSize,
          signal,
          ...(onAbortFailure ? { onAbortFailure } : {}),
          ...(deps.maxParts ? { maxParts: deps.maxParts } : {}),
        });
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
        client.destroy();
      }
    },
  };
}
