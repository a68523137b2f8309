// Contract: `POST tables/{id}/export-async` (contract §13.2) — a tableExport job whose
// `results.file.id` downloads as Storage's export: no header, every value quoted, `,`, LF; with
// columns (in the asked order), limit, gzip, where-filters and changedSince; errors stay 400s.
import { gunzipSync } from 'node:zlib';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { beforeAll, describe, expect, it } from 'vitest';
import { createContractClient, expectStorageError, type Json } from './support/storage-client.js';
import { isLocalTarget, useStorageTarget } from './support/storage-target.js';

const target = useStorageTarget();
const api = createContractClient(target);
let table: Json;

beforeAll(async () => {
  const bucket = await api.createBucket('export');
  table = await api.createTable(
    bucket.id,
    'cities',
    'id,name,city\n1,"Al ""Bo""",PRG\n2,Cy,\n3,"Dee, Jr.",BRN\n',
  );
});

/** Runs the export, checks the job, downloads the file; rows sorted (Storage promises no order). */
async function exportRows(params: Record<string, unknown> = {}, path = `tables/${table.id}/export-async`) {
  const response = await api.post(path, { json: params });
  const accepted = api.expectStatus(response, 202);
  expect(accepted).toMatchObject({ operationName: 'tableExport', tableId: table.id });
  const job = await api.waitForJob(accepted);
  expect(job.status, JSON.stringify(job.error)).toBe('success');
  expect(job.results.file.id).toEqual(expect.any(Number));
  const file = api.expectStatus(await api.get(`files/${job.results.file.id}`), 200);
  const download = await fetch(file.url);
  expect(download.status).toBe(200);
  const bytes = Buffer.from(await download.arrayBuffer());
  const slices = file.isSliced ? await downloadSlices(file.id, bytes) : [bytes];
  // Real stacks gzip every slice when asked; the stand-in's single file likewise.
  const text = slices
    .map((slice) => (params.gzip || slice[0] === 0x1f ? gunzipSync(slice) : slice).toString('utf8'))
    .join('');
  const lines = text === '' ? [] : text.replace(/\n$/, '').split(/\n(?=")/);
  return { job, file, text, lines: lines.sort() };
}

describe('export-async', () => {
  it('exports every row as header-less, fully quoted CSV', async () => {
    const { job, file, text, lines } = await exportRows();
    expect(text.endsWith('\n')).toBe(true);
    expect(text).not.toContain('\r');
    expect(lines).toEqual(['"1","Al ""Bo""","PRG"', '"2","Cy",""', '"3","Dee, Jr.","BRN"']);
    if (isLocalTarget) {
      expect(job.results.cacheHit).toBe(false);
      expect(file).toMatchObject({ isSliced: false, tags: ['table-export'] });
      expect(job.operationParams.export).toMatchObject({
        gzipOutput: false,
        columns: ['id', 'name', 'city'],
      });
    }
  });

  it('takes columns in the asked order and a limit', async () => {
    const { lines } = await exportRows({ columns: 'city,id' });
    expect(lines).toEqual(['"","2"', '"BRN","3"', '"PRG","1"']);
    const limited = await exportRows({ columns: 'id', limit: 2 });
    expect(limited.lines).toHaveLength(2);
  });

  it('gzips with gzip=true', async () => {
    const { file, lines } = await exportRows({ gzip: true, columns: 'id' });
    expect(lines).toEqual(['"1"', '"2"', '"3"']);
    if (isLocalTarget) expect(file.name).toMatch(/\.gz$/);
  });

  it('applies whereColumn/whereValues/whereOperator and whereFilters', async () => {
    const eq = await exportRows({ columns: 'id', whereColumn: 'city', whereValues: ['PRG', 'BRN'] });
    expect(eq.lines).toEqual(['"1"', '"3"']);
    const empty = await exportRows({ columns: 'id', whereColumn: 'city', whereValues: [''] });
    expect(empty.lines).toEqual(['"2"']);
    const ne = await exportRows({
      columns: 'id',
      whereColumn: 'city',
      whereValues: ['PRG'],
      whereOperator: 'ne',
    });
    expect(ne.lines).toEqual(['"2"', '"3"']);
    const typed = await exportRows({
      columns: 'id',
      whereFilters: [{ column: 'id', operator: 'ge', values: ['2'], dataType: 'INTEGER' }],
    });
    expect(typed.lines).toEqual(['"2"', '"3"']);
  });

  it('changedSince keeps only rows changed since then', async () => {
    const all = await exportRows({ columns: 'id', changedSince: '-1 day' });
    expect(all.lines).toHaveLength(3);
    const future = Math.floor(Date.now() / 1000) + 3600;
    const none = await exportRows({ columns: 'id', changedSince: String(future) });
    expect(none.lines).toEqual([]);
  });

  it('works under the branch path', async () => {
    const { lines } = await exportRows({ columns: 'id' }, `branch/default/tables/${table.id}/export-async`);
    expect(lines).toEqual(['"1"', '"2"', '"3"']);
  });

  it('rejects unknown columns and bad filters with 400; a missing table is 404', async () => {
    expectStorageError(
      await api.post(`tables/${table.id}/export-async`, { json: { columns: 'id,nope' } }),
      400,
      'storage.tables.validation',
    );
    expectStorageError(
      await api.post(`tables/${table.id}/export-async`, {
        json: { whereColumn: 'nope', whereValues: ['x'] },
      }),
      400,
      'storage.tables.validation.columnNotExists',
    );
    expectStorageError(
      await api.post(`tables/${table.id}.missing/export-async`, { json: {} }),
      404,
      'storage.buckets.notFound',
    );
    expectStorageError(
      await api.post(`tables/${table.id.replace('cities', 'nope')}/export-async`, { json: {} }),
      404,
      'storage.tables.notFound',
    );
  });
});

/** A real stack's sliced export: `url` is the manifest; each entry is read with the file's credentials. */
async function downloadSlices(fileId: number, manifestBytes: Buffer): Promise<Buffer[]> {
  const detail = api.expectStatus(await api.get(`files/${fileId}?federationToken=1`), 200);
  const s3 = new S3Client({
    region: detail.region,
    credentials: {
      accessKeyId: detail.credentials.AccessKeyId,
      secretAccessKey: detail.credentials.SecretAccessKey,
      sessionToken: detail.credentials.SessionToken,
    },
  });
  try {
    const manifest = JSON.parse(manifestBytes.toString('utf8')) as { entries: { url: string }[] };
    const slices: Buffer[] = [];
    for (const entry of manifest.entries) {
      const key = entry.url.replace(`s3://${detail.s3Path.bucket}/`, '');
      const object = await s3.send(new GetObjectCommand({ Bucket: detail.s3Path.bucket, Key: key }));
      if (!object.Body) throw new Error(`export slice ${key} has no body`);
      slices.push(Buffer.from(await object.Body.transformToByteArray()));
    }
    return slices;
  } finally {
    s3.destroy();
  }
}
