// What the caller hears about the job itself while Storage is flaky: a failed job is a 400 with
// Storage's own code even when half the job polls fail; a job slower than `wait` is a 202 with the
// job and its Location, and it still finishes exactly once afterwards.
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { multipart, writeTable } from '../support/http-client.js';
import {
  expectNoSecrets,
  metricSum,
  type ReliabilityService,
  startReliabilityService,
} from '../support/reliability-service.js';

describe('job outcomes under faults', () => {
  let service: ReliabilityService;
  const bodies: string[] = [];
  beforeAll(async () => {
    service = await startReliabilityService();
    const created = await writeTable(
      service.url,
      service.token,
      multipart([['tableId', 'in.c-outcomes.people']], 'id,name\n1,a\n'),
    );
    expect(created.status).toBe(200);
  });
  beforeEach(() => service.faults.configure({ rules: [] }));
  afterAll(async () => {
    expectNoSecrets([...service.logs, ...bodies, await service.metrics()], { token: service.token });
    await service.close();
  });

  it("answers a failed job with 400 and Storage's code while half the job polls fail", async () => {
    service.faults.configure({
      seed: 7,
      rules: [
        { target: 'job', fault: '503', rate: 0.25 },
        { target: 'job', fault: 'reset-after', rate: 0.25 },
        { target: 'job-run', fault: 'latency', rate: 1, latencyMs: 300 },
      ],
    });
    const retriesBefore = metricSum(await service.metrics(), 'table_importer_storage_api_retries_total', {
      endpoint: 'jobs/detail',
    });
    const { status, body } = await writeTable(
      service.url,
      service.token,
      multipart(
        [
          ['tableId', 'in.c-outcomes.people'],
          ['incremental', '1'],
        ],
        'id\n2\n',
      ),
    );
    bodies.push(JSON.stringify(body));
    const injected = service.faults.injected();
    service.faults.configure({ rules: [] });

    expect(status, JSON.stringify(body)).toBe(400);
    expect(body).toMatchObject({
      status: 'error',
      code: 'csvImport.columnsNotMatch',
      exceptionId: expect.any(String),
      job: { status: 'error', operationName: 'tableImport' },
    });
    expect((injected['job:503'] ?? 0) + (injected['job:reset-after'] ?? 0)).toBeGreaterThan(0);
    const retries = metricSum(await service.metrics(), 'table_importer_storage_api_retries_total', {
      endpoint: 'jobs/detail',
    });
    expect(retries).toBeGreaterThan(retriesBefore);
    expect((await service.getTable('in.c-outcomes.people')).rowsCount).toBe(1);
  });

  it('answers 202 with the job, not a 502 inviting a resend, when job polls keep failing after the job started', async () => {
    service.faults.configure({
      rules: [
        { target: 'job', fault: '500', rate: 1 },
        { target: 'job-run', fault: 'latency', rate: 1, latencyMs: 300 },
      ],
    });
    const { status, body, headers } = await writeTable(
      service.url,
      service.token,
      multipart([['tableId', 'in.c-outcomes.blind']], 'id,name\n1,a\n2,b\n'),
    );
    bodies.push(JSON.stringify(body));
    const injected = service.faults.injected();
    service.faults.configure({ rules: [] });

    expect(injected['job:500']).toBeGreaterThan(1);
    expect(status, JSON.stringify(body)).toBe(202);
    const job = body.job as { id: number; status: string };
    expect(headers.get('location')).toMatch(new RegExp(`/jobs/${job.id}$`));
    let final: { status: string } = job;
    for (let i = 0; i < 100 && final.status !== 'success' && final.status !== 'error'; i += 1) {
      await sleep(50);
      final = (await (await service.storage(`jobs/${job.id}`)).json()) as { status: string };
    }
    expect(final.status).toBe('success');
    expect((await service.getTable('in.c-outcomes.blind')).rowsCount).toBe(2);
  });

  it('answers 202 with the job and its Location when the job outlasts wait, and the job finishes once', async () => {
    service.faults.configure({ rules: [{ target: 'job-run', fault: 'latency', rate: 1, latencyMs: 2_500 }] });
    const startedAt = Date.now();
    const { status, body, headers } = await writeTable(
      service.url,
      service.token,
      multipart(
        [
          ['tableId', 'in.c-outcomes.people'],
          ['incremental', '1'],
          ['wait', '1'],
        ],
        'id,name\n2,b\n3,c\n',
      ),
    );
    bodies.push(JSON.stringify(body));
    const elapsedMs = Date.now() - startedAt;

    expect(status, JSON.stringify(body)).toBe(202);
    const job = body.job as { id: number; url: string; status: string };
    expect(['waiting', 'processing']).toContain(body.status);
    expect(job).toMatchObject({ id: expect.any(Number), operationName: 'tableImport' });
    expect(headers.get('location')).toMatch(new RegExp(`/jobs/${job.id}$`));
    expect(body).not.toHaveProperty('totalRowsCount');
    // Answered after the 1 s budget, while the job (2.5 s of work) was still running.
    expect(elapsedMs).toBeGreaterThanOrEqual(1_000);

    let final: { status: string } = job;
    for (let i = 0; i < 100 && final.status !== 'success' && final.status !== 'error'; i += 1) {
      await sleep(100);
      final = (await (await service.storage(`jobs/${job.id}`)).json()) as { status: string };
    }
    expect(final.status).toBe('success');
    expect((await service.getTable('in.c-outcomes.people')).rowsCount).toBe(3);
    const jobs = await service.listJobs();
    expect(jobs.filter((j) => j.operationName === 'tableImport')).toHaveLength(2);
  });
});
