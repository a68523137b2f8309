// Storage files (contract §3, §4): `POST files/prepare` with upload parameters for the embedded file
// storage (S3, Azure or GCS shape), `GET files/{id}`, `GET files` and the signed download link that a
// file's `url` points to. Bytes never pass through here on upload; clients write to that storage.
import { timingSafeEqual } from 'node:crypto';
import { Readable } from 'node:stream';
import type { Hono } from 'hono';
import type { FileRecord } from '../../metadata/metadata-store.js';
import { findFile } from '../../metadata/resource-lookup.js';
import {
  type FileViewOptions,
  LOCAL_PROJECT_ID,
  presentFile,
  signDownload,
} from '../../metadata/resource-views.js';
import { createParamReader, readRequestParams, readRunId } from '../../protocol/request-params.js';
import { StorageError } from '../../protocol/storage-error.js';
import {
  formatStorageTime,
  requestOrigin,
  sendJson,
  validationError,
} from '../../protocol/storage-response.js';
import type { StorageDeps, StorageEnv } from '../storage-deps.js';

const CODE = 'storage.files.validation';
const MAX_LIST_LIMIT = 1000;
/** The client's file name in an object key is cut to this (head and tail kept, extension included). */
const MAX_KEY_NAME_CHARS = 200;

export function registerFileDownloadRoute(app: Hono<StorageEnv>, deps: StorageDeps): void {
  // Unauthenticated like a presigned S3 URL: the HMAC signature in the query is the credential.
  app.get('/files/:fileId/download', async (c) => {
    const file = findFile(deps.metadata.state, c.req.param('fileId'));
    const expires = Number(c.req.query('expires') ?? 'NaN');
    const given = Buffer.from(c.req.query('signature') ?? '', 'utf8');
    const expected = Buffer.from(
      signDownload(file.id, expires, deps.metadata.state.urlSigningSecret),
      'utf8',
    );
    const valid = given.length === expected.length && timingSafeEqual(given, expected);
    if (!valid || !Number.isFinite(expires) || expires * 1000 < deps.now().getTime()) {
      throw new StorageError(403, 'accessDenied', 'The download link is invalid or has expired.');
    }
    const object = await deps.fileStorage.openObject(file.key);
    if (!object)
      throw new StorageError(404, 'storage.fileNotUploaded', 'The file has not been uploaded yet.');
    const headers: Record<string, string> = {
      'Content-Type': file.contentType,
      'Content-Disposition': `attachment; filename="${file.name.replace(/["\\\r\n]/g, '_')}"`,
    };
    if (object.sizeBytes !== undefined) headers['Content-Length'] = String(object.sizeBytes);
    return new Response(Readable.toWeb(object.body) as ReadableStream, { status: 200, headers });
  });
}

export function registerFileRoutes(app: Hono<StorageEnv>, deps: StorageDeps): void {
  const { state } = deps.metadata;
  const viewOptions = (origin: string): FileViewOptions => ({
    origin,
    urlSigningSecret: state.urlSigningSecret,
    provider: deps.fileStorage.provider,
    bucket: deps.fileStorage.bucket,
    region: deps.fileStorage.region,
    now: deps.now(),
  });

  app.post('/files/prepare', async (c) => {
    const params = createParamReader(await readRequestParams(c), CODE);
    const name = params.string('name')?.trim() ?? '';
    if (name === '') throw validationError(CODE, 'name', 'This value should not be blank.');
    if (!params.boolean('federationToken', false)) {
      throw new StorageError(
        400,
        CODE,
        'The local Storage supports only federated uploads: send "federationToken": true (legacy form uploads are not implemented).',
      );
    }
    if (params.boolean('isSliced', false)) {
      throw new StorageError(400, CODE, 'Sliced files are not supported by the local Storage.');
    }
    const sizeBytes = params.integer('sizeBytes') ?? null;
    if (sizeBytes !== null && sizeBytes < 0) {
      throw validationError(CODE, 'sizeBytes', 'This value should be greater than or equal to 0.');
    }
    const now = deps.now();
    const id = deps.metadata.nextFileId();
    const runId = readRunId(c);
    const file: FileRecord = {
      id,
      name,
      key: buildObjectKey(id, name, now),
      created: formatStorageTime(now),
      sizeBytes,
      contentType: params.string('contentType') || 'application/octet-stream',
      isPublic: params.boolean('isPublic', false),
      isSliced: false,
      isEncrypted: params.boolean('isEncrypted', true),
      isPermanent: params.boolean('isPermanent', false),
      notify: params.boolean('notify', false),
      tags: [...new Set(params.stringArray('tags') ?? [])],
      runId,
      runIds: runId === null ? [] : [runId],
      creatorToken: { id: c.var.token.id, description: c.var.token.description },
    };
    state.files[String(id)] = file;
    await deps.metadata.save();
    return sendJson(
      {
        ...presentFile(file, viewOptions(requestOrigin(c))),
        ...deps.fileStorage.uploadParams(file, now),
      },
      201,
    );
  });

  app.get('/files/:fileId', (c) => {
    const file = findFile(state, c.req.param('fileId'));
    assertCanReadFile(c.var.token, file);
    const view = presentFile(file, viewOptions(requestOrigin(c)));
    const federation = createParamReader(c.req.query(), CODE).boolean('federationToken', false);
    if (!federation) return sendJson(view);
    return sendJson({ ...view, ...deps.fileStorage.downloadParams(file, deps.now()) });
  });

  app.get('/files', async (c) => {
    const params = createParamReader(await readRequestParams(c), CODE);
    const tags = params.stringArray('tags') ?? [];
    const limit = params.integer('limit') ?? 100;
    const offset = params.integer('offset') ?? 0;
    const sinceId = params.integer('sinceId');
    const maxId = params.integer('maxId');
    const runId = params.string('runId');
    if (limit < 0 || limit > MAX_LIST_LIMIT) {
      throw validationError(CODE, 'limit', `This value should be between 0 and ${MAX_LIST_LIMIT}.`);
    }
    if (offset < 0) throw validationError(CODE, 'offset', 'This value should be greater than or equal to 0.');
    const options = viewOptions(requestOrigin(c));
    const files = Object.values(state.files)
      .filter((file) => c.var.token.isMasterToken || file.creatorToken.id === c.var.token.id)
      // One or more of the tags (contract §13.7), not all of them.
      .filter((file) => tags.length === 0 || tags.some((tag) => file.tags.includes(tag)))
      .filter((file) => sinceId === undefined || file.id > sinceId)
      .filter((file) => maxId === undefined || file.id <= maxId)
      .filter((file) => runId === undefined || file.runIds.includes(runId))
      .sort((a, b) => b.id - a.id)
      .slice(offset, offset + limit);
    return sendJson(files.map((file) => presentFile(file, options)));
  });
}

/** Storage-like key; the client's name is reduced to safe characters so it cannot escape the bucket. */
function buildObjectKey(id: number, name: string, now: Date): string {
  const date = now.toISOString().slice(0, 10).replaceAll('-', '/');
  const fullName = name.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^\.+/, '_');
  // One path segment of s3rver's store: file systems allow 255 bytes, s3rver adds a suffix.
  const safeName =
    fullName.length <= MAX_KEY_NAME_CHARS
      ? fullName
      : `${fullName.slice(0, MAX_KEY_NAME_CHARS / 2)}_${fullName.slice(-MAX_KEY_NAME_CHARS / 2)}`;
  return `exp-15/${LOCAL_PROJECT_ID}/files/${date}/${id}.${safeName}`;
}

export function assertCanReadFile(token: { id: string; isMasterToken: boolean }, file: FileRecord): void {
  if (!token.isMasterToken && file.creatorToken.id !== token.id) {
    throw new StorageError(404, 'storage.files.notFound', 'File not found');
  }
}
