// Builds the S3 client for one prepared Storage file: its region and temporary credentials, plus
// the endpoint override that local mode (the embedded S3) needs. Checksums only where S3 requires
// them: S3-compatible servers reject the SDK's default CRC32 trailers, and TLS already guards bytes.
import { S3Client } from '@aws-sdk/client-s3';
import type { StorageFile } from '../storage-api/storage-types.js';

export interface S3Endpoint {
  endpoint: string | undefined;
  forcePathStyle: boolean;
}

export function createS3ClientFor(target: S3Endpoint) {
  return (file: StorageFile): S3Client => {
    const credentials = file.uploadParams?.credentials;
    return new S3Client({
      region: file.region ?? 'us-east-1',
      ...(target.endpoint ? { endpoint: target.endpoint } : {}),
      forcePathStyle: target.forcePathStyle,
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      maxAttempts: 4,
      ...(credentials
        ? {
            credentials: {
              accessKeyId: credentials.AccessKeyId,
              secretAccessKey: credentials.SecretAccessKey,
              sessionToken: credentials.SessionToken,
            },
          }
        : {}),
    });
  };
}
