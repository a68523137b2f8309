// `PUT files/{id}/refresh` (contract §13.7): the prepare shape again with fresh upload credentials.
// GCS files only (their tokens last an hour), until 12 h after the file was created; 400 otherwise.
import type { Hono } from 'hono';
import { findFile } from '../../metadata/resource-lookup.js';
import { presentFile } from '../../metadata/resource-views.js';
import { StorageError } from '../../protocol/storage-error.js';
import { requestOrigin, sendJson } from '../../protocol/storage-response.js';
import type { StorageDeps, StorageEnv } from '../storage-deps.js';
import { assertCanReadFile } from './files.js';

const REFRESH_WINDOW_MS = 12 * 3600 * 1000;

export function registerFileRefreshRoute(app: Hono<StorageEnv>, deps: StorageDeps): void {
  app.put('/files/:fileId/refresh', (c) => {
    const file = findFile(deps.metadata.state, c.req.param('fileId'));
    assertCanReadFile(c.var.token, file);
    const now = deps.now();
    const refreshed = deps.fileStorage.refreshParams(file, now);
    if (!refreshed)
      throw new StorageError(
        400,
        'storage.files.validation',
        'Refreshing credentials is supported for GCS files only.',
      );
    if (now.getTime() - Date.parse(file.created) > REFRESH_WINDOW_MS)
      throw new StorageError(
        422,
        'storage.files.refreshExpired',
        'Credentials can be refreshed until 12 hours after the file was created.',
      );
    const view = presentFile(file, {
      origin: requestOrigin(c),
      urlSigningSecret: deps.metadata.state.urlSigningSecret,
      provider: deps.fileStorage.provider,
      bucket: deps.fileStorage.bucket,
      region: deps.fileStorage.region,
      now,
    });
    return sendJson({ ...view, ...refreshed });
  });
}
