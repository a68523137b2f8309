// Fault injection in front of the stand-in's Storage API: classifies each request by endpoint kind,
// asks the injector, then delays, answers 500/502/503/429 without handling the request, or cuts the
// connection before handling it or after handling it (the job exists, the caller never hears so).
import { setTimeout as sleep } from 'node:timers/promises';
import type { HttpBindings } from '@hono/node-server';
import { type Context, Hono } from 'hono';
import type { Logger } from '../../logger.js';
import { createExceptionId, sendJson } from '../protocol/storage-response.js';
import type { FaultInjector } from './fault-injector.js';
import type { FailureKind, StorageTarget } from './fault-plan.js';

const ENDPOINTS: ReadonlyArray<[method: string, path: RegExp, target: StorageTarget]> = [
  ['POST', /\/files\/prepare$/, 'prepare'],
  ['POST', /\/tables\/[^/]+\/import-async$/, 'import'],
  ['POST', /\/buckets\/[^/]+\/tables-async$/, 'create'],
  ['GET', /\/jobs\/[^/]+$/, 'job'],
  ['GET', /\/jobs$/, 'jobs'],
  ['GET', /\/tables\/[^/]+$/, 'table'],
  ['GET', /\/buckets\/[^/]+$/, 'bucket'],
  ['POST', /\/buckets$/, 'bucket'],
  ['GET', /\/files\/\d+$/, 'file'],
];

export function classifyStorageRequest(method: string, path: string): StorageTarget {
  const found = ENDPOINTS.find(([m, pattern]) => m === method && pattern.test(path));
  return found ? found[2] : 'other';
}

/** Wraps the stand-in's API (routes relative to /v2/storage) in the fault layer. */
export function withStorageFaults(api: Hono, injector: FaultInjector, logger?: Logger): Hono {
  const app = new Hono();
  app.use('*', async (c, next) => {
    const target = classifyStorageRequest(c.req.method, c.req.path);
    const { latencyMs, failure } = injector.decide(target);
    if (latencyMs > 0) await sleep(latencyMs);
    if (failure === undefined) return next();
    logger?.debug({ target, fault: failure, method: c.req.method }, 'injected Storage fault');
    if (failure === 'reset-before') return resetConnection(c);
    if (failure === 'reset-after') {
      await next();
      // Handled (a POST has queued its job), but the caller never gets the answer.
      await c.res.body?.cancel().catch(() => {});
      return resetConnection(c);
    }
    return failureResponse(failure, injector.plan.retryAfterSeconds);
  });
  app.route('/', api);
  return app;
}

function resetConnection(c: Context): Response {
  // Served by @hono/node-server (mounted on the importer or standalone): the Node request is in env.
  (c.env as Partial<HttpBindings> | undefined)?.incoming?.socket.destroy();
  // Never delivered: the socket is gone. The status only shows up in the server's own request log.
  return new Response(null, { status: 499 });
}

/** Shaped like what sends each status in front of or inside Storage. */
function failureResponse(
  failure: Exclude<FailureKind, `reset-${string}`>,
  retryAfterSeconds: number,
): Response {
  const retryAfter = { 'Retry-After': String(retryAfterSeconds) };
  switch (failure) {
    case '500':
      // Storage itself failed: its usual error body with an exceptionId.
      return sendJson(
        {
          error: 'Injected fault: application error.',
          code: 'applicationError',
          exceptionId: createExceptionId(),
          status: 'error',
        },
        500,
      );
    case '502':
      // A proxy in front of Storage: HTML, nothing a client can tell a Storage outcome from.
      return new Response('<html><body><h1>502 Bad Gateway</h1></body></html>', {
        status: 502,
        headers: { 'Content-Type': 'text/html' },
      });
    case '503':
      return new Response('Service Unavailable', {
        status: 503,
        headers: { 'Content-Type': 'text/plain', ...retryAfter },
      });
    case '429': {
      const body = { error: 'Injected fault: too many requests.', code: 'tooManyRequests', status: 'error' };
      return new Response(JSON.stringify(body), {
        status: 429,
        headers: { 'Content-Type': 'application/json', ...retryAfter },
      });
    }
  }
}
