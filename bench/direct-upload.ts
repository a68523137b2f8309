// The baseline: the same bytes uploaded straight from the bench process with @aws-sdk/lib-storage
// to the same embedded S3, with credentials from files/prepare, the importer's own S3 client
// factory (src/s3/s3-client-for.ts: same checksum and signing settings) and the same part size and
// queue. What the importer adds is its time over this one.
import type { Readable } from 'node:stream';
import { Upload } from '@aws-sdk/lib-storage';
import { createS3ClientFor } from '../src/s3/s3-client-for.js';
import { prepareFile, type StorageTarget } from './storage-calls.js';

export interface DirectUploadOptions extends StorageTarget {
  s3Endpoint: string;
  partBytes: number;
  queueSize: number;
}

/** Milliseconds from files/prepare to the completed multipart upload. */
export async function uploadDirect(body: Readable, options: DirectUploadOptions): Promise<number> {
  const startedAt = performance.now();
  const file = await prepareFile(options, 'direct.csv');
  const params = file.uploadParams;
  if (!params) throw new Error('files/prepare returned no uploadParams');
  const client = createS3ClientFor({ endpoint: options.s3Endpoint, forcePathStyle: true })(file);
  const sse = params['x-amz-server-side-encryption'];
  try {
    await new Upload({
      client,
      queueSize: options.queueSize,
      partSize: options.partBytes,
      leavePartsOnError: false,
      params: {
        Bucket: params.bucket,
        Key: params.key,
        Body: body,
        ...(params.acl ? { ACL: params.acl as 'private' } : {}),
        ContentDisposition: `attachment; filename=${file.name};`,
        ...(sse ? { ServerSideEncryption: sse as 'AES256' } : {}),
      },
    }).done();
  } finally {
    client.destroy();
  }
  return performance.now() - startedAt;
}
