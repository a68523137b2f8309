// GET /tables: the caller's buckets and tables, read from Storage with the caller's token, for the
// upload page's tableId suggestions (Storage's CORS rules make calling it from a page unreliable).
import type { Context } from 'hono';
import type { AppEnv } from '../../http/app-env.js';
import { readStorageToken } from '../../http/request-token.js';
import type { StorageClient } from '../../storage-api/storage-client.js';

export interface ListTablesDeps {
  storage: StorageClient;
}

export function createListTablesHandler(deps: ListTablesDeps) {
  return async (c: Context<AppEnv>) => {
    const token = readStorageToken((name) => c.req.header(name), new URL(c.req.url).searchParams);
    const session = deps.storage.session({
      token,
      runId: c.req.header('x-kbc-runid'),
      signal: c.req.raw.signal,
    });
    const [buckets, tables] = await Promise.all([session.listBuckets(), session.listTables()]);
    c.header('Cache-Control', 'no-store');
    return c.json({
      buckets: buckets.map((bucket) => ({ id: bucket.id })).sort(byId),
      tables: tables
        .map((table) => ({
          id: table.id,
          ...(typeof table.rowsCount === 'number' ? { rowsCount: table.rowsCount } : {}),
        }))
        .sort(byId),
    });
  };
}

function byId(a: { id: string }, b: { id: string }): number {
  return a.id.localeCompare(b.id);
}
