// Contract: branch-scoped paths (contract §1.1) — every endpoint under `branch/default/…` behaves
// like the unscoped one, the default branch is found through `dev-branches`, and (stand-in only)
// any other branch is a 404.
import { describe, expect, it } from 'vitest';
import { createContractClient, expectStorageError, uniqueName } from './support/storage-client.js';
import { isLocalTarget, useStorageTarget } from './support/storage-target.js';

const target = useStorageTarget();
const api = createContractClient(target);
const scope = 'branch/default/';

describe('branch/default/… is the main branch', () => {
  it('serves the whole import flow under the branch prefix', async () => {
    expect((await api.get(`${scope}tokens/verify`)).status).toBe(200);

    const bucket = await api.createBucket('branch', scope);
    expect(api.expectStatus(await api.get(`${scope}buckets/${bucket.id}`), 200).id).toBe(bucket.id);
    expect((await api.get(`${scope}buckets`)).body.map((b: { id: string }) => b.id)).toContain(bucket.id);

    const created = await api.prepareFile('branch.csv', {}, scope);
    await api.uploadToPrepared(created, 'id,name\n1,a\n');
    expect(api.expectStatus(await api.get(`${scope}files/${created.id}`), 200).id).toBe(created.id);
    const createJob = api.expectStatus(
      await api.post(`${scope}buckets/${bucket.id}/tables-async`, {
        json: { name: 'scoped', dataFileId: created.id, primaryKey: 'id' },
      }),
      202,
    );
    expect((await api.waitForJob(createJob)).status).toBe('success');
    const tableId = `${bucket.id}.scoped`;
    expect(api.expectStatus(await api.get(`${scope}tables/${tableId}`), 200).columns).toEqual(['id', 'name']);
    expect(api.expectStatus(await api.get(`${scope}buckets/${bucket.id}/tables`), 200)).toHaveLength(1);

    const imported = await api.prepareFile('branch-import.csv', {}, scope);
    await api.uploadToPrepared(imported, 'id,name\n2,b\n');
    const importJob = api.expectStatus(
      await api.post(`${scope}tables/${tableId}/import-async`, {
        json: { dataFileId: imported.id, incremental: true },
      }),
      202,
    );
    const polled = api.expectStatus(await api.get(`${scope}jobs/${importJob.id}`), 200);
    expect(polled.id).toBe(importJob.id);
    expect((await api.waitForJob(importJob)).status).toBe('success');
    expect((await api.get(`${scope}jobs?limit=1`)).status).toBe(200);

    const preview = await api.get(`${scope}tables/${tableId}/data-preview`);
    expect(preview.status).toBe(200);
    expect(preview.text.split('\n').filter(Boolean).sort()).toEqual(['"1","a"', '"2","b"', '"id","name"']);
  });

  it('lists the default branch in dev-branches and accepts its numeric id', async () => {
    const branches = api.expectStatus(await api.get('dev-branches'), 200);
    const main = branches.find((branch: { isDefault: boolean }) => branch.isDefault);
    expect(main).toBeDefined();
    expect((await api.get(`branch/${main.id}/tokens/verify`)).status).toBe(200);
    expect((await api.get(`branch/${main.id}/buckets`)).status).toBe(200);
  });
});

describe.runIf(isLocalTarget)('unknown branches (stand-in has only the default branch)', () => {
  it('answers 404 storage.devBranches.notFound on every endpoint', async () => {
    const message = 'Branch "12345" not found.';
    const code = 'storage.devBranches.notFound';
    expectStorageError(await api.get('branch/12345/tokens/verify'), 404, code, message);
    expectStorageError(await api.get('branch/12345/buckets'), 404, code, message);
    expectStorageError(
      await api.post('branch/12345/buckets', { json: { name: uniqueName('x') } }),
      404,
      code,
    );
    expectStorageError(
      await api.post('branch/12345/files/prepare', { json: { name: 'a.csv', federationToken: true } }),
      404,
      code,
    );
    expectStorageError(await api.get('branch/12345/jobs/1'), 404, code);
    expectStorageError(await api.get('branch/feature-x/tables/in.c-a.b/data-preview'), 404, code);
    expectStorageError(await api.get('dev-branches/12345'), 404, code);
  });

  it('still authenticates first', async () => {
    const response = await api.get('branch/12345/tokens/verify', { token: null });
    expect(response.status).toBe(401);
    expect(response.body.error).toBe('Access token must be set');
  });
});
