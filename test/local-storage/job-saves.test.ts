// The metadata save of a finished table job: its success is committed with its rows (start-up
// recovery rebuilds it after a crash), so it takes no fsync of its own and the next save carries
// it; a failure is saved at once.
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildJobRecord, createJobRunner } from '../../src/local-storage/jobs/job-runner.js';
import { createTableJobs } from '../../src/local-storage/jobs/table-jobs.js';
import { type MetadataStore, openMetadataStore } from '../../src/local-storage/metadata/metadata-store.js';
import { openTableStore, type TableStore } from '../../src/local-storage/tables/table-store.js';
import { defaultLoadOptions } from './table-store-fixture.js';

const TABLE_ID = 'in.c-saves.events';
const TIME = '2026-12-02 07:00:00';

let dir: string;
let tableStore: TableStore;
let metadata: MetadataStore;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'job-saves-'));
  tableStore = await openTableStore({ dbPath: ':memory:' });
  metadata = await openMetadataStore({ dataDir: dir });
  const first = join(dir, 'first.csv');
  await writeFile(first, 'id,name\n1,old\n');
  await tableStore.createTable(
    TABLE_ID,
    { path: first, gzip: false },
    { ...defaultLoadOptions, primaryKey: [] },
  );
  metadata.state.buckets['in.c-saves'] = {
    id: 'in.c-saves',
    name: 'c-saves',
    displayName: 'saves',
    stage: 'in',
    description: '',
    created: TIME,
  };
  metadata.state.tables[TABLE_ID] = {
    id: TABLE_ID,
    bucketId: 'in.c-saves',
    name: 'events',
    columns: ['id', 'name'],
    primaryKey: [],
    created: TIME,
    lastImportDate: TIME,
    lastChangeDate: TIME,
    rowsCount: 1,
    dataSizeBytes: 4,
  };
  metadata.state.files['7'] = {
    id: 7,
    name: 'new.csv',
    key: 'new.csv',
    created: TIME,
    sizeBytes: null,
    contentType: 'text/csv',
    isPublic: false,
    isSliced: false,
    isEncrypted: true,
    isPermanent: false,
    notify: false,
    tags: [],
    runId: null,
    runIds: [],
    creatorToken: { id: '1', description: 'test' },
  };
  await writeFile(join(dir, 'new.csv'), 'id,name\n2,new\n3,new\n');
});

afterEach(async () => {
  await tableStore.close();
  await rm(dir, { recursive: true, force: true });
});

/** Runs a full load of file 7 to its end (with `uploaded` false, file 7 has no object: the job fails). */
async function runImport(uploaded = true) {
  const runner = createJobRunner({ metadata });
  const tableJobs = createTableJobs({
    metadata,
    tableStore,
    fileStorage: {
      async downloadObject(key, destination) {
        if (!uploaded) return undefined;
        await copyFile(join(dir, key), destination);
        return { sizeBytes: 21 };
      },
    },
    tempDir: dir,
    now: () => new Date(),
  });
  const job = buildJobRecord({
    id: metadata.nextJobId(),
    operationName: 'tableImport',
    targetTableId: TABLE_ID,
    tableId: TABLE_ID,
    operationParams: {},
    runId: null,
    creatorToken: { id: '1', description: 'test' },
    now: new Date(),
  });
  await runner.submit(
    job,
    tableJobs.importIntoTable({
      tableId: TABLE_ID,
      fileId: 7,
      load: { ...defaultLoadOptions, incremental: false },
    }),
  );
  // Waits for the running job.
  await runner.close();
  return job;
}

const rows = async () => (await tableStore.preview(TABLE_ID, { limit: 100 })).rows;

/** The job's status in metadata.json: what a crash at this moment would leave. */
async function statusOnDisk(jobId: number): Promise<string | undefined> {
  const saved = JSON.parse(await readFile(join(dir, 'metadata.json'), 'utf8')) as {
    jobs: Record<string, { status: string }>;
  };
  return saved.jobs[String(jobId)]?.status;
}

describe('the save of a finished table job', () => {
  it('is deferred for a success (its outcome is committed with the rows): the next save carries it', async () => {
    const job = await runImport();
    expect(job.status, JSON.stringify(job.error)).toBe('success');
    expect(await rows()).toEqual([
      ['2', 'new'],
      ['3', 'new'],
    ]);
    // No fsync of its own: on disk it is still the accepted job (start-up recovery finishes it).
    expect(['waiting', 'processing']).toContain(await statusOnDisk(job.id));
    await metadata.save();
    expect(await statusOnDisk(job.id)).toBe('success');
  });

  it('is done at once for a failure', async () => {
    const job = await runImport(false);
    expect(job.error?.code).toBe('storage.fileNotUploaded');
    expect(await statusOnDisk(job.id)).toBe('error');
  });
});
