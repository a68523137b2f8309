// The read-only calls behind the upload page: listBuckets / listTables / previewTable hit the
// documented paths, are retried like every GET, and refuse a 2xx body of the wrong shape (a proxy
// page, an object instead of a list) as a 502 instead of handing it on.
import { afterEach, describe, expect, it } from 'vitest';
import { AppError } from '../../src/errors.js';
import type { RetryPolicy } from '../../src/storage-api/retry-policy.js';
import { json, type ScriptedStorage, startScriptedStorage } from './scripted-storage.js';

const POLICY: RetryPolicy = {
  retries: 2,
  minTimeoutMs: 10,
  maxTimeoutMs: 20,
  maxRetryTimeMs: 2_000,
  maxRetryAfterMs: 1_000,
  attemptTimeoutMs: 2_000,
};

describe('storage client: listings and preview', () => {
  let storage: ScriptedStorage | undefined;
  afterEach(async () => {
    await storage?.close();
    storage = undefined;
  });

  it('lists buckets and tables at their paths, retrying a 503', async () => {
    storage = await startScriptedStorage([json(503, {}), json(200, [{ id: 'in.c-a.t', name: 't' }])]);
    const tables = await storage.session(POLICY).listTables();
    expect(tables).toEqual([{ id: 'in.c-a.t', name: 't' }]);
    expect(storage.requests.map((request) => request.path)).toEqual([
      '/v2/storage/tables?include=',
      '/v2/storage/tables?include=',
    ]);
    await storage.close();
    storage = await startScriptedStorage([json(200, [{ id: 'in.c-a', name: 'c-a', stage: 'in' }])]);
    expect(await storage.session(POLICY).listBuckets()).toEqual([{ id: 'in.c-a', name: 'c-a', stage: 'in' }]);
    expect(storage.requests[0]?.path).toBe('/v2/storage/buckets');
  });

  it('refuses a listing that is not a list as 502 importer.storageFailed', async () => {
    storage = await startScriptedStorage([json(200, { tables: [] })]);
    const error = await storage
      .session(POLICY)
      .listTables()
      .catch((err: unknown) => err);
    expect(error).toBeInstanceOf(AppError);
    expect(error).toMatchObject({ status: 502, code: 'importer.storageFailed' });
    expect(storage.requests).toHaveLength(1);
  });

  it('asks data-preview for JSON with the limit, the table id encoded', async () => {
    const preview = { columns: ['id'], rows: [[{ columnName: 'id', value: '1', isTruncated: false }]] };
    storage = await startScriptedStorage([json(200, preview)]);
    expect(await storage.session(POLICY).previewTable('in.c-a.t', 20)).toEqual(preview);
    expect(storage.requests[0]?.path).toBe('/v2/storage/tables/in.c-a.t/data-preview?format=json&limit=20');
  });
});
