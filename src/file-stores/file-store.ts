// The seam between the importer and the cloud storage a prepared Storage file lives in: upload a
// byte stream to the target files/prepare returned (S3, Azure Blob Storage or GCS), abortable, with
// bounded memory. Implementations own the provider's protocol; they know nothing of HTTP requests.
import type { Readable } from 'node:stream';
import type { StorageFile } from '../storage-api/storage-types.js';

/** Providers files/prepare names in `provider` (storage-api-contract §3.2/§3.3). */
export type FileProvider = 'aws' | 'azure' | 'gcp';

export interface UploadSettings {
  /** Part (S3), block (Azure) or chunk (GCS, rounded down to 256 KiB) size: UPLOAD_PART_BYTES. */
  partBytes: number;
  /** Parts in flight (or read ahead) besides the one being filled: UPLOAD_QUEUE_SIZE. */
  queueSize: number;
}

export interface FileUpload {
  body: Readable;
  /** The files/prepare answer: the target and its upload credentials. */
  file: StorageFile;
  /** Aborting cancels the upload; nothing is committed (an object, blob or finalised session). */
  signal: AbortSignal;
  /** Fresh credentials for the same file (`PUT files/{id}/refresh`); GCS calls it once on a 401. */
  refreshFile(): Promise<StorageFile>;
  /** Cleanup after a failure (abort multipart, cancel session) is best effort; its failure lands here. */
  onAbortFailure?(err: unknown): void;
}

export interface FileStore {
  readonly provider: FileProvider;
  /**
   * Streams `body` to the prepared file and resolves with the bytes written once they are
   * committed (an empty body still creates an empty object). Rejects with an AppError: the
   * body's own failure as it was, a refused or failed upload as 502 with the provider and status.
   */
  upload(upload: FileUpload): Promise<{ bytes: number }>;
}
