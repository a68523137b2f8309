// What the local Storage stand-in's routes receive: its stores, runners and clock, built once by
// local-storage.ts. Types only.
import type { Logger } from '../../logger.js';
import type { AuthEnv, TokenRegistry } from '../auth/tokens.js';
import type { LocalFileStorage } from '../files/local-file-storage.js';
import type { JobRunner } from '../jobs/job-runner.js';
import type { TableJobs } from '../jobs/table-jobs.js';
import type { MetadataStore } from '../metadata/metadata-store.js';
import type { TableStore } from '../tables/table-store.js';

export interface StorageDeps {
  metadata: MetadataStore;
  tableStore: TableStore;
  /** The embedded file storage of LOCAL_FILE_PROVIDER (s3rver, Azurite or the GCS stand-in). */
  fileStorage: LocalFileStorage;
  jobs: JobRunner;
  tableJobs: TableJobs;
  tokens: TokenRegistry;
  /** Scratch directory for job files (e.g. exports before they go to S3); emptied at start. */
  tempDir: string;
  logger?: Logger;
  now: () => Date;
}

export type StorageEnv = AuthEnv;
