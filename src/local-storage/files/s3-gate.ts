// The embedded S3's front door: an HTTP server that lets through only requests signed (SigV4,
// header or presigned) with credentials the stand-in issued, for exactly the object key they were
// issued for, and forwards them unsigned to the s3rver behind it (which checks no signatures).
// Keys are checked decoded: no `.`/`..` segments, backslashes or NULs, however they were encoded.
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, request, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { deriveSecretAccessKey, readCredentialScope } from './s3-credentials.js';
import { headerValues, parseSignature, SignatureError, verifySignature } from './sigv4-verify.js';

const AUTH_QUERY_PARAMS = new Set([
  'X-Amz-Algorithm',
  'X-Amz-Credential',
  'X-Amz-Date',
  'X-Amz-Expires',
  'X-Amz-SignedHeaders',
  'X-Amz-Signature',
  'X-Amz-Security-Token',
]);

export interface S3GateOptions {
  host: string;
  port: number;
  bucket: string;
  /** Where s3rver listens (loopback only). */
  upstream: { host: string; port: number };
  /** Signs the issued credentials (s3-credentials.ts). */
  signingSecret: string;
  now?: () => Date;
}

export interface S3Gate {
  port: number;
  close(): Promise<void>;
}

export async function startS3Gate(options: S3GateOptions): Promise<S3Gate> {
  const now = options.now ?? (() => new Date());
  const server: Server = createServer((req, res) => {
    try {
      const target = authorize(req, options, now());
      forward(req, res, options.upstream, target);
    } catch (err) {
      if (err instanceof SignatureError) sendS3Error(req, res, err);
      else
        sendS3Error(req, res, new SignatureError(500, 'InternalError', 'We encountered an internal error.'));
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}

/** The path and query to forward (auth parameters removed); throws SignatureError when refused. */
function authorize(req: IncomingMessage, options: S3GateOptions, now: Date): string {
  const url = req.url ?? '/';
  const method = req.method ?? 'GET';
  const { bucket, key } = readObjectPath(url);
  const parsed = parseSignature({ method, url, rawHeaders: req.rawHeaders });
  if (!parsed) throw accessDenied();
  const scope = parsed.sessionToken
    ? readCredentialScope(options.signingSecret, parsed.sessionToken)
    : undefined;
  if (!parsed.sessionToken || !scope) {
    throw new SignatureError(
      403,
      'InvalidAccessKeyId',
      'The AWS Access Key Id you provided does not exist in our records.',
    );
  }
  const secret = deriveSecretAccessKey(options.signingSecret, parsed.accessKeyId, parsed.sessionToken);
  verifySignature({ method, url, rawHeaders: req.rawHeaders }, parsed, secret, now);
  if (scope.expiresAt.getTime() < now.getTime()) {
    throw new SignatureError(400, 'ExpiredToken', 'The provided token has expired.');
  }
  if (bucket !== options.bucket || key !== scope.key) throw accessDenied();
  return stripAuthQuery(url);
}

/** Path-style `/{bucket}/{key}`, decoded; refuses keys that could leave the bucket's directory. */
export function readObjectPath(url: string): { bucket: string; key: string } {
  const queryAt = url.indexOf('?');
  const path = queryAt === -1 ? url : url.slice(0, queryAt);
  const slash = path.indexOf('/', 1);
  const rawBucket = slash === -1 ? path.slice(1) : path.slice(1, slash);
  const rawKey = slash === -1 ? '' : path.slice(slash + 1);
  let bucket: string;
  let key: string;
  try {
    bucket = decodeURIComponent(rawBucket);
    key = decodeURIComponent(rawKey);
  } catch {
    throw invalidKey();
  }
  if (unsafeKey(bucket) || unsafeKey(key)) throw invalidKey();
  // A key escaped twice is still refused if its second decoding would traverse.
  try {
    if (unsafeKey(decodeURIComponent(key))) throw invalidKey();
  } catch (err) {
    if (err instanceof SignatureError) throw err;
  }
  return { bucket, key };
}

function unsafeKey(key: string): boolean {
  if (key.includes('\0') || key.includes('\\')) return true;
  return key.split('/').some((segment) => segment === '..' || segment === '.');
}

function stripAuthQuery(url: string): string {
  const queryAt = url.indexOf('?');
  if (queryAt === -1) return url;
  const kept = url
    .slice(queryAt + 1)
    .split('&')
    .filter((part) => {
      if (part === '') return false;
      const name = part.split('=')[0] ?? '';
      try {
        return !AUTH_QUERY_PARAMS.has(decodeURIComponent(name));
      } catch {
        return false;
      }
    });
  const path = url.slice(0, queryAt);
  return kept.length === 0 ? path : `${path}?${kept.join('&')}`;
}

function forward(
  req: IncomingMessage,
  res: ServerResponse,
  upstream: { host: string; port: number },
  path: string,
): void {
  const headers: Record<string, string | string[]> = {};
  for (const [name, values] of headerValues(req.rawHeaders)) {
    if (name === 'authorization' || name === 'host') continue;
    headers[name] = values.length === 1 ? (values[0] ?? '') : values;
  }
  headers.host = `${upstream.host}:${upstream.port}`;
  const outgoing = request(
    { host: upstream.host, port: upstream.port, method: req.method, path, headers },
    (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
      answer.once('error', () => res.destroy());
    },
  );
  outgoing.once('error', () => {
    if (!res.headersSent)
      sendS3Error(
        req,
        res,
        new SignatureError(503, 'ServiceUnavailable', 'Please reduce your request rate.'),
      );
    else res.destroy();
  });
  req.once('aborted', () => outgoing.destroy());
  res.once('close', () => {
    if (!res.writableFinished) outgoing.destroy();
  });
  req.pipe(outgoing);
}

const accessDenied = () => new SignatureError(403, 'AccessDenied', 'Access Denied');
const invalidKey = () =>
  new SignatureError(
    400,
    'InvalidArgument',
    'The object key is not valid: it must not contain "." or ".." segments.',
  );

function sendS3Error(req: IncomingMessage, res: ServerResponse, err: SignatureError): void {
  const requestId = randomBytes(8).toString('hex').toUpperCase();
  const body = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${err.code}</Code><Message>${escapeXml(err.message)}</Message><RequestId>${requestId}</RequestId></Error>`;
  // The body of a refused upload is not read: the connection closes after the answer.
  res.writeHead(err.status, {
    'Content-Type': 'application/xml',
    'Content-Length': Buffer.byteLength(body),
    'x-amz-request-id': requestId,
    Connection: 'close',
  });
  res.end(req.method === 'HEAD' ? undefined : body);
  req.resume();
}

function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
