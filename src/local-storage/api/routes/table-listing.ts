// Listings with Storage's `include` (contract §13.3): `GET tables` (the whole project) and the
// bucket detail `GET buckets/{id}`, whose `tables` is an array (unlike the bucket list's URL) and
// which carries `metadata` and the legacy `attributes`.
import type { Hono } from 'hono';
import { assertBucketAccess, hasBucketAccess } from '../../auth/tokens.js';
import type { MetadataState, TableRecord } from '../../metadata/metadata-store.js';
import { findBucket } from '../../metadata/resource-lookup.js';
import { presentBucket, presentTable } from '../../metadata/resource-views.js';
import { readRequestParams } from '../../protocol/request-params.js';
import { requestOrigin, sendJson } from '../../protocol/storage-response.js';
import type { StorageDeps, StorageEnv } from '../storage-deps.js';

type Include = ReadonlySet<string>;

export function registerTableListingRoutes(app: Hono<StorageEnv>, deps: StorageDeps): void {
  const { state } = deps.metadata;

  app.get('/tables', async (c) => {
    // No `include` at all: bucket and metadata, no columns (`include=` drops even those).
    const include = readInclude((await readRequestParams(c)).include) ?? new Set(['buckets', 'metadata']);
    const origin = requestOrigin(c);
    const tables = Object.values(state.tables)
      .filter((table) => hasBucketAccess(c.var.token, table.bucketId, 'read'))
      .sort((a, b) => a.id.localeCompare(b.id));
    return sendJson(
      tables.map((table) => {
        const item = presentTableWith(table, state, origin, include);
        if (!include.has('buckets') && !include.has('bucketsWithoutSourceTables')) delete item.bucket;
        return item;
      }),
    );
  });

  app.get('/buckets/:bucketId', async (c) => {
    const bucket = findBucket(state, c.req.param('bucketId'));
    assertBucketAccess(c.var.token, bucket.id, 'read');
    const include = readInclude((await readRequestParams(c)).include) ?? new Set(['metadata']);
    const origin = requestOrigin(c);
    const tables = Object.values(state.tables)
      .filter((table) => table.bucketId === bucket.id)
      .sort((a, b) => a.name.localeCompare(b.name))
      .map((table) => {
        const item = presentTableWith(table, state, origin, include);
        delete item.bucket;
        return item;
      });
    return sendJson({ ...presentBucket(bucket, state, origin), metadata: [], attributes: [], tables });
  });
}

/** `include=a,b`, `include[]=a`, or JSON arrays; undefined when the parameter is absent. */
function readInclude(value: unknown): Include | undefined {
  if (value === undefined || value === null) return undefined;
  const parts = Array.isArray(value) ? value.map(String) : String(value).split(',');
  return new Set(parts.map((part) => part.trim()).filter((part) => part !== ''));
}

function presentTableWith(
  table: TableRecord,
  state: MetadataState,
  origin: string,
  include: Include,
): Partial<ReturnType<typeof presentTable>> {
  const item: Partial<ReturnType<typeof presentTable>> = presentTable(table, state, origin);
  if (!include.has('columns')) delete item.columns;
  if (!include.has('metadata')) delete item.metadata;
  if (!include.has('columnMetadata')) delete item.columnMetadata;
  return item;
}
