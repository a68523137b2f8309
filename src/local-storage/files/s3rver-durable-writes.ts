// s3rver 3.x answers PutObject and UploadPart once its hashing step has passed every byte on, not
// once its file write finished: a read right after the answer (our jobs copy uploads straight out of
// the store, CompleteMultipartUpload concatenates the part files) can see a truncated file under
// load. These replacements of the two store methods write the same files and resolve only after the
// write stream has flushed and closed.
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type S3rver from 's3rver';

type Store = S3rver['store'];

/** Writes `content` to `path` (flushed and closed when it resolves), with its size and MD5. */
async function writeHashed(path: string, content: Readable | Buffer): Promise<{ size: number; md5: string }> {
  await mkdir(dirname(path), { recursive: true });
  const md5 = createHash('md5');
  let size = 0;
  const hashing = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      md5.update(chunk);
      size += chunk.length;
      callback(null, chunk);
    },
  });
  const source = Buffer.isBuffer(content) ? Readable.from([content]) : content;
  await pipeline(source, hashing, createWriteStream(path));
  return { size, md5: md5.digest('hex') };
}

/** Makes the store's PutObject and UploadPart resolve only once their file is on disk whole. */
export function makeStoreWritesDurable(store: Store): void {
  store.putObject = async (object) => {
    const written = await writeHashed(
      store.getResourcePath(object.bucket, object.key, 'object'),
      object.content,
    );
    await store.putMetadata(object.bucket, object.key, object.metadata, written.md5);
    return written;
  };
  store.putPart = async (bucket, uploadId, partNumber, content) => {
    const partPath = join(store.getResourcePath(bucket, undefined, 'uploads'), uploadId, String(partNumber));
    const written = await writeHashed(partPath, content);
    await writeFile(`${partPath}.md5`, written.md5);
    return written;
  };
}
