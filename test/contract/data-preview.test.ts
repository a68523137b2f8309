// Contract: `GET tables/{id}/data-preview` (contract §8.2) — rfc CSV byte for byte, json with
// truncation, limit (default 100, max 1000), columns, and the errors.
import { beforeAll, describe, expect, it } from 'vitest';
import { createContractClient, expectStorageError, type Json } from './support/storage-client.js';
import { isLocalTarget, useStorageTarget } from './support/storage-target.js';

const target = useStorageTarget();
const api = createContractClient(target);
let bucket: Json;
let tricky: Json;

beforeAll(async () => {
  bucket = await api.createBucket('preview');
  tricky = await api.createTable(
    bucket.id,
    'tricky',
    'id,text\n1,"say ""hi"", then go"\n2,"line one\nline two"\n3,\n',
    { primaryKey: 'id' },
  );
});

describe('format=rfc (default)', () => {
  it('quotes every value, doubles quotes, uses LF and ends with a newline', async () => {
    const response = await api.get(`tables/${tricky.id}/data-preview`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/csv/);
    if (isLocalTarget) expect(response.headers.get('content-type')).toBe('text/csv');
    const [header, ...rows] = response.text.split(/\n(?=")/);
    expect(header).toBe('"id","text"');
    expect(response.text.endsWith('\n')).toBe(true);
    expect(response.text).not.toContain('\r');
    expect(rows.map((row) => row.replace(/\n$/, '')).sort()).toEqual([
      '"1","say ""hi"", then go"',
      '"2","line one\nline two"',
      '"3",""',
    ]);
  });

  it('returns exactly the documented bytes for a one-row table', async () => {
    const table = await api.createTable(bucket.id, 'exact', 'id,name\nfirst,second\n');
    const response = await api.get(`tables/${table.id}/data-preview?format=rfc`);
    expect(response.text).toBe('"id","name"\n"first","second"\n');
  });

  it('selects and orders columns with `columns`', async () => {
    const response = await api.get(`tables/${tricky.id}/data-preview?columns=text,id&limit=1000`);
    expect(response.status).toBe(200);
    expect(response.text.startsWith('"text","id"\n')).toBe(true);
  });
});

describe('format=json', () => {
  it('returns columns and rows of {columnName, value, isTruncated}', async () => {
    const response = await api.get(`tables/${tricky.id}/data-preview?format=json`);
    expect(response.status).toBe(200);
    if (isLocalTarget) expect(response.headers.get('content-type')).toBe('application/json');
    expect(response.body.columns).toEqual(['id', 'text']);
    const byId = new Map<string, Json>(response.body.rows.map((row: Json[]) => [row[0].value, row]));
    expect(byId.get('1')).toEqual([
      { columnName: 'id', value: '1', isTruncated: false },
      { columnName: 'text', value: 'say "hi", then go', isTruncated: false },
    ]);
    expect(byId.get('3')?.[1]).toEqual({ columnName: 'text', value: '', isTruncated: false });
  });

  it('truncates values longer than 16,384 characters', async () => {
    const long = 'x'.repeat(20_000);
    const table = await api.createTable(bucket.id, 'long', `id,text\n1,${long}\n`);
    const response = await api.get(`tables/${table.id}/data-preview?format=json`);
    const cell = response.body.rows[0][1];
    expect(cell.isTruncated).toBe(true);
    expect(cell.value).toBe('x'.repeat(16_384));
    if (isLocalTarget) {
      // Local choice (the contract documents truncation for json only): rfc returns full values.
      const csv = await api.get(`tables/${table.id}/data-preview`);
      expect(csv.text).toBe(`"id","text"\n"1","${long}"\n`);
    }
  });
});

describe('limit', () => {
  let big: Json;
  beforeAll(async () => {
    const lines = ['id'];
    for (let i = 0; i < 150; i += 1) lines.push(String(i));
    big = await api.createTable(bucket.id, 'big', `${lines.join('\n')}\n`);
  });
  const rowCount = (text: string) => text.split('\n').filter(Boolean).length - 1;

  it('defaults to 100 rows and honours smaller limits', async () => {
    expect(rowCount((await api.get(`tables/${big.id}/data-preview`)).text)).toBe(100);
    expect(rowCount((await api.get(`tables/${big.id}/data-preview?limit=5`)).text)).toBe(5);
    expect(rowCount((await api.get(`tables/${big.id}/data-preview?limit=1000`)).text)).toBe(150);
  });

  it('rejects more than 1000 with 400 storage.tables.validation mentioning 1000', async () => {
    const response = await api.get(`tables/${big.id}/data-preview?limit=1001`);
    expectStorageError(response, 400, 'storage.tables.validation', /1000/);
  });
});

describe('errors', () => {
  it('answers 404 for a missing table or bucket', async () => {
    expectStorageError(
      await api.get(`tables/${bucket.id}.nope/data-preview`),
      404,
      'storage.tables.notFound',
    );
    expectStorageError(
      await api.get('tables/in.c-contract-none.t/data-preview'),
      404,
      'storage.buckets.notFound',
    );
  });

  it.runIf(isLocalTarget)('rejects unknown columns, formats and unsupported filters with 400', async () => {
    expectStorageError(
      await api.get(`tables/${tricky.id}/data-preview?columns=id,nope`),
      400,
      'storage.tables.validation',
      `Columns "nope" not found in the table "${tricky.id}".`,
    );
    expectStorageError(
      await api.get(`tables/${tricky.id}/data-preview?format=xml`),
      400,
      'storage.tables.validation',
    );
    expectStorageError(
      await api.get(`tables/${tricky.id}/data-preview?limit=ten`),
      400,
      'storage.tables.validation',
    );
    expectStorageError(
      await api.get(`tables/${tricky.id}/data-preview?whereFilters[0][column]=id`),
      400,
      'storage.tables.validation',
      'Invalid request:\n - whereFilters[0][values]: "This field is missing."',
    );
  });
});
