// A job-starting POST whose answer never arrives is never sent again: when the connection is cut
// after Storage queued the job, the importer finds that job by file id and waits for it (one job);
// when Storage never saw the POST, it answers 502 importer.importOutcomeUnknown with the file id.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { multipart, writeTable } from '../support/http-client.js';
import {
  expectNoSecrets,
  fileObjectExists,
  metricSum,
  type ReliabilityService,
  startReliabilityService,
} from '../support/reliability-service.js';

type Job = {
  id: number;
  operationName: string;
  status: string;
  operationParams?: { source?: { fileId?: number } };
};

describe('ambiguous job-starting POSTs', () => {
  let service: ReliabilityService;
  const bodies: string[] = [];
  beforeAll(async () => {
    service = await startReliabilityService();
    const seeded = await send('in.c-amb.people', 'id,name\n1,a\n');
    expect(seeded.status, JSON.stringify(seeded.body)).toBe(200);
  });
  beforeEach(() => service.faults.configure({ rules: [] }));
  afterAll(async () => {
    expectNoSecrets([...service.logs, ...bodies, await service.metrics()], { token: service.token });
    await service.close();
  });

  /** Appends (incremental=1) to an existing table, or creates it. */
  async function send(tableId: string, csv: string) {
    const fields: Array<[string, string]> = [
      ['tableId', tableId],
      ['incremental', '1'],
    ];
    const response = await writeTable(service.url, service.token, multipart(fields, csv));
    bodies.push(JSON.stringify(response.body));
    return response;
  }
  const jobsForFile = async (fileId: number) =>
    ((await service.listJobs()) as Job[]).filter((job) => job.operationParams?.source?.fileId === fileId);

  it('finds and awaits the import job when the connection is cut after Storage queued it', async () => {
    service.faults.configure({ rules: [{ target: 'import', fault: 'reset-after', rate: 1 }] });
    const callsBefore = metricSum(await service.metrics(), 'table_importer_storage_api_calls_total', {
      endpoint: 'import-async',
    });
    const { status, body } = await send('in.c-amb.people', 'id,name\n2,b\n3,c\n');
    const injected = service.faults.injected();
    service.faults.configure({ rules: [] });

    expect(injected).toEqual({ 'import:reset-after': 1 });
    expect(status, JSON.stringify(body)).toBe(200);
    expect(body).toMatchObject({ status: 'success', tableCreated: false, job: { status: 'success' } });
    const fileId = (body.file as { id: number }).id;
    const jobs = await jobsForFile(fileId);
    expect(jobs).toHaveLength(1);
    expect(jobs[0]).toMatchObject({ id: (body.job as { id: number }).id, operationName: 'tableImport' });
    expect((await service.getTable('in.c-amb.people')).rowsCount).toBe(3);
    const metrics = await service.metrics();
    // Exactly one POST was sent (it ended in a network error); the job came from GET jobs.
    expect(metricSum(metrics, 'table_importer_storage_api_calls_total', { endpoint: 'import-async' })).toBe(
      callsBefore + 1,
    );
    expect(
      metricSum(metrics, 'table_importer_storage_api_calls_total', {
        endpoint: 'import-async',
        status: 'network',
      }),
    ).toBe(1);
    expect(
      metricSum(metrics, 'table_importer_storage_api_calls_total', { endpoint: 'jobs/list' }),
    ).toBeGreaterThan(0);
  });

  it('finds and awaits the tableCreate job when tables-async is cut after Storage queued it', async () => {
    service.faults.configure({ rules: [{ target: 'create', fault: 'reset-after', rate: 1 }] });
    const { status, body } = await send('in.c-amb.created', 'id,name\n1,a\n2,b\n');
    const injected = service.faults.injected();
    service.faults.configure({ rules: [] });

    expect(injected).toEqual({ 'create:reset-after': 1 });
    expect(status, JSON.stringify(body)).toBe(200);
    expect(body).toMatchObject({ tableCreated: true, totalRowsCount: 2 });
    const jobs = await jobsForFile((body.file as { id: number }).id);
    expect(jobs.map((job) => [job.operationName, job.status])).toEqual([['tableCreate', 'success']]);
    expect((await service.getTable('in.c-amb.created')).rowsCount).toBe(2);
  });

  it.each([
    ['the connection is cut before Storage handled the POST', 'reset-before'],
    ['a proxy answers 502 with an HTML page', '502'],
    ['a proxy answers 503 without a Storage error body', '503'],
  ] as const)(
    '502 importer.importOutcomeUnknown with the file id when %s and no job appears',
    async (_name, fault) => {
      service.faults.configure({ rules: [{ target: 'import', fault, rate: 1 }] });
      const { status, body } = await send('in.c-amb.people', 'id,name\n9,z\n');
      const injected = service.faults.injected();
      service.faults.configure({ rules: [] });

      expect(injected).toEqual({ [`import:${fault}`]: 1 });
      expect(status, JSON.stringify(body)).toBe(502);
      expect(body).toMatchObject({
        status: 'error',
        code: 'importer.importOutcomeUnknown',
        fileId: expect.any(Number),
      });
      const fileId = body.fileId as number;
      expect(body.error).toContain(String(fileId));
      expect(await jobsForFile(fileId)).toEqual([]);
      // The upload itself completed; only the import is unconfirmed, and it did not happen.
      expect(await fileObjectExists(service, fileId)).toBe(true);
      expect((await service.getTable('in.c-amb.people')).rowsCount).toBe(3);
    },
  );

  it('502 importer.storageFailed without a job search when Storage answers with its own error body', async () => {
    service.faults.configure({ rules: [{ target: 'import', fault: '500', rate: 1 }] });
    const listsBefore = metricSum(await service.metrics(), 'table_importer_storage_api_calls_total', {
      endpoint: 'jobs/list',
    });
    const { status, body } = await send('in.c-amb.people', 'id,name\n8,y\n');
    service.faults.configure({ rules: [] });

    expect(status, JSON.stringify(body)).toBe(502);
    expect(body).toMatchObject({
      code: 'importer.storageFailed',
      upstreamStatus: 500,
      upstreamCode: 'applicationError',
      exceptionId: expect.stringMatching(/^exception-/),
    });
    expect(
      metricSum(await service.metrics(), 'table_importer_storage_api_calls_total', { endpoint: 'jobs/list' }),
    ).toBe(listsBefore);
    expect((await service.getTable('in.c-amb.people')).rowsCount).toBe(3);
  });
});
