// POST/PUT /write-table: upload the body to a Storage file (CSV as sent, or JSON records turned
// into a CSV), with the table looked up in parallel; then free the upload slot, start exactly one
// import/create job and wait for it within the budget. A failure during the upload aborts all of
// it at once; once the bytes are in S3 only the client going away stops the request.
import type { Context } from 'hono';
import type { Collaborators } from '../../collaborators.js';
import type { AppEnv } from '../../http/app-env.js';
import { importerUrl } from '../../http/importer-url.js';
import type { ProgressSink } from '../../http/progress-stream.js';
import { readStorageToken } from '../../http/request-token.js';
import { type AdmittedUpload, serveUpload, type UploadOutcome } from '../../ingest/admit-upload.js';
import { isUntypedBody, parseFormatField, resolveBodyFormat } from '../../ingest/body-format.js';
import { discardPreparedFiles, isDiscardable } from '../../ingest/discard-file.js';
import { classifyJsonBody, type JsonBodyType } from '../../ingest/json-body-type.js';
import { type BodyEncoding, classifyBody } from '../../ingest/receive-body.js';
import { formatDetected, type ImporterWarning, ignoredFieldWarnings } from '../../results/warnings.js';
import { renderWriteTableOutcome, type UploadedFile } from '../../results/write-table-result.js';
import type { ImporterSettings } from '../../settings.js';
import type { StorageJob } from '../../storage-api/storage-types.js';
import { DEFAULT_IDEMPOTENCY } from './idempotency/decide-keyed-import.js';
import { readKeyBeforeBody } from './idempotency/idempotency-key.js';
import type { KeyedFile } from './idempotency/idempotency-tags.js';
import { createKeyedWrite, type KeyedWrite } from './idempotency/keyed-write.js';
import { ReplayFound, replayOutcome } from './idempotency/replay-before-upload.js';
import { answerReplayBeforeUpload } from './idempotency/serve-replay.js';
import { uploadJsonBody } from './json/upload-json-body.js';
import { isTableAlreadyExists, startImportJob, startTableJob } from './start-table-job.js';
import type { UploadedTableData } from './table-upload.js';
import { uploadCsvBody } from './upload-csv-body.js';
import { waitForJob } from './wait-for-job.js';

/** Everything except `settings` is a collaborator (see collaborators.ts and settings.ts). */
export interface WriteTableDeps extends Collaborators {
  settings: ImporterSettings;
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
    const key = readKeyBeforeBody((name) => c.req.header(name), query);
    const keyed = createKeyedWrite(
      {
        settings: deps.settings.idempotency ?? DEFAULT_IDEMPOTENCY,
        logger: deps.logger,
        metrics: deps.metrics,
        session: (signal) => deps.storage.session({ token, runId: c.req.header('x-kbc-runid'), signal }),
        // A progress stream has sent its headers already: only a plain answer can carry this one.
        markReplayed: () => {
          if (c.finalized) return;
          c.header('Idempotent-Replayed', 'true');
          // Answered before the body was read: reading the rest only to drop it would cost the upload.
          if (c.env?.incoming && !c.env.incoming.readableEnded) c.header('Connection', 'close');
        },
      },
      key,
    );
    // The table must be known for the check (else at `data`: multipart fields come with the body).
    if (key && (encoding === 'raw' || query.has('tableId'))) {
      keyed.checkedBeforeBody();
      const replayed = await answerReplayBeforeUpload(c, deps, { token, key, query, respondAsync });
      if (replayed) return replayed;
    }
    return serveUpload(c, deps, encoding, async (admitted, progress) => {
      const resolved = await resolveBodyFormat({
        declared,
        multipart: encoding === 'multipart',
        untyped: isUntypedBody(contentType),
        gzipEncoded: /^\s*(x-)?gzip\s*$/i.test(c.req.header('content-encoding') ?? ''),
        format,
        incoming: admitted.incoming,
        signal: admitted.clientSignal,
        idleTimeoutMs: deps.settings.idleTimeoutMs,
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
          keyed,
          ...admitted,
          jobUrl: (jobId) => importerUrl(deps.settings.publicUrl, `/jobs/${jobId}`),
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
  /** The request's part in the Idempotency-Key protocol (no-ops without a key). */
  keyed: KeyedWrite;
  /** Warnings known before the body is read (a format guessed from the first bytes). */
  warnings: ImporterWarning[];
  /** files/prepare calls made for this request (a refused request deletes their files). */
  prepares: Array<Promise<{ id: number }>>;
  /** Set once a job-starting POST was sent: the file is then never discarded. */
  jobRequested?: boolean;
  /** The importer's own GET /jobs/{id} URL (PUBLIC_URL or relative), for the Location of a 202. */
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
    // With a key, abandonOnFailure has deleted it already (before answering, so a retry is free).
    if (!request.keyed.key && isDiscardable(request)) void discardPreparedFiles(deps, request);
    throw err;
  }
}

async function uploadAndImport(
  deps: WriteTableDeps,
  request: WriteTableRequest,
  progress: ProgressSink | undefined,
): Promise<UploadOutcome> {
  const startedAt = Date.now();
  let uploaded: UploadedTableData;
  try {
    uploaded = await abandonOnFailure(request, () =>
      request.json ? uploadJsonBody(deps, { ...request, ...request.json }) : uploadCsvBody(deps, request),
    );
  } catch (err) {
    if (err instanceof ReplayFound) return replayAtData(deps, request, err);
    throw err;
  }
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
  const recovery = { search: deps.settings.jobSearch, signal };
  const budgetMs = request.respondAsync ? 0 : options.waitSeconds * 1000;
  // With an idempotency key, an older request with the same key may own the one job already.
  const decision = await abandonOnFailure(request, () =>
    request.keyed.decide({
      fileId: uploaded.id,
      sizeBytes: uploaded.sizeBytes,
      incremental: options.incremental,
      delimiter: phase.delimiter,
      tableId: options.table.tableId,
      branchId: options.branchId,
      budgetMs,
      signal,
    }),
  );
  let started =
    decision.kind === 'follow'
      ? { job: decision.job, tableCreated: decision.job.operationName === 'tableCreate' }
      : await abandonOnFailure(
          request,
          () => {
            // From here a job may exist for the file, whatever happens to the POST's answer.
            request.jobRequested = true;
            return startTableJob(session, options, existing, uploaded.id, recovery);
          },
          noJobCanExist(request, uploaded.id),
        );
  if (decision.kind === 'start') request.keyed.started(uploaded.id, started.job.id);
  const jobStartedAt = Date.now();
  const wait = (startedJob: StorageJob) => {
    request.facts.jobId = startedJob.id;
    progress?.job(startedJob);
    return waitForJob(session, startedJob, {
      ...deps.settings.jobPoll,
      budgetMs: Math.max(0, budgetMs - (Date.now() - jobStartedAt)),
      signal,
      stopWaiting: deps.drainDeadline,
      onPoll: progress && ((polled) => progress.job(polled)),
    });
  };
  let job = await wait(started.job);
  if (started.tableCreated && job.status === 'error' && isTableAlreadyExists(job.error)) {
    // Another request created the table while our create job waited: ours imported nothing.
    if (decision.kind === 'start') {
      started = await startImportJob(session, options, uploaded.id, recovery);
      request.keyed.started(uploaded.id, started.job.id);
    } else {
      // The request we follow does that: its import job answers us too.
      started = { job: await request.keyed.retriedJob(decision.file.id, job, signal), tableCreated: false };
    }
    job = await wait(started.job);
  }
  deps.metrics.jobWaitDuration.observe((Date.now() - jobStartedAt) / 1000);
  const rendered = renderWriteTableOutcome({
    tableId: options.table.tableId,
    tableCreated: started.tableCreated,
    incremental: options.incremental,
    warnings,
    ...(phase.delimiter !== undefined ? { delimiter: phase.delimiter } : {}),
    file: decision.kind === 'follow' ? followedFile(decision.file, uploaded) : uploaded,
    job,
    timings: { uploadMs, jobMs: Date.now() - jobStartedAt, totalMs: Date.now() - startedAt },
  });
  request.facts.outcome = job.status;
  return { ...rendered, location: rendered.status === 202 ? request.jobUrl(job.id) : undefined };
}

/** An earlier request with the key has its job (found at `data`, nothing uploaded): its outcome. */
async function replayAtData(
  deps: WriteTableDeps,
  request: WriteTableRequest,
  replay: ReplayFound,
): Promise<UploadOutcome> {
  request.release();
  request.keyed.replayed('before-upload');
  const session = deps.storage.session({
    token: request.token,
    runId: request.runId,
    signal: request.clientSignal,
  });
  const outcome = await replayOutcome(
    session,
    replay.found,
    {
      jobPoll: deps.settings.jobPoll,
      budgetMs: request.respondAsync ? 0 : replay.waitSeconds * 1000,
      signal: request.clientSignal,
      stopWaiting: deps.drainDeadline,
    },
    undefined,
  );
  request.facts.jobId = outcome.job.id;
  request.facts.outcome = `replayed ${outcome.job.status}`;
  // A failed job throws its error here, as the first answer did.
  const rendered = renderWriteTableOutcome(outcome);
  return { ...rendered, location: rendered.status === 202 ? request.jobUrl(outcome.job.id) : undefined };
}

/**
 * With an idempotency key, a request that fails before its file can have a job deletes that file,
 * so that a retry with the same key is not held up by it. `failsForGood` tells a refusal from a
 * failure after which the job may still exist (an unknown outcome, a client gone mid-POST).
 */
async function abandonOnFailure<T>(
  request: WriteTableRequest,
  work: () => Promise<T>,
  failsForGood: (err: unknown) => boolean | Promise<boolean> = () => true,
): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (await failsForGood(err)) await request.keyed.abandon(request.facts.fileId);
    throw err;
  }
}

/**
 * Whether a failed job start leaves no job that could import the file: Storage refused the POST,
 * or its outcome was unknown and a listing of the jobs (answered, unlike the failed search's)
 * shows none for the file. A client gone mid-POST leaves the question open: that file stays and
 * stops holding up its key later (see decide-keyed-import).
 */
function noJobCanExist(request: WriteTableRequest, fileId: number): (err: unknown) => Promise<boolean> {
  return async (err) => {
    if (request.clientSignal.aborted) return false;
    if ((err as { code?: unknown }).code !== 'importer.importOutcomeUnknown') return true;
    return request.keyed.confirmNoJob(fileId);
  };
}

/** The first request's file, as its own answer described it (the same body: the digests matched). */
function followedFile(file: KeyedFile, own: UploadedFile): UploadedFile {
  return {
    id: file.id,
    name: file.name,
    sizeBytes: file.sizeBytes ?? own.sizeBytes,
    compressed: own.compressed,
  };
}
