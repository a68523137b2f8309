// `POST tables/{id}/export-async` (contract §13.2): validates synchronously (table, permissions,
// columns, limit, format, filters) and queues a tableExport job whose `results.file.id` is a new
// Storage file: header-less CSV, every value quoted, gzipped with `gzip`, one file (not sliced).
import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Hono } from 'hono';
import { assertBucketAccess } from '../../auth/tokens.js';
import { buildJobRecord } from '../../jobs/job-runner.js';
import type { FileRecord } from '../../metadata/metadata-store.js';
import { findTable } from '../../metadata/resource-lookup.js';
import { LOCAL_PROJECT_ID, presentJob } from '../../metadata/resource-views.js';
import { createParamReader, readRequestParams, readRunId } from '../../protocol/request-params.js';
import { StorageError } from '../../protocol/storage-error.js';
import {
  formatStorageTime,
  requestOrigin,
  sendJson,
  validationError,
} from '../../protocol/storage-response.js';
import { readRowFilter } from '../../tables/row-filter.js';
import type { StorageDeps, StorageEnv } from '../storage-deps.js';
import { readColumnList, rejectUnsupportedReadParams } from './data-preview.js';

const CODE = 'storage.tables.validation';

export function registerTableExportRoutes(app: Hono<StorageEnv>, deps: StorageDeps): void {
  const { state } = deps.metadata;

  app.post('/tables/:tableId/export-async', async (c) => {
    const table = findTable(state, c.req.param('tableId'));
    assertBucketAccess(c.var.token, table.bucketId, 'read');
    const raw = await readRequestParams(c);
    rejectUnsupportedReadParams(raw);
    const params = createParamReader(raw, CODE);
    const columns = readColumnList(raw.columns, params) ?? [...table.columns];
    const missing = columns.filter((column) => !table.columns.includes(column));
    if (missing.length > 0) {
      throw new StorageError(
        400,
        CODE,
        `Columns ${missing.map((m) => `"${m}"`).join(', ')} not found in the table "${table.id}".`,
      );
    }
    const limit = params.integer('limit') ?? 0;
    if (limit < 0) throw validationError(CODE, 'limit', 'This value should be greater than or equal to 0.');
    const format = params.string('format') || 'rfc';
    if (format !== 'rfc') {
      throw new StorageError(
        400,
        'storage.tables.validation.invalidFormat',
        `Invalid format "${format}": the local Storage exports "rfc" CSV only.`,
      );
    }
    const fileType = params.string('fileType') || 'csv';
    if (fileType !== 'csv')
      throw validationError(CODE, 'fileType', 'The local Storage exports only csv files.');
    const gzip = params.boolean('gzip', false);
    const filter = readRowFilter(raw, table.columns, deps.now());
    const runId = readRunId(c);
    const creatorToken = { id: c.var.token.id, description: c.var.token.description };

    const job = buildJobRecord({
      id: deps.metadata.nextJobId(),
      operationName: 'tableExport',
      targetTableId: table.id,
      tableId: table.id,
      operationParams: {
        queue: 'main_fast',
        export: {
          tableName: table.name,
          columns,
          limit: limit === 0 ? null : limit,
          changedSince: params.string('changedSince') ?? null,
          changedUntil: params.string('changedUntil') ?? null,
          gzipOutput: gzip,
          format,
          whereFilters: filter.where,
          fileType,
          timezone: null,
        },
      },
      runId,
      creatorToken,
      now: deps.now(),
    });
    const accepted = presentJob(job, requestOrigin(c));
    await deps.jobs.submit(job, async (running) => {
      findTable(state, table.id);
      const path = join(deps.tempDir, `export-${running.id}-${randomBytes(6).toString('hex')}`);
      try {
        await deps.tableStore.exportToFile(
          table.id,
          { columns, filter, gzip, ...(limit > 0 ? { limit } : {}) },
          path,
        );
        const now = deps.now();
        const fileId = deps.metadata.nextFileId();
        const name = `${table.id}.csv${gzip ? '.gz' : ''}`;
        const key = `exp-2/${LOCAL_PROJECT_ID}/table-exports/${table.id.replaceAll('.', '/')}/${fileId}.${name}`;
        const stored = await deps.fileStorage.putObjectFromFile(
          key,
          path,
          gzip ? 'application/gzip' : 'text/csv',
        );
        const file: FileRecord = {
          id: fileId,
          name,
          key,
          created: formatStorageTime(now),
          sizeBytes: stored.sizeBytes,
          contentType: gzip ? 'application/gzip' : 'text/csv',
          isPublic: false,
          isSliced: false,
          isEncrypted: true,
          isPermanent: false,
          notify: false,
          tags: ['table-export'],
          runId,
          runIds: runId === null ? [] : [runId],
          creatorToken,
        };
        // Saved together with the job's success by the runner.
        state.files[String(fileId)] = file;
        running.metrics = { ...running.metrics, outCompressed: gzip, outBytes: stored.sizeBytes };
        return { tableId: table.id, results: { file: { id: fileId }, cacheHit: false } };
      } finally {
        await rm(path, { force: true });
      }
    });
    return sendJson(accepted, 202);
  });
}
