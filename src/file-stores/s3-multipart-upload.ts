// The S3 upload protocol over client-s3 commands: a body that fits one part goes as one PutObject,
// a longer one as a multipart upload with up to `queueSize` parts in flight while the next one
// fills (read-parts.ts). Any failure or abort settles every request, then AbortMultipartUpload.
import type { Readable } from 'node:stream';
import {
  AbortMultipartUploadCommand,
  type CompletedPart,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  PutObjectCommand,
  type PutObjectCommandInput,
  type S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { importerError } from '../errors.js';
import type { PartBufferPool } from './part-buffer-pool.js';
import { type FilledPart, readParts } from './read-parts.js';

/** The object's own parameters: bucket, key, ACL, encryption, content disposition. */
export type S3ObjectParams = Omit<PutObjectCommandInput, 'Body'> & { Bucket: string; Key: string };

export interface S3MultipartUpload {
  client: S3Client;
  params: S3ObjectParams;
  body: Readable;
  pool: PartBufferPool;
  partBytes: number;
  /** Parts in flight at most; one more is being filled meanwhile. */
  queueSize: number;
  /** Cancels every request in flight; the upload is then aborted, never completed. */
  signal: AbortSignal;
  /** AbortMultipartUpload failed (best effort): the upload still rejects with its own cause. */
  onAbortFailure?(err: unknown): void;
  /** S3's limit; lower only in tests. */
  maxParts?: number;
}

export const S3_MAX_PARTS = 10_000;
const ABORT_TIMEOUT_MS = 10_000;

/**
 * Uploads `body` to `params.Key`. Resolves with the bytes S3 acknowledged once the object exists;
 * rejects with the first failure as it came (the body's error, an S3 error, the signal's reason, or
 * importer.fileTooLarge past maxParts) only after every request it sent has settled.
 */
export async function uploadToS3(upload: S3MultipartUpload): Promise<{ bytes: number }> {
  const { client, params, signal } = upload;
  const maxParts = upload.maxParts ?? S3_MAX_PARTS;
  signal.throwIfAborted();
  const stop = new AbortController();
  const requestSignal = AbortSignal.any([signal, stop.signal]);
  const parts = readParts(upload.body, upload.pool, upload.partBytes);
  const inFlight = new Set<Promise<void>>();
  const completed: CompletedPart[] = [];
  let bytes = 0;
  let uploadId: Promise<string> | undefined;

  // The first failure (or the abort) ends the upload: every wait below races with it.
  let fail: (err: unknown) => void = () => {};
  const failed = new Promise<never>((_, reject) => {
    fail = (err) => {
      stop.abort(err);
      reject(err);
    };
  });
  failed.catch(() => {});
  const onAbort = () => fail(signal.reason);
  signal.addEventListener('abort', onAbort, { once: true });

  const track = (work: Promise<void>) => {
    const settled: Promise<void> = work.then(
      () => {
        inFlight.delete(settled);
      },
      (err: unknown) => {
        inFlight.delete(settled);
        fail(err);
      },
    );
    inFlight.add(settled);
  };
  const sendPart = async (partNumber: number, part: FilledPart) => {
    try {
      const UploadId = await (uploadId as Promise<string>);
      const answer = await client.send(
        new UploadPartCommand({
          Bucket: params.Bucket,
          Key: params.Key,
          UploadId,
          PartNumber: partNumber,
          Body: part.bytes,
        }),
        { abortSignal: requestSignal },
      );
      completed.push({ PartNumber: partNumber, ETag: answer.ETag });
      bytes += part.bytes.length;
    } finally {
      // Only now (retries included) does nothing read the buffer any more.
      part.release();
    }
  };
  const putWhole = async (part: FilledPart) => {
    try {
      await client.send(new PutObjectCommand({ ...params, Body: part.bytes }), {
        abortSignal: requestSignal,
      });
      bytes += part.bytes.length;
    } finally {
      part.release();
    }
  };
  // Not cut off by a failure or abort: once sent, S3 may create the upload whatever the client does,
  // and only its UploadId lets the clean-up abort it. The clean-up waits for it, ABORT_TIMEOUT_MS at most.
  const createStop = new AbortController();
  const createUpload = async () => {
    const answer = await client.send(new CreateMultipartUploadCommand(params), {
      abortSignal: createStop.signal,
    });
    if (!answer.UploadId) throw new Error('CreateMultipartUpload answered no UploadId');
    return answer.UploadId;
  };

  try {
    for (let partNumber = 1; ; partNumber += 1) {
      const reading = parts.next();
      const read = await Promise.race([reading, failed]).catch((err: unknown) => {
        // The body is still being read: a part it yields later goes back to the pool.
        reading.then(
          (late) => late.value?.release(),
          () => {},
        );
        throw err;
      });
      if (read.done) break;
      const part = read.value;
      if (partNumber === 1 && part.last) {
        // The whole body in one part (or none): one PutObject, as the official clients do.
        track(putWhole(part));
        break;
      }
      if (partNumber > maxParts) {
        part.release();
        throw tooManyParts(maxParts, upload.partBytes);
      }
      if (!uploadId) {
        uploadId = createUpload();
        uploadId.catch(() => {});
      }
      // This part was filled while queueSize were in flight; it goes once one of them settled.
      try {
        while (inFlight.size >= upload.queueSize) await Promise.race([failed, ...inFlight]);
      } catch (err) {
        part.release();
        throw err;
      }
      track(sendPart(partNumber, part));
      if (part.last) break;
    }
    while (inFlight.size > 0) await Promise.race([failed, ...inFlight]);
    if (!uploadId) return { bytes };
    completed.sort((a, b) => (a.PartNumber ?? 0) - (b.PartNumber ?? 0));
    const UploadId = await uploadId;
    requestSignal.throwIfAborted();
    await Promise.race([
      client.send(
        new CompleteMultipartUploadCommand({
          Bucket: params.Bucket,
          Key: params.Key,
          UploadId,
          MultipartUpload: { Parts: completed },
        }),
        { abortSignal: requestSignal },
      ),
      failed,
    ]);
    return { bytes };
  } catch (err) {
    stop.abort(err);
    // Parts still waiting for the UploadId settle once CreateMultipartUpload does.
    const giveUpCreate = setTimeout(() => createStop.abort(err), ABORT_TIMEOUT_MS);
    await Promise.allSettled([...inFlight]);
    const id = await uploadId?.catch(() => undefined);
    clearTimeout(giveUpCreate);
    if (id) {
      await client
        .send(new AbortMultipartUploadCommand({ Bucket: params.Bucket, Key: params.Key, UploadId: id }), {
          abortSignal: AbortSignal.timeout(ABORT_TIMEOUT_MS),
        })
        .catch((abortErr: unknown) => upload.onAbortFailure?.(abortErr));
    }
    throw err;
  } finally {
    signal.removeEventListener('abort', onAbort);
    // Not awaited: while a read is pending, the return waits for it, and the body's owner ends
    // the body only once this upload has settled.
    parts.return().catch(() => {});
  }
}

function tooManyParts(maxParts: number, partBytes: number) {
  const limit = maxParts * partBytes;
  return importerError(
    'importer.fileTooLarge',
    `S3 takes at most ${maxParts} parts: with parts of ${partBytes} bytes (UPLOAD_PART_BYTES) a file can be at most ${limit} bytes.`,
    { maxFileBytes: limit },
  );
}
