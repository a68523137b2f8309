// Contract: table and column metadata (contract §13.4) — POST (JSON and form answers differ),
// GET, DELETE, update in place by (provider, key), column metadata, the errors, and the items
// showing in the table detail.
import { beforeAll, describe, expect, it } from 'vitest';
import { createContractClient, expectStorageError, type Json } from './support/storage-client.js';
import { isLocalTarget, useStorageTarget } from './support/storage-target.js';

const target = useStorageTarget();
const api = createContractClient(target);
const ISO8601 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{2}:?\d{2}$/;
let bucket: Json;

beforeAll(async () => {
  bucket = await api.createBucket('metadata');
});

describe('table metadata', () => {
  it('POST (JSON) answers 201 with metadata and columnsMetadata; updates keep the id', async () => {
    const table = await api.createTable(bucket.id, 'meta', 'id,name\n1,a\n');
    const created = api.expectStatus(
      await api.post(`tables/${table.id}/metadata`, {
        json: {
          provider: 'user',
          metadata: [{ key: 'KBC.description', value: 'people' }],
          columnsMetadata: { name: [{ key: 'KBC.datatype.basetype', value: 'STRING' }] },
        },
      }),
      201,
    );
    expect(created.metadata).toHaveLength(1);
    const [item] = created.metadata;
    expect(item).toMatchObject({ key: 'KBC.description', value: 'people', provider: 'user' });
    expect(typeof item.id).toBe('string');
    expect(item.timestamp).toMatch(ISO8601);
    expect(created.columnsMetadata.name[0]).toMatchObject({ key: 'KBC.datatype.basetype', value: 'STRING' });

    const updated = api.expectStatus(
      await api.post(`branch/default/tables/${table.id}/metadata`, {
        json: { provider: 'user', metadata: [{ key: 'KBC.description', value: 'persons' }] },
      }),
      201,
    );
    expect(updated.metadata).toEqual([expect.objectContaining({ id: item.id, value: 'persons' })]);

    const listed = api.expectStatus(await api.get(`tables/${table.id}/metadata`), 200);
    expect(listed).toEqual([expect.objectContaining({ id: item.id, value: 'persons' })]);
    const detail = api.expectStatus(await api.get(`tables/${table.id}`), 200);
    expect(detail.metadata).toEqual([expect.objectContaining({ id: item.id })]);
    expect(detail.columnMetadata.name[0].value).toBe('STRING');

    const removed = await api.request('DELETE', `tables/${table.id}/metadata/${item.id}`);
    expect(removed.status, removed.text).toBe(204);
    expect(api.expectStatus(await api.get(`tables/${table.id}/metadata`), 200)).toEqual([]);
    expectStorageError(
      await api.request('DELETE', `tables/${table.id}/metadata/${item.id}`),
      404,
      'storage.metadata.notFound',
    );
  });

  it('POST as a form answers the plain array of the table items', async () => {
    const table = await api.createTable(bucket.id, 'metaform', 'id\n1\n');
    const response = await api.post(`tables/${table.id}/metadata`, {
      form: [
        ['provider', 'user'],
        ['metadata[0][key]', 'note'],
        ['metadata[0][value]', 'from a form'],
      ],
    });
    const body = api.expectStatus(response, 201);
    expect(body).toEqual([expect.objectContaining({ key: 'note', value: 'from a form', provider: 'user' })]);
  });

  it('rejects bad input with Storage codes', async () => {
    const table = await api.createTable(bucket.id, 'metabad', 'id\n1\n');
    const post = (json: unknown) => api.post(`tables/${table.id}/metadata`, { json });
    expectStorageError(
      await post({ metadata: [{ key: 'a', value: 'b' }] }),
      400,
      'storage.metadata.invalidProvider',
    );
    expectStorageError(
      await post({ provider: 'user', metadata: { key: 'a', value: 'b' } }),
      400,
      'storage.metadata.invalidStructure',
    );
    expectStorageError(
      await post({ provider: 'user', metadata: [{ key: '', value: 'b' }] }),
      400,
      'storage.metadata.invalidKey',
    );
    expectStorageError(
      await post({ provider: 'user', metadata: 'x' }),
      400,
      'storage.metadata.invalidParameter',
    );
    expectStorageError(
      await post({ provider: 'storage', metadata: [{ key: 'a', value: 'b' }] }),
      403,
      'storage.metadata.invalidProvider',
    );
    const notNumber = await api.request('DELETE', `tables/${table.id}/metadata/notNumber`);
    expect(notNumber.status).toBe(400);
  });
});

describe('column metadata', () => {
  it('POST/GET/DELETE columns/{tableId}.{column}/metadata', async () => {
    const table = await api.createTable(bucket.id, 'colmeta', 'id,name\n1,a\n');
    const created = api.expectStatus(
      await api.post(`columns/${table.id}.name/metadata`, {
        json: { provider: 'user', metadata: [{ key: 'KBC.description', value: 'the name' }] },
      }),
      201,
    );
    expect(created).toEqual([expect.objectContaining({ key: 'KBC.description', value: 'the name' })]);
    const listed = api.expectStatus(await api.get(`columns/${table.id}.name/metadata`), 200);
    expect(listed).toEqual(created);
    const detail = api.expectStatus(await api.get(`tables/${table.id}`), 200);
    expect(detail.columnMetadata.name).toEqual(created);
    const removed = await api.request('DELETE', `columns/${table.id}.name/metadata/${created[0].id}`);
    expect(removed.status, removed.text).toBe(204);
    expect(api.expectStatus(await api.get(`columns/${table.id}.name/metadata`), 200)).toEqual([]);
  });
});

describe.runIf(isLocalTarget)('persistence', () => {
  it('metadata survives a restart and goes with its table', async () => {
    const table = await api.createTable(bucket.id, 'metakeep', 'id\n1\n');
    api.expectStatus(
      await api.post(`tables/${table.id}/metadata`, {
        json: { provider: 'user', metadata: [{ key: 'kept', value: 'yes' }] },
      }),
      201,
    );
    await target.restart();
    const listed = api.expectStatus(await api.get(`tables/${table.id}/metadata`), 200);
    expect(listed).toEqual([expect.objectContaining({ key: 'kept', value: 'yes' })]);
    expect((await api.request('DELETE', `tables/${table.id}`)).status).toBe(204);
    const again = await api.createTable(bucket.id, 'metakeep', 'id\n1\n');
    expect(api.expectStatus(await api.get(`tables/${again.id}/metadata`), 200)).toEqual([]);
  });
});
