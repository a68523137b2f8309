// The embedded S3 of the local Storage stand-in: an s3rver on a loopback port with one bucket whose
// objects live under `<dataDir>/s3`, reachable only through the signature-checking gate
// (s3-gate.ts) on the advertised port. The stand-in reads uploads back straight from s3rver's store,
// as Storage reads its own bucket: an S3 request per read would add 10–20 ms to every import job.
// It issues credentials scoped to one key; which key belongs to which file is api/routes/files.ts's.
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { createReadStream } from 'node:fs';
import { copyFile, mkdir, rename, rm, stat } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { dirname } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import S3rver from 's3rver';
import { toListenError } from '../../startup-failure.js';
import { issueS3Credentials, type S3Credentials } from './s3-credentials.js';
import { startS3Gate } from './s3-gate.js';
import { makeStoreWritesDurable } from './s3rver-durable-writes.js';

export interface EmbeddedS3Object {
  body: Readable;
  sizeBytes: number | undefined;
}

export interface EmbeddedS3 {
  endpoint: string;
  bucket: string;
  region: string;
  /** Credentials that may write (and read) only `key`, until `expiresAt`. */
  issueCredentials(key: string, expiresAt: Date): S3Credentials;
  /** Copies an object to `destination`; undefined when the object does not exist. */
  downloadObject(key: string, destination: string): Promise<{ sizeBytes: number } | undefined>;
  /** Opens an object for streaming; undefined when it does not exist. */
  openObject(key: string): Promise<EmbeddedS3Object | undefined>;
  /** Stores the local file `source` as object `key` (the stand-in's own writes, e.g. exports). */
  putObjectFromFile(key: string, source: string, contentType: string): Promise<{ sizeBytes: number }>;
  /** Removes an object; a missing one is fine. */
  deleteObject(key: string): Promise<void>;
  close(): Promise<void>;
}

export interface EmbeddedS3Options {
  directory: string;
  host: string;
  port: number;
  bucket?: string;
  region?: string;
  /** Signs the credentials it issues; keep it stable across restarts (issued ones stay valid). */
  signingSecret: string;
}

export async function startEmbeddedS3(options: EmbeddedS3Options): Promise<EmbeddedS3> {
  const bucket = options.bucket ?? 'kbc-local-files';
  const region = options.region ?? 'us-east-1';
  await mkdir(options.directory, { recursive: true });
  // Never reachable from outside: only the gate talks to it.
  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    directory: options.directory,
    silent: true,
    vhostBuckets: false,
    configureBuckets: [{ name: bucket }],
  });
  dropRequestLogger(server);
  makeStoreWritesDurable(server.store);
  const address = await listen(server, '127.0.0.1', 0);
  let gate: Awaited<ReturnType<typeof startS3Gate>>;
  try {
    gate = await startS3Gate({
      host: options.host,
      port: options.port,
      bucket,
      upstream: { host: '127.0.0.1', port: address.port },
      signingSecret: options.signingSecret,
    });
  } catch (err) {
    await server.close();
    throw toListenError(err, 's3', options.host, options.port);
  }
  const endpoint = `http://${advertisedHost(options.host)}:${gate.port}`;

  const openObject = async (key: string): Promise<EmbeddedS3Object | undefined> => {
    const object = await server.store.getObject(bucket, key);
    return object?.content ? { body: object.content, sizeBytes: object.size } : undefined;
  };

  return {
    endpoint,
    bucket,
    region,
    issueCredentials: (key, expiresAt) => issueS3Credentials(options.signingSecret, { key, expiresAt }),
    openObject,
    async downloadObject(key, destination) {
      // One copy_file_range in the kernel, not s3rver's getObject (two metadata reads) piped into
      // a write stream: ~2 ms less per small import job. An object exists once its file does, as
      // for getObject.
      const objectPath = server.store.getResourcePath(bucket, key, 'object');
      try {
        await copyFile(objectPath, destination);
      } catch (err) {
        // ENOENT may also name the destination's directory: only a missing object is "no object".
        const missing = await stat(objectPath).then(
          () => false,
          (statErr: NodeJS.ErrnoException) => statErr.code === 'ENOENT',
        );
        if ((err as NodeJS.ErrnoException).code === 'ENOENT' && missing) return undefined;
        throw err;
      }
      return { sizeBytes: (await stat(destination)).size };
    },
    async putObjectFromFile(key, source, contentType) {
      // Straight into s3rver's store layout (object file + md5 + metadata), as its putObject does,
      // but with the object complete on disk before it becomes visible.
      const objectPath = server.store.getResourcePath(bucket, key, 'object');
      await mkdir(dirname(objectPath), { recursive: true });
      const partial = `${objectPath}.partial`;
      const hash = createHash('md5');
      await pipeline(createReadStream(source), async (chunks: AsyncIterable<Buffer>) => {
        for await (const chunk of chunks) hash.update(chunk);
      });
      try {
        await copyFile(source, partial);
        await rename(partial, objectPath);
      } finally {
        await rm(partial, { force: true });
      }
      await server.store.putMetadata(bucket, key, { 'content-type': contentType }, hash.digest('hex'));
      return { sizeBytes: (await stat(objectPath)).size };
    },
    async deleteObject(key) {
      // A file prepared but never uploaded has no object (nor its directory, which s3rver's
      // clean-up then fails to read): deleting it still succeeds, as on Storage (contract §13.1).
      await server.store.deleteObject(bucket, key).catch((err: { code?: string }) => {
        if (err?.code !== 'ENOENT') throw err;
      });
    },
    async close() {
      await gate.close();
      await server.close();
    },
  };
}

/**
 * What s3rver's run() does, except that a failed listen (a taken port) rejects: run() leaves
 * the server's 'error' event unhandled, which would crash the process.
 */
async function listen(server: S3rver, host: string, port: number): Promise<AddressInfo> {
  await server.configureBuckets();
  const httpServer = server.listen(port, host, () => undefined);
  try {
    await once(httpServer, 'listening');
  } catch (err) {
    throw toListenError(err, 's3', host, port);
  }
  server.httpServer = httpServer;
  return httpServer.address() as AddressInfo;
}

/**
 * s3rver formats a log line for every request (koa-logger, then winston) even when `silent`: about
 * 1 ms of CPU per request, on every upload's path. Its first middleware is that logger; anything
 * else there (another s3rver version) is left alone.
 */
function dropRequestLogger(server: S3rver): void {
  const first = server.middleware[0];
  if (typeof first === 'function' && first.name === 'logger') server.middleware.shift();
}

function advertisedHost(host: string): string {
  if (host === '0.0.0.0' || host === '::' || host === '') return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}
