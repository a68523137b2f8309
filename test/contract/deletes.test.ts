// Contract: deletes (contract §13.1) — buckets (force, async, deleteNotEmpty), tables (sync and
// async), files; Storage's 404 codes for missing ones; the branch-scoped paths too.
import { describe, expect, it } from 'vitest';
import { createContractClient, expectStorageError, uniqueName } from './support/storage-client.js';
import { isLocalTarget, useStorageTarget } from './support/storage-target.js';

const READER = 'deletes-reader-token';
const PERMISSION_BUCKET = 'in.c-deletes-permissions';
const target = useStorageTarget({
  extraTokens: [{ token: READER, description: 'reader', bucketPermissions: { [PERMISSION_BUCKET]: 'read' } }],
});
const api = createContractClient(target);
const del = (path: string) => api.request('DELETE', path);

describe('DELETE buckets/{id}', () => {
  it('deletes an empty bucket with 204; afterwards it is 404 storage.buckets.notFound', async () => {
    const bucket = await api.createBucket('del-empty');
    const response = await del(`buckets/${bucket.id}`);
    expect(response.status, response.text).toBe(204);
    expect(response.text).toBe('');
    expectStorageError(await api.get(`buckets/${bucket.id}`), 404, 'storage.buckets.notFound');
    expectStorageError(await del(`buckets/${bucket.id}`), 404, 'storage.buckets.notFound');
  });

  it('refuses a non-empty bucket without force (buckets.deleteNotEmpty), sync and async', async () => {
    const bucket = await api.createBucket('del-full');
    await api.createTable(bucket.id, 'keep', 'id\n1\n');
    for (const query of ['', '?async=1']) {
      expectStorageError(
        await del(`buckets/${bucket.id}${query}`),
        400,
        'buckets.deleteNotEmpty',
        'Only empty buckets can be deleted. There are 1 tables in the bucket.',
      );
    }
    expect((await api.get(`tables/${bucket.id}.keep`)).status).toBe(200);
  });

  it('force=true&async=true answers a bucketDelete job that drops the tables too', async () => {
    const bucket = await api.createBucket('del-force');
    await api.createTable(bucket.id, 'gone', 'id\n1\n');
    const response = await del(`buckets/${bucket.id}?force=true&async=true`);
    const job = api.expectStatus(response, 202);
    expect(job.operationName).toBe('bucketDelete');
    const done = await api.waitForJob(job);
    expect(done.status, JSON.stringify(done.error)).toBe('success');
    expectStorageError(await api.get(`buckets/${bucket.id}`), 404, 'storage.buckets.notFound');
    expectStorageError(await api.get(`tables/${bucket.id}.gone`), 404, 'storage.buckets.notFound');
    // The name is free again, and a new table of the same name starts empty.
    const again = await api.post('buckets', { json: { name: bucket.displayName, stage: 'in' } });
    expect(again.status, again.text).toBe(201);
    target.trackBucket(again.body.id);
    const table = await api.createTable(again.body.id, 'gone', 'id\n7\n');
    expect((await api.readRows(table.id)).rows).toEqual([['7']]);
  });

  it('a missing bucket is a synchronous 404 even with async=true', async () => {
    expectStorageError(
      await del(`buckets/in.c-${uniqueName('missing')}?async=true`),
      404,
      'storage.buckets.notFound',
    );
  });
});

describe('DELETE tables/{id}', () => {
  it('drops a table synchronously (204) and asynchronously (202 tableDrop job)', async () => {
    const bucket = await api.createBucket('del-table');
    const sync = await api.createTable(bucket.id, 'sync', 'id\n1\n');
    const syncResponse = await del(`tables/${sync.id}`);
    expect(syncResponse.status, syncResponse.text).toBe(204);
    expectStorageError(await api.get(`tables/${sync.id}`), 404, 'storage.tables.notFound');
    expectStorageError(await del(`tables/${sync.id}`), 404, 'storage.tables.notFound');

    const asyncTable = await api.createTable(bucket.id, 'async', 'id\n1\n');
    const job = api.expectStatus(await del(`branch/default/tables/${asyncTable.id}?async=1`), 202);
    expect(job).toMatchObject({ operationName: 'tableDrop', tableId: asyncTable.id });
    expect((await api.waitForJob(job)).status).toBe('success');
    expectStorageError(await api.get(`tables/${asyncTable.id}`), 404, 'storage.tables.notFound');
    expectStorageError(await api.get(`tables/${asyncTable.id}/metadata`), 404, 'storage.tables.notFound');
    const detail = await api.get(`buckets/${bucket.id}`);
    expect(detail.body.tables).toEqual([]);
  });

  it('a table in a missing bucket is 404 storage.buckets.notFound', async () => {
    expectStorageError(
      await del(`tables/in.c-${uniqueName('missing')}.users`),
      404,
      'storage.buckets.notFound',
    );
  });
});

describe('DELETE files/{id}', () => {
  it('deletes a file (204, then 404 "File not found"); async=1 answers a job', async () => {
    const file = await api.uploadFile('delete-me.csv', 'id\n1\n');
    const response = await del(`files/${file.id}`);
    expect(response.status, response.text).toBe(204);
    expectStorageError(await api.get(`files/${file.id}`), 404, 'storage.files.notFound', 'File not found');
    expect((await fetch(file.url)).status).toBe(404);

    const other = await api.uploadFile('delete-async.csv', 'id\n1\n');
    const job = api.expectStatus(await del(`files/${other.id}?async=1`), 202);
    expect((await api.waitForJob(job)).status).toBe('success');
    expectStorageError(await api.get(`files/${other.id}`), 404, 'storage.files.notFound');
    expectStorageError(await del(`files/${other.id}`), 404, 'storage.files.notFound');
  });

  it('deletes a prepared but never uploaded file', async () => {
    const prepared = await api.prepareFile('never.csv');
    expect((await del(`files/${prepared.id}`)).status).toBe(204);
  });
});

describe.runIf(isLocalTarget)('permissions', () => {
  it('a read-only token cannot delete the bucket, its tables, or files it did not create', async () => {
    api.expectStatus(await api.post('buckets', { json: { name: 'deletes-permissions', stage: 'in' } }), 201);
    const table = await api.createTable(PERMISSION_BUCKET, 'kept', 'id\n1\n');
    const file = await api.uploadFile('kept.csv', 'id\n1\n');
    const asReader = (path: string) => api.request('DELETE', path, { token: READER });
    expectStorageError(await asReader(`buckets/${PERMISSION_BUCKET}?force=1`), 403, 'accessDenied');
    expectStorageError(await asReader(`tables/${table.id}`), 403, 'accessDenied');
    expectStorageError(await asReader(`files/${file.id}`), 404, 'storage.files.notFound');
    expect((await api.get(`tables/${table.id}`)).status).toBe(200);
    expect((await api.get(`files/${file.id}`)).status).toBe(200);
  });
});
