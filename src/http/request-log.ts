// One JSON log line per request: id, method, path (never the query, which may carry a token),
// status, duration and what the handler learned (table, file, job, bytes, outcome).
import { randomUUID } from 'node:crypto';
import type { Context, MiddlewareHandler } from 'hono';
import type { Logger } from '../logger.js';
import type { AppEnv } from './app-env.js';

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export function requestLog(logger: Logger): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const startedAt = performance.now();
    const offered = c.req.header('x-request-id');
    const requestId = offered && REQUEST_ID.test(offered) ? offered : randomUUID();
    c.set('requestId', requestId);
    c.set('facts', {});
    c.header('X-Request-Id', requestId);
    await next();
    const responseDone = c.get('responseDone');
    const write = () => writeLine(c, logger, requestId, startedAt);
    if (responseDone) void responseDone.then(write, write);
    else write();
  };
}

function writeLine(c: Context<AppEnv>, logger: Logger, requestId: string, startedAt: number): void {
  const line = {
    requestId,
    method: c.req.method,
    path: c.req.path,
    status: c.res.status,
    durationMs: Math.round(performance.now() - startedAt),
    // A streamed answer (progress events) is 200 whatever happened: its outcome and code say it.
    ...c.get('facts'),
  };
  // 503 (at capacity, shutting down) is the service protecting itself, not a failure to page on.
  if (c.res.status === 503) logger.warn(line, 'request');
  else if (c.res.status >= 500) logger.error(line, 'request');
  else if (!c.req.path.startsWith('/v2/storage') && c.req.path !== '/health') logger.info(line, 'request');
  else logger.debug(line, 'request');
}
