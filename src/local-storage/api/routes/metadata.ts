// Table and column metadata (contract §13.4): `POST/GET tables/{id}/metadata`,
// `DELETE tables/{id}/metadata/{metadataId}`, `POST/GET columns/{tableId}.{column}/metadata`,
// `DELETE columns/{tableId}.{column}/metadata/{metadataId}`. Writes need `write` on the bucket.
import type { Hono } from 'hono';
import { assertBucketAccess } from '../../auth/tokens.js';
import {
  columnMetadataList,
  presentColumnMetadata,
  presentTableMetadata,
  readColumnsMetadata,
  readMetadataList,
  readProvider,
  removeMetadataItem,
  tableMetadataList,
  upsertMetadata,
} from '../../metadata/metadata-items.js';
import type { MetadataState, TableRecord } from '../../metadata/metadata-store.js';
import { findTable } from '../../metadata/resource-lookup.js';
import { readRequestParams } from '../../protocol/request-params.js';
import { StorageError } from '../../protocol/storage-error.js';
import { sendJson } from '../../protocol/storage-response.js';
import type { StorageDeps, StorageEnv } from '../storage-deps.js';

export function registerMetadataRoutes(app: Hono<StorageEnv>, deps: StorageDeps): void {
  const { state } = deps.metadata;

  app.post('/tables/:tableId/metadata', async (c) => {
    const table = findTable(state, c.req.param('tableId'));
    assertBucketAccess(c.var.token, table.bucketId, 'write');
    const params = await readRequestParams(c);
    const provider = readProvider(params.provider);
    const tableItems =
      params.metadata === undefined && params.columnsMetadata !== undefined
        ? []
        : readMetadataList(params.metadata);
    const columnItems = readColumnsMetadata(params.columnsMetadata);
    for (const column of columnItems.keys()) assertColumn(table, column);
    const now = deps.now();
    upsertMetadata(state, tableMetadataList(state, table.id), provider, tableItems, now);
    for (const [column, inputs] of columnItems) {
      upsertMetadata(state, columnMetadataList(state, table.id, column), provider, inputs, now);
    }
    await deps.metadata.save();
    const json = (c.req.header('content-type') ?? '').toLowerCase().startsWith('application/json');
    // Storage answers a JSON request with both lists, a (deprecated) form request with the table's items.
    if (!json) return sendJson(presentTableMetadata(state, table.id), 201);
    const columnsMetadata = presentColumnMetadata(state, table.id);
    return sendJson(
      {
        metadata: presentTableMetadata(state, table.id),
        columnsMetadata: Array.isArray(columnsMetadata) ? {} : columnsMetadata,
      },
      201,
    );
  });

  app.get('/tables/:tableId/metadata', (c) => {
    const table = findTable(state, c.req.param('tableId'));
    assertBucketAccess(c.var.token, table.bucketId, 'read');
    return sendJson(presentTableMetadata(state, table.id));
  });

  app.delete('/tables/:tableId/metadata/:metadataId', async (c) => {
    const table = findTable(state, c.req.param('tableId'));
    assertBucketAccess(c.var.token, table.bucketId, 'write');
    removeMetadataItem(tableMetadataList(state, table.id), c.req.param('metadataId'));
    await deps.metadata.save();
    return new Response(null, { status: 204 });
  });

  app.post('/columns/:columnId/metadata', async (c) => {
    const { table, column } = findColumn(state, c.req.param('columnId'));
    assertBucketAccess(c.var.token, table.bucketId, 'write');
    const params = await readRequestParams(c);
    const provider = readProvider(params.provider);
    const items = readMetadataList(params.metadata);
    const list = columnMetadataList(state, table.id, column);
    upsertMetadata(state, list, provider, items, deps.now());
    await deps.metadata.save();
    return sendJson(
      list.map((item) => ({ ...item })),
      201,
    );
  });

  app.get('/columns/:columnId/metadata', (c) => {
    const { table, column } = findColumn(state, c.req.param('columnId'));
    assertBucketAccess(c.var.token, table.bucketId, 'read');
    return sendJson((state.columnMetadata?.[table.id]?.[column] ?? []).map((item) => ({ ...item })));
  });

  app.delete('/columns/:columnId/metadata/:metadataId', async (c) => {
    const { table, column } = findColumn(state, c.req.param('columnId'));
    assertBucketAccess(c.var.token, table.bucketId, 'write');
    removeMetadataItem(columnMetadataList(state, table.id, column), c.req.param('metadataId'));
    await deps.metadata.save();
    return new Response(null, { status: 204 });
  });
}

/** `in.c-main.users.name` → table `in.c-main.users`, column `name`. */
function findColumn(state: MetadataState, columnId: string): { table: TableRecord; column: string } {
  const lastDot = columnId.lastIndexOf('.');
  const table = findTable(state, lastDot > 0 ? columnId.slice(0, lastDot) : columnId);
  const column = columnId.slice(lastDot + 1);
  assertColumn(table, column);
  return { table, column };
}

function assertColumn(table: TableRecord, column: string): void {
  if (!table.columns.includes(column)) {
    throw new StorageError(
      404,
      'storage.columns.notFound',
      `The column "${column}" was not found in the table "${table.id}".`,
    );
  }
}
