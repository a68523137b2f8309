// Buckets (contract §6.2): `POST buckets`, `GET buckets`, `GET buckets/{id}/tables` (the detail
// `GET buckets/{id}` lives in table-listing.ts).
// Creating needs a master token; reading needs at least `read` on the bucket.
import type { Hono } from 'hono';
import { assertBucketAccess, assertCanManageBuckets, hasBucketAccess } from '../../auth/tokens.js';
import type { BucketRecord } from '../../metadata/metadata-store.js';
import { findBucket } from '../../metadata/resource-lookup.js';
import { LOCAL_BACKEND, presentBucket, presentTable } from '../../metadata/resource-views.js';
import { createParamReader, readRequestParams } from '../../protocol/request-params.js';
import { StorageError } from '../../protocol/storage-error.js';
import { formatStorageTime, requestOrigin, sendJson } from '../../protocol/storage-response.js';
import type { StorageDeps, StorageEnv } from '../storage-deps.js';

const NAME_PATTERN = /^[A-Za-z0-9_-]+$/;
const MAX_NAME_LENGTH = 96;

export function registerBucketRoutes(app: Hono<StorageEnv>, deps: StorageDeps): void {
  const { state } = deps.metadata;

  app.post('/buckets', async (c) => {
    assertCanManageBuckets(c.var.token);
    const params = createParamReader(await readRequestParams(c), 'storage.buckets.validation');
    const name = params.string('name')?.trim() ?? '';
    if (name === '') throw invalidBucket('Bucket option "name" is required and cannot be empty.');
    if (!NAME_PATTERN.test(name) || name.length > MAX_NAME_LENGTH) {
      throw invalidBucket(
        `Invalid data - name: '${name}' contains not allowed characters. Only alphanumeric characters dash and underscores are allowed.`,
      );
    }
    const stage = params.string('stage') ?? 'in';
    if (stage !== 'in' && stage !== 'out') {
      throw invalidBucket(
        `Invalid data - stage: '${stage}' is not valid. Allowed stages are "in" and "out".`,
      );
    }
    const backend = params.string('backend');
    if (backend !== undefined && backend !== LOCAL_BACKEND && backend !== 'snowflake') {
      throw invalidBucket(`Invalid data - backend: '${backend}' is not supported by the local Storage.`);
    }
    const displayName = params.string('displayName')?.trim() || name;
    if (!NAME_PATTERN.test(displayName)) {
      throw invalidBucket(
        `Invalid data - displayName: '${displayName}' contains not allowed characters. Only alphanumeric characters dash and underscores are allowed.`,
      );
    }
    const id = `${stage}.c-${name}`;
    if (state.buckets[id]) {
      throw new StorageError(400, 'storage.buckets.alreadyExists', `The bucket ${id} already exists.`);
    }
    const sameDisplayName = Object.values(state.buckets).some(
      (bucket) => bucket.stage === stage && bucket.displayName === displayName,
    );
    if (sameDisplayName) {
      throw new StorageError(
        400,
        'storage.buckets.alreadyExists',
        `The display name "${displayName}" already exists in project.`,
      );
    }
    const bucket: BucketRecord = {
      id,
      name: `c-${name}`,
      displayName,
      stage,
      description: params.string('description') ?? '',
      created: formatStorageTime(deps.now()),
    };
    state.buckets[id] = bucket;
    await deps.metadata.save();
    return sendJson(presentBucket(bucket, state, requestOrigin(c)), 201);
  });

  app.get('/buckets', (c) => {
    const origin = requestOrigin(c);
    const visible = Object.values(state.buckets)
      .filter((bucket) => hasBucketAccess(c.var.token, bucket.id, 'read'))
      .sort((a, b) => a.id.localeCompare(b.id));
    return sendJson(visible.map((bucket) => presentBucket(bucket, state, origin)));
  });

  app.get('/buckets/:bucketId/tables', (c) => {
    const bucket = findBucket(state, c.req.param('bucketId'));
    assertBucketAccess(c.var.token, bucket.id, 'read');
    const origin = requestOrigin(c);
    const tables = Object.values(state.tables)
      .filter((table) => table.bucketId === bucket.id)
      .sort((a, b) => a.name.localeCompare(b.name));
    return sendJson(tables.map((table) => presentTable(table, state, origin)));
  });
}

function invalidBucket(message: string): StorageError {
  return new StorageError(400, 'storage.buckets.validation', message);
}
