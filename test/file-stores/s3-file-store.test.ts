// The S3 file store's own multipart loop against the embedded S3 (s3rver behind its signature gate),
// seen through a recording proxy: exact bytes at every part boundary, bounded part buffers and
// parts in flight, abort and failing parts (AbortMultipartUpload, never Complete, nothing stored).
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AppError, fileTooLarge } from '../../src/errors.js';
import { createPartBufferPool, type PartBufferPool } from '../../src/file-stores/part-buffer-pool.js';
import { createS3ClientFor } from '../../src/file-stores/s3-client-for.js';
import { createS3FileStore } from '../../src/file-stores/s3-file-store.js';
import { type EmbeddedS3, startEmbeddedS3 } from '../../src/local-storage/files/embedded-s3.js';
import type { StorageFile } from '../../src/storage-api/storage-types.js';
import { type S3RecordingProxy, startS3RecordingProxy } from '../support/s3-recording-proxy.js';

const P = 64 * 1024;
const QUEUE = 2;

describe('S3 file store (pooled multipart upload)', () => {
  let dir: string;
  let s3: EmbeddedS3;
  let proxy: S3RecordingProxy;
  let pool: PartBufferPool;
  let keys = 0;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 's3-store-'));
    s3 = await startEmbeddedS3({ directory: dir, host: '127.0.0.1', port: 0, signingSecret: 'test-secret' });
    proxy = await startS3RecordingProxy(s3.endpoint);
  });
  afterAll(async () => {
    await proxy?.close();
    await s3?.close();
    await rm(dir, { recursive: true, force: true });
  });
  beforeEach(() => {
    pool = createPartBufferPool({ bufferBytes: P, maxIdle: QUEUE + 1 });
    proxy.requests.length = 0;
    commands = [];
    proxy.failParts(() => false);
    proxy.answerAbort(true);
    proxy.releaseCreates();
  });

  /** Every command the store's clients sent, with when it started and settled (one clock). */
  let commands: { name: string; startedAt: number; settledAt: number | undefined }[] = [];
  let clock = 0;
  const recordingClientFor = (file: StorageFile) => {
    const client = createS3ClientFor({ endpoint: proxy.url, forcePathStyle: true })(file);
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const command = {
          name: context.commandName ?? '',
          startedAt: ++clock,
          settledAt: undefined as number | undefined,
        };
        commands.push(command);
        try {
          return await next(args);
        } finally {
          command.settledAt = ++clock;
        }
      },
      { step: 'initialize', name: 'recordCommands' },
    );
    return client;
  };
  const store = (maxParts?: number) =>
    createS3FileStore({
      s3ClientFor: recordingClientFor,
      settings: { partBytes: P, queueSize: QUEUE },
      pool,
      ...(maxParts ? { maxParts } : {}),
    });
  const prepared = (): StorageFile => {
    const key = `exports/file-${++keys}.csv`;
    const credentials = s3.issueCredentials(key, new Date(Date.now() + 3_600_000));
    return {
      id: keys,
      name: 'data.csv',
      provider: 'aws',
      region: s3.region,
      uploadParams: {
        bucket: s3.bucket,
        key,
        acl: 'private',
        credentials: {
          AccessKeyId: credentials.accessKeyId,
          SecretAccessKey: credentials.secretAccessKey,
          SessionToken: credentials.sessionToken,
        },
      },
    };
  };
  const upload = (
    body: Readable,
    file: StorageFile,
    options: { signal?: AbortSignal; onAbortFailure?: (err: unknown) => void; maxParts?: number } = {},
  ) =>
    store(options.maxParts).upload({
      body,
      file,
      signal: options.signal ?? new AbortController().signal,
      refreshFile: () => Promise.reject(new Error('not expected')),
      ...(options.onAbortFailure ? { onAbortFailure: options.onAbortFailure } : {}),
    });
  const stored = async (file: StorageFile) => {
    const object = await s3.openObject(file.uploadParams?.key ?? '');
    if (!object) return undefined;
    const chunks: Buffer[] = [];
    for await (const chunk of object.body) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  };
  const kinds = () => proxy.requests.map((r) => r.kind);
  /** The body in uneven chunks (as a socket delivers it), counting what was read. */
  const chunked = (bytes: Buffer, chunkBytes = 7919) =>
    Readable.from(
      (function* () {
        for (let at = 0; at < bytes.length; at += chunkBytes) yield bytes.subarray(at, at + chunkBytes);
      })(),
    );

  it('stores the exact bytes at every part boundary; one PutObject up to one part', async () => {
    for (const size of [0, 1, P - 1, P, P + 1, 3 * P + 7]) {
      for (const chunkBytes of [7919, P + 3]) {
        proxy.requests.length = 0;
        const bytes = randomBytes(size);
        const file = prepared();
        const result = await upload(chunked(bytes, chunkBytes), file);
        expect(result.bytes, `size ${size}`).toBe(size);
        expect(sha256((await stored(file)) ?? Buffer.from('missing')), `size ${size}`).toBe(sha256(bytes));
        const parts = Math.ceil(size / P);
        expect(kinds(), `size ${size}`).toEqual(
          parts <= 1 ? ['put'] : ['create', ...Array(parts).fill('part'), 'complete'],
        );
      }
    }
    expect(pool.stats().lent).toBe(0);
  });

  it('a retried part sends its own bytes: its buffer is reused only once it settled', async () => {
    // Every part's first attempt fails; with one part in flight, an early reuse would resend the next part's bytes.
    proxy.failParts((_, attempt) => attempt === 1);
    pool = createPartBufferPool({ bufferBytes: P, maxIdle: 1 });
    const bytes = randomBytes(5 * P + 11);
    const file = prepared();
    const client = createS3FileStore({
      s3ClientFor: recordingClientFor,
      settings: { partBytes: P, queueSize: 1 },
      pool,
    });
    const result = await client.upload({
      body: chunked(bytes),
      file,
      signal: new AbortController().signal,
      refreshFile: () => Promise.reject(new Error('not expected')),
    });
    expect(result.bytes).toBe(bytes.length);
    expect(sha256((await stored(file)) ?? Buffer.alloc(0))).toBe(sha256(bytes));
    expect(proxy.requests.filter((r) => r.kind === 'part' && r.status === 500)).toHaveLength(6);
    expect(pool.stats().peakLent).toBeLessThanOrEqual(2);
  });

  it('holds at most queueSize + 1 part buffers and queueSize parts in flight; reading waits meanwhile', async () => {
    const bytes = randomBytes(20 * P + 5);
    let read = 0;
    let readWhileHeld = 0;
    const body = Readable.from(
      (function* () {
        for (let at = 0; at < bytes.length; at += 8192) {
          read += 8192;
          yield bytes.subarray(at, at + 8192);
        }
      })(),
      { highWaterMark: 1 },
    );
    proxy.holdParts();
    const file = prepared();
    const done = upload(body, file);
    await proxy.held(QUEUE);
    // Both parts are held by S3: the upload reads no further than the part being filled.
    await new Promise((resolve) => setImmediate(resolve));
    readWhileHeld = read;
    proxy.releaseParts();
    expect((await done).bytes).toBe(bytes.length);
    expect(readWhileHeld).toBeLessThanOrEqual((QUEUE + 1) * P + 3 * 8192);
    expect(proxy.maxPartsInFlight()).toBe(QUEUE);
    expect(pool.stats()).toMatchObject({ lent: 0, peakLent: QUEUE + 1, allocated: QUEUE + 1 });
    expect(sha256((await stored(file)) ?? Buffer.alloc(0))).toBe(sha256(bytes));
  });

  it('abort mid-upload: requests in flight cancelled, then AbortMultipartUpload; no Complete, no object', async () => {
    proxy.holdParts();
    const controller = new AbortController();
    const file = prepared();
    const done = upload(chunked(randomBytes(10 * P)), file, { signal: controller.signal });
    await proxy.held(QUEUE);
    const reason = new AppError(499, 'importer.clientDisconnected', 'gone');
    controller.abort(reason);
    await expect(done).rejects.toBe(reason);
    proxy.releaseParts();
    expect(kinds()).not.toContain('complete');
    const abort = proxy.requests.find((r) => r.kind === 'abort');
    const parts = proxy.requests.filter((r) => r.kind === 'part');
    expect(abort?.uploadId).toBeDefined();
    expect(new Set(parts.map((r) => r.uploadId))).toEqual(new Set([abort?.uploadId]));
    // Every part had ended (cut off by the client) before the abort was sent: none can land after it.
    // Every UploadPart had settled in the client before the abort went: none can land after it.
    const sent = commands.filter((c) => c.name === 'UploadPartCommand');
    const aborted = commands.find((c) => c.name === 'AbortMultipartUploadCommand');
    expect(sent).toHaveLength(QUEUE);
    for (const part of sent)
      expect(part.settledAt ?? Number.POSITIVE_INFINITY).toBeLessThan(aborted?.startedAt ?? 0);
    expect(await stored(file)).toBeUndefined();
    expect(pool.stats().lent).toBe(0);
  });

  it('abort while CreateMultipartUpload is in flight: the upload it creates is still aborted', async () => {
    // S3 may create the upload whatever the client does once the request went: cutting it off
    // would leave an upload no one can abort (its UploadId never read).
    proxy.holdCreates();
    const controller = new AbortController();
    const file = prepared();
    const done = upload(chunked(randomBytes(3 * P)), file, { signal: controller.signal });
    done.catch(() => {});
    await proxy.createHeld();
    const reason = new AppError(499, 'importer.clientDisconnected', 'gone');
    controller.abort(reason);
    await new Promise((resolve) => setImmediate(resolve));
    proxy.releaseCreates();
    await expect(done).rejects.toBe(reason);
    const create = proxy.requests.find((r) => r.kind === 'create');
    expect(create?.status).toBe(200);
    expect(kinds()).toContain('abort');
    expect(kinds()).not.toContain('complete');
    expect(kinds()).not.toContain('part');
    expect(await stored(file)).toBeUndefined();
    expect(pool.stats().lent).toBe(0);
  });

  it('a part that keeps failing: retried, then AbortMultipartUpload and importer.s3UploadFailed with the status', async () => {
    proxy.failParts((partNumber) => partNumber === 2);
    proxy.answerAbort(false);
    const abortFailures: unknown[] = [];
    const file = prepared();
    const err = await upload(chunked(randomBytes(6 * P)), file, {
      onAbortFailure: (failure) => abortFailures.push(failure),
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect(err).toMatchObject({
      code: 'importer.s3UploadFailed',
      details: { provider: 'aws', upstreamStatus: 500 },
    });
    expect(proxy.requests.filter((r) => r.kind === 'part' && r.partNumber === 2)).toHaveLength(4);
    expect(kinds()).toContain('abort');
    expect(kinds()).not.toContain('complete');
    // s3rver has no AbortMultipartUpload (405): the clean-up's failure is reported, never thrown.
    expect(abortFailures).toHaveLength(1);
    expect(abortFailures[0]).toMatchObject({ $metadata: { httpStatusCode: 405 } });
    expect(await stored(file)).toBeUndefined();
    expect(pool.stats().lent).toBe(0);
  });

  it('a part failing while the body is stalled rejects at once, without waiting for more bytes', async () => {
    proxy.failParts((partNumber) => partNumber === 1);
    const body = new Readable({ read() {} });
    body.push(randomBytes(2 * P + 1));
    const file = prepared();
    const err = await upload(body, file).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'importer.s3UploadFailed' });
    expect(body.destroyed).toBe(false);
    expect(kinds()).toContain('abort');
    expect(kinds()).not.toContain('complete');
    body.destroy();
  });

  it("the body's own error wins over what S3 said after it", async () => {
    const limit = fileTooLarge(3 * P);
    const body = new Readable({ read() {} });
    const file = prepared();
    proxy.holdParts();
    const done = upload(body, file);
    body.push(randomBytes(3 * P + 1));
    await proxy.held(QUEUE);
    body.destroy(limit);
    proxy.releaseParts();
    await expect(done).rejects.toBe(limit);
    expect(kinds()).toContain('abort');
    expect(kinds()).not.toContain('complete');
    expect(await stored(file)).toBeUndefined();
  });

  it('more parts than S3 takes: a clear 413 before anything is completed', async () => {
    const file = prepared();
    const err = await upload(chunked(randomBytes(4 * P)), file, { maxParts: 3 }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'importer.fileTooLarge', status: 413 });
    expect((err as Error).message).toMatch(/at most 3 parts/);
    expect(kinds()).toContain('abort');
    expect(kinds()).not.toContain('complete');
    expect(await stored(file)).toBeUndefined();
  });
});

function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}
