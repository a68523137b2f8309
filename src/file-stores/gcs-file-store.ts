// The Google Cloud Storage file store (GCP stacks): the documented resumable upload over fetch with
// the OAuth token files/prepare handed out. Chunks of partBytes (rounded down to 256 KiB, copied into
// two reused buffers) go one after another while the next one is read; a 401 refreshes the token
// once; abort or failure cancels the session.
import { setTimeout as sleep } from 'node:timers/promises';
import { AppError } from '../errors.js';
import { readBoundedText } from '../storage-api/read-bounded-text.js';
import type { StorageFile } from '../storage-api/storage-types.js';
import type { FileStore, FileUpload, UploadSettings } from './file-store.js';
import { createPartBufferPool } from './part-buffer-pool.js';
import { readParts } from './read-parts.js';
import { fileUploadFailed, missingUploadParams } from './upload-failed.js';

export interface GcsFileStoreDeps {
  settings: UploadSettings;
  /** GCS_ENDPOINT: the JSON API base (default https://storage.googleapis.com; local mode: the stand-in). */
  endpoint?: string | undefined;
  fetch?: typeof fetch;
  /** Attempts per request on network errors, 408, 429 and 5xx (default 4), and the first backoff. */
  attempts?: number;
  backoffMs?: number;
}

export const GCS_DEFAULT_ENDPOINT = 'https://storage.googleapis.com';
const CHUNK_MULTIPLE = 256 * 1024;
const ATTEMPT_TIMEOUT_MS = 300_000;
const CANCEL_TIMEOUT_MS = 10_000;

export function createGcsFileStore(deps: GcsFileStoreDeps): FileStore {
  const endpoint = (deps.endpoint ?? GCS_DEFAULT_ENDPOINT).replace(/\/+$/, '');
  const chunkBytes = Math.max(
    CHUNK_MULTIPLE,
    Math.floor(deps.settings.partBytes / CHUNK_MULTIPLE) * CHUNK_MULTIPLE,
  );
  return {
    provider: 'gcp',
    async upload(upload) {
      // While waiting for body bytes nothing else hears the signal: ending the body stops the read.
      const stopReading = () => upload.body.destroy(upload.signal.reason as Error);
      upload.signal.addEventListener('abort', stopReading, { once: true });
      try {
        return await uploadResumable(upload, { ...deps, endpoint, chunkBytes });
      } catch (err) {
        if (upload.signal.aborted) throw upload.signal.reason;
        if (upload.body.errored instanceof AppError) throw upload.body.errored;
        throw err;
      } finally {
        upload.signal.removeEventListener('abort', stopReading);
      }
    },
  };
}

interface ResumableDeps extends GcsFileStoreDeps {
  endpoint: string;
  chunkBytes: number;
}

async function uploadResumable(upload: FileUpload, deps: ResumableDeps): Promise<{ bytes: number }> {
  const { body, file, signal } = upload;
  const params = gcsParams(file);
  const fetchFn = deps.fetch ?? fetch;
  let token = params.access_token;
  let refreshed = false;
  const fail = (status: number | undefined, reason: string) =>
    fileUploadFailed('gcp', status, reason, [token]);

  /** One request: retried on transient failures; a first 401 refreshes the token and goes on. */
  const send = async (
    url: string,
    init: { method: string; headers?: Record<string, string>; body?: Uint8Array | string },
  ) => {
    const attempts = deps.attempts ?? 4;
    for (let attempt = 1; ; attempt += 1) {
      let response: Response;
      try {
        response = await fetchFn(url, {
          method: init.method,
          headers: {
            ...init.headers,
            Authorization: `Bearer ${token}`,
            ...(typeof init.body === 'object' ? { 'Content-Length': String(init.body.byteLength) } : {}),
          },
          ...bodyOf(init.body),
          signal: AbortSignal.any([signal, AbortSignal.timeout(ATTEMPT_TIMEOUT_MS)]),
        });
      } catch (err) {
        if (signal.aborted) throw signal.reason;
        if (attempt >= attempts) throw fail(undefined, `network error: ${(err as Error).message}`);
        await sleep((deps.backoffMs ?? 200) * 2 ** (attempt - 1), undefined, { signal });
        continue;
      }
      if (response.status === 401 && !refreshed) {
        refreshed = true;
        await response.body?.cancel();
        token = gcsParams(await upload.refreshFile()).access_token;
        continue;
      }
      if (isTransient(response.status) && attempt < attempts) {
        await response.body?.cancel();
        await sleep((deps.backoffMs ?? 200) * 2 ** (attempt - 1), undefined, { signal });
        continue;
      }
      return response;
    }
  };

  const initiate = await send(
    `${deps.endpoint}/upload/storage/v1/b/${encodeURIComponent(params.bucket)}/o?uploadType=resumable&name=${encodeURIComponent(params.key)}`,
    {
      method: 'POST',
      headers: { 'Content-Type': 'application/json; charset=UTF-8' },
      body: JSON.stringify({ name: params.key, contentDisposition: `attachment; filename=${file.name};` }),
    },
  );
  if (initiate.status !== 200 && initiate.status !== 201)
    throw fail(initiate.status, await errorText(initiate));
  await initiate.body?.cancel();
  const session = initiate.headers.get('location') ?? '';
  // The token goes with every chunk: only to the endpoint we were configured with.
  if (!session.startsWith(`${deps.endpoint}/`))
    throw fail(initiate.status, 'no resumable session URI on the GCS endpoint');

  /** Sends bytes [start, start + data.length) (the last ones when `total` is set) until GCS holds them. */
  const sendChunk = async (data: Buffer, start: number, total: number | undefined) => {
    let offset = start;
    for (let resends = 0; ; resends += 1) {
      const part = data.subarray(offset - start);
      const range =
        part.length === 0
          ? `bytes */${total}`
          : `bytes ${offset}-${offset + part.length - 1}/${total ?? '*'}`;
      const response = await send(session, {
        method: 'PUT',
        headers: { 'Content-Range': range },
        body: part,
      });
      if (total !== undefined && response.ok) return finalObject(response, total);
      if (response.status !== 308) throw fail(response.status, await errorText(response));
      await response.body?.cancel();
      const held = rangeEnd(response.headers.get('range'));
      if (total === undefined && held === offset + part.length) return undefined;
      // GCS kept fewer bytes than were sent (allowed by the protocol): send the rest again; a last
      // chunk it holds whole but did not finalise is finalised with an empty `bytes */total`.
      if (held < start || held > offset + part.length || resends >= 8)
        throw fail(308, `GCS holds ${held} bytes, expected ${offset + part.length}`);
      offset = held;
    }
  };

  const finalObject = async (response: Response, total: number) => {
    const object = parseObject(
      (await readBoundedText(response, MAX_GCS_ANSWER_BYTES).catch(() => ({ text: '' }))).text,
    );
    if (object.size !== undefined && Number(object.size) !== total)
      throw fail(response.status, `GCS stored ${String(object.size)} bytes of ${total}`);
    return total;
  };

  // Two chunk buffers per upload: the one being sent and the next one being read meanwhile.
  const pool = createPartBufferPool({ bufferBytes: deps.chunkBytes, maxIdle: 2 });
  const chunks = readParts(body, pool, deps.chunkBytes);
  let next = chunks.next();
  try {
    let offset = 0;
    for (;;) {
      const read = await next;
      // The last chunk (an empty one for an empty body) finalises the object with its total.
      if (read.done) throw fail(undefined, 'the body ended without a last chunk');
      const chunk = read.value;
      try {
        if (chunk.last) {
          await sendChunk(chunk.bytes, offset, offset + chunk.bytes.length);
          return { bytes: offset + chunk.bytes.length };
        }
        next = chunks.next();
        next.catch(() => {});
        await sendChunk(chunk.bytes, offset, undefined);
        offset += chunk.bytes.length;
      } finally {
        chunk.release();
      }
    }
  } catch (err) {
    // A chunk still being read goes back to the pool once it is.
    next.then(
      (late) => late.value?.release(),
      () => {},
    );
    await cancel(session, token, fetchFn).catch((cancelErr: unknown) => upload.onAbortFailure?.(cancelErr));
    throw err;
  } finally {
    chunks.return().catch(() => {});
  }
}

/**
 * fetch copies a Uint8Array body before sending it (as the Fetch spec says): a chunk goes as a
 * one-element stream instead, so each attempt sends the chunk we hold without a second copy.
 */
function bodyOf(body: Uint8Array | string | undefined): Pick<RequestInit, 'body'> & { duplex?: 'half' } {
  if (typeof body !== 'object') return body === undefined ? {} : { body };
  return {
    body: new ReadableStream<Uint8Array>({
      start(controller) {
        if (body.byteLength > 0) controller.enqueue(body);
        controller.close();
      },
    }),
    duplex: 'half',
  };
}

/** Cancels the resumable session (GCS answers 499): nothing is committed. */
async function cancel(session: string, token: string, fetchFn: typeof fetch): Promise<void> {
  const response = await fetchFn(session, {
    method: 'DELETE',
    headers: { Authorization: `Bearer ${token}` },
    signal: AbortSignal.timeout(CANCEL_TIMEOUT_MS),
  });
  await response.body?.cancel();
}

function gcsParams(file: StorageFile) {
  const params = file.gcsUploadParams;
  if (!params?.bucket || !params.key || !params.access_token)
    throw missingUploadParams('gcp', 'gcsUploadParams (bucket, key, access_token)');
  return params;
}

function isTransient(status: number): boolean {
  return status === 408 || status === 429 || (status >= 500 && status !== 501);
}

/** `Range: bytes=0-N` → N + 1 bytes held; no header → none. */
function rangeEnd(header: string | null): number {
  const match = /^bytes=0-(\d+)$/.exec(header?.trim() ?? '');
  return match ? Number(match[1]) + 1 : 0;
}

/** GCS answers here are an object resource or an error: small JSON, never read beyond this. */
const MAX_GCS_ANSWER_BYTES = 64 * 1024;

function parseObject(text: string): { size?: unknown } {
  try {
    const parsed: unknown = JSON.parse(text);
    return parsed !== null && typeof parsed === 'object' ? (parsed as { size?: unknown }) : {};
  } catch {
    return {};
  }
}

async function errorText(response: Response): Promise<string> {
  const { text } = await readBoundedText(response, MAX_GCS_ANSWER_BYTES).catch(() => ({ text: '' }));
  try {
    const parsed = JSON.parse(text) as { error?: { message?: unknown } };
    if (typeof parsed.error?.message === 'string') return parsed.error.message;
  } catch {}
  return text.slice(0, 300) || response.statusText || 'no details';
}
