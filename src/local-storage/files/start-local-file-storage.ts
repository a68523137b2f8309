// Picks and starts the stand-in's file storage for LOCAL_FILE_PROVIDER: each provider (and its
// packages) is imported only when chosen.
import type { LocalFileStorage, LocalFileStorageOptions } from './local-file-storage.js';

export async function startLocalFileStorage(options: LocalFileStorageOptions): Promise<LocalFileStorage> {
  switch (options.provider) {
    case 'azure':
      return (await import('./azurite-file-storage.js')).startAzuriteFileStorage(options);
    case 'gcp':
      return (await import('./gcs-file-storage.js')).startGcsFileStorage(options);
    default:
      return (await import('./s3-file-storage.js')).startS3FileStorage(options);
  }
}
