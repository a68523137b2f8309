// The fault and ambiguous-import points again, with an idempotency key: whatever the first attempt
// meets (Storage or S3 failing, a job-starting POST cut before or after Storage saw it, the client
// leaving mid-upload or mid-wait), a client that retries with the same key until it has a 200 ends
// with exactly one import of its rows.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FaultRule } from '../../src/local-storage/faults/fault-plan.js';
import { multipart, writeTable } from '../support/http-client.js';
import { openRaw } from '../support/raw-socket.js';
import { type ReliabilityService, startReliabilityService } from '../support/reliability-service.js';

type Job = { id: number; operationName: string; status: string; tableId: string | null };

describe('retrying with an idempotency key after every failure point', () => {
  let service: ReliabilityService;
  let counter = 0;
  beforeAll(async () => {
    service = await startReliabilityService(
      {},
      { overrides: { idempotency: { minFollowMs: 1_000, orphanAfterMs: 2_000 } } },
    );
  });
  afterAll(async () => {
    await service.close();
  });

  const importJobs = async (tableId: string) =>
    ((await service.listJobs()) as Job[]).filter(
      (job) => job.operationName === 'tableImport' && job.tableId === tableId,
    );
  const form = (tableId: string) =>
    multipart(
      [
        ['tableId', tableId],
        ['incremental', '1'],
      ],
      'id,name\n1,a\n2,b\n',
    );
  const send = (tableId: string, key: string) =>
    writeTable(service.url, service.token, form(tableId), { headers: { 'Idempotency-Key': key } });

  /** A seeded table, the first attempt under `plan`, then retries (faults off) until a 200. */
  async function firstAttemptThenRetry(
    plan: FaultRule[] | { seed: number; rules: FaultRule[] },
    firstAttempt?: (tableId: string, key: string) => Promise<void>,
  ) {
    const tableId = `in.c-retry.t${++counter}`;
    const key = `retry-${counter}`;
    const seeded = await writeTable(
      service.url,
      service.token,
      multipart([['tableId', tableId]], 'id,name\n0,seed\n'),
    );
    expect(seeded.status).toBe(200);
    const rules = Array.isArray(plan) ? plan : plan.rules;
    service.faults.configure(Array.isArray(plan) ? { rules } : plan);
    let first: { status: number; code?: string } | undefined;
    let injected: Record<string, number> = {};
    try {
      if (firstAttempt) await firstAttempt(tableId, key);
      else {
        const answer = await send(tableId, key);
        first = { status: answer.status, ...(answer.body.code ? { code: answer.body.code } : {}) };
      }
    } finally {
      injected = service.faults.injected();
      service.faults.configure({ rules: [] });
    }
    let final: Awaited<ReturnType<typeof send>> | undefined;
    for (let attempt = 0; attempt < 20; attempt += 1) {
      final = await send(tableId, key);
      if (final.status === 200) break;
      expect([409, 502, 503], JSON.stringify(final.body)).toContain(final.status);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    expect(final?.status, JSON.stringify(final?.body)).toBe(200);
    // Exactly one import of the two rows, whatever the first attempt saw.
    expect(await importJobs(tableId)).toHaveLength(1);
    expect((await service.getTable(tableId)).rowsCount).toBe(3);
    // A seeded plan is there for the faults it injects: make sure they happened.
    if (!Array.isArray(plan))
      expect(Object.keys(injected).sort()).toEqual(
        plan.rules.map((r) => `${r.target === 's3' ? 's3-put' : r.target}:${r.fault}`).sort(),
      );
    // A first attempt that answered 200 made the retry a replay.
    if (first?.status === 200) expect(final?.headers.get('idempotent-replayed')).toBe('true');
    return { first, final: final as NonNullable<typeof final> };
  }

  it.each<[string, FaultRule[] | { seed: number; rules: FaultRule[] }]>([
    ['files/prepare answers 503', [{ target: 'prepare', fault: '503', rate: 1 }]],
    [
      'files/prepare is cut after Storage created the file',
      [{ target: 'prepare', fault: 'reset-after', rate: 1 }],
    ],
    ['every S3 part upload fails', [{ target: 's3', fault: '500', rate: 1 }]],
    [
      'a files/prepare answer is lost (the retried prepare leaves a stray file), then S3 fails',
      {
        // Seed 8: the first prepare is cut after Storage created the file, its retry goes through.
        seed: 8,
        rules: [
          { target: 'prepare', fault: 'reset-after', rate: 0.5 },
          { target: 's3', fault: '500', rate: 1 },
        ],
      },
    ],
    ['the table lookup fails', [{ target: 'table', fault: '503', rate: 1 }]],
    ['import-async is cut before Storage saw it', [{ target: 'import', fault: 'reset-before', rate: 1 }]],
    [
      'import-async is cut after Storage queued the job',
      [{ target: 'import', fault: 'reset-after', rate: 1 }],
    ],
    ['import-async answers a proxy 502', [{ target: 'import', fault: '502', rate: 1 }]],
    [
      'import-async is cut and the job search cannot list jobs (the file holds the key until it counts as abandoned)',
      [
        { target: 'import', fault: 'reset-before', rate: 1 },
        { target: 'jobs', fault: '503', rate: 1 },
      ],
    ],
    ['import-async answers Storage 500', [{ target: 'import', fault: '500', rate: 1 }]],
    ['every job poll fails', [{ target: 'job', fault: '503', rate: 1 }]],
    ['file listing and tagging fail', [{ target: 'other', fault: '503', rate: 1 }]],
    [
      'file listing and tagging are cut after Storage handled them',
      [{ target: 'other', fault: 'reset-after', rate: 1 }],
    ],
  ])('%s', async (_name, plan) => {
    await firstAttemptThenRetry(plan);
  });

  it('the client leaves mid-upload', async () => {
    await firstAttemptThenRetry([], async (tableId, key) => {
      const connection = await openRaw(service.url);
      await connection.write(
        [
          `POST /write-table?tableId=${tableId}&incremental=1 HTTP/1.1`,
          'Host: 127.0.0.1',
          `X-StorageApi-Token: ${service.token}`,
          `Idempotency-Key: ${key}`,
          'Content-Type: text/csv',
          'Content-Length: 1000',
          '',
          'id,name\n1,a\n',
        ].join('\r\n'),
      );
      await new Promise((resolve) => setTimeout(resolve, 200));
      connection.destroy();
      await new Promise((resolve) => setTimeout(resolve, 200));
    });
  });

  it('the client leaves while the job runs; the retry answers that job', async () => {
    const { final } = await firstAttemptThenRetry(
      [{ target: 'job-run', fault: 'latency', rate: 1, latencyMs: 800 }],
      async (tableId, key) => {
        const controller = new AbortController();
        const request = fetch(`${service.url}/write-table`, {
          method: 'POST',
          headers: { 'X-StorageApi-Token': service.token, 'Idempotency-Key': key },
          body: form(tableId),
          signal: controller.signal,
        }).catch(() => undefined);
        // The client leaves once the job exists (it then runs for 800 ms more).
        await expect.poll(async () => (await importJobs(tableId)).length).toBeGreaterThan(0);
        controller.abort();
        await request;
      },
    );
    expect(final.headers.get('idempotent-replayed')).toBe('true');
  });

  it('answers 202 with the job while it runs (wait=0), then 200, both replayed', async () => {
    const tableId = `in.c-retry.t${++counter}`;
    service.faults.configure({ rules: [{ target: 'job-run', fault: 'latency', rate: 1, latencyMs: 600 }] });
    try {
      const send0 = () =>
        writeTable(service.url, service.token, form(tableId), {
          headers: { 'Idempotency-Key': 'async-1', Prefer: 'respond-async' },
        });
      const first = await send0();
      expect(first.status, JSON.stringify(first.body)).toBe(202);
      const again = await send0();
      expect(again.status).toBe(202);
      expect(again.headers.get('idempotent-replayed')).toBe('true');
      expect(again.headers.get('location')).toBe(first.headers.get('location'));
      const waited = await send(tableId, 'async-1');
      expect(waited.status, JSON.stringify(waited.body)).toBe(200);
      expect(waited.headers.get('idempotent-replayed')).toBe('true');
      expect((waited.body.job as Job).id).toBe((first.body.job as Job).id);
    } finally {
      service.faults.configure({ rules: [] });
    }
  });
});
