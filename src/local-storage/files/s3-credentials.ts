// Upload credentials of the embedded S3, scoped to one object key and an expiry. Stateless: the
// session token carries the scope under an HMAC, and the secret key is derived from the access
// key id and the token, so credentials survive a restart and nothing is stored per prepare.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export interface S3Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  expiresAt: Date;
}

export interface CredentialScope {
  /** The only object key these credentials may touch. */
  key: string;
  expiresAt: Date;
}

export function issueS3Credentials(signingSecret: string, scope: CredentialScope): S3Credentials {
  const accessKeyId = `LSIA${randomBytes(8).toString('hex').toUpperCase()}`;
  const payload = Buffer.from(
    JSON.stringify({ k: scope.key, e: Math.floor(scope.expiresAt.getTime() / 1000) }),
  ).toString('base64url');
  const sessionToken = `${payload}.${mac(signingSecret, `token:${payload}`)}`;
  return {
    accessKeyId,
    secretAccessKey: deriveSecretAccessKey(signingSecret, accessKeyId, sessionToken),
    sessionToken,
    expiresAt: new Date(Math.floor(scope.expiresAt.getTime() / 1000) * 1000),
  };
}

/** The scope of a session token we issued; undefined when it is not ours (or was altered). */
export function readCredentialScope(
  signingSecret: string,
  sessionToken: string,
): CredentialScope | undefined {
  const [payload, signature, ...rest] = sessionToken.split('.');
  if (!payload || !signature || rest.length > 0) return undefined;
  const expected = Buffer.from(mac(signingSecret, `token:${payload}`));
  const given = Buffer.from(signature);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
  try {
    const parsed = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as {
      k?: unknown;
      e?: unknown;
    };
    if (typeof parsed.k !== 'string' || typeof parsed.e !== 'number') return undefined;
    return { key: parsed.k, expiresAt: new Date(parsed.e * 1000) };
  } catch {
    return undefined;
  }
}

export function deriveSecretAccessKey(
  signingSecret: string,
  accessKeyId: string,
  sessionToken: string,
): string {
  return mac(signingSecret, `secret:${accessKeyId}:${sessionToken}`);
}

function mac(secret: string, text: string): string {
  return createHmac('sha256', secret).update(text).digest('base64url');
}
