// Changing Storage files after files/prepare (contract §13.1 and the official clients' calls):
// `POST files/{id}/tags` adds one tag (the PHP client's addFileTag sends `tag`), `DELETE
// files/{id}/tags/{tag}` removes one. Deleting the file itself is in deletes.ts.
import type { Hono } from 'hono';
import type { FileRecord } from '../../metadata/metadata-store.js';
import { findFile } from '../../metadata/resource-lookup.js';
import { createParamReader, readRequestParams } from '../../protocol/request-params.js';
import { StorageError } from '../../protocol/storage-error.js';
import { validationError } from '../../protocol/storage-response.js';
import type { StorageDeps, StorageEnv } from '../storage-deps.js';

const CODE = 'storage.files.validation';
const MAX_TAG_LENGTH = 256;

export function registerFileTagRoutes(app: Hono<StorageEnv>, deps: StorageDeps): void {
  const { state } = deps.metadata;
  const ownFile = (token: { id: string; isMasterToken: boolean }, fileId: string): FileRecord => {
    const file = findFile(state, fileId);
    // Tokens without canReadAllFileUploads see only their own files (contract §13.7).
    if (!token.isMasterToken && file.creatorToken.id !== token.id) {
      throw new StorageError(404, 'storage.files.notFound', 'File not found');
    }
    return file;
  };

  app.post('/files/:fileId/tags', async (c) => {
    const file = ownFile(c.var.token, c.req.param('fileId'));
    const tag =
      createParamReader(await readRequestParams(c), CODE)
        .string('tag')
        ?.trim() ?? '';
    if (tag === '') throw validationError(CODE, 'tag', 'This value should not be blank.');
    if (tag.length > MAX_TAG_LENGTH) {
      throw validationError(
        CODE,
        'tag',
        `This value is too long. It should have ${MAX_TAG_LENGTH} characters or less.`,
      );
    }
    if (!file.tags.includes(tag)) file.tags.push(tag);
    await deps.metadata.save();
    return c.body(null, 201);
  });

  app.delete('/files/:fileId/tags/:tag', async (c) => {
    const file = ownFile(c.var.token, c.req.param('fileId'));
    const tag = c.req.param('tag');
    file.tags = file.tags.filter((existing) => existing !== tag);
    await deps.metadata.save();
    return c.body(null, 204);
  });
}
