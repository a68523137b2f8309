// Deletes (contract §13.1): `DELETE buckets/{id}?force=&async=`, `DELETE tables/{id}?async=` and
// `DELETE files/{id}?async=`: 204 when synchronous, 202 with a job (bucketDelete, tableDrop,
// fileDelete) when `async` is true. Missing resources are a synchronous 404 either way.
import type { Context, Hono } from 'hono';
import { assertBucketAccess, type ResolvedToken } from '../../auth/tokens.js';
import { buildJobRecord, type JobWork } from '../../jobs/job-runner.js';
import type { JobRecord } from '../../metadata/metadata-store.js';
import { findBucket, findFile, findTable } from '../../metadata/resource-lookup.js';
import { presentJob } from '../../metadata/resource-views.js';
import { createParamReader, readRequestParams, readRunId } from '../../protocol/request-params.js';
import { StorageError } from '../../protocol/storage-error.js';
import { requestOrigin, sendJson } from '../../protocol/storage-response.js';
import { deleteBucket, deleteFile, dropTable, tablesOfBucket } from '../resource-deletion.js';
import type { StorageDeps, StorageEnv } from '../storage-deps.js';

export function registerDeleteRoutes(app: Hono<StorageEnv>, deps: StorageDeps): void {
  const { state } = deps.metadata;
  const deletion = { state, tableStore: deps.tableStore, fileStorage: deps.fileStorage };

  /** Runs `work` now (204) or as a job (202), as the `async` parameter asks. */
  const respond = async (
    c: Context<StorageEnv>,
    async: boolean,
    job: Pick<JobRecord, 'operationName' | 'targetTableId' | 'tableId' | 'operationParams'>,
    work: () => Promise<string | null>,
  ): Promise<Response> => {
    if (!async) {
      await work();
      await deps.metadata.save();
      return new Response(null, { status: 204 });
    }
    const record = buildJobRecord({
      id: deps.metadata.nextJobId(),
      ...job,
      runId: readRunId(c),
      creatorToken: { id: c.var.token.id, description: c.var.token.description },
      now: deps.now(),
    });
    const accepted = presentJob(record, requestOrigin(c));
    const jobWork: JobWork = async () => ({ tableId: await work(), results: {} });
    await deps.jobs.submit(record, jobWork);
    return sendJson(accepted, 202);
  };

  app.delete('/buckets/:bucketId', async (c) => {
    const bucket = findBucket(state, c.req.param('bucketId'));
    assertBucketAccess(c.var.token, bucket.id, 'manage');
    const params = createParamReader(await readRequestParams(c), 'storage.buckets.validation');
    const force = params.boolean('force', false);
    const async = params.boolean('async', false);
    const assertEmptyUnlessForced = () => {
      const count = tablesOfBucket(state, bucket.id).length;
      if (!force && count > 0) {
        throw new StorageError(
          400,
          'buckets.deleteNotEmpty',
          `Only empty buckets can be deleted. There are ${count} tables in the bucket.`,
        );
      }
    };
    assertEmptyUnlessForced();
    return respond(
      c,
      async,
      {
        operationName: 'bucketDelete',
        targetTableId: bucket.id,
        tableId: null,
        operationParams: { queue: 'main', params: { idBucket: bucket.id, force } },
      },
      async () => {
        findBucket(state, bucket.id);
        assertEmptyUnlessForced();
        await deleteBucket(deletion, bucket.id);
        return null;
      },
    );
  });

  app.delete('/tables/:tableId', async (c) => {
    const table = findTable(state, c.req.param('tableId'));
    assertBucketAccess(c.var.token, table.bucketId, 'write');
    const params = createParamReader(await readRequestParams(c), 'storage.tables.validation');
    const async = params.boolean('async', false);
    const force = params.boolean('force', false);
    return respond(
      c,
      async,
      {
        operationName: 'tableDrop',
        targetTableId: table.id,
        tableId: table.id,
        operationParams: { queue: 'main', params: { force } },
      },
      async () => {
        findTable(state, table.id);
        await dropTable(deletion, table.id);
        return table.id;
      },
    );
  });

  app.delete('/files/:fileId', async (c) => {
    const file = findFile(state, c.req.param('fileId'));
    if (!canDeleteFile(c.var.token, file.creatorToken.id)) {
      throw new StorageError(404, 'storage.files.notFound', 'File not found');
    }
    const params = createParamReader(await readRequestParams(c), 'storage.files.validation');
    const async = params.boolean('async', false);
    return respond(
      c,
      async,
      {
        operationName: 'fileDelete',
        targetTableId: `file:${file.id}`,
        tableId: null,
        operationParams: { queue: 'main', fileId: file.id, branchId: null },
      },
      async () => {
        await deleteFile(deletion, file.id);
        return null;
      },
    );
  });
}

function canDeleteFile(token: ResolvedToken, creatorTokenId: string): boolean {
  return token.isMasterToken || token.id === creatorTokenId;
}
