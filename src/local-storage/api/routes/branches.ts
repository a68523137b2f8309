// Branch scoping (contract §1.1): `/branch/{branchId}/…` is the same API as the unscoped paths when
// the branch is `default` (or the default branch's numeric id); any other branch is a 404, since the
// stand-in has no dev branches (local-only code `storage.devBranches.notFound`). Also `GET dev-branches`,
// which the Go SDK uses to find the default branch id.
import type { Hono, MiddlewareHandler } from 'hono';
import { StorageError } from '../../protocol/storage-error.js';
import { sendJson } from '../../protocol/storage-response.js';
import type { StorageDeps, StorageEnv } from '../storage-deps.js';

export const DEFAULT_BRANCH_ID = 1;

/** Passes unscoped paths; on `/branch/{branchId}/…` only the default branch. */
export function requireDefaultBranch(): MiddlewareHandler<StorageEnv> {
  return async (c, next) => {
    const branchId = c.req.param('branchId');
    if (branchId === undefined) return next();
    if (branchId !== 'default' && branchId !== String(DEFAULT_BRANCH_ID)) throw branchNotFound(branchId);
    await next();
  };
}

export function registerBranchRoutes(app: Hono<StorageEnv>, deps: StorageDeps): void {
  const present = () => ({
    id: DEFAULT_BRANCH_ID,
    name: 'Main',
    description: '',
    isDefault: true,
    created: deps.metadata.state.projectCreated,
    creatorToken: { id: Number(deps.tokens.master.id), name: deps.tokens.master.description },
  });
  app.get('/dev-branches', () => sendJson([present()]));
  app.get('/dev-branches/:branchId', (c) => {
    const branchId = c.req.param('branchId');
    if (branchId !== String(DEFAULT_BRANCH_ID)) throw branchNotFound(branchId);
    return sendJson(present());
  });
}

function branchNotFound(branchId: string): StorageError {
  return new StorageError(404, 'storage.devBranches.notFound', `Branch "${branchId}" not found.`);
}
