// Contract: Storage jobs (contract §7, §9.7) — the job resource through its lifecycle, error jobs,
// listing newest first, one job at a time per table and concurrency across tables.
import { beforeAll, describe, expect, it } from 'vitest';
import {
  createContractClient,
  expectStorageError,
  type Json,
  STORAGE_TIME,
} from './support/storage-client.js';
import { isLocalTarget, useStorageTarget } from './support/storage-target.js';

const target = useStorageTarget();
const api = createContractClient(target);
let bucket: Json;

beforeAll(async () => {
  bucket = await api.createBucket('jobs');
});

function bigCsv(rows: number, label: string): string {
  const lines = ['id,label,payload'];
  for (let i = 0; i < rows; i += 1) lines.push(`${i},${label},${'p'.repeat(40)}`);
  return `${lines.join('\n')}\n`;
}

describe('GET jobs/{id}', () => {
  it('shows a finished job with times, run id, creator token and metrics', async () => {
    const verify = api.expectStatus(await api.get('tokens/verify'), 200);
    const table = await api.createTable(bucket.id, 'lifecycle', 'id\n1\n');
    const content = 'id\n2\n3\n';
    const file = await api.uploadFile('lifecycle.csv', content);
    const accepted = api.expectStatus(
      await api.post(`tables/${table.id}/import-async`, {
        json: { dataFileId: file.id },
        headers: { 'X-KBC-RunId': 'contract-run-jobs' },
      }),
      202,
    );
    expect(['waiting', 'processing']).toContain(accepted.status);
    expect(accepted.startTime === null || typeof accepted.startTime === 'string').toBe(true);
    expect(accepted.endTime).toBeNull();
    expect(accepted.results).toBeNull();

    const job = await api.waitForJob(accepted);
    const response = await api.get(`jobs/${accepted.id}`);
    expect(response.status).toBe(200);
    if (isLocalTarget) expect(response.headers.get('content-type')).toBe('application/json');
    expect(response.body).toEqual(job);
    expect(job).toMatchObject({
      id: accepted.id,
      status: 'success',
      url: `${target.apiUrl}/jobs/${accepted.id}`,
      tableId: table.id,
      operationName: 'tableImport',
      runId: 'contract-run-jobs',
      creatorToken: { id: verify.id },
      operationParams: { source: { type: 'file', fileId: file.id } },
    });
    expect(typeof job.creatorToken.id).toBe('string');
    expect(job.createdTime).toMatch(STORAGE_TIME);
    expect(job.startTime).toMatch(STORAGE_TIME);
    expect(job.endTime).toMatch(STORAGE_TIME);
    expect(job.endTime >= job.startTime).toBe(true);
    expect(job).not.toHaveProperty('error');
    expect(Object.keys(job.metrics).sort()).toEqual([
      'inBytes',
      'inBytesUncompressed',
      'inCompressed',
      'outBytes',
      'outBytesUncompressed',
      'outCompressed',
    ]);
    if (isLocalTarget) {
      expect(accepted.status).toBe('waiting');
      expect(accepted.startTime).toBeNull();
      expect(job.metrics).toEqual({
        inCompressed: false,
        inBytes: content.length,
        inBytesUncompressed: content.length,
        outCompressed: false,
        outBytes: 0,
        outBytesUncompressed: 0,
      });
    }
  });

  it('shows a failed job with error {code, message, exceptionId}', async () => {
    const table = await api.createTable(bucket.id, 'failing', 'id,name\n1,a\n');
    const job = await api.importCsv(table.id, 'other\nx\n');
    expect(job.status).toBe('error');
    expect(job.error).toMatchObject({
      code: 'csvImport.columnsNotMatch',
      message: expect.stringContaining('Missing columns: id,name.'),
      exceptionId: expect.any(String),
    });
    expect(job.endTime).toMatch(STORAGE_TIME);
  });

  it.runIf(isLocalTarget)('answers 404 storage.jobs.notFound for an unknown id', async () => {
    expectStorageError(
      await api.get('jobs/987654321'),
      404,
      'storage.jobs.notFound',
      'Job 987654321 not found',
    );
    expectStorageError(await api.get('jobs/abc'), 404, 'storage.jobs.notFound');
  });
});

describe('GET jobs', () => {
  it('lists jobs newest first and honours limit', async () => {
    const table = await api.createTable(bucket.id, 'listed', 'id\n1\n');
    const first = await api.importCsv(table.id, 'id\n2\n');
    const second = await api.importCsv(table.id, 'id\n3\n');
    const response = await api.get('jobs?limit=2');
    expect(response.status).toBe(200);
    expect(response.body).toHaveLength(2);
    expect(response.body.map((job: { id: number }) => job.id)).toEqual([second.id, first.id]);
    const all = api.expectStatus(await api.get('jobs?limit=100'), 200);
    const ids = all.map((job: { id: number }) => job.id);
    expect(ids).toEqual([...ids].sort((a, b) => b - a));
  });

  it.runIf(isLocalTarget)('rejects a limit above 1000', async () => {
    expectStorageError(await api.get('jobs?limit=1001'), 400, 'storage.jobs.validation');
  });
});

describe('job scheduling', () => {
  it('runs jobs on one table one at a time, in the order they were accepted', async () => {
    const table = await api.createTable(bucket.id, 'serial', 'id,label,payload\n');
    const slowFile = await api.uploadFile('slow.csv', bigCsv(100_000, 'first'));
    const quickFile = await api.uploadFile('quick.csv', bigCsv(3, 'second'));
    const start = async (fileId: number) =>
      api.expectStatus(
        await api.post(`tables/${table.id}/import-async`, { json: { dataFileId: fileId } }),
        202,
      );
    const slow = await start(slowFile.id);
    const quick = await start(quickFile.id);
    if (isLocalTarget) {
      const queued = api.expectStatus(await api.get(`jobs/${quick.id}`), 200);
      expect(queued.status).toBe('waiting');
    }
    const [slowDone, quickDone] = [await api.waitForJob(slow), await api.waitForJob(quick)];
    expect(slowDone.status).toBe('success');
    expect(quickDone.status).toBe('success');
    expect(quickDone.startTime >= slowDone.endTime).toBe(true);
    const { rows } = await api.readRows(table.id);
    expect(rows.map((row) => row[1])).toEqual(['second', 'second', 'second']);
  });

  it('runs jobs on different tables concurrently', async () => {
    const a = await api.createTable(bucket.id, 'parallel-a', 'id,label,payload\n');
    const b = await api.createTable(bucket.id, 'parallel-b', 'id,label,payload\n');
    const fileA = await api.uploadFile('a.csv', bigCsv(200_000, 'a'));
    const fileB = await api.uploadFile('b.csv', bigCsv(10, 'b'));
    const start = async (tableId: string, fileId: number) =>
      api.expectStatus(
        await api.post(`tables/${tableId}/import-async`, { json: { dataFileId: fileId } }),
        202,
      );
    const jobA = await start(a.id, fileA.id);
    const jobB = await start(b.id, fileB.id);
    const doneB = await api.waitForJob(jobB);
    expect(doneB.status).toBe('success');
    if (isLocalTarget) {
      // The small job on table B finished while the big one on table A was still running.
      expect(api.expectStatus(await api.get(`jobs/${jobA.id}`), 200).status).toBe('processing');
    }
    const doneA = await api.waitForJob(jobA);
    expect(doneA.status).toBe('success');
    expect(doneA.results.totalRowsCount).toBe(200_000);
    expect(doneB.results.totalRowsCount).toBe(10);
  });
});
