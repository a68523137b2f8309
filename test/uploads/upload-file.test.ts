// POST /upload-file: multipart and raw bodies land in Storage Files byte for byte (sha256 of the
// file downloaded through its url), and the answer is the Storage file resource without credentials.
import { createHash, randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { send } from '../support/importer-requests.js';
import { type LocalService, startLocalService } from '../support/local-service.js';

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

describe('POST /upload-file', () => {
  let service: LocalService;
  beforeAll(async () => {
    service = await startLocalService({ MAX_FILE_BYTES: String(2 * 1024 * 1024) });
  });
  afterAll(() => service.close());

  const download = async (url: unknown) => {
    const response = await fetch(url as string);
    expect(response.status).toBe(200);
    return Buffer.from(await response.arrayBuffer());
  };
  const uploadFile = (body: RequestInit['body'], query = '', headers: Record<string, string> = {}) =>
    send(`${service.url}/upload-file${query}`, {
      headers: { 'X-StorageApi-Token': service.token, ...headers },
      body,
    });

  it('stores a multipart file exactly and answers with its Storage resource', async () => {
    const bytes = Buffer.concat([randomBytes(300_000), Buffer.from('\r\n\u0000end')]);
    const form = new FormData();
    form.append('name', 'Quarterly report (v2).bin');
    form.append('tags[]', 'reports');
    form.append('tags[]', 'q3');
    form.append('isPermanent', '1');
    form.append('data', new Blob([bytes]), 'ignored-because-name-was-given.bin');
    const { status, body } = await uploadFile(form);
    expect(status, JSON.stringify(body)).toBe(200);
    expect(body).toMatchObject({
      id: expect.any(Number),
      name: 'Quarterly_report_v2_.bin',
      sizeBytes: bytes.length,
      maxAgeDays: null,
      url: expect.stringMatching(/^http/),
    });
    expect(body.tags).toEqual(expect.arrayContaining(['reports', 'q3', 'table-importer']));
    expect(body).not.toHaveProperty('uploadParams');
    expect(JSON.stringify(body)).not.toMatch(/SecretAccessKey|SessionToken|credentials/);
    expect(sha256(await download(body.url))).toBe(sha256(bytes));
    // The resource is Storage's own: GET files/{id} agrees on the id, name and tags.
    const stored = (await (await service.storage(`files/${body.id}`)).json()) as Record<string, unknown>;
    expect(stored).toMatchObject({ id: body.id, name: body.name, tags: body.tags });
  });

  it('names the file after the multipart filename, and keeps gzip bytes and name as sent', async () => {
    const gz = gzipSync(Buffer.from('id,name\n1,a\n'));
    const form = new FormData();
    form.append('data', new Blob([gz]), 'export.csv.gz');
    const { status, body } = await uploadFile(form);
    expect(status, JSON.stringify(body)).toBe(200);
    expect(body).toMatchObject({ name: 'export.csv.gz', sizeBytes: gz.length });
    expect(sha256(await download(body.url))).toBe(sha256(gz));
  });

  it('stores a raw body with its fields in the query string', async () => {
    const bytes = randomBytes(64 * 1024);
    const { status, body } = await uploadFile(bytes, '?name=../../etc/blob.dat&tags=a,b&notify=0', {
      'Content-Type': 'application/octet-stream',
    });
    expect(status, JSON.stringify(body)).toBe(200);
    expect(body).toMatchObject({ name: 'blob.dat', sizeBytes: bytes.length, maxAgeDays: 15 });
    expect(body.tags).toEqual(expect.arrayContaining(['a', 'b']));
    expect(sha256(await download(body.url))).toBe(sha256(bytes));
  });

  it('accepts an empty file (stored with a single PutObject) named "upload" by default', async () => {
    const { status, body } = await uploadFile(Buffer.alloc(0), '', {
      'Content-Type': 'application/octet-stream',
    });
    expect(status, JSON.stringify(body)).toBe(200);
    expect(body).toMatchObject({ name: 'upload', sizeBytes: 0 });
    expect((await download(body.url)).length).toBe(0);
  });

  it('refuses a field after the data part, a missing data part, and a body over MAX_FILE_BYTES', async () => {
    const late = new FormData();
    late.append('data', new Blob(['x']), 'x.txt');
    late.append('name', 'late.txt');
    expect((await uploadFile(late)).body).toMatchObject({ code: 'importer.fieldAfterData', field: 'name' });

    const noData = new FormData();
    noData.append('name', 'nothing.txt');
    expect((await uploadFile(noData)).body.code).toBe('importer.missingData');

    const tooBig = await uploadFile(Buffer.alloc(3 * 1024 * 1024, 1), '', {
      'Content-Type': 'application/octet-stream',
    });
    expect(tooBig.status).toBe(413);
    expect(tooBig.body.code).toBe('importer.fileTooLarge');

    const noToken = await send(`${service.url}/upload-file`, { body: 'x' });
    expect(noToken.status).toBe(401);
  });
});
