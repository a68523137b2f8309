// The metadata saves of a table job. It starts while its acceptance is being saved (a small import
// is done ~2 ms sooner), but its rows are committed only once that save is durable: when the save
// fails, nothing of the job's load remains (a crash there must never leave rows from a job metadata
// does not know). Its success is committed with its rows, so it takes no save of its own (the next
// save carries it); a failure is saved at once.
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildJobRecord, createJobRunner } from '../../src/local-storage/jobs/job-runner.js';
import { createTableJobs } from '../../src/local-storage/jobs/table-jobs.js';
import { type MetadataStore, openMetadataStore } from '../../src/local-storage/metadata/metadata-store.js';
import { openTableStore, type TableStore } from '../../src/local-storage/tables/table-store.js';
import { defaultLoadOptions } from './table-store-fixture.js';

const TABLE_ID = 'in.c-early.events';
const TIME = '2026-12-02 07:00:00';

let dir: string;
let tableStore: TableStore;
let metadata: MetadataStore;
let real: MetadataStore;
/** The next metadata save waits for this one (the job's acceptance); later saves go through. */
let heldSave: { promise: Promise<void>; resolve(): void; reject(err: Error): void } | undefined;
let downloaded: Promise<void>;
let markDownloaded: () => void;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'job-early-start-'));
  tableStore = await openTableStore({ dbPath: ':memory:' });
  real = await openMetadataStore({ dataDir: dir });
  metadata = {
    state: real.state,
    nextFileId: () => real.nextFileId(),
    nextJobId: () => real.nextJobId(),
    saveOnClose: () => real.saveOnClose(),
    saveSoon: () => real.saveSoon(),
    save() {
      const held = heldSave;
      heldSave = undefined;
      return held ? held.promise.then(() => real.save()) : real.save();
    },
  };
  const first = join(dir, 'first.csv');
  await writeFile(first, 'id,name\n1,old\n');
  await tableStore.createTable(
    TABLE_ID,
    { path: first, gzip: false },
    { ...defaultLoadOptions, primaryKey: [] },
  );
  metadata.state.buckets['in.c-early'] = {
    id: 'in.c-early',
    name: 'c-early',
    displayName: 'early',
    stage: 'in',
    description: '',
    created: TIME,
  };
  metadata.state.tables[TABLE_ID] = {
    id: TABLE_ID,
    bucketId: 'in.c-early',
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
  downloaded = new Promise((resolve) => {
    markDownloaded = resolve;
  });
});

afterEach(async () => {
  await tableStore.close();
  await rm(dir, { recursive: true, force: true });
});

function held() {
  let resolve!: () => void;
  let reject!: (err: Error) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/**
 * Submits a full load of file 7 with the acceptance save held; resolves once the work asked for the
 * file (with `uploaded` false, file 7 has no object: the job fails).
 */
async function submitImport(uploaded = true) {
  const runner = createJobRunner({ metadata });
  const tableJobs = createTableJobs({
    metadata,
    tableStore,
    fileStorage: {
      async downloadObject(key, destination) {
        markDownloaded();
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
  const save = held();
  heldSave = save;
  const submitted = runner.submit(
    job,
    tableJobs.importIntoTable({
      tableId: TABLE_ID,
      fileId: 7,
      load: { ...defaultLoadOptions, incremental: false },
    }),
    { startBeforeSaved: true },
  );
  submitted.catch(() => undefined);
  // The work runs while the save is still held (with the old order this never resolves).
  await downloaded;
  return { runner, job, save, submitted };
}

const rows = async () => (await tableStore.preview(TABLE_ID, { limit: 100 })).rows;

describe('a table job started before its acceptance is saved', () => {
  it('commits its rows once the save is durable', async () => {
    const { runner, job, save, submitted } = await submitImport();
    save.resolve();
    await submitted;
    await runner.close();
    expect(job.status, JSON.stringify(job.error)).toBe('success');
    expect(await rows()).toEqual([
      ['2', 'new'],
      ['3', 'new'],
    ]);
  });

  it('commits nothing when the save fails: the table keeps its rows and the job is an error', async () => {
    const { runner, job, save, submitted } = await submitImport();
    save.reject(new Error('disk full'));
    await expect(submitted).rejects.toThrow('disk full');
    await runner.close();
    expect(job.status).toBe('error');
    expect(await rows()).toEqual([['1', 'old']]);
  });
});

/** The job's status in metadata.json: what a crash at this moment would leave. */
async function statusOnDisk(jobId: number): Promise<string | undefined> {
  const saved = JSON.parse(await readFile(join(dir, 'metadata.json'), 'utf8')) as {
    jobs: Record<string, { status: string }>;
  };
  return saved.jobs[String(jobId)]?.status;
}

describe('the save of a finished table job', () => {
  it('is deferred for a success (its outcome is committed with the rows): the next save carries it', async () => {
    const { runner, job, save, submitted } = await submitImport();
    save.resolve();
    await submitted;
    await runner.close();
    expect(job.status).toBe('success');
    // No fsync of its own: on disk it is still the accepted job (start-up recovery finishes it).
    expect(['waiting', 'processing']).toContain(await statusOnDisk(job.id));
    await real.save();
    expect(await statusOnDisk(job.id)).toBe('success');
  });

  it('is done at once for a failure', async () => {
    const { runner, job, save, submitted } = await submitImport(false);
    save.resolve();
    await submitted;
    await runner.close();
    expect(job.error?.code).toBe('storage.fileNotUploaded');
    expect(await statusOnDisk(job.id)).toBe('error');
  });
});
