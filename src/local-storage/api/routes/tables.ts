// Tables (contract §6.1, §8.1): `GET tables/{id}` and `POST buckets/{id}/tables-async`, which
// validates synchronously and queues a tableCreate job; the job's work lives in jobs/table-jobs.ts.
import type { Hono } from 'hono';
import { assertBucketAccess } from '../../auth/tokens.js';
import { buildJobRecord } from '../../jobs/job-runner.js';
import { tableAlreadyExists } from '../../jobs/table-jobs.js';
import { findBucket, findFile, findTable } from '../../metadata/resource-lookup.js';
import { presentJob, presentTable } from '../../metadata/resource-views.js';
import { createParamReader, readRequestParams, readRunId } from '../../protocol/request-params.js';
import { StorageError } from '../../protocol/storage-error.js';
import { requestOrigin, sendJson } from '../../protocol/storage-response.js';
import type { StorageDeps, StorageEnv } from '../storage-deps.js';
import { readCsvLoadOptions, readDataFileId } from './csv-load-params.js';

const TABLE_NAME_PATTERN = /^[A-Za-z0-9_-]+$/;
const MAX_TABLE_NAME_LENGTH = 96;

export function registerTableRoutes(app: Hono<StorageEnv>, deps: StorageDeps): void {
  const { state } = deps.metadata;

  app.get('/tables/:tableId', (c) => {
    const table = findTable(state, c.req.param('tableId'));
    assertBucketAccess(c.var.token, table.bucketId, 'read');
    return sendJson(presentTable(table, state, requestOrigin(c)));
  });

  app.post('/buckets/:bucketId/tables-async', async (c) => {
    const bucket = findBucket(state, c.req.param('bucketId'));
    assertBucketAccess(c.var.token, bucket.id, 'write');
    const raw = await readRequestParams(c);
    const params = createParamReader(raw, 'storage.tables.validation');
    const name = readTableName(params.string('name'));
    const primaryKey = readPrimaryKey(raw.primaryKey);
    const fileId = readDataFileId(params);
    const load = readCsvLoadOptions(params);
    findFile(state, fileId);
    const tableId = `${bucket.id}.${name}`;
    if (state.tables[tableId]) throw tableAlreadyExists(name);

    const job = buildJobRecord({
      id: deps.metadata.nextJobId(),
      operationName: 'tableCreate',
      targetTableId: tableId,
      tableId: null,
      operationParams: {
        queue: 'main_fast',
        params: { name, primaryKey: primaryKey.join(','), ...load },
        source: { type: 'file', fileId },
      },
      runId: readRunId(c),
      creatorToken: { id: c.var.token.id, description: c.var.token.description },
      now: deps.now(),
    });
    const origin = requestOrigin(c);
    // Rendered before queueing: the answer shows the job as accepted (`waiting`), like Storage does.
    const accepted = presentJob(job, origin);
    await deps.jobs.submit(
      job,
      deps.tableJobs.createTable({
        bucketId: bucket.id,
        tableName: name,
        fileId,
        load: { ...load, primaryKey },
        origin,
      }),
    );
    return sendJson(accepted, 202);
  });
}

function readTableName(value: string | undefined): string {
  const name = value?.trim() ?? '';
  if (name === '') {
    throw new StorageError(
      400,
      'storage.tables.validation',
      'Table create option "name" is required and cannot be empty.',
    );
  }
  if (!TABLE_NAME_PATTERN.test(name) || name.length > MAX_TABLE_NAME_LENGTH) {
    throw new StorageError(
      400,
      'storage.tables.validation',
      `Invalid table name: '${name}' contains not allowed characters. Only alphanumeric characters dash and underscores are allowed.`,
    );
  }
  return name;
}

/** Storage wants `"id,sub_id"`; an array (JSON or `primaryKey[]=`) is rejected like the real API. */
function readPrimaryKey(value: unknown): string[] {
  if (value === undefined || value === null) return [];
  if (typeof value !== 'string') {
    throw new StorageError(
      400,
      'storage.validation.primaryKey',
      'Primary key must be a string of comma-separated column names, for example "id,name".',
    );
  }
  return value
    .split(',')
    .map((column) => column.trim())
    .filter((column) => column !== '');
}
