// Contract: creating tables from files (contract §6.1, §6.4, §8.1, §9) — the tableCreate job, its
// results, the table detail, and every synchronous and job-time rejection.
import { gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  createContractClient,
  expectStorageError,
  type Json,
  STORAGE_TIME,
} from './support/storage-client.js';
import { isLocalTarget, useStorageTarget } from './support/storage-target.js';

const target = useStorageTarget();
const api = createContractClient(target);
let bucket: Json;

beforeAll(async () => {
  bucket = await api.createBucket('create');
});

describe('POST buckets/{id}/tables-async', () => {
  it('answers 202 with a tableCreate job whose results are the new table', async () => {
    const file = await api.uploadFile('users.csv', 'id,name,city\n1,Ann,Prague\n2,Bob,Brno\n');
    const response = await api.post(`buckets/${bucket.id}/tables-async`, {
      json: { name: 'users', dataFileId: file.id, primaryKey: 'id' },
    });
    expect(response.status).toBe(202);
    const accepted = response.body;
    expect(accepted).toMatchObject({
      operationName: 'tableCreate',
      tableId: null,
      operationParams: { source: { type: 'file', fileId: file.id } },
    });
    if (isLocalTarget) expect(accepted.status).toBe('waiting');
    expect(accepted.url).toBe(`${target.apiUrl}/jobs/${accepted.id}`);

    const job = await api.waitForJob(accepted);
    expect(job.status).toBe('success');
    expect(job.tableId).toBe(`${bucket.id}.users`);
    expect(job.results).toMatchObject({
      id: `${bucket.id}.users`,
      name: 'users',
      columns: ['id', 'name', 'city'],
      primaryKey: ['id'],
      bucket: { id: bucket.id },
    });
  });

  it('exposes the table detail with bucket, counts, dates, columns and primary key', async () => {
    const table = await api.createTable(bucket.id, 'detail', 'id,sub,value\n1,a,x\n1,b,y\n2,a,z\n', {
      primaryKey: 'id,sub',
    });
    expect(table).toMatchObject({
      uri: `${target.apiUrl}/tables/${bucket.id}.detail`,
      id: `${bucket.id}.detail`,
      name: 'detail',
      displayName: 'detail',
      primaryKey: ['id', 'sub'],
      columns: ['id', 'sub', 'value'],
      rowsCount: 3,
      isTyped: false,
      bucket: { id: bucket.id, stage: 'in', name: bucket.name, displayName: bucket.displayName },
    });
    expect(table.dataSizeBytes).toBeGreaterThan(0);
    expect(table.created).toMatch(STORAGE_TIME);
    expect(table.lastImportDate).toMatch(STORAGE_TIME);
    expect(table.lastChangeDate).toMatch(STORAGE_TIME);
    expect((await api.readRows(table.id)).rows).toEqual([
      ['1', 'a', 'x'],
      ['1', 'b', 'y'],
      ['2', 'a', 'z'],
    ]);
  });

  it('sanitises header names and accepts a urlencoded request with columns[] for a header-less file', async () => {
    const sanitised = await api.createTable(bucket.id, 'sanitised', '"col 1","language-id","_x_"\na,b,c\n');
    expect(sanitised.columns).toEqual(['col_1', 'language_id', 'x']);

    const file = await api.uploadFile('headless.csv', '1;Ann\n2;Bob\n');
    const response = await api.post(`buckets/${bucket.id}/tables-async`, {
      form: [
        ['name', 'headless'],
        ['dataFileId', String(file.id)],
        ['delimiter', ';'],
        ['columns[]', 'id'],
        ['columns[]', 'name'],
        ['primaryKey', 'id'],
      ],
    });
    expect(response.status).toBe(202);
    const job = await api.waitForJob(response.body);
    expect(job.status, JSON.stringify(job.error)).toBe('success');
    expect(job.results).toMatchObject({ columns: ['id', 'name'], primaryKey: ['id'] });
    expect((await api.readRows(job.tableId)).rows).toEqual([
      ['1', 'Ann'],
      ['2', 'Bob'],
    ]);
  });

  it('creates a table from a gzipped file recognised by its .gz name', async () => {
    const file = await api.uploadFile('zipped.csv.gz', gzipSync('id,name\n1,Ann\n'));
    const response = await api.post(`buckets/${bucket.id}/tables-async`, {
      json: { name: 'zipped', dataFileId: file.id },
    });
    const job = await api.waitForJob(api.expectStatus(response, 202));
    expect(job.status, JSON.stringify(job.error)).toBe('success');
    expect(job.metrics.inCompressed).toBe(true);
    expect((await api.readRows(job.tableId)).rows).toEqual([['1', 'Ann']]);
  });

  it('accepts a header-only file and creates an empty table', async () => {
    const table = await api.createTable(bucket.id, 'header-only', 'id,name');
    expect(table.columns).toEqual(['id', 'name']);
    expect(table.rowsCount).toBe(0);
  });
});

describe('tables-async: synchronous rejections', () => {
  let fileId: number;
  beforeAll(async () => {
    fileId = (await api.uploadFile('valid.csv', 'id,name\n1,a\n')).id;
  });
  const create = (json: Record<string, unknown>, bucketId = bucket.id) =>
    api.post(`buckets/${bucketId}/tables-async`, { json });

  it('requires a name', async () => {
    const response = await create({ dataFileId: fileId });
    expect(response.status).toBe(400);
    expect(response.body.error).toBe('Table create option "name" is required and cannot be empty.');
    if (isLocalTarget) expect(response.body.code).toBe('storage.tables.validation');
    expect((await create({ name: '', dataFileId: fileId })).status).toBe(400);
  });

  it('rejects dots and other characters in the name with storage.tables.validation', async () => {
    expectStorageError(
      await create({ name: 'has.dot', dataFileId: fileId }),
      400,
      'storage.tables.validation',
      "Invalid table name: 'has.dot' contains not allowed characters. Only alphanumeric characters dash and underscores are allowed.",
    );
    expectStorageError(await create({ name: 'a b', dataFileId: fileId }), 400, 'storage.tables.validation');
  });

  it('rejects a primaryKey array with storage.validation.primaryKey', async () => {
    expectStorageError(
      await create({ name: 'pk-array', dataFileId: fileId, primaryKey: ['id'] }),
      400,
      'storage.validation.primaryKey',
    );
    const form = await api.post(`buckets/${bucket.id}/tables-async`, {
      form: [
        ['name', 'pk-form-array'],
        ['dataFileId', String(fileId)],
        ['primaryKey[]', 'id'],
      ],
    });
    expectStorageError(form, 400, 'storage.validation.primaryKey');
  });

  it('rejects an existing table with storage.buckets.tableAlreadyExists', async () => {
    await api.createTable(bucket.id, 'existing', 'id\n1\n');
    expectStorageError(
      await create({ name: 'existing', dataFileId: fileId }),
      400,
      'storage.buckets.tableAlreadyExists',
      isLocalTarget
        ? 'The table "existing" in the bucket already has the same display name "existing".'
        : undefined,
    );
  });

  it('answers 404 storage.buckets.notFound for a missing bucket', async () => {
    expectStorageError(
      await create({ name: 'orphan', dataFileId: fileId }, 'in.c-contract-no-such-bucket'),
      404,
      'storage.buckets.notFound',
    );
  });

  it('validates the CSV dialect synchronously (invalidCsv, csvImport.invalidCsvParams)', async () => {
    expectStorageError(
      await create({ name: 'bad-delim', dataFileId: fileId, delimiter: '/t' }),
      400,
      'invalidCsv',
    );
    await api.expectRejection(
      await create({ name: 'bad-params', dataFileId: fileId, enclosure: '"', escapedBy: '\\' }),
      'csvImport.invalidCsvParams',
      'sync',
    );
  });

  it.runIf(isLocalTarget)(
    'requires an existing dataFileId (local: 400 / 404 storage.files.notFound)',
    async () => {
      expectStorageError(
        await create({ name: 'no-file' }),
        400,
        'storage.tables.validation',
        'Invalid request:\n - dataFileId: "This field is missing."',
      );
      expectStorageError(
        await create({ name: 'bad-file', dataFileId: 987654321 }),
        404,
        'storage.files.notFound',
      );
    },
  );
});

describe('tables-async: job errors', () => {
  const createFailing = async (
    name: string,
    csv: string,
    code: string,
    params: Record<string, unknown> = {},
  ) => {
    const file = await api.uploadFile(`${name}.csv`, csv);
    const response = await api.post(`buckets/${bucket.id}/tables-async`, {
      json: { name, dataFileId: file.id, ...params },
    });
    const job = await api.expectRejection(response, code, 'job');
    if (job) expect(job.tableId).toBeNull();
    expect((await api.get(`tables/${bucket.id}.${name}`)).status).toBe(404);
  };

  it('fails with storage.tables.validation.invalidPrimaryKeyColumns, case-sensitively', async () => {
    const code = 'storage.tables.validation.invalidPrimaryKeyColumns';
    await createFailing('pk-missing', 'id,name\n1,a\n', code, { primaryKey: 'nope' });
    await createFailing('pk-case', 'id,name\n1,a\n', code, { primaryKey: 'ID' });
  });

  it('fails with storage.tables.validation.noColumns for a 0-byte file', async () => {
    await createFailing('empty-file', '', 'storage.tables.validation.noColumns');
  });

  it('fails with storage.tables.validation.invalidColumnName for names over 64 characters', async () => {
    await createFailing(
      'long-name',
      `id,${'x'.repeat(65)}\n1,a\n`,
      'storage.tables.validation.invalidColumnName',
    );
  });

  it('fails with storage.fileNotUploaded when the prepared file was never uploaded', async () => {
    const prepared = await api.prepareFile('never.csv');
    const response = await api.post(`buckets/${bucket.id}/tables-async`, {
      json: { name: 'never', dataFileId: prepared.id },
    });
    await api.expectRejection(response, 'storage.fileNotUploaded', 'job');
    expect((await api.get(`tables/${bucket.id}.never`)).status).toBe(404);
  });

  it.runIf(isLocalTarget)('fails the second of two concurrent creates of the same table', async () => {
    // Both files uploaded first: the two creates must be queued before the first one can finish.
    const files = [
      await api.uploadFile('race-1.csv', 'id\n1\n'),
      await api.uploadFile('race-2.csv', 'id\n2\n'),
    ];
    const [first, second] = await Promise.all(
      files.map(async (file) =>
        api.expectStatus(
          await api.post(`buckets/${bucket.id}/tables-async`, {
            json: { name: 'race', dataFileId: file.id },
          }),
          202,
        ),
      ),
    );
    expect((await api.waitForJob(first)).status).toBe('success');
    const lost = await api.waitForJob(second);
    expect(lost.status).toBe('error');
    expect(lost.error.code).toBe('storage.buckets.tableAlreadyExists');
    expect((await api.readRows(`${bucket.id}.race`)).rows).toEqual([['1']]);
  });
});

describe('GET tables/{id}', () => {
  it('answers 404 storage.tables.notFound / storage.buckets.notFound', async () => {
    expectStorageError(await api.get(`tables/${bucket.id}.no-such-table`), 404, 'storage.tables.notFound');
    expectStorageError(
      await api.get('tables/in.c-contract-no-such-bucket.t'),
      404,
      'storage.buckets.notFound',
    );
  });
});

describe('GET tables', () => {
  it('lists the tables the token can read, each with its id and bucket id prefix', async () => {
    const table = await api.createTable(bucket.id, 'listed', 'id,name\n1,a\n');
    const response = await api.get('tables?include=');
    expect(response.status, response.text).toBe(200);
    expect(Array.isArray(response.body)).toBe(true);
    const listed = (response.body as Array<{ id: string }>).find((item) => item.id === table.id);
    expect(listed).toMatchObject({ id: `${bucket.id}.listed`, name: 'listed' });
  });
});
