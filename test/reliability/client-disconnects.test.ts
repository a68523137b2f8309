// Clients that vanish at every point of a request, over raw sockets: before the upload completed no
// job exists and no S3 object was completed; a disconnect during the job wait leaves exactly one
// job that still finishes. Afterwards descriptors and RSS are back near baseline and the next
// request works; nothing is logged as a server error.
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FaultRule } from '../../src/local-storage/faults/fault-plan.js';
import { multipart, writeTable } from '../support/http-client.js';
import { fieldPart, fileHeader } from '../support/multipart-body.js';
import { chunk, multipartHead, openRaw, type RawConnection } from '../support/raw-socket.js';
import {
  collectGarbage,
  expectNoSecrets,
  fileObjectExists,
  listImporterFiles,
  metricSum,
  type ProcessResources,
  type ReliabilityService,
  readProcessResources,
  settleResources,
  startReliabilityService,
} from '../support/reliability-service.js';

const MIB = 1024 * 1024;
const BOUNDARY = 'disconnect-boundary';

interface DisconnectCase {
  name: string;
  /** Sends part of a request for `tableId`, then returns; the test destroys the socket. */
  send(raw: RawConnection, tableId: string, service: ReliabilityService): Promise<void>;
  /** `none`: cut before the upload completed; `one`: the job had started and must still finish once. */
  jobs: 'none' | 'one';
  faults?: FaultRule[];
}

const head = (token: string) => multipartHead('/write-table', token, BOUNDARY);
const fields = (tableId: string) =>
  fieldPart(BOUNDARY, 'tableId', tableId) + fieldPart(BOUNDARY, 'incremental', '1');
const rows = (count: number, from = 0) =>
  Array.from({ length: count }, (_, i) => `${from + i},${'v'.repeat(48)}\n`).join('');
const end = `\r\n--${BOUNDARY}--\r\n`;

async function sendMiB(raw: RawConnection, mib: number): Promise<void> {
  const block = rows(Math.floor(MIB / 52));
  for (let i = 0; i < mib; i += 1) await raw.write(chunk(block));
}

async function until(condition: () => Promise<boolean> | boolean, what: string, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

/** Storage's answers to files/prepare the importer has had (its call metric counts each one). */
async function prepareAnswers(service: ReliabilityService): Promise<number> {
  return metricSum(await service.metrics(), 'table_importer_storage_api_calls_total', {
    endpoint: 'files/prepare',
  });
}

/** The upload has begun: the importer has one more files/prepare answer than `before`. */
async function filePrepared(service: ReliabilityService, before: number): Promise<void> {
  await until(async () => (await prepareAnswers(service)) > before, 'the files/prepare answer');
}

const CASES: DisconnectCase[] = [
  {
    name: 'during the request headers',
    jobs: 'none',
    send: (raw, _tableId, service) =>
      raw.write(
        `POST /write-table HTTP/1.1\r\nHost: 127.0.0.1\r\nX-StorageApi-Token: ${service.token}\r\nContent-Ty`,
      ),
  },
  {
    name: 'right after the headers',
    jobs: 'none',
    send: (raw, _tableId, service) => raw.write(head(service.token)),
  },
  {
    name: 'in the middle of a field',
    jobs: 'none',
    send: async (raw, tableId, service) => {
      await raw.write(head(service.token));
      await raw.write(
        chunk(
          `--${BOUNDARY}\r\nContent-Disposition: form-data; name="tableId"\r\n\r\n${tableId.slice(0, 6)}`,
        ),
      );
    },
  },
  {
    name: 'early in the data part',
    jobs: 'none',
    send: async (raw, tableId, service) => {
      const before = await prepareAnswers(service);
      await raw.write(head(service.token));
      await raw.write(chunk(`${fields(tableId)}${fileHeader(BOUNDARY)}id,value\n1,`));
      await filePrepared(service, before);
    },
  },
  {
    name: 'mid-file, with parts already in S3',
    jobs: 'none',
    send: async (raw, tableId, service) => {
      await raw.write(head(service.token));
      await raw.write(chunk(`${fields(tableId)}${fileHeader(BOUNDARY)}id,value\n`));
      await sendMiB(raw, 12);
      await until(() => (service.faults.seen()['s3-part'] ?? 0) > 0, 'an UploadPart');
    },
  },
  {
    name: 'at the last byte of the file (no closing boundary)',
    jobs: 'none',
    send: async (raw, tableId, service) => {
      const before = await prepareAnswers(service);
      await raw.write(head(service.token));
      await raw.write(chunk(`${fields(tableId)}${fileHeader(BOUNDARY)}id,value\n${rows(50)}`));
      await filePrepared(service, before);
    },
  },
  {
    name: 'after the last byte, while the file is uploaded to S3',
    jobs: 'none',
    faults: [{ target: 's3-put', fault: 'latency', rate: 1, latencyMs: 2_000 }],
    send: async (raw, tableId, service) => {
      await raw.write(head(service.token));
      await raw.write(chunk(`${fields(tableId)}${fileHeader(BOUNDARY)}id,value\n${rows(50)}${end}`));
      await raw.write('0\r\n\r\n');
      await until(() => (service.faults.seen()['s3-put'] ?? 0) > 0, 'the PutObject');
    },
  },
  {
    name: 'mid-file of a raw (non-multipart) body',
    jobs: 'none',
    send: async (raw, tableId, service) => {
      await raw.write(
        [
          `PUT /write-table?tableId=${tableId}&incremental=1 HTTP/1.1`,
          'Host: 127.0.0.1',
          `X-StorageApi-Token: ${service.token}`,
          'Content-Type: text/csv',
          `Content-Length: ${20 * MIB}`,
          '',
          'id,value\n',
        ].join('\r\n'),
      );
      const block = rows(Math.floor(MIB / 52));
      for (let i = 0; i < 7; i += 1) await raw.write(block);
      await until(() => (service.faults.seen()['s3-part'] ?? 0) > 0, 'an UploadPart');
    },
  },
  {
    name: 'during the job wait',
    jobs: 'one',
    faults: [{ target: 'job-run', fault: 'latency', rate: 1, latencyMs: 1_500 }],
    send: async (raw, tableId, service) => {
      await raw.write(head(service.token));
      await raw.write(chunk(`${fields(tableId)}${fileHeader(BOUNDARY)}id,value\n${rows(50)}${end}`));
      await raw.write('0\r\n\r\n');
      await until(async () => (service.faults.seen()['job-run'] ?? 0) > 0, 'the job to start');
    },
  },
  {
    // The poll's fetch is aborted mid-flight: the adapter's bare string reason must not become a 500.
    name: 'during a job poll in flight',
    jobs: 'one',
    faults: [{ target: 'job', fault: 'latency', rate: 1, latencyMs: 1_000 }],
    send: async (raw, tableId, service) => {
      await raw.write(head(service.token));
      await raw.write(chunk(`${fields(tableId)}${fileHeader(BOUNDARY)}id,value\n${rows(50)}${end}`));
      await raw.write('0\r\n\r\n');
      // Seen by the stand-in, which holds it for 1 s: the poll is in flight now.
      await until(() => (service.faults.seen().job ?? 0) > 0, 'a job poll');
    },
  },
];

describe('client disconnects', () => {
  let service: ReliabilityService;
  let baseline: ProcessResources;
  let tableRows = 0;
  const tableId = 'in.c-disconnect.t';
  beforeAll(async () => {
    service = await startReliabilityService({ UPLOAD_PART_BYTES: String(5 * MIB), UPLOAD_QUEUE_SIZE: '2' });
    // Warm up every path once (S3 multipart, DuckDB, pools) before the baseline is taken.
    for (const csv of [`id,value\n${rows(5)}`, `id,value\n${rows(Math.ceil((6 * MIB) / 52), 5)}`]) {
      const { status, body } = await writeTable(
        service.url,
        service.token,
        multipart(
          [
            ['tableId', tableId],
            ['incremental', '1'],
          ],
          csv,
        ),
      );
      expect(status, JSON.stringify(body)).toBe(200);
      tableRows = body.totalRowsCount as number;
    }
    collectGarbage();
    baseline = await readProcessResources();
  }, 60_000); // Two warm-up imports (one over 5 MiB) before the baseline: more than a hook's default.
  const figures: Array<{ case: string; fdsOverBaseline: number; rssOverBaselineMiB: number }> = [];
  afterAll(async () => {
    console.log(
      `client-disconnects figures (baseline ${baseline.openFds} fds, ${Math.round(baseline.rssBytes / 1024 / 1024)} MiB RSS): ${JSON.stringify(figures, null, 2)}`,
    );
    expectNoSecrets([...service.logs, await service.metrics()], { token: service.token });
    await service.close();
  });

  it.each(CASES.map((c) => [c.name, c] as const))('disconnect %s', async (_name, testCase) => {
    service.faults.configure({ rules: testCase.faults ?? [] });
    const filesBefore = new Set((await listImporterFiles(service)).map((file) => file.id));
    const jobsBefore = (await service.listJobs()).length;
    const raw = await openRaw(service.url);
    await testCase.send(raw, tableId, service);
    raw.destroy();

    if (testCase.jobs === 'one') {
      await until(
        async () =>
          (await service.listJobs()).every((job) => job.status === 'success' || job.status === 'error'),
        'the job to finish',
      );
    }
    await until(
      async () => metricSum(await service.metrics(), 'table_importer_uploads_in_flight') === 0,
      'the request to end',
    );
    service.faults.configure({ rules: [] });

    const newJobs = (await service.listJobs()).slice(0, (await service.listJobs()).length - jobsBefore);
    const newFiles = (await listImporterFiles(service)).filter((file) => !filesBefore.has(file.id));
    if (testCase.jobs === 'none') {
      expect(newJobs).toEqual([]);
      for (const file of newFiles)
        expect(await fileObjectExists(service, file.id), `file ${file.id}`).toBe(false);
      expect((await service.getTable(tableId)).rowsCount).toBe(tableRows);
    } else {
      expect(newJobs.map((job) => [job.operationName, job.status])).toEqual([['tableImport', 'success']]);
      tableRows += 50;
      expect((await service.getTable(tableId)).rowsCount).toBe(tableRows);
    }

    // Resources: every socket, stream and temp file of the request is gone again.
    collectGarbage();
    const after = await settleResources(baseline, 3);
    figures.push({
      case: testCase.name,
      fdsOverBaseline: after.openFds - baseline.openFds,
      rssOverBaselineMiB: Math.round((after.rssBytes - baseline.rssBytes) / 1024 / 1024),
    });
    expect(after.openFds, 'open file descriptors').toBeLessThanOrEqual(baseline.openFds + 3);
    expect(after.rssBytes - baseline.rssBytes, 'RSS growth').toBeLessThan(64 * MIB);

    // The next request is fine.
    const next = await writeTable(
      service.url,
      service.token,
      multipart(
        [
          ['tableId', tableId],
          ['incremental', '1'],
        ],
        `id,value\n${rows(1)}`,
      ),
    );
    expect(next.status, JSON.stringify(next.body)).toBe(200);
    tableRows += 1;
    expect(next.body.totalRowsCount).toBe(tableRows);
  });

  it('logged no server error and counted the aborted uploads', async () => {
    const errors = service.logs.filter(
      (line) => line.includes('"level":"error"') || line.includes('"status":500'),
    );
    expect(errors).toEqual([]);
    const metrics = await service.metrics();
    // At least the three cases that wait for S3 traffic; the others may be cut before files/prepare answered.
    expect(
      metricSum(metrics, 'table_importer_aborted_uploads_total', { reason: 'client-disconnect' }),
    ).toBeGreaterThanOrEqual(3);
    expect(metricSum(metrics, 'table_importer_http_requests_total', { status: '500' })).toBe(0);
  });
});
