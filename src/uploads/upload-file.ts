// POST /upload-file (the old Importer's): a multipart `data` file or a raw body streamed into a
// new Storage file exactly as sent (gzip included, never renamed), tagged, then answered with the
// file resource from GET files/{id}. Same limits, capacity and abort guarantees as write-table.
import type { IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';
import type { Context } from 'hono';
import { AppError } from '../errors.js';
import { admitUpload } from '../http/admit-upload.js';
import type { AppEnv, RequestFacts } from '../http/app-env.js';
import { shuttingDownError } from '../http/drain.js';
import { createFailFast } from '../http/fail-fast.js';
import {
  DEFAULT_PROGRESS_HEARTBEAT_MS,
  type ProgressOutcome,
  type ProgressSink,
  respondWithProgress,
  wantsProgress,
} from '../http/progress-stream.js';
import { readStorageToken } from '../http/request-token.js';
import type { UploadSlots } from '../http/upload-slots.js';
import type { StorageClient, StorageSession } from '../storage-api/storage-client.js';
import type { StorageFile } from '../storage-api/storage-types.js';
import type { DataPartInfo } from '../write-table/read-multipart.js';
import { type BodyEncoding, receiveBody } from '../write-table/receive-body.js';
import {
  type StoredFile,
  type StreamToStorageFileDeps,
  streamToStorageFile,
} from './stream-to-storage-file.js';
import { createUploadFileFields } from './upload-file-fields.js';

export interface UploadFileDeps extends StreamToStorageFileDeps {
  storage: StorageClient;
  uploadSlots: UploadSlots;
  limits: StreamToStorageFileDeps['limits'] & { idleTimeoutMs: number };
  drainDeadline?: AbortSignal;
  progressHeartbeatMs?: number;
}

export function createUploadFileHandler(deps: UploadFileDeps) {
  return async (c: Context<AppEnv>) => {
    const query = new URL(c.req.url).searchParams;
    const token = readStorageToken((name) => c.req.header(name), query);
    const encoding = classifyUploadBody(c.req.header('content-type'));
    const admitted = admitUpload(c, deps, encoding);
    const request: UploadFileRequest = {
      token,
      encoding,
      query,
      rawContentType: c.req.header('content-type'),
      ...admitted,
    };
    const run = (progress?: ProgressSink) => uploadFile(deps, request, progress).finally(admitted.release);
    if (wantsProgress(c.req.header('accept'))) {
      const heartbeatMs = deps.progressHeartbeatMs ?? DEFAULT_PROGRESS_HEARTBEAT_MS;
      return respondWithProgress(c, { heartbeatMs, logger: deps.logger, run });
    }
    const { body } = await run();
    return c.json(body, 200);
  };
}

interface UploadFileRequest {
  token: string;
  encoding: BodyEncoding;
  incoming: IncomingMessage;
  query: URLSearchParams;
  rawContentType: string | undefined;
  runId: string | undefined;
  clientSignal: AbortSignal;
  facts: RequestFacts;
}

async function uploadFile(
  deps: UploadFileDeps,
  request: UploadFileRequest,
  progress: ProgressSink | undefined,
): Promise<ProgressOutcome> {
  const { signal, fail, guard } = createFailFast(request.clientSignal);
  const onDrainDeadline = () => fail(shuttingDownError());
  deps.drainDeadline?.addEventListener('abort', onDrainDeadline, { once: true });
  try {
    if (deps.drainDeadline?.aborted) onDrainDeadline();
    const fields = createUploadFileFields();
    let upload: Promise<{ stored: StoredFile; session: StorageSession }> | undefined;
    const body = receiveBody({
      encoding: request.encoding,
      incoming: request.incoming,
      query: request.query,
      maxFileBytes: deps.limits.maxFileBytes,
      idleTimeoutMs: deps.limits.idleTimeoutMs,
      signal,
      onField: (name, value) => fields.add(name, value),
      onData(stream, part) {
        fields.startData();
        upload = store(stream, part);
        upload.catch(fail);
      },
    });

    async function store(stream: Readable, part: DataPartInfo | undefined) {
      const options = fields.finish(part?.filename);
      const session = deps.storage.session({
        token: request.token,
        branchId: options.branchId,
        runId: request.runId,
        signal,
      });
      const contentType = part ? part.mimeType : request.rawContentType?.split(';')[0]?.trim();
      const stored = await streamToStorageFile(stream, deps, {
        session,
        signal,
        clientSignal: request.clientSignal,
        // An empty file is allowed: lib-storage sends it as a single PutObject.
        describe: () => ({
          name: options.name,
          tags: options.tags,
          isPermanent: options.isPermanent,
          notify: options.notify,
          ...(contentType ? { contentType } : {}),
        }),
        onPrepared: (file) => {
          request.facts.fileId = file.id;
        },
      });
      request.facts.bytes = stored.bytes;
      return { stored, session };
    }

    await guard(body);
    if (!upload) {
      throw new AppError(
        400,
        'importer.missingData',
        'The request has no "data" part: send the file as -F data=@file.',
      );
    }
    const { stored, session } = await guard(upload);
    progress?.uploaded(stored.bytes);
    const resource = await session.getFile(stored.file.id);
    request.facts.outcome = 'uploaded';
    return { status: 200, body: presentFile(resource, stored.bytes) };
  } catch (err) {
    fail(err);
    throw err;
  } finally {
    deps.drainDeadline?.removeEventListener('abort', onDrainDeadline);
  }
}

/** The Storage file resource without anything that could carry credentials. */
function presentFile(file: StorageFile, bytes: number): Record<string, unknown> {
  const { uploadParams, credentials, s3Path, absUploadParams, gcsUploadParams, ...resource } = file;
  // files/prepare was not told the size (the body streams), so Storage may not know it yet.
  return { ...resource, sizeBytes: typeof file.sizeBytes === 'number' ? file.sizeBytes : bytes };
}

/** Any content type is a file; only a form body would be misread (curl --data-binary sends one). */
function classifyUploadBody(contentType: string | undefined): BodyEncoding {
  const mediaType = contentType?.split(';')[0]?.trim().toLowerCase() ?? '';
  if (mediaType === 'multipart/form-data') return 'multipart';
  if (mediaType === 'application/x-www-form-urlencoded') {
    throw new AppError(
      415,
      'importer.unsupportedMediaType',
      'A form-urlencoded body is not a file: send -F data=@file (multipart), or the raw bytes with their own Content-Type (e.g. --data-binary @file -H "Content-Type: application/octet-stream").',
    );
  }
  return 'raw';
}
