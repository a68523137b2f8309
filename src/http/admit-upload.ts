// The door every upload route (write-table, upload-file) passes: a declared Content-Length over
// the limit is refused before any byte is read, then an upload slot is taken (503 beyond
// MAX_CONCURRENT_UPLOADS) and counted as in flight until the returned release() is called.
import type { IncomingMessage } from 'node:http';
import type { Context } from 'hono';
import { fileTooLarge } from '../errors.js';
import type { Metrics } from '../metrics.js';
import type { AppEnv, RequestFacts } from './app-env.js';
import type { UploadSlots } from './upload-slots.js';

/** Room for multipart boundaries and fields on top of the file itself. */
const MULTIPART_OVERHEAD_BYTES = 1024 * 1024;

export interface AdmittedUpload {
  incoming: IncomingMessage;
  runId: string | undefined;
  clientSignal: AbortSignal;
  facts: RequestFacts;
  /** Frees the slot; safe to call more than once. */
  release(): void;
}

export function admitUpload(
  c: Context<AppEnv>,
  deps: { uploadSlots: UploadSlots; metrics: Metrics; limits: { maxFileBytes: number } },
  encoding: 'multipart' | 'raw',
): AdmittedUpload {
  const declaredBytes = Number(c.req.header('content-length') ?? Number.NaN);
  if (declaredBytes > deps.limits.maxFileBytes + (encoding === 'multipart' ? MULTIPART_OVERHEAD_BYTES : 0)) {
    throw fileTooLarge(deps.limits.maxFileBytes);
  }
  const incoming = c.env?.incoming;
  if (!incoming) throw new Error('upload routes need the Node.js HTTP adapter (c.env.incoming)');
  const releaseSlot = deps.uploadSlots.acquire();
  deps.metrics.uploadsInFlight.inc();
  let released = false;
  return {
    incoming,
    runId: c.req.header('x-kbc-runid'),
    clientSignal: c.req.raw.signal,
    facts: c.get('facts'),
    release() {
      if (released) return;
      released = true;
      deps.metrics.uploadsInFlight.dec();
      releaseSlot();
    },
  };
}
