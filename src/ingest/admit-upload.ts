// The door every upload route (write-table, upload-file) passes: a declared Content-Length over
// the limit is refused before any byte is read, and so is a request while every upload slot is
// taken (503). The slot itself is claimed only when the file's bytes start (claimSlot(), from the
// body reader): a client still sending its form fields — or trickling them with a fake token —
// holds no slot. It counts as in flight until release(), which the route calls once the bytes are
// in S3 and which runs at the latest when the work settles. Answered as JSON or a progress stream.
import type { IncomingMessage } from 'node:http';
import type { Context } from 'hono';
import type { Collaborators } from '../collaborators.js';
import { fileTooLarge } from '../errors.js';
import type { AppEnv, RequestFacts } from '../http/app-env.js';
import { sendContinue } from '../http/expect-continue.js';
import {
  DEFAULT_PROGRESS_HEARTBEAT_MS,
  type ProgressOutcome,
  type ProgressSink,
  respondWithProgress,
  wantsProgress,
} from '../http/progress-stream.js';
import type { ImporterSettings } from '../settings.js';
import type { BodyAdmission } from './receive-body.js';

/** Room for multipart boundaries and fields on top of the file itself. */
const MULTIPART_OVERHEAD_BYTES = 1024 * 1024;

export interface AdmittedUpload extends BodyAdmission {
  incoming: IncomingMessage;
  runId: string | undefined;
  clientSignal: AbortSignal;
  facts: RequestFacts;
  /** Frees the slot (the upload's buffers are gone); safe to call more than once. */
  release(): void;
}

export interface AdmitUploadDeps extends Pick<Collaborators, 'uploadSlots' | 'metrics'> {
  settings: Pick<ImporterSettings, 'maxFileBytes'>;
}

export interface UploadOutcome extends ProgressOutcome {
  /** Location header of a plain (not progress-streamed) answer. */
  location?: string;
}

function admitUpload(
  c: Context<AppEnv>,
  deps: AdmitUploadDeps,
  encoding: 'multipart' | 'raw',
): AdmittedUpload {
  const declaredBytes = Number(c.req.header('content-length') ?? Number.NaN);
  if (
    declaredBytes >
    deps.settings.maxFileBytes + (encoding === 'multipart' ? MULTIPART_OVERHEAD_BYTES : 0)
  ) {
    throw fileTooLarge(deps.settings.maxFileBytes);
  }
  const incoming = c.env?.incoming;
  if (!incoming) throw new Error('upload routes need the Node.js HTTP adapter (c.env.incoming)');
  deps.uploadSlots.check();
  let releaseSlot: (() => void) | undefined;
  let released = false;
  return {
    incoming,
    runId: c.req.header('x-kbc-runid'),
    clientSignal: c.req.raw.signal,
    facts: c.get('facts'),
    sendContinue: () => sendContinue(incoming, c.env.outgoing),
    claimSlot() {
      if (releaseSlot || released) return;
      releaseSlot = deps.uploadSlots.acquire();
      deps.metrics.uploadsInFlight.inc();
    },
    release() {
      if (released) return;
      released = true;
      if (!releaseSlot) return;
      deps.metrics.uploadsInFlight.dec();
      releaseSlot();
    },
  };
}

/**
 * Admits the upload and answers with what `work` produces: as JSON, or as a progress stream when
 * the caller asked for one (`Accept: application/x-ndjson`). The slot is released when `work`
 * settles unless `work` released it earlier.
 */
export async function serveUpload(
  c: Context<AppEnv>,
  deps: AdmitUploadDeps &
    Pick<Collaborators, 'logger'> & { settings: Pick<ImporterSettings, 'progressHeartbeatMs'> },
  encoding: 'multipart' | 'raw',
  work: (admitted: AdmittedUpload, progress?: ProgressSink) => Promise<UploadOutcome>,
): Promise<Response> {
  const admitted = admitUpload(c, deps, encoding);
  const run = (progress?: ProgressSink) => work(admitted, progress).finally(admitted.release);
  if (wantsProgress(c.req.header('accept'))) {
    const heartbeatMs = deps.settings.progressHeartbeatMs ?? DEFAULT_PROGRESS_HEARTBEAT_MS;
    return respondWithProgress(c, { heartbeatMs, logger: deps.logger, run });
  }
  const { status, body, location } = await run();
  if (location) c.header('Location', location);
  return c.json(body, status as 200);
}
