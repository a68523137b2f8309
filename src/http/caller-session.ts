// The Storage session of a read-only request: the caller's token (header or `?token=`, shape
// checked), its X-KBC-RunId and the request's own abort signal. Upload routes build theirs in
// ingest/, where the signal is the fail-fast one.
import type { Context } from 'hono';
import type { StorageClient, StorageSession } from '../storage-api/storage-client.js';
import type { AppEnv } from './app-env.js';
import { readStorageToken } from './request-token.js';

export function callerSession(c: Context<AppEnv>, storage: Pick<StorageClient, 'session'>): StorageSession {
  const token = readStorageToken((name) => c.req.header(name), new URL(c.req.url).searchParams);
  return storage.session({ token, runId: c.req.header('x-kbc-runid'), signal: c.req.raw.signal });
}
