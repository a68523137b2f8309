// POST/PUT /write-table: upload the body to a Storage file (CSV as sent, or JSON records turned
// into a CSV), with the table looked up in parallel; then free the upload slot, start exactly one
// import/create job and wait for it within the budget. A failure during the upload aborts all of
// it at once; once the bytes are in S3 only the client going away stops the request.
import type { Context } from 'hono';
import type { UploadSettings } from '../../file-stores/file-store.js';
import type { FileStores } from '../../file-stores/file-store-for.js';
import type { AppEnv } from '../../http/app-env.js';
import { importerUrl } from '../../http/importer-url.js';
import type { ProgressSink } from '../../http/progress-stream.js';
import { readStorageToken } from '../../http/request-token.js';
import { type AdmittedUpload, serveUpload, type UploadOutcome } from '../../ingest/admit-upload.js';
import { isUntypedBody, parseFormatField, resolveBodyFormat } from '../../ingest/body-format.js';
import { discardPreparedFiles, isDiscardable } from '../../ingest/discard-file.js';
import { classifyJsonBody, type JsonBodyType } from '../../ingest/json-body-type.js';
import { type BodyEncoding, classifyBody } from '../../ingest/receive-body.js';
import type { UploadSlots } from '../../ingest/upload-slots.js';
import type { Logger } from '../../logger.js';
import type { Metrics } from '../../metrics.js';
import { formatDetected, type ImporterWarning, ignoredFieldWarnings } from '../../results/warnings.js';
import { renderWriteTableOutcome } from '../../results/write-table-result.js';
import type { StorageClient } from '../../storage-api/storage-client.js';
import type { StorageJob } from '../../storage-api/storage-types.js';
import type { JobSearchSettings } from './find-started-job.js';
import { type JsonSampleLimits, uploadJsonBody } from './json/upload-json-body.js';
import { isTableAlreadyExists, startImportJob, startTableJob } from './start-table-job.js';
import type { UploadedTableData } from './table-upload.js';
import { uploadCsvBody } from './upload-csv-body.js';
import { type JobPollSettings, waitForJob } from './wait-for-job.js';

export interface WriteTableDeps {
  storage: StorageClient;
  /** Where uploads go, by the provider files/prepare names (aws, azure, gcp). */
  fileStores: FileStores;
  uploadSlots: UploadSlots;
  logger: Logger;
  jobPoll: JobPollSettings;
  jobSearch: JobSearchSettings;
  limits: UploadSettings & {
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
  /** PUBLIC_URL: the base of absolute Location headers; undefined = relative ones. */
  publicUrl?: string | undefined;
  /** Progress streams re-send the job's state at least this often (tests use ~50 ms). */
  progressHeartbeatMs?: number;
}

export function createWriteTableHandler(deps: WriteTableDeps) {
  return async (c: Context<AppEnv>) => {
    const query = new URL(c.req.url).searchParams;
    const token = readStorageToken((name) => c.req.header(name), query);
    const contentType = c.req.header('content-type');
    const format = parseFormatField(query.get('format') ?? undefined);
    const declared =
      format === 'csv' ? undefined : classifyJsonBody(contentType, c.req.header('content-encoding'));
    const encoding =
      declared || format === 'json' || format === 'ndjson'
        ? 'raw'
        : classifyBody(contentType, c.req.header('content-encoding'));
    const respondAsync = /\brespond-async\b/i.test(c.req.header('prefer') ?? '');
    return serveUpload(c, deps, encoding, async (admitted, progress) => {
      const resolved = await resolveBodyFormat({
        declared,
        multipart: encoding === 'multipart',
        untyped: isUntypedBody(contentType),
        gzipEncoded: /^\s*(x-)?gzip\s*$/i.test(c.req.header('content-encoding') ?? ''),
        format,
        incoming: admitted.incoming,
        signal: admitted.clientSignal,
        idleTimeoutMs: deps.limits.idleTimeoutMs,
      });
      const mediaType = contentType?.split(';')[0]?.trim() ?? '';
      return writeTable(
        deps,
        {
          token,
          encoding,
          json: resolved.json,
          query,
          respondAsync,
          warnings: resolved.detected ? [formatDetected(resolved.detected, mediaType)] : [],
          prepares: [],
          ...admitted,
          jobUrl: (jobId) => importerUrl(deps.publicUrl, `/jobs/${jobId}`),
        },
        progress,
      );
    });
  };
}

interface WriteTableRequest extends AdmittedUpload {
  token: string;
  encoding: BodyEncoding;
  /** A JSON or NDJSON body, converted to CSV by the importer. */
  json: JsonBodyType | undefined;
  query: URLSearchParams;
  respondAsync: boolean;
  /** The importer's own GET /jobs/{id} URL (PUBLIC_URL or relative), for the Location of a 202. */
  /** Warnings known before the body is read (a format guessed from the first bytes). */
  warnings: ImporterWarning[];
  /** files/prepare calls made for this request (a refused request deletes their files). */
  prepares: Array<Promise<{ id: number }>>;
  /** The importer's own GET /jobs/{id} URL, for the Location of a 202. */
  jobUrl(jobId: number): string;
}

async function writeTable(
  deps: WriteTableDeps,
  request: WriteTableRequest,
  progress: ProgressSink | undefined,
): Promise<UploadOutcome> {
  try {
    return await uploadAndImport(deps, request, progress);
  } catch (err) {
    // Refused before any job could start: the prepared file goes too (after the answer, best effort).
    if (isDiscardable(request, err)) void discardPreparedFiles(deps, request);
    throw err;
  }
}

async function uploadAndImport(
  deps: WriteTableDeps,
  request: WriteTableRequest,
  progress: ProgressSink | undefined,
): Promise<UploadOutcome> {
  const startedAt = Date.now();
  const uploaded = request.json
    ? await uploadJsonBody(deps, { ...request, ...request.json })
    : await uploadCsvBody(deps, request);
  // The bytes are in S3: the upload's buffers are gone, so is its claim on a slot.
  request.release();
  progress?.uploaded(uploaded.uploaded.sizeBytes);
  return importUploadedFile(deps, request, { ...uploaded, startedAt }, progress);
}

/**
 * The job phase, the same for CSV and JSON bodies: start exactly one job, wait, render. The job
 * may exist from the first POST on, so nothing of ours aborts it any more; a client that goes away
 * still ends the wait (the job runs on).
 */
async function importUploadedFile(
  deps: WriteTableDeps,
  request: WriteTableRequest,
  phase: UploadedTableData & { startedAt: number },
  progress: ProgressSink | undefined,
): Promise<UploadOutcome> {
  const { uploaded, uploadMs, options, existing, startedAt } = phase;
  const warnings = [
    ...request.warnings,
    ...(phase.warnings ?? []),
    ...ignoredFieldWarnings(options, existing),
  ];
  const signal = request.clientSignal;
  const session = deps.storage.session({
    token: request.token,
    branchId: options.branchId,
    runId: request.runId,
    signal,
  });
  const recovery = { search: deps.jobSearch, signal };
  let started = await startTableJob(session, options, existing, uploaded.id, recovery);
  const jobStartedAt = Date.now();
  const budgetMs = request.respondAsync ? 0 : options.waitSeconds * 1000;
  const wait = (startedJob: StorageJob) => {
    request.facts.jobId = startedJob.id;
    progress?.job(startedJob);
    return waitForJob(session, startedJob, {
      ...deps.jobPoll,
      budgetMs: Math.max(0, budgetMs - (Date.now() - jobStartedAt)),
      signal,
      stopWaiting: deps.drainDeadline,
      onPoll: progress && ((polled) => progress.job(polled)),
    });
  };
  let job = await wait(started.job);
  if (started.tableCreated && job.status === 'error' && isTableAlreadyExists(job.error)) {
    // Another request created the table while our create job waited: ours imported nothing.
    started = await startImportJob(session, options, uploaded.id, recovery);
    job = await wait(started.job);
  }
  deps.metrics.jobWaitDuration.observe((Date.now() - jobStartedAt) / 1000);
  const rendered = renderWriteTableOutcome({
    tableId: options.table.tableId,
    tableCreated: started.tableCreated,
    incremental: options.incremental,
    warnings,
    ...(phase.delimiter !== undefined ? { delimiter: phase.delimiter } : {}),
    file: uploaded,
    job,
    timings: { uploadMs, jobMs: Date.now() - jobStartedAt, totalMs: Date.now() - startedAt },
  });
  request.facts.outcome = job.status;
  return { ...rendered, location: rendered.status === 202 ? request.jobUrl(job.id) : undefined };
}
