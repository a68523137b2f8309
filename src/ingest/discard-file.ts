// A refused write-table request leaves no file record behind: the file it prepared (empty, or with
// bytes no job will read) is deleted best effort, without delaying the answer. Never when a job may
// have started from it (the import's outcome is unknown): then the file belongs to that job.
import type { Logger } from '../logger.js';
import { describeCause } from '../storage-api/describe-cause.js';
import type { StorageClient } from '../storage-api/storage-client.js';

const DELETE_TIMEOUT_MS = 15_000;

export interface DiscardTarget {
  token: string;
  runId: string | undefined;
  prepares?: Array<Promise<{ id: number }>>;
  /** A job-starting POST went out for the file: a job may read it even if its answer never came. */
  jobRequested?: boolean;
}

/**
 * Whether a failed request's prepared files are safe to delete: it prepared one and never sent the
 * job-starting POST (after that a job may read the file, whether or not its answer came).
 */
export function isDiscardable(target: DiscardTarget): boolean {
  return (target.prepares ?? []).length > 0 && !target.jobRequested;
}

/**
 * A session whose files/prepare is not cut by the request's fail-fast signal: a prepare already
 * sent may create the record anyway, so it is let finish and recorded for discardPreparedFiles.
 */
export function trackPrepares<S extends { prepareFile(params: P): Promise<F> }, P, F extends { id: number }>(
  session: S,
  prepares: Array<Promise<{ id: number }>> | undefined,
): S {
  return {
    ...session,
    prepareFile(params: P) {
      const prepared = session.prepareFile(params);
      prepares?.push(prepared);
      return prepared;
    },
  };
}

/** Deletes every file the request prepared, once each prepare settled; never throws. */
export async function discardPreparedFiles(
  deps: { storage: StorageClient; logger: Logger },
  target: DiscardTarget,
): Promise<void> {
  const settled = await Promise.allSettled(target.prepares ?? []);
  const ids = settled.flatMap((result) => (result.status === 'fulfilled' ? [result.value.id] : []));
  await Promise.all(ids.map((fileId) => discardFile(deps, target, fileId)));
}

function discardFile(
  deps: { storage: StorageClient; logger: Logger },
  target: DiscardTarget,
  fileId: number,
): Promise<void> {
  // Its own deadline: the client may be gone, and that must not stop the cleanup.
  const session = deps.storage.session({
    token: target.token,
    runId: target.runId,
    signal: AbortSignal.timeout(DELETE_TIMEOUT_MS),
  });
  return session.deleteFile(fileId).then(
    () => deps.logger.debug({ fileId }, 'deleted the file of a refused request'),
    (err: unknown) =>
      deps.logger.warn(
        { fileId, cause: describeCause(err, { timeoutMs: DELETE_TIMEOUT_MS }) },
        'could not delete the file of a refused request (best effort)',
      ),
  );
}
