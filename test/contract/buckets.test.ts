// Contract: buckets (contract §6.2, §6.3) — create (JSON, urlencoded, multipart), list, detail,
// tables of a bucket, naming rules and their errors; plus the JSON 404 for unknown routes.
import { describe, expect, it } from 'vitest';
import {
  createContractClient,
  expectStorageError,
  STORAGE_TIME,
  uniqueName,
} from './support/storage-client.js';
import { isLocalTarget, useStorageTarget } from './support/storage-target.js';

const target = useStorageTarget();
const api = createContractClient(target);

describe('POST buckets', () => {
  it('creates `in.c-<name>` with 201 and the bucket resource (JSON body)', async () => {
    const name = uniqueName('json');
    const response = await api.post('buckets', { json: { name, stage: 'in', description: 'from a test' } });
    expect(response.status).toBe(201);
    if (isLocalTarget) expect(response.headers.get('content-type')).toBe('application/json');
    target.trackBucket(response.body.id);
    expect(response.body).toMatchObject({
      id: `in.c-${name}`,
      name: `c-${name}`,
      displayName: name,
      stage: 'in',
      description: 'from a test',
      uri: `${target.apiUrl}/buckets/in.c-${name}`,
      tables: `${target.apiUrl}/buckets/in.c-${name}/tables`,
      isReadOnly: false,
      rowsCount: 0,
      dataSizeBytes: 0,
      isMaintenance: false,
    });
    expect(response.body.created).toMatch(STORAGE_TIME);
  });

  it('accepts urlencoded and multipart bodies and the `out` stage', async () => {
    const formName = uniqueName('form');
    const form = await api.post('buckets', {
      form: [
        ['name', formName],
        ['stage', 'out'],
      ],
    });
    expect(form.status).toBe(201);
    target.trackBucket(form.body.id);
    expect(form.body).toMatchObject({ id: `out.c-${formName}`, stage: 'out' });

    const multipartName = uniqueName('multi');
    const multipart = await api.post('buckets', { multipart: [['name', multipartName]] });
    expect(multipart.status).toBe(201);
    target.trackBucket(multipart.body.id);
    expect(multipart.body).toMatchObject({ id: `in.c-${multipartName}`, stage: 'in' });
  });

  it('rejects an existing bucket with 400 storage.buckets.alreadyExists', async () => {
    const bucket = await api.createBucket('dup');
    const response = await api.post('buckets', { json: { name: bucket.displayName, stage: 'in' } });
    expectStorageError(response, 400, 'storage.buckets.alreadyExists');
    if (isLocalTarget) expect(response.body.error).toBe(`The bucket ${bucket.id} already exists.`);
  });

  it.runIf(isLocalTarget)('validates name and stage with 400 storage.buckets.validation', async () => {
    expectStorageError(
      await api.post('buckets', { json: { name: 'has.dot' } }),
      400,
      'storage.buckets.validation',
      "Invalid data - name: 'has.dot' contains not allowed characters. Only alphanumeric characters dash and underscores are allowed.",
    );
    expectStorageError(await api.post('buckets', { json: {} }), 400, 'storage.buckets.validation');
    expectStorageError(
      await api.post('buckets', { json: { name: 'x', stage: 'sys' } }),
      400,
      'storage.buckets.validation',
    );
    expectStorageError(
      await api.post('buckets', { json: { name: 'x', stage: 'in', displayName: '$$$$$' } }),
      400,
      'storage.buckets.validation',
      "Invalid data - displayName: '$$$$$' contains not allowed characters. Only alphanumeric characters dash and underscores are allowed.",
    );
  });

  it.runIf(isLocalTarget)('answers a malformed JSON body with 400, not 500', async () => {
    const broken = await fetch(`${target.apiUrl}/buckets`, {
      method: 'POST',
      headers: { 'X-StorageApi-Token': target.token, 'Content-Type': 'application/json' },
      body: '{"name": ',
    });
    expect(broken.status).toBe(400);
    expect(((await broken.json()) as { code: string }).code).toBe('validation.failed');
  });
});

describe('GET buckets, buckets/{id}, buckets/{id}/tables', () => {
  it('lists and reads buckets; a missing one is 404 storage.buckets.notFound', async () => {
    const bucket = await api.createBucket('read');
    const list = await api.get('buckets');
    expect(list.status).toBe(200);
    expect(list.body.map((b: { id: string }) => b.id)).toContain(bucket.id);

    const detail = await api.get(`buckets/${bucket.id}`);
    expect(detail.status).toBe(200);
    expect(detail.body).toMatchObject({ id: bucket.id, name: bucket.name, stage: 'in', uri: bucket.uri });

    expectStorageError(
      await api.get(`buckets/in.c-${uniqueName('missing')}`),
      404,
      'storage.buckets.notFound',
    );
  });

  it('lists the tables of a bucket with their detail', async () => {
    const bucket = await api.createBucket('tables');
    const empty = await api.get(`buckets/${bucket.id}/tables`);
    expect(empty.status).toBe(200);
    expect(empty.body).toEqual([]);

    await api.createTable(bucket.id, 'first', 'id,name\n1,a\n2,b\n');
    const tables = await api.get(`buckets/${bucket.id}/tables`);
    expect(tables.status).toBe(200);
    expect(tables.body).toHaveLength(1);
    expect(tables.body[0]).toMatchObject({
      id: `${bucket.id}.first`,
      name: 'first',
      columns: ['id', 'name'],
    });

    const after = await api.get(`buckets/${bucket.id}`);
    if (isLocalTarget) expect(after.body.rowsCount).toBe(2);
    expectStorageError(
      await api.get(`buckets/in.c-${uniqueName('missing')}/tables`),
      404,
      'storage.buckets.notFound',
    );
  });
});

describe.runIf(isLocalTarget)('unknown routes', () => {
  it('answers 404 with a JSON Storage error', async () => {
    const response = await api.get('no-such-endpoint');
    expectStorageError(
      response,
      404,
      'storage.notFound',
      'No such endpoint: GET /v2/storage/no-such-endpoint',
    );
    expect(response.headers.get('content-type')).toBe('application/json');
    expectStorageError(await api.request('DELETE', 'tokens/verify'), 404, 'storage.notFound');
  });
});
