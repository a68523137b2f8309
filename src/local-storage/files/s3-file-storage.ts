// Local file storage on AWS terms: the embedded s3rver, with federation credentials whose access key
// id s3rver knows (it checks no signatures, so secret and session token are fresh random values).
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { EMBEDDED_S3_ACCESS_KEY_ID, startEmbeddedS3 } from '../embedded-s3.js';
import type { LocalFileStorage, LocalFileStorageOptions } from './local-file-storage.js';

const CREDENTIALS_TTL_MS = 12 * 3600 * 1000;

export async function startS3FileStorage(options: LocalFileStorageOptions): Promise<LocalFileStorage> {
  const s3 = await startEmbeddedS3({
    directory: join(options.dataDir, 's3'),
    host: options.host,
    port: options.port,
  });
  let endpoint = s3.endpoint;
  return {
    provider: 'aws',
    get endpoint() {
      return endpoint;
    },
    bucket: s3.bucket,
    region: s3.region,
    uploadParams: (file, now) => ({
      uploadParams: {
        bucket: s3.bucket,
        key: file.key,
        acl: 'private',
        ...(file.isEncrypted ? { 'x-amz-server-side-encryption': 'AES256' } : {}),
        credentials: createCredentials(now),
      },
    }),
    downloadParams: (file, now) => ({
      s3Path: { bucket: s3.bucket, key: file.key },
      credentials: createCredentials(now),
    }),
    refreshParams: () => undefined,
    advertise(url) {
      endpoint = url;
    },
    downloadObject: (key, destination) => s3.downloadObject(key, destination),
    openObject: (key) => s3.openObject(key),
    close: () => s3.close(),
  };
}

function createCredentials(now: Date) {
  return {
    AccessKeyId: EMBEDDED_S3_ACCESS_KEY_ID,
    SecretAccessKey: randomBytes(30).toString('base64url'),
    SessionToken: randomBytes(60).toString('base64url'),
    Expiration: `${new Date(now.getTime() + CREDENTIALS_TTL_MS).toISOString().slice(0, 19)}+00:00`,
  };
}
