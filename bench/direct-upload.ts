// The baseline: the same bytes uploaded straight from the bench process with @aws-sdk/lib-storage
// (Azure and GCS: with the importer's own file store module, as there is no second client to compare)
// to the same embedded S3, with credentials from files/prepare, the importer's own S3 client
// factory (src/file-stores/s3-client-for.ts: same checksum and signing settings), its own upload parameters
// (s3UploadParams) and the same part size and queue. What the importer adds is its time over
// this one.
import type { Readable } from 'node:stream';
import { Upload } from '@aws-sdk/lib-storage';
import { createFileStores } from '../src/file-stores/file-store-for.js';
import { createS3ClientFor } from '../src/file-stores/s3-client-for.js';
import { s3UploadParams } from '../src/file-stores/s3-file-store.js';
import { prepareFile, type StorageTarget } from './storage-calls.js';

export interface DirectUploadOptions extends StorageTarget {
  /** The embedded file storage's endpoint (S3, Azure Blob with account, GCS API base). */
  s3Endpoint: string;
  provider?: 'aws' | 'azure' | 'gcp';
  partBytes: number;
  queueSize: number;
}

/** Milliseconds from files/prepare to the completed multipart upload. */
export async function uploadDirect(body: Readable, options: DirectUploadOptions): Promise<number> {
  const startedAt = performance.now();
  const file = await prepareFile(options, 'direct.csv');
  if (options.provider === 'azure' || options.provider === 'gcp') {
    // No second client library to compare with: the importer's own store, without the service.
    const store = createFileStores({
      settings: { partBytes: options.partBytes, queueSize: options.queueSize },
      s3: { endpoint: undefined, forcePathStyle: true },
      azureBlobEndpoint: options.provider === 'azure' ? options.s3Endpoint : undefined,
      gcsEndpoint: options.provider === 'gcp' ? options.s3Endpoint : undefined,
    })[options.provider];
    await store?.upload({
      body,
      file,
      signal: new AbortController().signal,
      refreshFile: () => Promise.reject(new Error('no refresh in the bench')),
    });
    return performance.now() - startedAt;
  }
  const client = createS3ClientFor({ endpoint: options.s3Endpoint, forcePathStyle: true })(file);
  try {
    await new Upload({
      client,
      queueSize: options.queueSize,
      partSize: options.partBytes,
      leavePartsOnError: false,
      params: s3UploadParams(file, body),
    }).done();
  } finally {
    client.destroy();
  }
  return performance.now() - startedAt;
}
