// Collaborators: the live objects the importer routes call (Storage client, file stores, upload
// slots, logger, metrics, the drain deadline). Numbers and flags are in settings.ts instead.
import type { FileStores } from './file-stores/file-store-for.js';
import type { UploadSlots } from './ingest/upload-slots.js';
import type { Logger } from './logger.js';
import type { Metrics } from './metrics.js';
import type { StorageClient } from './storage-api/storage-client.js';

export interface Collaborators {
  storage: StorageClient;
  /** Where uploads go, by the provider files/prepare names (aws, azure, gcp). */
  fileStores: FileStores;
  uploadSlots: UploadSlots;
  logger: Logger;
  metrics: Metrics;
  /**
   * Aborted when a graceful shutdown ran out of time: an upload still in progress is refused with
   * 503 (no job started), a job wait ends and answers 202 with the job.
   */
  drainDeadline?: AbortSignal;
}
