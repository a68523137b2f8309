// Storage jobs of the local stand-in: `waiting → processing → success|error`, one job at a time
// per target table, any number of tables at once, each job persisted when accepted and when it
// ends (a success committed with its data is saved with the next save). It runs whatever work it
// is given; what a tableCreate or tableImport does lives in table-jobs.ts.
import type { Logger } from '../../logger.js';
import type { JobRecord, MetadataStore } from '../metadata/metadata-store.js';
import { StorageError } from '../protocol/storage-error.js';
import { createExceptionId, formatStorageTime } from '../protocol/storage-response.js';

export interface JobOutcome {
  results: Record<string, unknown>;
  tableId: string | null;
  /**
   * The outcome was committed together with the job's data (tables/job-outcomes.ts), so start-up
   * recovery rebuilds this success after a crash: its metadata save is deferred (saveSoon), which
   * takes an fsync off every import.
   */
  committedWithData?: boolean;
}

/** May set `job.metrics`; throws StorageError for user-facing failures. */
export type JobWork = (job: JobRecord) => Promise<JobOutcome>;

export interface JobRunner {
  /** Persists the job (status `waiting`) and queues it behind earlier jobs on the same table. */
  submit(job: JobRecord, work: JobWork): Promise<void>;
  /** Waits for running jobs; jobs that have not started are marked interrupted. */
  close(): Promise<void>;
}

export const JOB_INTERRUPTED_CODE = 'storage.jobInterrupted';
/** Finished jobs kept for GET jobs; older ones are forgotten so the metadata document stays small. */
const MAX_RETAINED_FINISHED_JOBS = 1000;

export function createJobRunner(deps: {
  metadata: MetadataStore;
  logger?: Logger;
  now?: () => Date;
}): JobRunner {
  const now = deps.now ?? (() => new Date());
  const chains = new Map<string, Promise<void>>();
  let closing = false;

  const finish = async (job: JobRecord, recoverable: boolean) => {
    job.endTime = formatStorageTime(now());
    pruneFinishedJobs(deps.metadata, MAX_RETAINED_FINISHED_JOBS);
    if (recoverable) deps.metadata.saveSoon();
    else await deps.metadata.save();
  };

  const run = async (job: JobRecord, work: JobWork) => {
    if (closing) return;
    // Not persisted on its own: after a crash a `waiting` and a `processing` job recover the same
    // way (interrupted), so the save would only add an fsync to every job's latency.
    job.status = 'processing';
    job.startTime = formatStorageTime(now());
    let recoverable = false;
    try {
      const outcome = await work(job);
      job.results = outcome.results;
      job.tableId = outcome.tableId;
      recoverable = outcome.committedWithData === true;
      job.status = 'success';
    } catch (err) {
      job.status = 'error';
      const exceptionId = createExceptionId();
      if (err instanceof StorageError) {
        job.error = { code: err.code, message: err.message, exceptionId };
        job.results = err.extra.results ?? null;
      } else {
        deps.logger?.error({ err, jobId: job.id, exceptionId }, 'local storage job failed');
        job.error = {
          code: 'applicationError',
          message: 'Application error. Please contact support and quote the exceptionId.',
          exceptionId,
        };
        job.results = null;
      }
    }
    await finish(job, recoverable);
  };

  return {
    async submit(job, work) {
      if (closing) throw new StorageError(503, 'storage.maintenance', 'The local Storage is shutting down.');
      deps.metadata.state.jobs[String(job.id)] = job;
      await deps.metadata.save();
      const key = job.targetTableId;
      const previous = chains.get(key) ?? Promise.resolve();
      const next = previous
        .then(() => run(job, work))
        .catch((err: unknown) =>
          deps.logger?.error({ err, jobId: job.id }, 'local storage job bookkeeping failed'),
        );
      chains.set(key, next);
      void next.then(() => {
        if (chains.get(key) === next) chains.delete(key);
      });
    },
    async close() {
      closing = true;
      while (chains.size > 0) await Promise.all([...chains.values()]);
      if (markInterruptedJobs(deps.metadata, now()).length > 0) await deps.metadata.save();
    },
  };
}

function pruneFinishedJobs(metadata: MetadataStore, keep: number): void {
  const finished = Object.values(metadata.state.jobs).filter(
    (job) => job.status === 'success' || job.status === 'error',
  );
  if (finished.length <= keep) return;
  finished.sort((a, b) => a.id - b.id);
  for (const job of finished.slice(0, finished.length - keep)) delete metadata.state.jobs[String(job.id)];
}

/** Jobs left `waiting`/`processing` by a crash or shutdown become errors, never silently lost. */
export function markInterruptedJobs(metadata: MetadataStore, now: Date): JobRecord[] {
  const interrupted = Object.values(metadata.state.jobs).filter(
    (job) => job.status === 'waiting' || job.status === 'processing',
  );
  for (const job of interrupted) {
    job.status = 'error';
    job.endTime = formatStorageTime(now);
    job.results = null;
    job.error = {
      code: JOB_INTERRUPTED_CODE,
      message: 'The job was interrupted because the local Storage stopped before it finished. Run it again.',
      exceptionId: createExceptionId(),
    };
  }
  return interrupted;
}

export function buildJobRecord(input: {
  id: number;
  operationName: JobRecord['operationName'];
  targetTableId: string;
  tableId: string | null;
  operationParams: Record<string, unknown>;
  runId: string | null;
  creatorToken: { id: string; description: string };
  now: Date;
}): JobRecord {
  return {
    id: input.id,
    status: 'waiting',
    operationName: input.operationName,
    tableId: input.tableId,
    targetTableId: input.targetTableId,
    operationParams: input.operationParams,
    createdTime: formatStorageTime(input.now),
    startTime: null,
    endTime: null,
    runId: input.runId,
    results: null,
    creatorToken: input.creatorToken,
    metrics: {
      inCompressed: false,
      inBytes: 0,
      inBytesUncompressed: 0,
      outCompressed: false,
      outBytes: 0,
      outBytesUncompressed: 0,
    },
  };
}
