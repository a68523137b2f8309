// Contract (stand-in only): durability under LOCAL_STORAGE_DIR — a restart keeps buckets, tables,
// rows, files and jobs; jobs cut off by a crash or shutdown end as `error`, never lost or stuck.
// A crash is simulated by editing the stand-in's metadata file while it is stopped.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createContractClient, type Json } from './support/storage-client.js';
import { isLocalTarget, useStorageTarget } from './support/storage-target.js';

const target = useStorageTarget();
const api = createContractClient(target);

const withoutOrigin = (value: unknown) =>
  JSON.parse(JSON.stringify(value).replace(/http:\/\/[^/"]+/g, 'ORIGIN'));

async function editMetadata(edit: (state: Json) => void): Promise<void> {
  const path = join(target.dataDir as string, 'metadata.json');
  const state = JSON.parse(await readFile(path, 'utf8'));
  edit(state);
  await writeFile(path, JSON.stringify(state));
}

describe.runIf(isLocalTarget)('persistence across restarts', () => {
  it('keeps buckets, tables, rows, files and jobs, and continues the id counters', async () => {
    const bucket = await api.createBucket('persist');
    const table = await api.createTable(bucket.id, 'kept', 'id,name\n1,Ann\n2,Bob\n', { primaryKey: 'id' });
    const job = await api.importCsv(table.id, 'id,name\n3,Cyd\n', { incremental: true });
    const file = await api.uploadFile('kept.csv', 'id\n42\n');
    const before = {
      bucket: api.expectStatus(await api.get(`buckets/${bucket.id}`), 200),
      table: api.expectStatus(await api.get(`tables/${table.id}`), 200),
      rows: await api.readRows(table.id),
      file: api.expectStatus(await api.get(`files/${file.id}`), 200),
      job: api.expectStatus(await api.get(`jobs/${job.id}`), 200),
      jobs: api.expectStatus(await api.get('jobs'), 200),
    };

    await target.restart();

    expect(withoutOrigin(api.expectStatus(await api.get(`buckets/${bucket.id}`), 200))).toEqual(
      withoutOrigin(before.bucket),
    );
    expect(withoutOrigin(api.expectStatus(await api.get(`tables/${table.id}`), 200))).toEqual(
      withoutOrigin(before.table),
    );
    expect(await api.readRows(table.id)).toEqual(before.rows);
    const fileAfter = api.expectStatus(await api.get(`files/${file.id}`), 200);
    expect({ ...withoutOrigin(fileAfter), url: null }).toEqual({ ...withoutOrigin(before.file), url: null });
    expect(await (await fetch(fileAfter.url)).text()).toBe('id\n42\n');
    expect(withoutOrigin(api.expectStatus(await api.get(`jobs/${job.id}`), 200))).toEqual(
      withoutOrigin(before.job),
    );
    expect(withoutOrigin(api.expectStatus(await api.get('jobs'), 200))).toEqual(withoutOrigin(before.jobs));

    const newFile = await api.prepareFile('new.csv');
    expect(newFile.id).toBeGreaterThan(file.id);
    const newJob = await api.importCsv(table.id, 'id,name\n4,Dan\n', { incremental: true });
    expect(newJob.id).toBeGreaterThan(job.id);
    expect(newJob.results.totalRowsCount).toBe(4);
  });

  it('marks jobs left waiting or processing by a crash as error storage.jobInterrupted', async () => {
    const bucket = await api.createBucket('crash');
    const table = await api.createTable(bucket.id, 'crashed', 'id\n1\n');
    const done = await api.importCsv(table.id, 'id\n3\n');
    await target.stop();
    // Two jobs accepted before the crash that never committed anything (a committed one is
    // finished from its DuckDB outcome instead: test/local-storage/job-outcome-recovery.test.ts).
    const processing = { id: done.id + 1 };
    const waiting = { id: done.id + 2 };
    await editMetadata((state) => {
      for (const [id, status] of [
        [processing.id, 'processing'],
        [waiting.id, 'waiting'],
      ] as const) {
        state.jobs[String(id)] = {
          ...state.jobs[String(done.id)],
          id,
          status,
          endTime: null,
          results: null,
        };
        delete state.jobs[String(id)].error;
      }
      state.lastJobId = Math.max(state.lastJobId, waiting.id);
    });
    await target.restart();

    for (const id of [processing.id, waiting.id]) {
      const job = api.expectStatus(await api.get(`jobs/${id}`), 200);
      expect(job.status).toBe('error');
      expect(job.endTime).not.toBeNull();
      expect(job.results).toBeNull();
      expect(job.error).toEqual({
        code: 'storage.jobInterrupted',
        message:
          'The job was interrupted because the local Storage stopped before it finished. Run it again.',
        exceptionId: expect.stringMatching(/^exception-/),
      });
    }
    expect((await api.readRows(table.id)).rows).toEqual([['3']]);
  });

  it('drops a table whose interrupted create never reached the metadata, so it can be created again', async () => {
    const bucket = await api.createBucket('half');
    const table = await api.createTable(bucket.id, 'half-created', 'id\n1\n');
    const jobs = api.expectStatus(await api.get('jobs?limit=1'), 200);
    const createJob = jobs[0];
    expect(createJob.operationName).toBe('tableCreate');
    // A restart forgets the outcome DuckDB kept with the table: what follows is a data dir where
    // DuckDB has a table that no job outcome or metadata accounts for (e.g. written by an older version).
    await target.restart();
    await target.stop();
    await editMetadata((state) => {
      delete state.tables[table.id];
      const job = state.jobs[String(createJob.id)];
      job.status = 'processing';
      job.tableId = null;
      job.endTime = null;
      job.results = null;
    });
    await target.restart();

    expect(api.expectStatus(await api.get(`jobs/${createJob.id}`), 200).error.code).toBe(
      'storage.jobInterrupted',
    );
    expect((await api.get(`tables/${table.id}`)).status).toBe(404);
    const again = await api.createTable(bucket.id, 'half-created', 'id\n7\n');
    expect((await api.readRows(again.id)).rows).toEqual([['7']]);
  });

  it('finishes the running job on shutdown and ends queued ones as interrupted', async () => {
    const bucket = await api.createBucket('shutdown');
    const table = await api.createTable(bucket.id, 'busy', 'id,payload\n');
    const lines = ['id,payload'];
    for (let i = 0; i < 100_000; i += 1) lines.push(`${i},${'p'.repeat(40)}`);
    const big = await api.uploadFile('big.csv', `${lines.join('\n')}\n`);
    const small = await api.uploadFile('small.csv', 'id,payload\n1,x\n');
    const start = async (fileId: number) =>
      api.expectStatus(
        await api.post(`tables/${table.id}/import-async`, { json: { dataFileId: fileId } }),
        202,
      );
    const first = await start(big.id);
    const second = await start(small.id);

    await target.restart();

    const [firstAfter, secondAfter] = [
      api.expectStatus(await api.get(`jobs/${first.id}`), 200),
      api.expectStatus(await api.get(`jobs/${second.id}`), 200),
    ];
    for (const job of [firstAfter, secondAfter]) {
      expect(['success', 'error']).toContain(job.status);
      if (job.status === 'error') expect(job.error.code).toBe('storage.jobInterrupted');
    }
    const expectedRows = secondAfter.status === 'success' ? 1 : firstAfter.status === 'success' ? 100_000 : 0;
    expect(api.expectStatus(await api.get(`tables/${table.id}`), 200).rowsCount).toBe(expectedRows);
  });
});
