// Opt-in progress for long requests (`Accept: application/x-ndjson`): answers 200 at once and
// streams one JSON event per line — accepted, uploaded, job (on every change, and re-sent as a
// heartbeat so idle-timeout proxies keep the connection), then exactly one final result or error.
import type { Context } from 'hono';
import type { Logger } from '../logger.js';
import type { AppEnv } from './app-env.js';
import { errorContextOf, renderError } from './error-body.js';

export interface ProgressSink {
  uploaded(bytes: number): void;
  job(job: { id: number; status: string }): void;
}

export interface ProgressOutcome {
  status: number;
  body: Record<string, unknown>;
}

export const DEFAULT_PROGRESS_HEARTBEAT_MS = 15_000;
export const PROGRESS_CONTENT_TYPE = 'application/x-ndjson';

export function wantsProgress(accept: string | undefined): boolean {
  return (accept ?? '')
    .split(',')
    .some((type) => type.split(';')[0]?.trim().toLowerCase() === PROGRESS_CONTENT_TYPE);
}

export function respondWithProgress(
  c: Context<AppEnv>,
  options: { heartbeatMs: number; logger: Logger; run(progress: ProgressSink): Promise<ProgressOutcome> },
): Response {
  const encoder = new TextEncoder();
  let controller: ReadableStreamDefaultController<Uint8Array> | undefined;
  let open = true;
  let lastJob: { id: number; status: string } | undefined;
  let heartbeat: NodeJS.Timeout | undefined;

  const send = (event: Record<string, unknown>) => {
    if (!open || !controller) return;
    try {
      controller.enqueue(encoder.encode(`${JSON.stringify(event)}\n`));
    } catch {
      open = false;
    }
  };
  const sendJob = () => {
    if (lastJob) send({ event: 'job', id: lastJob.id, status: lastJob.status });
    armHeartbeat();
  };
  const armHeartbeat = () => {
    clearTimeout(heartbeat);
    if (open && lastJob) heartbeat = setTimeout(sendJob, options.heartbeatMs);
  };
  const stop = () => {
    open = false;
    clearTimeout(heartbeat);
  };

  const stream = new ReadableStream<Uint8Array>({
    start(streamController) {
      controller = streamController;
      send({ event: 'accepted' });
    },
    cancel: stop,
  });
  const progress: ProgressSink = {
    uploaded(bytes) {
      send({ event: 'uploaded', bytes });
    },
    job(job) {
      const changed = !lastJob || lastJob.id !== job.id || lastJob.status !== job.status;
      lastJob = { id: job.id, status: job.status };
      if (changed) sendJob();
    },
  };
  const done = options.run(progress).then(
    (outcome) => send({ event: 'result', ...outcome.body }),
    (err: unknown) => {
      const rendered = renderError(err, errorContextOf(c, options.logger));
      send({
        event: 'error',
        ...rendered.body,
        httpStatus: rendered.status,
        ...(rendered.retryAfterSeconds !== undefined
          ? { retryAfterSeconds: rendered.retryAfterSeconds }
          : {}),
      });
    },
  );
  const finished = done.finally(() => {
    const wasOpen = open;
    stop();
    if (wasOpen) controller?.close();
  });
  c.set('responseDone', finished);
  return c.body(stream, 200, {
    'Content-Type': `${PROGRESS_CONTENT_TYPE}; charset=utf-8`,
    'Cache-Control': 'no-store',
    // Proxies such as nginx would otherwise hold the events back until the end.
    'X-Accel-Buffering': 'no',
  });
}
