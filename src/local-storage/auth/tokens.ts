// Tokens of the local Storage stand-in: the configured token list, `X-StorageApi-Token`
// authentication (401s of contract §1.4, never echoing the token) and per-bucket permission checks
// (403 accessDenied). Tokens are configuration, not data: nothing here is persisted.
import type { MiddlewareHandler } from 'hono';
import { StorageError } from '../protocol/storage-error.js';

export type BucketPermission = 'read' | 'write' | 'manage';

export interface LocalStorageToken {
  token: string;
  description?: string;
  /** Defaults to true when `bucketPermissions` is not given. */
  isMasterToken?: boolean;
  bucketPermissions?: Record<string, BucketPermission>;
}

export interface ResolvedToken {
  /** Numeric string, like Storage token ids; stable as long as the token list keeps its order. */
  id: string;
  token: string;
  description: string;
  isMasterToken: boolean;
  bucketPermissions: Record<string, BucketPermission>;
}

export interface TokenRegistry {
  /** The first master token: the creator of every other token. */
  readonly master: ResolvedToken;
  find(secret: string): ResolvedToken | undefined;
}

export type AuthEnv = { Variables: { token: ResolvedToken } };

const PERMISSION_RANK: Record<BucketPermission, number> = { read: 1, write: 2, manage: 3 };

export function createTokenRegistry(tokens: readonly LocalStorageToken[]): TokenRegistry {
  const bySecret = new Map<string, ResolvedToken>();
  tokens.forEach((option, index) => {
    if (option.token.trim() === '') throw new Error('Local Storage tokens must not be empty');
    if (bySecret.has(option.token)) throw new Error(`Local Storage token #${index + 1} is configured twice`);
    const isMasterToken = option.isMasterToken ?? option.bucketPermissions === undefined;
    bySecret.set(option.token, {
      id: String(index + 1),
      token: option.token,
      description: option.description ?? (isMasterToken ? 'Master Token' : `Token ${index + 1}`),
      isMasterToken,
      bucketPermissions: { ...(option.bucketPermissions ?? {}) },
    });
  });
  const master = [...bySecret.values()].find((token) => token.isMasterToken);
  if (!master) throw new Error('Local Storage needs at least one master token');
  return { master, find: (secret) => bySecret.get(secret) };
}

export function authenticateRequest(registry: TokenRegistry): MiddlewareHandler<AuthEnv> {
  return async (c, next) => {
    const secret = c.req.header('x-storageapi-token')?.trim() ?? '';
    if (secret === '') throw new StorageError(401, '', 'Access token must be set');
    const token = registry.find(secret);
    if (!token) throw new StorageError(401, 'storage.tokenInvalid', 'Invalid access token');
    c.set('token', token);
    await next();
  };
}

export function hasBucketAccess(token: ResolvedToken, bucketId: string, level: BucketPermission): boolean {
  if (token.isMasterToken) return true;
  const granted = Object.hasOwn(token.bucketPermissions, bucketId)
    ? token.bucketPermissions[bucketId]
    : undefined;
  return granted !== undefined && PERMISSION_RANK[granted] >= PERMISSION_RANK[level];
}

export function assertBucketAccess(token: ResolvedToken, bucketId: string, level: BucketPermission): void {
  if (!hasBucketAccess(token, bucketId, level)) throw accessDenied();
}

export function assertCanManageBuckets(token: ResolvedToken): void {
  if (!token.isMasterToken) throw accessDenied();
}

export function accessDenied(): StorageError {
  return new StorageError(403, 'accessDenied', "You don't have access to the resource.");
}
