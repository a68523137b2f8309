// POST/PUT /write-table: receive the body, stream the `data` part to S3 through files/prepare,
// look the table up in parallel, start exactly one import/create job once the upload is complete,
// wait for it within the budget. The first failure anywhere aborts everything else at once.
import type { IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';
import type { Context } from 'hono';
import { AppError } from '../errors.js';
import { admitUpload } from '../http/admit-upload.js';
import type { AppEnv, RequestFacts } from '../http/app-env.js';
import { shuttingDownError } from '../http/drain.js';
import { importerUrl } from '../http/importer-url.js';
import {
  DEFAULT_PROGRESS_HEARTBEAT_MS,
  type ProgressSink,
  respondWithProgress,
  wantsProgress,
} from '../http/progress-stream.js';
import { readStorageToken } from '../http/request-token.js';
import type { UploadSlots } from '../http/upload-slots.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';
import type { StorageClient, StorageSession } from '../storage-api/storage-client.js';
import type { StorageTable } from '../storage-api/storage-types.js';
import { streamToStorageFile } from '../uploads/stream-to-storage-file.js';
import { isGzip } from './byte-counter.js';
import type { JobSearchSettings } from './find-started-job.js';
import { classifyJsonBody, type JsonBodyType } from './json/json-body-type.js';
import { type JsonSampleLimits, type UploadedTableData, uploadJsonBody } from './json/upload-json-body.js';
import { classifyBody, receiveBody } from './receive-body.js';
import { startTableJob } from './start-table-job.js';
import type { S3ClientFor, UploadLimits } from './upload-to-s3.js';
import { type JobPollSettings, waitForJob } from './wait-for-job.js';
import { createFieldCollector } from './write-table-fields.js';
import { renderWriteTableOutcome, type UploadedFile } from './write-table-result.js';

export interface WriteTableDeps {
  storage: StorageClient;
  s3ClientFor: S3ClientFor;
  uploadSlots: UploadSlots;
  logger: Logger;
  jobPoll: JobPollSettings;
  jobSearch: JobSearchSettings;
  limits: UploadLimits & {
    maxFileBytes: number;
    idleTimeoutMs: number;
    defaultWaitSeconds: number;
    maxWaitSeconds: number;
  };
  metrics: Metrics;
  /**
   * Aborted when a graceful shutdown ran out of time: an upload still in progress is refused with
   * 503 (no job started), a job wait ends and answers 202 with the job.
   */
  drainDeadline?: AbortSignal;
  /** JSON bodies: how many records / bytes fix the column set (JSON_SAMPLE_RECORDS / _BYTES). */
  json?: JsonSampleLimits;
  /** Progress streams re-send the job's state at least this often (tests use ~50 ms). */
  progressHeartbeatMs?: number;
}

export function createWriteTableHandler(deps: WriteTableDeps) {
  return async (c: Context<AppEnv>) => {
    const query = new URL(c.req.url).searchParams;
    const token = readStorageToken((name) => c.req.header(name), query);
    const json = classifyJsonBody(c.req.header('content-type'), c.req.header('content-encoding'));
    const encoding = json ? 'raw' : classifyBody(c.req.header('content-type'));
    const admitted = admitUpload(c, deps, encoding);
    const request: WriteTableRequest = {
      token,
      encoding,
      json,
      query,
      respondAsync: /\brespond-async\b/i.test(c.req.header('prefer') ?? ''),
      ...admitted,
      jobUrl: (jobId) => importerUrl(c, `/jobs/${jobId}`),
    };
    const run = (progress?: ProgressSink) => writeTable(deps, request, progress).finally(admitted.release);
    if (wantsProgress(c.req.header('accept'))) {
      const heartbeatMs = deps.progressHeartbeatMs ?? DEFAULT_PROGRESS_HEARTBEAT_MS;
      return respondWithProgress(c, { heartbeatMs, logger: deps.logger, run });
    }
    const { status, body, location } = await run();
    if (location) c.header('Location', location);
    return c.json(body, status);
  };
}

interface WriteTableRequest {
  token: string;
  encoding: 'multipart' | 'raw';
  /** A JSON or NDJSON body, converted to CSV by the importer. */
  json: JsonBodyType | undefined;
  incoming: IncomingMessage;
  query: URLSearchParams;
  runId: string | undefined;
  respondAsync: boolean;
  clientSignal: AbortSignal;
  facts: RequestFacts;
  /** The importer's own GET /jobs/{id} URL, for the Location of a 202. */
  jobUrl(jobId: number): string;
}

interface WriteTableResponse {
  status: 200 | 202;
  body: Record<string, unknown>;
  location: string | undefined;
}

async function writeTable(
  deps: WriteTableDeps,
  request: WriteTableRequest,
  progress?: ProgressSink,
): Promise<WriteTableResponse> {
  const startedAt = Date.now();
  if (request.json) {
    const uploaded = await uploadJsonBody(deps, {
      ...request,
      ...request.json,
      stopUploads: deps.drainDeadline && { signal: deps.drainDeadline, reason: () => shuttingDownError() },
    });
    return importUploadedFile(deps, request, { ...uploaded, startedAt }, progress);
  }
  const controller = new AbortController();
  const signal = AbortSignal.any([request.clientSignal, controller.signal]);
  let firstFailure: unknown;
  const fail = (err: unknown) => {
    if (firstFailure === undefined) firstFailure = err;
    if (!controller.signal.aborted) controller.abort(err);
  };
  const failed = new Promise<never>((_, reject) => {
    signal.addEventListener('abort', () => reject(firstFailure ?? clientGone()), { once: true });
  });
  failed.catch(() => {});
  const guard = <T>(promise: Promise<T>): Promise<T> => {
    promise.catch(fail);
    return Promise.race([promise, failed]);
  };

  const fields = createFieldCollector({
    maxWaitSeconds: deps.limits.maxWaitSeconds,
    defaultWaitSeconds: deps.limits.defaultWaitSeconds,
  });
  const sessionFor = (branchId: string | undefined): StorageSession =>
    deps.storage.session({ token: request.token, branchId, runId: request.runId, signal });

  // Fail fast: look the table up as soon as its id is known, in parallel with the upload.
  let lookup:
    | { tableId: string; branchId: string | undefined; result: Promise<StorageTable | null> }
    | undefined;
  const startLookup = () => {
    const table = fields.table;
    if (!table || (lookup && lookup.tableId === table.tableId && lookup.branchId === fields.branchId)) return;
    const result = sessionFor(fields.branchId).getTable(table.tableId);
    lookup = { tableId: table.tableId, branchId: fields.branchId, result };
    result.then((found) => {
      if (!found && createTableRefused()) fail(tableMissing(table.tableId));
    }, fail);
  };
  const createTableRefused = () => {
    try {
      return fields.finish().createTable === false;
    } catch {
      return false;
    }
  };

  let upload: Promise<UploadedFile> | undefined;
  const body = receiveBody({
    encoding: request.encoding,
    incoming: request.incoming,
    query: request.query,
    maxFileBytes: deps.limits.maxFileBytes,
    idleTimeoutMs: deps.limits.idleTimeoutMs,
    signal,
    onField(name, value) {
      fields.add(name, value);
      if (name === 'tableId' || name === 'branchId') startLookup();
      if (name === 'tableId') request.facts.tableId = value;
    },
    onData(stream) {
      upload = uploadData(stream);
      upload.catch(fail);
    },
  });

  async function uploadData(stream: Readable): Promise<UploadedFile> {
    let compressed = false;
    const stored = await streamToStorageFile(stream, deps, {
      session: sessionFor(undefined),
      signal,
      clientSignal: request.clientSignal,
      describe(head) {
        if (head.length === 0) {
          throw new AppError(
            400,
            'importer.emptyData',
            'The "data" file is empty: send at least a header row.',
          );
        }
        compressed = isGzip(head);
        const baseName = fields.table?.tableName ?? 'data';
        return { name: `${baseName}.csv${compressed ? '.gz' : ''}` };
      },
      onPrepared: (file) => {
        request.facts.fileId = file.id;
      },
    });
    request.facts.bytes = stored.bytes;
    return { id: stored.file.id, name: stored.file.name, sizeBytes: stored.bytes, compressed };
  }

  async function finishUpload() {
    await guard(body);
    if (!upload)
      throw new AppError(
        400,
        'importer.missingData',
        'The request has no "data" part: send the CSV as -F data=@file.csv.',
      );
    const uploaded = await guard(upload);
    const uploadMs = Date.now() - startedAt;
    const options = fields.finish();
    startLookup();
    const existing = await guard((lookup as NonNullable<typeof lookup>).result);
    return { uploaded, uploadMs, options, existing };
  }
  const phase = await failOnDrainDeadline(deps.drainDeadline, () => fail(shuttingDownError()), finishUpload);
  return importUploadedFile(deps, request, { ...phase, signal, startedAt }, progress);
}

/** The job phase, the same for CSV and JSON bodies: start exactly one job, wait, render. */
async function importUploadedFile(
  deps: WriteTableDeps,
  request: WriteTableRequest,
  phase: UploadedTableData & { startedAt: number },
  progress: ProgressSink | undefined,
): Promise<WriteTableResponse> {
  const { uploaded, uploadMs, options, existing, signal, startedAt } = phase;
  progress?.uploaded(uploaded.sizeBytes);
  // From here on the job may exist: no more aborting on our side, only waiting.
  const session = deps.storage.session({
    token: request.token,
    branchId: options.branchId,
    runId: request.runId,
    signal,
  });
  const started = await startTableJob(session, options, existing, uploaded.id, {
    search: deps.jobSearch,
    signal,
  });
  request.facts.jobId = started.job.id;
  progress?.job(started.job);
  const jobStartedAt = Date.now();
  const budgetMs = request.respondAsync ? 0 : options.waitSeconds * 1000;
  const job = await waitForJob(session, started.job, {
    ...deps.jobPoll,
    budgetMs,
    signal,
    stopWaiting: deps.drainDeadline,
    onPoll: progress && ((polled) => progress.job(polled)),
  });
  deps.metrics.jobWaitDuration.observe((Date.now() - jobStartedAt) / 1000);
  const rendered = renderWriteTableOutcome({
    tableId: options.table.tableId,
    tableCreated: started.tableCreated,
    incremental: options.incremental,
    file: uploaded,
    job,
    timings: { uploadMs, jobMs: Date.now() - jobStartedAt, totalMs: Date.now() - startedAt },
  });
  request.facts.outcome = job.status;
  return { ...rendered, location: rendered.status === 202 ? request.jobUrl(job.id) : undefined };
}

/** Runs `work` (the upload phase) with `onDeadline` called if the drain deadline passes meanwhile. */
async function failOnDrainDeadline<T>(
  deadline: AbortSignal | undefined,
  onDeadline: () => void,
  work: () => Promise<T>,
): Promise<T> {
  if (!deadline) return work();
  deadline.addEventListener('abort', onDeadline, { once: true });
  try {
    if (deadline.aborted) onDeadline();
    return await work();
  } finally {
    deadline.removeEventListener('abort', onDeadline);
  }
}

function tableMissing(tableId: string): AppError {
  return new AppError(
    404,
    'storage.tables.notFound',
    `The table "${tableId}" does not exist and createTable=0.`,
  );
}

function clientGone(): AppError {
  return new AppError(
    499,
    'importer.clientDisconnected',
    'The client disconnected before the import started.',
  );
}
