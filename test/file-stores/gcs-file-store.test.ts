// The GCS file store against the local GCS API stand-in: chunk boundaries, an upload that outlives
// its token (refreshed once through files/{id}/refresh, then it goes on), a token that stays
// refused (502 with the status, session cancelled, token never in the error) and abort.
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../../src/errors.js';
import { createGcsFileStore } from '../../src/file-stores/gcs-file-store.js';
import { type GcsApiStandIn, startGcsApiStandIn } from '../../src/local-storage/files/gcs-api-stand-in.js';
import { createGcsTokens } from '../../src/local-storage/files/gcs-tokens.js';
import type { StorageFile } from '../../src/storage-api/storage-types.js';

const KIB = 1024;
const BUCKET = 'kbc-test-files';

describe('GCS file store (resumable upload)', () => {
  let dir: string;
  let gcs: GcsApiStandIn;
  const tokens = createGcsTokens();
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gcs-store-'));
    gcs = await startGcsApiStandIn({ directory: dir, host: '127.0.0.1', port: 0, tokens });
  });
  afterAll(async () => {
    await gcs?.close();
    await rm(dir, { recursive: true, force: true });
  });

  const store = () =>
    createGcsFileStore({ settings: { partBytes: 300 * KIB, queueSize: 1 }, endpoint: gcs.url, backoffMs: 1 });
  const prepared = (key: string): StorageFile => ({
    id: 1,
    name: 'data.csv',
    provider: 'gcp',
    gcsUploadParams: {
      bucket: BUCKET,
      key,
      access_token: tokens.issue(BUCKET, key, new Date()).token,
      token_type: 'Bearer',
    },
  });
  const refreshing =
    (key: string, calls: { count: number }, revokeAgain = false) =>
    async () => {
      calls.count += 1;
      if (revokeAgain)
        return { ...prepared(key), gcsUploadParams: { bucket: BUCKET, key, access_token: 'ya29.revoked' } };
      return prepared(key);
    };
  const stored = async (key: string) => readFile((await gcs.objectPath(BUCKET, key)) ?? '/nonexistent');

  it('uploads bodies of every shape byte for byte (chunks are 256 KiB multiples)', async () => {
    for (const size of [0, 1, 256 * KIB, 512 * KIB, 700 * KIB + 3]) {
      const key = `shapes/${size}.bin`;
      const bytes = randomBytes(size);
      const result = await store().upload({
        body: Readable.from([bytes.subarray(0, 1000), bytes.subarray(1000)]),
        file: prepared(key),
        signal: new AbortController().signal,
        refreshFile: () => Promise.reject(new Error('not expected')),
      });
      expect(result.bytes).toBe(size);
      expect(sha256(await stored(key))).toBe(sha256(bytes));
    }
  });

  it('an upload that outlives its token refreshes it once and goes on', async () => {
    const key = 'refresh/ok.bin';
    const bytes = randomBytes(1100 * KIB);
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const body = Readable.from(
      (async function* () {
        yield bytes.subarray(0, 600 * KIB);
        await gate;
        yield bytes.subarray(600 * KIB);
      })(),
    );
    const calls = { count: 0 };
    const uploading = store().upload({
      body,
      file: prepared(key),
      signal: new AbortController().signal,
      refreshFile: refreshing(key, calls),
    });
    // The first chunk (256 KiB) is in GCS: every token issued so far stops working.
    await until(async () => (await uploadedBytes()) >= 256 * KIB);
    tokens.revokeAll();
    release();
    await expect(uploading).resolves.toEqual({ bytes: bytes.length });
    expect(calls.count).toBe(1);
    expect(sha256(await stored(key))).toBe(sha256(bytes));
  });

  it('a token refused after the refresh: 502 with the status, the session cancelled, no token in the error', async () => {
    const key = 'refresh/refused.bin';
    const file = prepared(key);
    tokens.revokeAll();
    const calls = { count: 0 };
    const error = await store()
      .upload({
        body: Readable.from([randomBytes(10)]),
        file,
        signal: new AbortController().signal,
        refreshFile: refreshing(key, calls, true),
      })
      .catch((err: unknown) => err);
    expect(error).toBeInstanceOf(AppError);
    expect(error).toMatchObject({
      status: 502,
      code: 'importer.fileUploadFailed',
      details: { provider: 'gcp', upstreamStatus: 401 },
    });
    expect(calls.count).toBe(1);
    expect(JSON.stringify([String(error), (error as AppError).details])).not.toContain(
      file.gcsUploadParams?.access_token,
    );
    expect(await gcs.objectPath(BUCKET, key)).toBeUndefined();
  });

  it('abort cancels the session: nothing is committed, nothing left in flight', async () => {
    const key = 'abort/gone.bin';
    const controller = new AbortController();
    // A socket-like body: 600 KiB arrive, then nothing more.
    const body = new Readable({ read() {} });
    body.push(randomBytes(600 * KIB));
    const uploading = store().upload({
      body,
      file: prepared(key),
      signal: controller.signal,
      refreshFile: refreshing(key, { count: 0 }),
    });
    await until(async () => (await uploadedBytes()) >= 256 * KIB);
    controller.abort(new Error('client gone'));
    await expect(uploading).rejects.toThrow('client gone');
    await until(async () => (await readdir(join(dir, 'uploads'))).length === 0);
    expect(await gcs.objectPath(BUCKET, key)).toBeUndefined();
  });

  /** Bytes held by the one open upload session (0 when none). */
  async function uploadedBytes(): Promise<number> {
    const names = await readdir(join(dir, 'uploads'));
    const sizes = await Promise.all(
      names.map((name) =>
        stat(join(dir, 'uploads', name)).then(
          (s) => s.size,
          () => 0,
        ),
      ),
    );
    return Math.max(0, ...sizes);
  }
});

async function until(condition: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 400; i += 1) {
    if (await condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error('timed out');
}

function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}
