// The stand-in's own file storage, whichever provider local mode runs (LOCAL_FILE_PROVIDER): s3rver,
// Azurite or the GCS API stand-in. It hands out the provider's upload and download parameters for a
// Storage file and reads uploaded files back for import jobs and download links. This module is the
// seam every provider implements; start-local-file-storage.ts picks and starts one.

import type { FileRecord } from '../metadata/metadata-store.js';
import type { EmbeddedS3Object } from './embedded-s3.js';

export type LocalFileProvider = 'aws' | 'azure' | 'gcp';

export interface LocalFileStorage {
  provider: LocalFileProvider;
  /** Where clients upload: S3 endpoint, Blob endpoint (with the account), or GCS JSON API base. */
  endpoint: string;
  /** S3 bucket, Azure container or GCS bucket holding every file. */
  bucket: string;
  region: string;
  /** files/prepare's upload block: `uploadParams`, `absUploadParams` or `gcsUploadParams`. */
  uploadParams(file: FileRecord, now: Date): Record<string, unknown>;
  /** files/{id}?federationToken=1 additions: `s3Path` + `credentials`, `absPath` + `absCredentials`, … */
  downloadParams(file: FileRecord, now: Date): Record<string, unknown>;
  /** `PUT files/{id}/refresh` (GCS only): fresh upload parameters; undefined for other providers. */
  refreshParams(file: FileRecord, now: Date): Record<string, unknown> | undefined;
  /** When a fault proxy fronts the storage: the address clients are told to use instead. */
  advertise(endpoint: string): void;
  /** Copies an uploaded file to `destination`; undefined when it was never (completely) uploaded. */
  downloadObject(key: string, destination: string): Promise<{ sizeBytes: number } | undefined>;
  openObject(key: string): Promise<EmbeddedS3Object | undefined>;
  /** Stores the local file `source` as object `key` (the stand-in's own writes: table exports). */
  putObjectFromFile(key: string, source: string, contentType: string): Promise<{ sizeBytes: number }>;
  /** Removes object `key`; one that is not there counts as removed. */
  deleteObject(key: string): Promise<void>;
  close(): Promise<void>;
}

export interface LocalFileStorageOptions {
  provider: LocalFileProvider;
  /** LOCAL_STORAGE_DIR: each provider keeps its objects in its own subdirectory. */
  dataDir: string;
  host: string;
  /** 0 picks a free one. */
  port: number;
  /** The stand-in's persistent secret: S3 credentials are derived from it (s3-credentials.ts). */
  signingSecret: string;
}

/** The address to advertise for a listener bound to `host` (a wildcard becomes loopback). */
export function advertisedHost(host: string): string {
  if (host === '0.0.0.0' || host === '::' || host === '') return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}
