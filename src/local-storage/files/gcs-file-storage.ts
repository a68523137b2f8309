// Local file storage on GCP terms: the GCS API stand-in on its own loopback port, objects under
// LOCAL_STORAGE_DIR/gcs. files/prepare, files/{id} and files/{id}/refresh hand out one-hour bearer
// tokens for one object, as GCP stacks do; jobs read finished objects straight from disk.
import { createReadStream } from 'node:fs';
import { copyFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { startGcsApiStandIn } from './gcs-api-stand-in.js';
import { createGcsTokens, type GcsTokens } from './gcs-tokens.js';
import type { LocalFileStorage, LocalFileStorageOptions } from './local-file-storage.js';

const BUCKET = 'kbc-local-files';
const PROJECT_ID = 'local-project';

export async function startGcsFileStorage(
  options: LocalFileStorageOptions & { tokens?: GcsTokens },
): Promise<LocalFileStorage> {
  const tokens = options.tokens ?? createGcsTokens();
  const api = await startGcsApiStandIn({
    directory: join(options.dataDir, 'gcs'),
    host: options.host,
    port: options.port,
    tokens,
  });
  let endpoint = api.url;
  const grant = (key: string, now: Date) => {
    const { token, expiresInSeconds } = tokens.issue(BUCKET, key, now);
    return { access_token: token, expires_in: expiresInSeconds, token_type: 'Bearer', projectId: PROJECT_ID };
  };
  const uploadParams = (key: string, now: Date) => {
    const { access_token, expires_in, token_type, projectId } = grant(key, now);
    return { gcsUploadParams: { projectId, bucket: BUCKET, key, access_token, expires_in, token_type } };
  };
  return {
    provider: 'gcp',
    get endpoint() {
      return endpoint;
    },
    bucket: BUCKET,
    region: 'europe-west3',
    uploadParams: (file, now) => uploadParams(file.key, now),
    downloadParams: (file, now) => ({
      gcsPath: { bucket: BUCKET, key: file.key },
      gcsCredentials: grant(file.key, now),
    }),
    refreshParams: (file, now) => uploadParams(file.key, now),
    advertise(url) {
      endpoint = url;
      api.advertise(url);
    },
    async openObject(key) {
      const path = await api.objectPath(BUCKET, key);
      if (!path) return undefined;
      return { body: createReadStream(path), sizeBytes: (await stat(path)).size };
    },
    async downloadObject(key, destination) {
      const path = await api.objectPath(BUCKET, key);
      if (!path) return undefined;
      await copyFile(path, destination);
      return { sizeBytes: (await stat(destination)).size };
    },
    async putObjectFromFile(key, source) {
      await api.putObjectFromFile(BUCKET, key, source);
      return { sizeBytes: (await stat(source)).size };
    },
    deleteObject: (key) => api.deleteObject(BUCKET, key),
    close: () => api.close(),
  };
}
