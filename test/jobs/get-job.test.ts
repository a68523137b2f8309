// GET /jobs/{id}: a Storage job rendered like a write-table answer — 200 once it succeeded, 202
// (with Location) while it runs, 400 with Storage's code when it failed, Storage's 404 when unknown.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeTable } from '../support/http-client.js';
import { send, slowCsv } from '../support/importer-requests.js';
import { type LocalService, startLocalService } from '../support/local-service.js';

describe('GET /jobs/{id}', () => {
  let service: LocalService;
  beforeAll(async () => {
    service = await startLocalService();
  });
  afterAll(() => service.close());

  const getJob = (id: unknown, token = service.token) =>
    send(`${service.url}/jobs/${id}`, {
      method: 'GET',
      headers: token ? { 'X-StorageApi-Token': token } : {},
    });

  it('answers 202 with Location while the job runs, then 200 with the import figures', async () => {
    const started = await writeTable(service.url, service.token, slowCsv(), {
      query: { tableId: 'in.c-jobs.slow', wait: '0' },
    });
    expect(started.status, JSON.stringify(started.body)).toBe(202);
    const jobId = (started.body.job as { id: number }).id;

    const running = await getJob(jobId);
    expect(running.status, JSON.stringify(running.body)).toBe(202);
    expect(['waiting', 'processing']).toContain(running.body.status);
    expect(running.headers.get('location')).toBe(`/jobs/${jobId}`);
    expect(running.body).toMatchObject({
      job: { id: jobId, operationName: 'tableCreate' },
      // Not created yet: the job that creates it still runs.
      tableCreated: false,
    });
    expect(running.body).not.toHaveProperty('totalRowsCount');

    let done = running;
    for (let i = 0; i < 300 && done.status === 202; i += 1) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      done = await getJob(jobId);
    }
    expect(done.status, JSON.stringify(done.body)).toBe(200);
    expect(done.body).toMatchObject({
      status: 'success',
      tableId: 'in.c-jobs.slow',
      tableCreated: true,
      importedColumns: ['id', 'name', 'note'],
      totalRowsCount: 100_000,
      file: { id: (started.body.file as { id: number }).id, name: 'slow.csv', compressed: false },
      job: { id: jobId, status: 'success', url: `${service.url}/v2/storage/jobs/${jobId}` },
    });
  });

  it("answers 400 with Storage's code for a failed job", async () => {
    const tableId = 'in.c-jobs.strict';
    expect(
      (await writeTable(service.url, service.token, 'id,name\n1,a\n', { query: { tableId } })).status,
    ).toBe(200);
    const failed = await writeTable(service.url, service.token, 'other\nx\n', {
      query: { tableId, wait: '0' },
    });
    const jobId = (failed.body.job as { id: number }).id;
    let answer = await getJob(jobId);
    for (let i = 0; i < 100 && answer.status === 202; i += 1) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      answer = await getJob(jobId);
    }
    expect(answer.status, JSON.stringify(answer.body)).toBe(400);
    expect(answer.body).toMatchObject({
      status: 'error',
      code: 'csvImport.columnsNotMatch',
      exceptionId: expect.any(String),
      tableId,
      incremental: false,
      job: { id: jobId, status: 'error', operationName: 'tableImport' },
    });
  });

  it("relays Storage's 404 for an unknown job and needs a token", async () => {
    const unknown = await getJob(987654);
    expect(unknown.status).toBe(404);
    expect(unknown.body.code).toBe('storage.jobs.notFound');
    expect((await getJob(1, '')).status).toBe(401);
    expect((await getJob('abc')).body.code).toBe('importer.notFound');
  });
});
