// OAuth-style bearer tokens the local GCS stand-in issues with files/prepare, files/{id} and
// files/{id}/refresh: each one is for one object, expires like GCS's (1 h) and can be revoked.
import { randomBytes } from 'node:crypto';

export type TokenCheck = 'ok' | 'invalid' | 'forbidden';

export interface GcsTokens {
  issue(bucket: string, key: string, now: Date): { token: string; expiresInSeconds: number };
  check(token: string | undefined, bucket: string, key: string, now: Date): TokenCheck;
  /** Every token issued so far stops working (tests: an upload that outlives its token). */
  revokeAll(): void;
}

export function createGcsTokens(options: { ttlMs?: number } = {}): GcsTokens {
  const ttlMs = options.ttlMs ?? 3600_000;
  const tokens = new Map<string, { bucket: string; key: string; expiresAt: number }>();
  return {
    issue(bucket, key, now) {
      const token = `ya29.local-${randomBytes(24).toString('base64url')}`;
      tokens.set(token, { bucket, key, expiresAt: now.getTime() + ttlMs });
      for (const [issued, grant] of tokens) if (grant.expiresAt <= now.getTime()) tokens.delete(issued);
      return { token, expiresInSeconds: Math.floor(ttlMs / 1000) - 1 };
    },
    check(token, bucket, key, now) {
      const grant = token === undefined ? undefined : tokens.get(token);
      if (!grant || grant.expiresAt <= now.getTime()) return 'invalid';
      return grant.bucket === bucket && grant.key === key ? 'ok' : 'forbidden';
    },
    revokeAll() {
      tokens.clear();
    },
  };
}
