// POST /upload-file (the old Importer's): a multipart `data` file or a raw body streamed into a
// new Storage file exactly as sent (gzip included, never renamed), tagged, then answered with the
// file resource from GET files/{id}. Same limits, capacity and abort guarantees as write-table.
import type { Readable } from 'node:stream';
import type { Context } from 'hono';
import type { Collaborators } from '../../collaborators.js';
import { importerError } from '../../errors.js';
import type { AppEnv } from '../../http/app-env.js';
import type { ProgressSink } from '../../http/progress-stream.js';
import { readStorageToken } from '../../http/request-token.js';
import { type AdmittedUpload, serveUpload, type UploadOutcome } from '../../ingest/admit-upload.js';
import { createFailFast } from '../../ingest/fail-fast.js';
import { ingestBody } from '../../ingest/ingest-body.js';
import type { DataPartInfo } from '../../ingest/read-multipart.js';
import type { BodyEncoding } from '../../ingest/receive-body.js';
import { streamToStorageFile } from '../../ingest/stream-to-storage-file.js';
import type { ImporterSettings } from '../../settings.js';
import type { StorageFile } from '../../storage-api/storage-types.js';
import { createUploadFileFields } from './upload-file-fields.js';

export interface UploadFileDeps extends Collaborators {
  settings: Pick<ImporterSettings, 'maxFileBytes' | 'idleTimeoutMs' | 'progressHeartbeatMs'>;
}

export function createUploadFileHandler(deps: UploadFileDeps) {
  return async (c: Context<AppEnv>) => {
    const query = new URL(c.req.url).searchParams;
    const token = readStorageToken((name) => c.req.header(name), query);
    const encoding = classifyUploadBody(c.req.header('content-type'));
    const rawContentType = c.req.header('content-type');
    return serveUpload(c, deps, encoding, (admitted, progress) =>
      uploadFile(deps, { token, encoding, query, rawContentType, ...admitted }, progress),
    );
  };
}

interface UploadFileRequest extends AdmittedUpload {
  token: string;
  encoding: BodyEncoding;
  query: URLSearchParams;
  rawContentType: string | undefined;
}

async function uploadFile(
  deps: UploadFileDeps,
  request: UploadFileRequest,
  progress: ProgressSink | undefined,
): Promise<UploadOutcome> {
  const failFast = createFailFast(request.clientSignal);
  const { signal } = failFast;
  const { stored, session } = await failFast.run(async () => {
    const fields = createUploadFileFields();

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
        // The name comes from the fields: files/prepare (and so the token's check) need not wait
        // for the client's first bytes. An empty file is allowed (the S3 store sends one empty PutObject).
        needsHead: false,
        describe: () => ({
          name: options.name,
          tags: options.tags,
          isPermanent: options.isPermanent,
          notify: options.notify,
          ...(contentType ? { contentType } : {}),
        }),
        facts: request.facts,
      });
      return { stored, session };
    }

    return ingestBody({
      admission: request,
      encoding: request.encoding,
      incoming: request.incoming,
      query: request.query,
      maxFileBytes: deps.settings.maxFileBytes,
      idleTimeoutMs: deps.settings.idleTimeoutMs,
      failFast,
      onField: (name, value) => fields.add(name, value),
      store(stream, part) {
        fields.startData();
        return store(stream, part);
      },
      missingData: () =>
        importerError(
          'importer.missingData',
          'The request has no "data" part: send the file as -F data=@file.',
        ),
    });
  }, deps.drainDeadline);
  // The bytes are in S3: the upload's buffers are gone, so is its claim on a slot.
  request.release();
  progress?.uploaded(stored.bytes);
  const resource = await session.getFile(stored.file.id);
  request.facts.outcome = 'uploaded';
  return { status: 200, body: presentFile(resource, stored.bytes) };
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
    throw importerError(
      'importer.unsupportedMediaType',
      'A form-urlencoded body is not a file: send -F data=@file (multipart), or the raw bytes with their own Content-Type (e.g. --data-binary @file -H "Content-Type: application/octet-stream").',
    );
  }
  return 'raw';
}
