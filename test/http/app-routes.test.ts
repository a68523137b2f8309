// createApp's HTTP behaviour that needs no Storage stand-in — routing, 404/405, the token, field
// validation, error bodies — through supertest against the app in-process (fake Storage client).
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { AppError } from '../../src/errors.js';
import type { StorageJob, StorageTable } from '../../src/storage-api/storage-types.js';
import { startInProcessApp } from '../support/in-process-app.js';

const TOKEN = 'in-process-token-123';
const TABLE: StorageTable = {
  id: 'in.c-app.t',
  name: 't',
  columns: ['id', 'name'],
  primaryKey: [],
} as unknown as StorageTable;

describe('routing', () => {
  const { server } = startInProcessApp();

  it('GET /health answers ok', async () => {
    const response = await request(server).get('/health').expect(200);
    expect(response.body).toEqual({ status: 'ok' });
  });

  it('404 importer.notFound as JSON for an unknown route', async () => {
    const response = await request(server).get('/nope').expect(404).expect('Content-Type', /json/);
    expect(response.body).toMatchObject({ status: 'error', code: 'importer.notFound' });
    expect(response.body.error).toContain('GET /nope');
  });

  it('404 for a job id that is not a number (the route only matches digits)', async () => {
    const response = await request(server).get('/jobs/abc').set('X-StorageApi-Token', TOKEN).expect(404);
    expect(response.body.code).toBe('importer.notFound');
  });

  it.each([
    ['get', '/write-table', 'POST, PUT'],
    ['delete', '/write-table', 'POST, PUT'],
    ['get', '/upload-file', 'POST'],
    ['put', '/upload-file', 'POST'],
  ] as const)('405 importer.methodNotAllowed for %s %s with Allow', async (method, path, allow) => {
    const response = await request(server)[method](path).expect(405).expect('Allow', allow);
    expect(response.body).toMatchObject({ status: 'error', code: 'importer.methodNotAllowed' });
  });

  it('GET /metrics serves Prometheus text', async () => {
    const response = await request(server).get('/metrics').expect(200);
    expect(response.text).toContain('table_importer_');
  });
});

describe('token', () => {
  const app = startInProcessApp({ getTable: async () => TABLE });

  it('401 importer.tokenMissing on write-table without a token, before Storage is asked', async () => {
    const response = await request(app.server)
      .post('/write-table?tableId=in.c-app.t')
      .set('Content-Type', 'text/csv')
      .send('id,name\n1,a\n')
      .expect(401);
    expect(response.body).toMatchObject({ status: 'error', code: 'importer.tokenMissing' });
    expect(app.storageCalls).toEqual([]);
  });

  it('401 importer.tokenMissing on upload-file and jobs without a token', async () => {
    await request(app.server).post('/upload-file?name=a.csv').send('x').expect(401);
    const response = await request(app.server).get('/jobs/7').expect(401);
    expect(response.body.code).toBe('importer.tokenMissing');
  });

  it("relays Storage's 401 without echoing the token", async () => {
    const rejecting = startInProcessApp({
      getJob: async () => {
        throw new AppError(401, 'storage.tokenInvalid', 'Invalid access token');
      },
    });
    const response = await request(rejecting.server)
      .get('/jobs/7')
      .set('X-StorageApi-Token', TOKEN)
      .expect(401);
    expect(response.body).toMatchObject({ status: 'error', code: 'storage.tokenInvalid' });
    expect(JSON.stringify(response.body)).not.toContain(TOKEN);
    expect(rejecting.logs.join('\n')).not.toContain(TOKEN);
  });
});

describe('field validation', () => {
  const app = startInProcessApp({ getTable: async () => TABLE });
  const post = (query: Record<string, string>, body = 'id,name\n1,a\n', type = 'text/csv') =>
    request(app.server)
      .post(`/write-table?${new URLSearchParams(query)}`)
      .set('X-StorageApi-Token', TOKEN)
      .set('Content-Type', type)
      .send(body);

  it.each([
    ['invalid tableId', { tableId: 'main.users' }, 'importer.invalidTableId'],
    ['a path traversal in tableId', { tableId: 'in.c-x/../../etc.passwd' }, 'importer.invalidTableId'],
    ['a two-character delimiter', { tableId: 'in.c-app.t', delimiter: '||' }, 'importer.invalidDialect'],
    ['a boolean that is not one', { tableId: 'in.c-app.t', incremental: 'yes' }, 'importer.invalidBoolean'],
    ['a negative wait', { tableId: 'in.c-app.t', wait: '-1' }, 'importer.invalidNumber'],
    ['an unknown field', { tableId: 'in.c-app.t', incrementl: '1' }, 'importer.unknownField'],
    ['an empty column name', { tableId: 'in.c-app.t', columns: 'a,,b' }, 'importer.invalidColumns'],
    ['a bad branch id', { tableId: 'in.c-app.t', branchId: '../x' }, 'importer.invalidBranchId'],
  ] as Array<[string, Record<string, string>, string]>)('400 for %s', async (_name, query, code) => {
    const response = await post(query).expect(400).expect('Content-Type', /json/);
    expect(response.body).toMatchObject({ status: 'error', code, error: expect.any(String) });
  });

  it('415 importer.unsupportedMediaType for other content types', async () => {
    const response = await post({ tableId: 'in.c-app.t' }, 'x', 'image/png').expect(415);
    expect(response.body.code).toBe('importer.unsupportedMediaType');
  });

  it('413 importer.fileTooLarge at once from a declared Content-Length', async () => {
    const response = await post({ tableId: 'in.c-app.t' }, 'x'.repeat(5_000)).expect(413);
    expect(response.body.code).toBe('importer.fileTooLarge');
  });

  it('400 importer.malformedMultipart for multipart without a boundary', async () => {
    const response = await request(app.server)
      .post('/write-table')
      .set('X-StorageApi-Token', TOKEN)
      .set('Content-Type', 'multipart/form-data')
      .send('whatever')
      .expect(400);
    expect(response.body.code).toBe('importer.malformedMultipart');
  });
});

describe('error bodies', () => {
  it('500 with a generic message and the request id for an unexpected error, never its text', async () => {
    const app = startInProcessApp({
      getJob: async () => {
        throw new Error('secret internals at /srv/x');
      },
    });
    const response = await request(app.server).get('/jobs/7').set('X-StorageApi-Token', TOKEN).expect(500);
    expect(response.body).toMatchObject({ status: 'error', code: 'importer.internalError' });
    expect(JSON.stringify(response.body)).not.toContain('secret internals');
    expect(app.logs.join('\n')).toContain('secret internals');
  });

  it("relays Storage's 404 code for an unknown job", async () => {
    const app = startInProcessApp({
      getJob: async () => {
        throw new AppError(404, 'storage.jobs.notFound', 'Job 7 not found');
      },
    });
    const response = await request(app.server).get('/jobs/7').set('X-StorageApi-Token', TOKEN).expect(404);
    expect(response.body).toMatchObject({
      status: 'error',
      code: 'storage.jobs.notFound',
      error: 'Job 7 not found',
    });
  });

  it('GET /jobs/{id}: 202 with Location while the job runs, 200 with its figures when done', async () => {
    const running: Partial<StorageJob> = {
      id: 7,
      status: 'processing',
      operationName: 'tableImport',
      tableId: 'in.c-app.t',
    };
    let job: Partial<StorageJob> = running;
    const app = startInProcessApp({ getJob: async () => job as StorageJob });
    const pending = await request(app.server).get('/jobs/7').set('X-StorageApi-Token', TOKEN).expect(202);
    expect(pending.headers.location).toMatch(/\/jobs\/7$/);
    job = { ...running, status: 'success', results: { totalRowsCount: 3 } as never };
    const done = await request(app.server).get('/jobs/7').set('X-StorageApi-Token', TOKEN).expect(200);
    expect(done.body).toMatchObject({ status: 'success', tableId: 'in.c-app.t', job: { id: 7 } });
  });
});
