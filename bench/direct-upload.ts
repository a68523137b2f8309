// The baselines: the same bytes uploaded straight from the bench process to the same embedded
// storage, with credentials from files/prepare, the same part size and queue. On S3 twice: with
// @aws-sdk/lib-storage (the reference) and with the importer's own S3 file store (its pooled
// multipart loop), both through the importer's client factory (s3-client-for.ts) and object
// parameters (s3UploadParams). Azure and GCS: the importer's own store only (no second client).
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
  /** S3 only: lib-storage's Upload (default) or the importer's S3 file store. */
  engine?: 'lib-storage' | 'file-store';
}

/** Milliseconds from files/prepare to the completed upload. */
export async function uploadDirect(body: Readable, options: DirectUploadOptions): Promise<number> {
  const startedAt = performance.now();
  const file = await prepareFile(options, 'direct.csv');
  const provider = options.provider ?? 'aws';
  if (provider !== 'aws' || options.engine === 'file-store') {
    const store = fileStores({ ...options, provider })[provider];
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
      params: { ...s3UploadParams(file), Body: body },
    }).done();
  } finally {
    client.destroy();
  }
  return performance.now() - startedAt;
}

/** The importer's stores, built once per settings, as the importer builds them. */
let built: { key: string; stores: ReturnType<typeof createFileStores> } | undefined;
function fileStores(options: DirectUploadOptions & { provider: 'aws' | 'azure' | 'gcp' }) {
  const key = JSON.stringify([options.provider, options.s3Endpoint, options.partBytes, options.queueSize]);
  if (built?.key !== key) {
    built = {
      key,
      stores: createFileStores({
        settings: { partBytes: options.partBytes, queueSize: options.queueSize },
        s3: { endpoint: options.provider === 'aws' ? options.s3Endpoint : undefined, forcePathStyle: true },
        azureBlobEndpoint: options.provider === 'azure' ? options.s3Endpoint : undefined,
        gcsEndpoint: options.provider === 'gcp' ? options.s3Endpoint : undefined,
      }),
    };
  }
  return built.stores;
}
