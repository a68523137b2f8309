// Local file storage on AWS terms: the embedded s3rver behind its signature check, with federation
// credentials derived from the stand-in's secret and valid for one file's key only.
import { join } from 'node:path';
import { startEmbeddedS3 } from './embedded-s3.js';
import type { LocalFileStorage, LocalFileStorageOptions } from './local-file-storage.js';

const CREDENTIALS_TTL_MS = 12 * 3600 * 1000;

export async function startS3FileStorage(options: LocalFileStorageOptions): Promise<LocalFileStorage> {
  const s3 = await startEmbeddedS3({
    directory: join(options.dataDir, 's3'),
    host: options.host,
    port: options.port,
    signingSecret: options.signingSecret,
  });
  let endpoint = s3.endpoint;
  /** Federation credentials for the embedded S3, valid for this key only. */
  const createCredentials = (key: string, now: Date) => {
    const issued = s3.issueCredentials(key, new Date(now.getTime() + CREDENTIALS_TTL_MS));
    return {
      AccessKeyId: issued.accessKeyId,
      SecretAccessKey: issued.secretAccessKey,
      SessionToken: issued.sessionToken,
      Expiration: `${issued.expiresAt.toISOString().slice(0, 19)}+00:00`,
    };
  };
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
        credentials: createCredentials(file.key, now),
      },
    }),
    downloadParams: (file, now) => ({
      s3Path: { bucket: s3.bucket, key: file.key },
      credentials: createCredentials(file.key, now),
    }),
    refreshParams: () => undefined,
    advertise(url) {
      endpoint = url;
    },
    downloadObject: (key, destination) => s3.downloadObject(key, destination),
    openObject: (key) => s3.openObject(key),
    putObjectFromFile: (key, source, contentType) => s3.putObjectFromFile(key, source, contentType),
    deleteObject: (key) => s3.deleteObject(key),
    close: () => s3.close(),
  };
}
