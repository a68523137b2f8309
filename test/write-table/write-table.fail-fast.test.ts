// Fields sent before `data` let a bad request fail before the body is consumed: the answer
// arrives while the client is still holding the rest of the upload.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalService, startLocalService } from '../support/local-service.js';
import { fieldPart, fileHeader } from '../support/multipart-body.js';
import { chunk, multipartHead, openRaw } from '../support/raw-socket.js';

describe('write-table fails fast', () => {
  let service: LocalService;
  beforeAll(async () => {
    service = await startLocalService();
  });
  afterAll(() => service.close());

  async function startUpload(token: string, fields: Array<[string, string]>) {
    const boundary = 'fastfail';
    const raw = await openRaw(service.url);
    await raw.write(multipartHead('/write-table', token, boundary));
    const head = fields.map(([name, value]) => fieldPart(boundary, name, value)).join('');
    await raw.write(chunk(`${head}${fileHeader(boundary)}id,name\n`));
    // 1 MiB of the file follows; the rest of the body is never sent.
    await raw.write(chunk(Buffer.alloc(1024 * 1024, '1,a\n')));
    return raw;
  }

  it('a rejected token is answered while the body is still open', async () => {
    const raw = await startUpload('wrong-token', [['tableId', 'in.c-ff.t']]);
    const response = await raw.response(5000);
    expect(response.status).toBe(401);
    expect(response.body.code).toBe('storage.tokenInvalid');
    expect(response.headers.connection).toBe('close');
    raw.destroy();
  });

  it('a missing table with createTable=0 is answered 404 before the upload ends, and no job starts', async () => {
    const jobsBefore = (await service.listJobs()).length;
    const raw = await startUpload(service.token, [
      ['createTable', '0'],
      ['tableId', 'in.c-ff.absent'],
    ]);
    const response = await raw.response(5000);
    expect(response.status).toBe(404);
    raw.destroy();
    expect((await service.listJobs()).length).toBe(jobsBefore);
  });

  it('an invalid field is answered at once', async () => {
    const raw = await startUpload(service.token, [
      ['tableId', 'in.c-ff.t'],
      ['delimiter', ';;'],
    ]);
    const response = await raw.response(5000);
    expect(response.status).toBe(400);
    expect(response.body.code).toBe('importer.invalidDialect');
    raw.destroy();
  });

  it('the server stays healthy afterwards', async () => {
    expect((await fetch(`${service.url}/health`)).status).toBe(200);
  });
});
