// GET /tables: the caller's buckets and tables, read from Storage with the caller's token, for the
// upload page's tableId suggestions (Storage's CORS rules make calling it from a page unreliable).
import type { Context } from 'hono';
import type { AppEnv } from '../../http/app-env.js';
import { callerSession } from '../../http/caller-session.js';
import type { StorageClient } from '../../storage-api/storage-client.js';

export interface ListTablesDeps {
  storage: StorageClient;
}

export function createListTablesHandler(deps: ListTablesDeps) {
  return async (c: Context<AppEnv>) => {
    const session = callerSession(c, deps.storage);
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
