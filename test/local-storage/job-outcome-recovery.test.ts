// A crash between DuckDB's COMMIT of a job's rows and the metadata save of its success: after the
// restart the job must say success (its rows are in), not storage.jobInterrupted ("Run it again").
// The crash is reproduced exactly: the job's work runs on the stores and metadata is never saved.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startS3FileStorage } from '../../src/local-storage/files/s3-file-storage.js';
import { buildJobRecord } from '../../src/local-storage/jobs/job-runner.js';
import { createTableJobs } from '../../src/local-storage/jobs/table-jobs.js';
import { openMetadataStore } from '../../src/local-storage/metadata/metadata-store.js';
import { openTableStore } from '../../src/local-storage/tables/table-store.js';
import { createContractClient, type Json } from '../contract/support/storage-client.js';
import { useStorageTarget } from '../contract/support/storage-target.js';

const target = useStorageTarget();
const api = createContractClient(target);
const load = { delimiter: ',', enclosure: '"', escapedBy: '', withoutHeaders: false, ignoredLinesCount: 0 };

/** Runs one job's work on the stand-in's stores while it is stopped, then "crashes" (no save). */
async function runJobThenCrash(
  operation: 'tableCreate' | 'tableImport',
  targetTableId: string,
  fileId: number,
): Promise<number> {
  await target.stop();
  const dataDir = target.dataDir ?? '';
  const metadata = await openMetadataStore({ dataDir });
  const tableStore = await openTableStore({ dbPath: join(dataDir, 'tables.duckdb') });
  const fileStorage = await startS3FileStorage({
    provider: 'aws',
    dataDir,
    host: '127.0.0.1',
    port: 0,
    signingSecret: metadata.state.urlSigningSecret,
  });
  try {
    const job = buildJobRecord({
      id: metadata.nextJobId(),
      operationName: operation,
      targetTableId,
      tableId: operation === 'tableImport' ? targetTableId : null,
      operationParams: {},
      runId: null,
      creatorToken: { id: '1', description: 'test' },
      now: new Date(),
    });
    // What submit() persists before the job runs.
    metadata.state.jobs[String(job.id)] = job;
    await metadata.save();
    const tableJobs = createTableJobs({
      metadata,
      tableStore,
      fileStorage,
      tempDir: join(dataDir, 'tmp'),
      now: () => new Date(),
    });
    const lastDot = targetTableId.lastIndexOf('.');
    const work =
      operation === 'tableCreate'
        ? tableJobs.createTable({
            bucketId: targetTableId.slice(0, lastDot),
            tableName: targetTableId.slice(lastDot + 1),
            fileId,
            load: { ...load, primaryKey: [] },
            origin: 'http://127.0.0.1',
          })
        : tableJobs.importIntoTable({ tableId: targetTableId, fileId, load: { ...load, incremental: true } });
    await work(job);
    // The crash: DuckDB committed, the job's success never reached metadata.json.
    return job.id;
  } finally {
    await tableStore.close();
    await fileStorage.close();
  }
}

async function jobAfterRestart(jobId: number): Promise<Json> {
  await target.restart();
  return api.expectStatus(await api.get(`jobs/${jobId}`), 200);
}

describe('a crash after the job committed its rows', () => {
  it('an import is a success after the restart, with its rows counted', async () => {
    const bucket = await api.createBucket('crash');
    await api.createTable(bucket.id, 'events', 'id,name\n1,a\n');
    const file = await api.uploadFile('more.csv', 'id,name\n2,b\n3,c\n');
    const jobId = await runJobThenCrash('tableImport', `${bucket.id}.events`, file.id);

    const job = await jobAfterRestart(jobId);
    expect(job.status, JSON.stringify(job.error)).toBe('success');
    expect(job.results.totalRowsCount).toBe(3);
    const table = api.expectStatus(await api.get(`tables/${bucket.id}.events`), 200);
    expect(table.rowsCount).toBe(3);
    expect((await api.readRows(`${bucket.id}.events`)).rows).toEqual([
      ['1', 'a'],
      ['2', 'b'],
      ['3', 'c'],
    ]);
  });

  it('a table create is a success after the restart and the table stays', async () => {
    const bucket = await api.createBucket('crash');
    const file = await api.uploadFile('new.csv', 'id,name\n1,a\n2,b\n');
    const jobId = await runJobThenCrash('tableCreate', `${bucket.id}.fresh`, file.id);

    const job = await jobAfterRestart(jobId);
    expect(job.status, JSON.stringify(job.error)).toBe('success');
    expect(job.tableId).toBe(`${bucket.id}.fresh`);
    const table = api.expectStatus(await api.get(`tables/${bucket.id}.fresh`), 200);
    expect(table.columns).toEqual(['id', 'name']);
    expect(table.rowsCount).toBe(2);
  });

  it('a job that never committed is still interrupted', async () => {
    const bucket = await api.createBucket('crash');
    await api.createTable(bucket.id, 'events', 'id,name\n1,a\n');
    await target.stop();
    const metadata = await openMetadataStore({ dataDir: target.dataDir ?? '' });
    const job = buildJobRecord({
      id: metadata.nextJobId(),
      operationName: 'tableImport',
      targetTableId: `${bucket.id}.events`,
      tableId: `${bucket.id}.events`,
      operationParams: {},
      runId: null,
      creatorToken: { id: '1', description: 'test' },
      now: new Date(),
    });
    metadata.state.jobs[String(job.id)] = job;
    await metadata.save();

    const after = await jobAfterRestart(job.id);
    expect(after.status).toBe('error');
    expect(after.error.code).toBe('storage.jobInterrupted');
  });
});
