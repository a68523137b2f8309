// An upload slot caps buffer memory (UPLOAD_PART_BYTES × (UPLOAD_QUEUE_SIZE + 1) per upload), so a
// request gives it back once its bytes are in S3, not after its job: with MAX_CONCURRENT_UPLOADS=1
// a second upload is accepted while the first still waits for a slow job. Every path gives the
// slot back exactly once (the in-flight gauge returns to 0, never below).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { multipart, writeTable } from '../support/http-client.js';
import { send } from '../support/importer-requests.js';
import {
  metricSum,
  type ReliabilityService,
  startReliabilityService,
} from '../support/reliability-service.js';

async function until(condition: () => Promise<boolean> | boolean, what: string, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('upload slots', () => {
  let service: ReliabilityService;
  const inFlight = async () => metricSum(await service.metrics(), 'table_importer_uploads_in_flight');
  beforeAll(async () => {
    service = await startReliabilityService(
      { MAX_CONCURRENT_UPLOADS: '1' },
      { faults: { rules: [{ target: 'job-run', fault: 'latency', rate: 1, latencyMs: 1_500 }] } },
    );
  });
  afterAll(() => service.close());

  it('accepts a second upload while the first one waits for its job', async () => {
    const first = writeTable(
      service.url,
      service.token,
      multipart([['tableId', 'in.c-slots.first']], 'id\n1\n'),
    );
    await until(() => (service.faults.seen()['job-run'] ?? 0) > 0, 'the first job to run');
    expect(await inFlight()).toBe(0);

    const second = await writeTable(
      service.url,
      service.token,
      multipart(
        [
          ['tableId', 'in.c-slots.second'],
          ['wait', '0'],
        ],
        'id\n2\n',
      ),
    );
    expect(second.status, JSON.stringify(second.body)).toBe(202);
    const upload = await send(`${service.url}/upload-file?name=during-job.csv`, {
      headers: { 'X-StorageApi-Token': service.token, 'Content-Type': 'text/csv' },
      body: 'id\n3\n',
    });
    expect(upload.status, JSON.stringify(upload.body)).toBe(200);

    const answered = await first;
    expect(answered.status, JSON.stringify(answered.body)).toBe(200);
    expect(answered.body).toMatchObject({ tableId: 'in.c-slots.first', totalRowsCount: 1 });
    expect(await inFlight()).toBe(0);
  });

  it('gives the slot back once when the request fails, before or after the upload', async () => {
    const refused = await writeTable(
      service.url,
      service.token,
      multipart(
        [
          ['tableId', 'in.c-slots.absent'],
          ['createTable', '0'],
        ],
        'id\n1\n',
      ),
    );
    expect(refused.status).toBe(404);
    const failedJob = await writeTable(
      service.url,
      service.token,
      multipart(
        [
          ['tableId', 'in.c-slots.first'],
          ['incremental', '1'],
        ],
        'other\n1\n',
      ),
    );
    expect(failedJob.status, JSON.stringify(failedJob.body)).toBe(400);
    expect(await inFlight()).toBe(0);
    const next = await writeTable(
      service.url,
      service.token,
      multipart(
        [
          ['tableId', 'in.c-slots.first'],
          ['incremental', '1'],
        ],
        'id\n4\n',
      ),
    );
    expect(next.status, JSON.stringify(next.body)).toBe(200);
    expect(await inFlight()).toBe(0);
  });
});
