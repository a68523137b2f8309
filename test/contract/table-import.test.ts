// Contract: `POST tables/{id}/import-async` (contract §5, §9) — the tableImport job and its results,
// full and incremental loads, parameter encodings, synchronous rejections and job errors that leave
// the table exactly as it was.
import { gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { createContractClient, expectStorageError, type Json } from './support/storage-client.js';
import { isLocalTarget, useStorageTarget } from './support/storage-target.js';

const target = useStorageTarget();
const api = createContractClient(target);
let bucket: Json;

beforeAll(async () => {
  bucket = await api.createBucket('import');
});

describe('import-async: accepted job and results', () => {
  it('answers 202 with a tableImport job, then results describing the table after the load', async () => {
    const table = await api.createTable(bucket.id, 'full', 'id,name\n1,old\n');
    const file = await api.uploadFile('full.csv', 'id,name\n2,Bob\n3,Cyd\n');
    const response = await api.post(`tables/${table.id}/import-async`, {
      json: { dataFileId: file.id, incremental: false },
      headers: { 'X-KBC-RunId': 'contract-run-1' },
    });
    expect(response.status).toBe(202);
    if (isLocalTarget) expect(response.headers.get('content-type')).toBe('application/json');
    expect(response.body).toMatchObject({
      operationName: 'tableImport',
      tableId: table.id,
      runId: 'contract-run-1',
      url: `${target.apiUrl}/jobs/${response.body.id}`,
      operationParams: { source: { type: 'file', fileId: file.id } },
    });
    if (isLocalTarget) expect(response.body.status).toBe('waiting');

    const job = await api.waitForJob(response.body);
    expect(job.status).toBe('success');
    expect(job.results).toEqual({
      importedColumns: ['id', 'name'],
      warnings: [],
      transaction: null,
      totalRowsCount: 2,
      totalDataSizeBytes: job.results.totalDataSizeBytes,
    });
    expect(job.results.totalDataSizeBytes).toBeGreaterThan(0);
    expect((await api.readRows(table.id)).rows).toEqual([
      ['2', 'Bob'],
      ['3', 'Cyd'],
    ]);
  });

  it('updates the table detail: rowsCount, dataSizeBytes, lastImportDate, appended columns', async () => {
    const table = await api.createTable(bucket.id, 'detail', 'id,name\n1,a\n');
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const job = await api.importCsv(table.id, 'name,id,extra\nb,2,x\nc,3,y\n', { incremental: true });
    expect(job.status, JSON.stringify(job.error)).toBe('success');
    expect(job.results.importedColumns).toEqual(['name', 'id', 'extra']);
    const after = api.expectStatus(await api.get(`tables/${table.id}`), 200);
    expect(after.columns).toEqual(['id', 'name', 'extra']);
    expect(after.rowsCount).toBe(3);
    expect(after.dataSizeBytes).toBeGreaterThan(table.dataSizeBytes);
    expect(after.lastImportDate > table.lastImportDate).toBe(true);
    expect(after.lastChangeDate > table.lastChangeDate).toBe(true);
    expect((await api.readRows(table.id)).rows).toEqual([
      ['1', 'a', ''],
      ['2', 'b', 'x'],
      ['3', 'c', 'y'],
    ]);
  });

  it('upserts by primary key when incremental and appends without one', async () => {
    const keyed = await api.createTable(bucket.id, 'keyed', 'id,name\n1,a\n2,b\n', { primaryKey: 'id' });
    const upsert = await api.importCsv(keyed.id, 'id,name\n2,B\n3,c\n3,c\n', { incremental: true });
    expect(upsert.results.totalRowsCount).toBe(3);
    expect((await api.readRows(keyed.id)).rows).toEqual([
      ['1', 'a'],
      ['2', 'B'],
      ['3', 'c'],
    ]);

    const plain = await api.createTable(bucket.id, 'plain', 'id,name\n1,a\n');
    const append = await api.importCsv(plain.id, 'id,name\n1,a\n', { incremental: true });
    expect(append.results.totalRowsCount).toBe(2);
  });

  it('takes urlencoded parameters: columns[0]=, booleans as 1/0, ignoredLinesCount', async () => {
    const table = await api.createTable(bucket.id, 'form', 'id,name\n1,a\n');
    const file = await api.uploadFile('form.csv', 'skip me\nb;2\n');
    const response = await api.post(`tables/${table.id}/import-async`, {
      form: [
        ['dataFileId', String(file.id)],
        ['incremental', '1'],
        ['delimiter', ';'],
        ['columns[0]', 'name'],
        ['columns[1]', 'id'],
        ['ignoredLinesCount', '1'],
      ],
    });
    const job = await api.waitForJob(api.expectStatus(response, 202));
    expect(job.status, JSON.stringify(job.error)).toBe('success');
    expect((await api.readRows(table.id)).rows).toEqual([
      ['1', 'a'],
      ['2', 'b'],
    ]);
  });

  it('takes a multipart body and `columns[]=` with withoutHeaders=0', async () => {
    const table = await api.createTable(bucket.id, 'multipart', 'id,name\n1,a\n');
    const file = await api.uploadFile('multipart.csv', '5,e\n');
    const response = await api.post(`tables/${table.id}/import-async`, {
      multipart: [
        ['dataFileId', String(file.id)],
        ['incremental', 'false'],
        ['withoutHeaders', '0'],
        ['columns[]', 'id'],
        ['columns[]', 'name'],
      ],
    });
    const job = await api.waitForJob(api.expectStatus(response, 202));
    expect(job.status, JSON.stringify(job.error)).toBe('success');
    expect((await api.readRows(table.id)).rows).toEqual([['5', 'e']]);
  });

  it('loads gzip by the .gz name and records compression in the metrics', async () => {
    const table = await api.createTable(bucket.id, 'gzip', 'id,name\n1,a\n');
    const file = await api.uploadFile('rows.csv.gz', gzipSync('id,name\n7,g\n'));
    const response = await api.post(`tables/${table.id}/import-async`, { json: { dataFileId: file.id } });
    const job = await api.waitForJob(api.expectStatus(response, 202));
    expect(job.status, JSON.stringify(job.error)).toBe('success');
    expect(job.metrics).toMatchObject({ inCompressed: true });
    expect((await api.readRows(table.id)).rows).toEqual([['7', 'g']]);
  });
});

describe('import-async: synchronous rejections', () => {
  let table: Json;
  let fileId: number;
  beforeAll(async () => {
    table = await api.createTable(bucket.id, 'sync-errors', 'id,name\n1,a\n');
    fileId = (await api.uploadFile('ok.csv', 'id,name\n2,b\n')).id;
  });
  const start = (json: Record<string, unknown>, tableId = table.id) =>
    api.post(`tables/${tableId}/import-async`, { json });

  it('answers 404 for a missing table or bucket', async () => {
    expectStorageError(
      await start({ dataFileId: fileId }, `${bucket.id}.missing`),
      404,
      'storage.tables.notFound',
    );
    expectStorageError(
      await start({ dataFileId: fileId }, 'in.c-contract-none.t'),
      404,
      'storage.buckets.notFound',
    );
  });

  it('answers 400 invalidCsv / csvImport.invalidCsvParams for a bad dialect', async () => {
    expectStorageError(await start({ dataFileId: fileId, delimiter: '/t' }), 400, 'invalidCsv');
    expectStorageError(await start({ dataFileId: fileId, delimiter: '' }), 400, 'invalidCsv');
    await api.expectRejection(
      await start({ dataFileId: fileId, enclosure: '"', escapedBy: '\\' }),
      'csvImport.invalidCsvParams',
      'sync',
    );
  });

  it('answers 400 storage.tables.validation for treatValuesAsNull with two elements', async () => {
    expectStorageError(
      await start({ dataFileId: fileId, treatValuesAsNull: ['', 'x'] }),
      400,
      'storage.tables.validation',
      /This collection should contain 1 element or less\./,
    );
  });

  it.runIf(isLocalTarget)('requires dataFileId and a known file; rejects ill-typed parameters', async () => {
    expectStorageError(
      await start({}),
      400,
      'storage.tables.validation',
      'Invalid request:\n - dataFileId: "This field is missing."',
    );
    expectStorageError(
      await start({ dataFileId: 987654321 }),
      404,
      'storage.files.notFound',
      'File not found',
    );
    expectStorageError(
      await start({ dataFileId: fileId, incremental: 'maybe' }),
      400,
      'storage.tables.validation',
      'Invalid request:\n - incremental: "This value should be of type boolean."',
    );
    expectStorageError(
      await start({ dataFileId: fileId, columns: 'id,name' }),
      400,
      'storage.tables.validation',
      'Invalid request:\n - columns: "This value should be of type array."',
    );
    expect((await api.readRows(table.id)).rows).toEqual([['1', 'a']]);
  });
});

describe('import-async: job errors leave the table as it was', () => {
  it('fails with csvImport.columnsNotMatch, the documented message and results', async () => {
    const table = await api.createTable(bucket.id, 'mismatch', 'id,name,missing\n1,a,m\n');
    const before = api.expectStatus(await api.get(`tables/${table.id}`), 200);
    const job = await api.importCsv(table.id, 'id,name\n2,b\n');
    expect(job.status).toBe('error');
    expect(job.error.code).toBe('csvImport.columnsNotMatch');
    expect(job.error.message).toBe(
      'Some columns are missing in the csv file. Missing columns: missing. Expected columns: id,name,missing. Please check if the expected delimiter "," is used in the csv file.',
    );
    expect(typeof job.error.exceptionId).toBe('string');
    expect(job.results).toEqual({ missingColumns: ['missing'], expectedColumns: ['id', 'name', 'missing'] });
    expect((await api.readRows(table.id)).rows).toEqual([['1', 'a', 'm']]);
    const after = api.expectStatus(await api.get(`tables/${table.id}`), 200);
    expect(after).toMatchObject({
      rowsCount: before.rowsCount,
      columns: before.columns,
      lastImportDate: before.lastImportDate,
    });
  });

  it('fails with csvImport.columnsNotMatch for a 0-byte file', async () => {
    const table = await api.createTable(bucket.id, 'zero', 'id\n1\n');
    const job = await api.importCsv(table.id, '');
    expect(job.status).toBe('error');
    expect(job.error.code).toBe('csvImport.columnsNotMatch');
    expect((await api.readRows(table.id)).rows).toEqual([['1']]);
  });

  it('fails a ragged row with a message starting "Load error:"', async () => {
    const table = await api.createTable(bucket.id, 'ragged', 'id,name\n1,a\n');
    const job = await api.importCsv(table.id, 'id,name\n2,b\n3,c,extra\n');
    expect(job.status).toBe('error');
    expect(job.error.message).toMatch(/^Load error:/);
    expect((await api.readRows(table.id)).rows).toEqual([['1', 'a']]);
  });

  it('fails with storage.fileNotUploaded for a prepared but never uploaded file', async () => {
    const table = await api.createTable(bucket.id, 'not-uploaded', 'id\n1\n');
    const prepared = await api.prepareFile('never.csv');
    const response = await api.post(`tables/${table.id}/import-async`, { json: { dataFileId: prepared.id } });
    await api.expectRejection(response, 'storage.fileNotUploaded', 'job');
    expect((await api.readRows(table.id)).rows).toEqual([['1']]);
  });
});
