// Contract: listings (contract §13.3, §13.6) — `GET tables` with `include`, the bucket detail's
// `tables` array and `attributes`, and the API index `GET /v2/storage` that needs no token.
import { beforeAll, describe, expect, it } from 'vitest';
import { createContractClient, expectStorageError, type Json } from './support/storage-client.js';
import { isLocalTarget, useStorageTarget } from './support/storage-target.js';

const target = useStorageTarget();
const api = createContractClient(target);
let bucket: Json;
let table: Json;

beforeAll(async () => {
  bucket = await api.createBucket('listing');
  table = await api.createTable(bucket.id, 'people', 'id,name\n1,a\n');
});

const find = (items: Json[]) => items.find((item: Json) => item.id === table.id);

describe('GET tables', () => {
  it('without include: each table with its bucket, no columns', async () => {
    const response = await api.get('tables');
    const item = find(api.expectStatus(response, 200));
    expect(item).toMatchObject({
      id: table.id,
      name: 'people',
      bucket: { id: bucket.id, displayName: bucket.displayName },
    });
    expect(item.columns).toBeUndefined();
  });

  it('include=columns,metadata,buckets adds columns and metadata; include= drops bucket', async () => {
    const full = find(api.expectStatus(await api.get('tables?include=columns,metadata,buckets'), 200));
    expect(full).toMatchObject({ columns: ['id', 'name'], metadata: [], bucket: { id: bucket.id } });
    const bare = find(api.expectStatus(await api.get('tables?include='), 200));
    expect(bare.id).toBe(table.id);
    expect(bare.bucket).toBeUndefined();
    expect(bare.columns).toBeUndefined();
    const branch = find(api.expectStatus(await api.get('branch/default/tables?include=columns'), 200));
    expect(branch.columns).toEqual(['id', 'name']);
  });
});

describe('GET buckets/{id} (detail)', () => {
  it('has a `tables` array, `attributes` and `metadata` lists', async () => {
    const detail = api.expectStatus(await api.get(`buckets/${bucket.id}`), 200);
    expect(Array.isArray(detail.tables)).toBe(true);
    expect(detail.tables.map((t: Json) => t.id)).toEqual([table.id]);
    expect(detail.tables[0].bucket).toBeUndefined();
    expect(detail.attributes).toEqual([]);
    expect(detail.metadata).toEqual([]);
    const withColumns = api.expectStatus(await api.get(`buckets/${bucket.id}?include=columns`), 200);
    expect(withColumns.tables[0].columns).toEqual(['id', 'name']);

    const fresh = await api.createBucket('listing-empty');
    const empty = api.expectStatus(await api.get(`branch/default/buckets/${fresh.id}`), 200);
    expect(empty.tables).toEqual([]);
    // The list keeps the URL string.
    const listed = api.expectStatus(await api.get('buckets'), 200).find((b: Json) => b.id === fresh.id);
    expect(typeof listed.tables).toBe('string');
  });
});

describe('GET /v2/storage (API index)', () => {
  it('answers without a token, with api, version and services', async () => {
    for (const path of ['', '/']) {
      const response = await fetch(`${target.apiUrl}${path}?exclude=components`);
      expect(response.status, path).toBe(200);
      if (isLocalTarget) expect(response.headers.get('content-type')).toBe('application/json');
      const body = (await response.json()) as Json;
      expect(body).toMatchObject({ api: 'storage', version: 'v2' });
      expect(Array.isArray(body.services)).toBe(true);
      expect(Array.isArray(body.features)).toBe(true);
      expect(typeof body.stack).toBe('string');
      expect(body.components).toBeUndefined();
    }
  });

  it('other endpoints still need a token', async () => {
    expectStorageError(await api.get('tables', { token: 'wrong-token' }), 401, 'storage.tokenInvalid');
  });
});
