// The cross-instance decision of one idempotency key, against an in-memory Storage (files with
// tags, jobs): who starts the job, who follows it, when an older file no longer counts, misuse.
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_IDEMPOTENCY,
  decideKeyedImport,
  type OwnKeyedFile,
} from '../../src/routes/write-table/idempotency/decide-keyed-import.js';
import {
  jobTag,
  keyTag,
  requestTag,
  tableFingerprint,
  tableTag,
  uploadedTag,
} from '../../src/routes/write-table/idempotency/idempotency-tags.js';
import type { KeyedSession } from '../../src/routes/write-table/idempotency/keyed-files.js';
import type { StorageFile, StorageJob } from '../../src/storage-api/storage-types.js';

const KEY = 'k-1';
const TABLE = tableFingerprint('in.c-a.t', undefined);
const BODY = 'a'.repeat(64);
const SETTINGS = { ...DEFAULT_IDEMPOTENCY, listSettleMs: 0, pollMs: 5, pollMaxMs: 10, orphanAfterMs: 60_000 };

function storage(files: StorageFile[], jobs: StorageJob[] = []) {
  const deleted: number[] = [];
  const session: KeyedSession = {
    async listFiles({ tags }) {
      return files.filter((file) => file.tags?.some((tag) => tags.includes(tag))).sort((a, b) => b.id - a.id);
    },
    async getJob(jobId) {
      const job = jobs.find((candidate) => candidate.id === jobId);
      if (!job) throw Object.assign(new Error('no job'), { code: 'storage.jobs.notFound' });
      return job;
    },
    async listJobs() {
      return [...jobs].reverse();
    },
    async addFileTag(fileId, tag) {
      files.find((file) => file.id === fileId)?.tags?.push(tag);
    },
    async deleteFile(fileId) {
      deleted.push(fileId);
      files.splice(
        files.findIndex((file) => file.id === fileId),
        1,
      );
    },
  };
  return { session, deleted, files, jobs };
}

const created = (msAgo: number) => new Date(Date.now() - msAgo).toISOString().replace(/\.\d{3}Z$/, '+0000');
function file(id: number, extra: string[] = [], msAgo = 0): StorageFile {
  return { id, name: `t.csv`, created: created(msAgo), tags: [keyTag(KEY), tableTag(TABLE), ...extra] };
}
const uploaded = (body = BODY, msAgo = 0, table = TABLE) =>
  uploadedTag({ bodySha256: body, table, atMs: Date.now() - msAgo, bytes: 10, incremental: true });
function job(id: number, fileId: number): StorageJob {
  return {
    id,
    status: 'processing',
    url: `http://x/jobs/${id}`,
    tableId: 'in.c-a.t',
    operationName: 'tableImport',
    operationParams: { source: { type: 'file', fileId } },
    startTime: null,
    endTime: null,
    results: null,
  };
}
const own = (id: number): OwnKeyedFile => ({
  id,
  requestTag: requestTag(`own${id}`),
  preparedAtMs: Date.now(),
  bodySha256: BODY,
  table: TABLE,
});
const decide = (session: KeyedSession, id: number, followMs = 2_000) =>
  decideKeyedImport(session, {
    key: KEY,
    own: own(id),
    settings: SETTINGS,
    signal: AbortSignal.timeout(10_000),
    followUntilMs: Date.now() + followMs,
  });

describe('decideKeyedImport', () => {
  it('the lowest file starts; a higher one follows the job found by its job tag', async () => {
    const { session } = storage([file(1, [uploaded()]), file(2, [uploaded()])]);
    expect(await decide(session, 1)).toEqual({ kind: 'start' });
    const { session: withJob } = storage(
      [file(1, [uploaded(), jobTag(7)]), file(2, [uploaded()])],
      [job(7, 1)],
    );
    expect(await decide(withJob, 2)).toMatchObject({ kind: 'follow', job: { id: 7 }, file: { id: 1 } });
  });

  it('finds a job without a job tag by operationParams.source.fileId', async () => {
    const { session } = storage([file(3, [uploaded()]), file(4, [uploaded()])], [job(9, 3)]);
    expect(await decide(session, 4)).toMatchObject({ kind: 'follow', job: { id: 9 } });
  });

  it('waits while an older request uploads, then follows its job', async () => {
    const state = storage([file(1), file(2, [uploaded()])]);
    setTimeout(() => {
      state.files[0]?.tags?.push(uploaded(), jobTag(5));
      state.jobs.push(job(5, 1));
    }, 50);
    expect(await decide(state.session, 2)).toMatchObject({ kind: 'follow', job: { id: 5 } });
  });

  it('starts once the older file is deleted (its request failed before a job)', async () => {
    const state = storage([file(1), file(2, [uploaded()])]);
    setTimeout(() => state.files.shift(), 50);
    expect(await decide(state.session, 2)).toEqual({ kind: 'start' });
  });

  it('ignores an older file abandoned after its upload, or never uploaded for too long', async () => {
    const orphan = storage([file(1, [uploaded(BODY, 61_000)]), file(2, [uploaded()])]);
    expect(await decide(orphan.session, 2)).toEqual({ kind: 'start' });
    const stale = storage([file(1, [], 3_601_000), file(2, [uploaded()])]);
    expect(await decide(stale.session, 2)).toEqual({ kind: 'start' });
  });

  it('answers 409 when the older request neither uploads nor dies within the follow time', async () => {
    const { session } = storage([file(1), file(2, [uploaded()])]);
    await expect(decide(session, 2, 100)).rejects.toMatchObject({
      status: 409,
      code: 'importer.idempotencyKeyInProgress',
    });
  });

  it('refuses another table or another body with 422', async () => {
    const otherTable = tableFingerprint('in.c-a.other', undefined);
    const table = storage([{ ...file(1), tags: [keyTag(KEY), tableTag(otherTable)] }, file(2, [uploaded()])]);
    await expect(decide(table.session, 2)).rejects.toMatchObject({
      status: 422,
      code: 'importer.idempotencyKeyReused',
    });
    const body = storage(
      [file(1, [uploaded('b'.repeat(64)), jobTag(3)]), file(2, [uploaded()])],
      [job(3, 1)],
    );
    await expect(decide(body.session, 2)).rejects.toMatchObject({
      status: 422,
      code: 'importer.idempotencyKeyReused',
    });
    const bodyNoJob = storage([file(1, [uploaded('b'.repeat(64))]), file(2, [uploaded()])]);
    await expect(decide(bodyNoJob.session, 2)).rejects.toMatchObject({ status: 422 });
  });

  it("deletes the request's own strays (a retried files/prepare) and does not wait for them", async () => {
    const state = storage([file(1, [requestTag('own2')]), file(2, [requestTag('own2'), uploaded()])]);
    expect(await decide(state.session, 2)).toEqual({ kind: 'start' });
    expect(state.deleted).toEqual([1]);
  });

  it('counts its own file when the list does not show it yet', async () => {
    const { session } = storage([file(5, [uploaded()])]);
    await expect(decide(session, 3, 100)).resolves.toEqual({ kind: 'start' });
  });
});
