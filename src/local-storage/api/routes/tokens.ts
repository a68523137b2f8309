// `GET tokens/verify` (contract §1.3): the calling token, its project and its permissions.
import type { Hono } from 'hono';
import { presentToken } from '../../metadata/resource-views.js';
import { requestOrigin, sendJson } from '../../protocol/storage-response.js';
import type { StorageDeps, StorageEnv } from '../storage-deps.js';

export function registerTokenRoutes(app: Hono<StorageEnv>, deps: StorageDeps): void {
  app.get('/tokens/verify', (c) =>
    sendJson(presentToken(c.var.token, deps.tokens.master, deps.metadata.state, requestOrigin(c))),
  );
}
