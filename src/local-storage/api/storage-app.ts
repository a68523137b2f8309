// The Hono app of the local Storage stand-in, with routes relative to /v2/storage: every route under
// both `/…` and `/branch/{branchId}/…`, token authentication, and the one error handler that renders
// StorageError bodies (unknown errors: logged, generic 500). Builds no stores; they come in as deps.
import type { HttpBindings } from '@hono/node-server';
import { type Context, Hono } from 'hono';
import { authenticateRequest } from '../auth/tokens.js';
import { StorageError } from '../protocol/storage-error.js';
import { createExceptionId, sendInternalError, sendStorageError } from '../protocol/storage-response.js';
import { registerApiIndexRoute } from './routes/api-index.js';
import { registerBranchRoutes, requireDefaultBranch } from './routes/branches.js';
import { registerBucketRoutes } from './routes/buckets.js';
import { registerDataPreviewRoutes } from './routes/data-preview.js';
import { registerDeleteRoutes } from './routes/deletes.js';
import { registerFileRefreshRoute } from './routes/file-refresh.js';
import { registerFileTagRoutes } from './routes/file-tags.js';
import { registerFileDownloadRoute, registerFileRoutes } from './routes/files.js';
import { registerJobRoutes } from './routes/jobs.js';
import { registerMetadataRoutes } from './routes/metadata.js';
import { registerTableExportRoutes } from './routes/table-export.js';
import { registerTableImportRoutes } from './routes/table-import.js';
import { registerTableListingRoutes } from './routes/table-listing.js';
import { registerTableRoutes } from './routes/tables.js';
import { registerTokenRoutes } from './routes/tokens.js';
import type { StorageDeps, StorageEnv } from './storage-deps.js';

export function createStorageApp(deps: StorageDeps): Hono {
  const routes = new Hono<StorageEnv>();
  // Registered before authentication: a download link carries its own signature, like presigned S3.
  registerFileDownloadRoute(routes, deps);
  routes.use('*', authenticateRequest(deps.tokens));
  routes.use('*', requireDefaultBranch());
  registerTokenRoutes(routes, deps);
  registerBranchRoutes(routes, deps);
  registerBucketRoutes(routes, deps);
  registerTableRoutes(routes, deps);
  registerTableImportRoutes(routes, deps);
  registerDataPreviewRoutes(routes, deps);
  registerFileRoutes(routes, deps);
  registerFileRefreshRoute(routes, deps);
  registerFileTagRoutes(routes, deps);
  registerJobRoutes(routes, deps);
  registerTableListingRoutes(routes, deps);
  registerTableExportRoutes(routes, deps);
  registerMetadataRoutes(routes, deps);
  registerDeleteRoutes(routes, deps);

  const api = new Hono();
  // The API index needs no token, so it stays outside `routes` (and their authentication).
  registerApiIndexRoute(api);
  api.route('/branch/:branchId', routes);
  api.route('/', routes);
  // A catch-all route rather than notFound(): it still applies when the app is mounted elsewhere.
  api.all('*', (c) => {
    throw new StorageError(404, 'storage.notFound', `No such endpoint: ${c.req.method} ${c.req.path}`);
  });
  api.onError((err, c) => {
    if (err instanceof StorageError) return closeIfBodyUnread(c, sendStorageError(err));
    const exceptionId = createExceptionId();
    deps.logger?.error({ err, exceptionId, method: c.req.method, path: c.req.path }, 'local storage error');
    return closeIfBodyUnread(c, sendInternalError(exceptionId));
  });
  return api;
}

/**
 * An error answered before the request body was read to its end (a 413 after the first MiB, a 401 on
 * a POST): the rest of the body still occupies the connection, so it must not carry another request.
 * `Connection: close` tells the client so, and makes Node close it once the answer is out. Kept
 * alive, the unread remainder stalled and the connection was cut ~500 ms later, losing whatever
 * request a keep-alive client (Node's default agent) had sent on it meanwhile.
 */
function closeIfBodyUnread(c: Context, response: Response): Response {
  const incoming = (c.env as Partial<HttpBindings> | undefined)?.incoming;
  if (!incoming || incoming.readableEnded) return response;
  // A request without a body (a GET's 404) leaves nothing behind: its connection stays reusable.
  const { 'transfer-encoding': chunked, 'content-length': length } = incoming.headers;
  if (chunked !== undefined || Number(length ?? '0') > 0) response.headers.set('Connection', 'close');
  return response;
}
