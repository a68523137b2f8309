// The part of the Google Cloud Storage JSON API that uploads and the stand-in's own reads need (no
// GCS emulator ships on npm): resumable upload (initiate, chunk PUTs with Content-Range answered
// 308 "Resume Incomplete", the final object resource, cancel with DELETE) and object GET, bearer-checked.
import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { copyFile, mkdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join, sep } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { GcsTokens } from './gcs-tokens.js';
import { advertisedHost } from './local-file-storage.js';

/** Non-final chunks must be multiples of this (GCS rejects others). */
const CHUNK_MULTIPLE = 256 * 1024;

export interface GcsApiStandIn {
  /** JSON API base, e.g. http://127.0.0.1:41235 (what GCS_ENDPOINT points at). */
  url: string;
  /** Session URIs use this base (a fault proxy in front of the stand-in advertises itself). */
  advertise(url: string): void;
  /** Path of a finished object on disk, or undefined. */
  objectPath(bucket: string, key: string): Promise<string | undefined>;
  /** Stores a local file as a finished object (the stand-in's own writes). */
  putObjectFromFile(bucket: string, key: string, source: string): Promise<void>;
  /** Removes a finished object; a missing one counts as removed. */
  deleteObject(bucket: string, key: string): Promise<void>;
  close(): Promise<void>;
}

interface Session {
  bucket: string;
  key: string;
  contentDisposition: string | undefined;
  persisted: number;
  busy: boolean;
  state: 'open' | 'done' | 'cancelled';
}

export async function startGcsApiStandIn(options: {
  directory: string;
  host: string;
  port: number;
  tokens: GcsTokens;
  now?: () => Date;
}): Promise<GcsApiStandIn> {
  const now = options.now ?? (() => new Date());
  const objectsDir = join(options.directory, 'objects');
  const uploadsDir = join(options.directory, 'uploads');
  await rm(uploadsDir, { recursive: true, force: true });
  await mkdir(uploadsDir, { recursive: true });
  await mkdir(objectsDir, { recursive: true });
  const sessions = new Map<string, Session>();
  let advertised = '';

  const objectFile = (bucket: string, key: string): string | undefined => {
    const path = join(objectsDir, bucket, key);
    const safe = /^[a-z0-9][a-z0-9._-]{1,62}$/.test(bucket) && !key.split('/').includes('..');
    return safe && path.startsWith(objectsDir + sep) ? path : undefined;
  };

  const authorize = (request: IncomingMessage, response: ServerResponse, bucket: string, key: string) => {
    const header = request.headers.authorization ?? '';
    const token = /^Bearer (\S+)$/i.exec(header)?.[1];
    const check = options.tokens.check(token, bucket, key, now());
    if (check === 'ok') return true;
    if (check === 'invalid') sendError(response, 401, 'Invalid Credentials');
    else sendError(response, 403, 'The token does not grant access to this object.');
    return false;
  };

  const objectResource = async (bucket: string, key: string, session?: Session) => {
    const path = objectFile(bucket, key);
    const size = path ? (await stat(path)).size : 0;
    return {
      kind: 'storage#object',
      id: `${bucket}/${key}`,
      name: key,
      bucket,
      size: String(size),
      ...(session?.contentDisposition ? { contentDisposition: session.contentDisposition } : {}),
    };
  };

  const initiate = async (request: IncomingMessage, response: ServerResponse, bucket: string, url: URL) => {
    const body = await readSmallBody(request);
    let metadata: { name?: unknown; contentDisposition?: unknown } = {};
    try {
      metadata = body ? (JSON.parse(body) as typeof metadata) : {};
    } catch {
      return sendError(response, 400, 'The metadata is not JSON.');
    }
    const key = url.searchParams.get('name') ?? (typeof metadata.name === 'string' ? metadata.name : '');
    if (!key || !objectFile(bucket, key)) return sendError(response, 400, 'Required parameter: name');
    if (!authorize(request, response, bucket, key)) return;
    const id = randomBytes(16).toString('hex');
    sessions.set(id, {
      bucket,
      key,
      contentDisposition:
        typeof metadata.contentDisposition === 'string' ? metadata.contentDisposition : undefined,
      persisted: 0,
      busy: false,
      state: 'open',
    });
    const location = `${advertised}/upload/storage/v1/b/${encodeURIComponent(bucket)}/o?uploadType=resumable&name=${encodeURIComponent(key)}&upload_id=${id}`;
    response.writeHead(200, { Location: location, 'Content-Length': '0' }).end();
  };

  const putChunk = async (request: IncomingMessage, response: ServerResponse, id: string) => {
    const session = sessions.get(id);
    if (!session || session.state === 'cancelled') return sendError(response, 404, 'No such upload session.');
    if (!authorize(request, response, session.bucket, session.key)) return;
    if (session.state === 'done')
      return sendJson(response, 200, await objectResource(session.bucket, session.key, session));
    if (session.busy) return sendError(response, 503, 'Another request is writing to this session.');
    const range = parseContentRange(request.headers['content-range']);
    if (!range) return sendError(response, 400, 'Content-Range is missing or malformed.');
    session.busy = true;
    const temp = join(uploadsDir, id);
    try {
      if (range.first !== undefined && range.last !== undefined) {
        const length = range.last - range.first + 1;
        if (range.first > session.persisted)
          return sendError(response, 400, 'Content-Range starts past the bytes received.');
        if (range.total === undefined && length % CHUNK_MULTIPLE !== 0)
          return sendError(
            response,
            400,
            `Chunks other than the last must be multiples of ${CHUNK_MULTIPLE} bytes.`,
          );
        if (range.total !== undefined && range.last + 1 !== range.total)
          return sendError(response, 400, 'The last chunk must end at the total size.');
        // Bytes GCS already holds (a resent chunk) are skipped; the rest is appended.
        const received = await appendRange(request, temp, session.persisted - range.first, length);
        if (received !== length)
          return sendError(response, 400, `Expected ${length} bytes, got ${received}.`);
        session.persisted = Math.max(session.persisted, range.last + 1);
      } else {
        await drain(request);
      }
      if (range.total !== undefined && session.persisted === range.total) {
        const path = objectFile(session.bucket, session.key) as string;
        await writeFile(temp, new Uint8Array(), { flag: 'a' });
        await mkdir(dirname(path), { recursive: true });
        await rename(temp, path);
        session.state = 'done';
        return sendJson(response, 200, await objectResource(session.bucket, session.key, session));
      }
      if (range.total !== undefined && session.persisted !== range.total)
        return sendError(response, 400, `The upload holds ${session.persisted} bytes, not ${range.total}.`);
      const headers: Record<string, string> = { 'Content-Length': '0' };
      if (session.persisted > 0) headers.Range = `bytes=0-${session.persisted - 1}`;
      response.writeHead(308, headers).end();
    } finally {
      session.busy = false;
    }
  };

  const cancel = async (request: IncomingMessage, response: ServerResponse, id: string) => {
    const session = sessions.get(id);
    if (!session) return sendError(response, 404, 'No such upload session.');
    if (!authorize(request, response, session.bucket, session.key)) return;
    if (session.state === 'open') {
      session.state = 'cancelled';
      await rm(join(uploadsDir, id), { force: true });
    }
    response.writeHead(499, { 'Content-Length': '0' }).end();
  };

  const getObject = async (
    request: IncomingMessage,
    response: ServerResponse,
    bucket: string,
    key: string,
    media: boolean,
  ) => {
    if (!authorize(request, response, bucket, key)) return;
    const path = objectFile(bucket, key);
    const size = path
      ? await stat(path).then(
          (s) => s.size,
          () => undefined,
        )
      : undefined;
    if (!path || size === undefined) return sendError(response, 404, `No such object: ${bucket}/${key}`);
    if (!media) return sendJson(response, 200, await objectResource(bucket, key));
    response.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': String(size) });
    await pipeline(createReadStream(path), response);
  };

  const server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://gcs.local');
    const upload = /^\/upload\/storage\/v1\/b\/([^/]+)\/o$/.exec(url.pathname);
    const object = /^\/(?:download\/)?storage\/v1\/b\/([^/]+)\/o\/(.+)$/.exec(url.pathname);
    const id = url.searchParams.get('upload_id');
    const handled = (async () => {
      if (upload?.[1] && request.method === 'POST' && url.searchParams.get('uploadType') === 'resumable')
        return initiate(request, response, decodeURIComponent(upload[1]), url);
      if (upload && id && request.method === 'PUT') return putChunk(request, response, id);
      if (upload && id && request.method === 'DELETE') return cancel(request, response, id);
      if (object?.[1] && object[2] && request.method === 'GET')
        return getObject(
          request,
          response,
          decodeURIComponent(object[1]),
          decodeURIComponent(object[2]),
          url.searchParams.get('alt') === 'media',
        );
      return sendError(
        response,
        404,
        `Not served by the local GCS stand-in: ${request.method} ${url.pathname}`,
      );
    })();
    handled.catch(() => {
      if (!response.headersSent) sendError(response, 500, 'Internal error');
      else response.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const url = `http://${advertisedHost(options.host)}:${(server.address() as AddressInfo).port}`;
  advertised = url;
  return {
    url,
    advertise(base) {
      advertised = base;
    },
    async objectPath(bucket, key) {
      const path = objectFile(bucket, key);
      return path &&
        (await stat(path).then(
          () => true,
          () => false,
        ))
        ? path
        : undefined;
    },
    async putObjectFromFile(bucket, key, source) {
      const path = objectFile(bucket, key);
      if (!path) throw new Error(`not a storable object name: ${bucket}/${key.slice(0, 200)}`);
      await mkdir(dirname(path), { recursive: true });
      const partial = `${path}.partial`;
      await copyFile(source, partial);
      await rename(partial, path);
    },
    async deleteObject(bucket, key) {
      const path = objectFile(bucket, key);
      if (path) await rm(path, { force: true });
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

// Content-Range: "bytes 0-99/100", "bytes 0-262143/*" (more to come), "bytes */100" (finalise), "bytes */*" (status).
function parseContentRange(header: string | undefined) {
  const match = /^bytes (?:(\d+)-(\d+)|\*)\/(\d+|\*)$/.exec(header?.trim() ?? '');
  if (!match) return undefined;
  const first = match[1] === undefined ? undefined : Number(match[1]);
  const last = match[2] === undefined ? undefined : Number(match[2]);
  if (first !== undefined && last !== undefined && last < first) return undefined;
  return { first, last, total: match[3] === '*' ? undefined : Number(match[3]) };
}

/** Appends the request body to `path`, skipping its first `skip` bytes; resolves with the body length. */
async function appendRange(
  request: IncomingMessage,
  path: string,
  skip: number,
  maxBytes: number,
): Promise<number> {
  let seen = 0;
  const cut = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      const start = Math.max(0, Math.min(chunk.length, skip - seen));
      const end = Math.max(start, Math.min(chunk.length, maxBytes - seen));
      seen += chunk.length;
      callback(null, chunk.subarray(start, end));
    },
  });
  await pipeline(request, cut, createWriteStream(path, { flags: 'a' }));
  return seen;
}

async function readSmallBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of request) {
    length += (chunk as Buffer).length;
    if (length > 64 * 1024) throw new Error('metadata too large');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

async function drain(request: IncomingMessage): Promise<void> {
  for await (const _ of request);
}

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response
    .writeHead(status, {
      'Content-Type': 'application/json; charset=UTF-8',
      'Content-Length': Buffer.byteLength(text),
    })
    .end(text);
}

function sendError(response: ServerResponse, status: number, message: string): void {
  sendJson(response, status, { error: { code: status, message, errors: [{ message, reason: 'invalid' }] } });
}
