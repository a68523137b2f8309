// Storage jobs (contract §7): `GET jobs/{id}` and `GET jobs` (newest first). Master tokens see
// every job; other tokens see the jobs they started.
import type { Hono } from 'hono';
import type { ResolvedToken } from '../../auth/tokens.js';
import type { JobRecord } from '../../metadata/metadata-store.js';
import { findJob } from '../../metadata/resource-lookup.js';
import { presentJob } from '../../metadata/resource-views.js';
import { createParamReader, readRequestParams } from '../../protocol/request-params.js';
import { StorageError } from '../../protocol/storage-error.js';
import { requestOrigin, sendJson, validationError } from '../../protocol/storage-response.js';
import type { StorageDeps, StorageEnv } from '../storage-deps.js';

const CODE = 'storage.jobs.validation';
const MAX_LIST_LIMIT = 1000;

export function registerJobRoutes(app: Hono<StorageEnv>, deps: StorageDeps): void {
  const { state } = deps.metadata;

  app.get('/jobs/:jobId', (c) => {
    const job = findJob(state, c.req.param('jobId'));
    if (!canSeeJob(c.var.token, job)) {
      throw new StorageError(404, 'storage.jobs.notFound', `Job ${job.id} not found`);
    }
    return sendJson(presentJob(job, requestOrigin(c)));
  });

  app.get('/jobs', async (c) => {
    const params = createParamReader(await readRequestParams(c), CODE);
    const limit = params.integer('limit') ?? 100;
    const offset = params.integer('offset') ?? 0;
    if (limit < 0 || limit > MAX_LIST_LIMIT) {
      throw validationError(CODE, 'limit', `This value should be between 0 and ${MAX_LIST_LIMIT}.`);
    }
    if (offset < 0) throw validationError(CODE, 'offset', 'This value should be greater than or equal to 0.');
    const origin = requestOrigin(c);
    const jobs = Object.values(state.jobs)
      .filter((job) => canSeeJob(c.var.token, job))
      .sort((a, b) => b.id - a.id)
      .slice(offset, offset + limit);
    return sendJson(jobs.map((job) => presentJob(job, origin)));
  });
}

function canSeeJob(token: ResolvedToken, job: JobRecord): boolean {
  return token.isMasterToken || job.creatorToken.id === token.id;
}
