// `DELETE files/{id}` of the local Storage stand-in (contract §13.1, the synchronous form), minimal:
// forgets the file record (a later GET is 404); an uploaded object stays in the embedded S3. 204, no
// body; an unknown or foreign file is Storage's 404 `storage.files.notFound`.
import type { Hono } from 'hono';
import { findFile } from '../resource-lookup.js';
import type { StorageDeps, StorageEnv } from '../storage-deps.js';
import { StorageError } from '../storage-error.js';

export function registerFileDeleteRoute(app: Hono<StorageEnv>, deps: StorageDeps): void {
  const { state } = deps.metadata;
  app.delete('/files/:fileId', async (c) => {
    const file = findFile(state, c.req.param('fileId'));
    const token = c.var.token;
    if (!token.isMasterToken && file.creatorToken.id !== token.id) {
      throw new StorageError(404, 'storage.files.notFound', 'File not found');
    }
    delete state.files[String(file.id)];
    await deps.metadata.save();
    return c.body(null, 204);
  });
}
