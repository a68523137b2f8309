// s3rver's own PutObject/UploadPart resolve before their file write finished; with
// makeStoreWritesDurable the file is whole (size and bytes) the moment they resolve.
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import S3rver from 's3rver';
import { afterEach, describe, expect, it } from 'vitest';
import { makeStoreWritesDurable } from '../../src/local-storage/files/s3rver-durable-writes.js';

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
const md5 = (bytes: Buffer) => createHash('md5').update(bytes).digest('hex');
/** The body as a socket delivers it: many chunks, so the write stream is still busy at the end. */
const inChunks = (bytes: Buffer) =>
  Readable.from(
    (function* () {
      for (let at = 0; at < bytes.length; at += 64 * 1024) yield bytes.subarray(at, at + 64 * 1024);
    })(),
  );

describe('s3rver writes made durable', () => {
  let directory: string | undefined;
  afterEach(async () => {
    if (directory) await rm(directory, { recursive: true, force: true });
  });

  const durableStore = async () => {
    directory = await mkdtemp(join(tmpdir(), 's3rver-durable-'));
    const server = new S3rver({ directory, silent: true, configureBuckets: [{ name: 'b' }] });
    await server.configureBuckets();
    makeStoreWritesDurable(server.store);
    return server.store;
  };

  it('PutObject resolves with the whole object on disk, its size and MD5', async () => {
    const store = await durableStore();
    for (let round = 0; round < 5; round++) {
      const bytes = randomBytes(8 * 1024 * 1024 + round);
      const key = `k/${round}.csv`;
      const written = await store.putObject({ bucket: 'b', key, content: inChunks(bytes), metadata: {} });
      const path = store.getResourcePath('b', key, 'object');
      expect(statSync(path).size).toBe(bytes.length);
      expect(sha256(readFileSync(path))).toBe(sha256(bytes));
      expect(written).toEqual({ size: bytes.length, md5: md5(bytes) });
      const stored = await store.getObject('b', key);
      expect(stored?.size).toBe(bytes.length);
    }
  });

  it('UploadPart resolves with the whole part on disk and its MD5 file', async () => {
    const store = await durableStore();
    for (let part = 1; part <= 5; part++) {
      const bytes = randomBytes(8 * 1024 * 1024 + part);
      const written = await store.putPart('b', 'upload-1', part, inChunks(bytes));
      const path = join(store.getResourcePath('b', undefined, 'uploads'), 'upload-1', String(part));
      expect(statSync(path).size).toBe(bytes.length);
      expect(sha256(readFileSync(path))).toBe(sha256(bytes));
      expect(readFileSync(`${path}.md5`, 'utf8')).toBe(md5(bytes));
      expect(written).toEqual({ size: bytes.length, md5: md5(bytes) });
    }
  });
});
