// Finding buckets, tables, files and jobs by id, with Storage's 404s when they are missing.
// Permission checks stay with the caller (auth/tokens.ts), because they depend on the operation.

import { StorageError } from '../protocol/storage-error.js';
import type { BucketRecord, FileRecord, JobRecord, MetadataState, TableRecord } from './metadata-store.js';

/** The record under `id`, own keys only (an id like `constructor` is not a prototype property). */
export function ownRecord<T>(map: Record<string, T>, id: string): T | undefined {
  return Object.hasOwn(map, id) ? map[id] : undefined;
}

export function findBucket(state: MetadataState, bucketId: string): BucketRecord {
  const bucket = ownRecord(state.buckets, bucketId);
  if (!bucket) {
    throw new StorageError(
      404,
      'storage.buckets.notFound',
      `The bucket "${bucketId}" was not found in the project.`,
    );
  }
  return bucket;
}

/** `in.c-main.users` → bucket `in.c-main`, table `users`; a missing bucket is reported first. */
export function findTable(state: MetadataState, tableId: string): TableRecord {
  const lastDot = tableId.lastIndexOf('.');
  const bucketId = lastDot > 0 ? tableId.slice(0, lastDot) : tableId;
  findBucket(state, bucketId);
  const table = ownRecord(state.tables, tableId);
  if (!table) {
    const name = tableId.slice(lastDot + 1);
    throw new StorageError(
      404,
      'storage.tables.notFound',
      `The table "${name}" was not found in the bucket "${bucketId}" in the project.`,
    );
  }
  return table;
}

export function findFile(state: MetadataState, fileId: number | string): FileRecord {
  const file = /^\d+$/.test(String(fileId)) ? ownRecord(state.files, String(Number(fileId))) : undefined;
  if (!file) throw new StorageError(404, 'storage.files.notFound', 'File not found');
  return file;
}

export function findJob(state: MetadataState, jobId: string): JobRecord {
  const job = /^\d+$/.test(jobId) ? ownRecord(state.jobs, String(Number(jobId))) : undefined;
  if (!job) throw new StorageError(404, 'storage.jobs.notFound', `Job ${jobId} not found`);
  return job;
}
