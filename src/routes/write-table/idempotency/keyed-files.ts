// Storage reads and writes of the idempotency protocol: the files carrying one key (oldest first),
// the one job started for any of them (by its job tag, else by operationParams.source.fileId in the
// newest jobs, as the ambiguous-POST recovery does), and best-effort tagging and deleting.
import type { Logger } from '../../../logger.js';
import { jobSourceFileId } from '../../../storage-api/job-facts.js';
import type { StorageSession } from '../../../storage-api/storage-client.js';
import type { StorageJob } from '../../../storage-api/storage-types.js';
import { type KeyedFile, keyTag, parseKeyedFile } from './idempotency-tags.js';

export type KeyedSession = Pick<
  StorageSession,
  'listFiles' | 'getJob' | 'listJobs' | 'addFileTag' | 'deleteFile'
>;

/** More files than this for one key means retries far beyond any sender's; the oldest count. */
const MAX_FILES_PER_KEY = 100;
const IMPORT_OPERATIONS = new Set(['tableImport', 'tableCreate']);

/** Every file carrying the key, oldest (lowest id) first. */
export async function listKeyedFiles(session: KeyedSession, key: string): Promise<KeyedFile[]> {
  const files = await session.listFiles({ tags: [keyTag(key)], limit: MAX_FILES_PER_KEY });
  return files.map(parseKeyedFile).sort((a, b) => a.id - b.id);
}

export interface KeyedJob {
  job: StorageJob;
  file: KeyedFile;
}

/**
 * The import or create job started for one of `files` (the oldest file's, should there be more;
 * its newest, should it have two), or undefined. A job tag is read first (one GET); the scan of the newest jobs covers a request
 * that started its job but could not tag its file.
 */
export async function findKeyedJob(
  session: KeyedSession,
  files: KeyedFile[],
  jobListLimit: number,
): Promise<KeyedJob | undefined> {
  for (const file of files) {
    // The newest first: a create that lost a race to another request is followed by an import.
    for (const jobId of [...file.jobIds].sort((a, b) => b - a)) {
      const job = await session.getJob(jobId).catch(() => undefined);
      if (job && jobSourceFileId(job) === file.id) return { job, file };
    }
  }
  if (files.length === 0) return undefined;
  const byId = new Map(files.map((file) => [file.id, file]));
  const jobs = await session.listJobs(jobListLimit);
  const found = jobs
    .filter((job) => IMPORT_OPERATIONS.has(job.operationName) && byId.has(jobSourceFileId(job) ?? -1))
    .sort((a, b) => (jobSourceFileId(a) ?? 0) - (jobSourceFileId(b) ?? 0) || b.id - a.id)[0];
  return found ? { job: found, file: byId.get(jobSourceFileId(found) ?? -1) as KeyedFile } : undefined;
}

/** Best effort: a tag that could not be added only costs a later lookup a scan of the jobs list. */
export async function tagFile(session: KeyedSession, fileId: number, tag: string, logger: Logger) {
  try {
    await session.addFileTag(fileId, tag);
  } catch (err) {
    logger.warn({ fileId, code: (err as { code?: string }).code }, 'idempotency: tagging the file failed');
  }
}

/** Best effort: a file left behind is ignored once it counts as abandoned (see decide-keyed-import). */
export async function deleteKeyedFile(session: KeyedSession, fileId: number, logger: Logger) {
  try {
    await session.deleteFile(fileId);
  } catch (err) {
    logger.warn({ fileId, code: (err as { code?: string }).code }, 'idempotency: deleting the file failed');
  }
}
