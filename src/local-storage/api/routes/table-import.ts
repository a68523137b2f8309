// `POST tables/{id}/import-async` (contract §5): validates synchronously (table, permissions,
// dataFileId, CSV dialect) and queues a tableImport job; the job's work lives in jobs/table-jobs.ts.
import type { Hono } from 'hono';
import { assertBucketAccess } from '../../auth/tokens.js';
import { buildJobRecord } from '../../jobs/job-runner.js';
import { findFile, findTable } from '../../metadata/resource-lookup.js';
import { presentJob } from '../../metadata/resource-views.js';
import { createParamReader, readRequestParams, readRunId } from '../../protocol/request-params.js';
import { requestOrigin, sendJson } from '../../protocol/storage-response.js';
import type { StorageDeps, StorageEnv } from '../storage-deps.js';
import { readCsvLoadOptions, readDataFileId } from './csv-load-params.js';

export function registerTableImportRoutes(app: Hono<StorageEnv>, deps: StorageDeps): void {
  const { state } = deps.metadata;

  app.post('/tables/:tableId/import-async', async (c) => {
    const table = findTable(state, c.req.param('tableId'));
    assertBucketAccess(c.var.token, table.bucketId, 'write');
    const params = createParamReader(await readRequestParams(c), 'storage.tables.validation');
    const fileId = readDataFileId(params);
    const load = readCsvLoadOptions(params);
    const incremental = params.boolean('incremental', false);
    findFile(state, fileId);

    const job = buildJobRecord({
      id: deps.metadata.nextJobId(),
      operationName: 'tableImport',
      targetTableId: table.id,
      tableId: table.id,
      operationParams: {
        queue: 'main_fast',
        params: { incremental, ...load, columns: load.columns ?? [] },
        source: { type: 'file', fileId },
      },
      runId: readRunId(c),
      creatorToken: { id: c.var.token.id, description: c.var.token.description },
      now: deps.now(),
    });
    const accepted = presentJob(job, requestOrigin(c));
    await deps.jobs.submit(
      job,
      deps.tableJobs.importIntoTable({ tableId: table.id, fileId, load: { ...load, incremental } }),
    );
    return sendJson(accepted, 202);
  });
}
