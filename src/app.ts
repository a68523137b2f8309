// HTTP routes of the importer and the one error handler that renders every failure as the JSON
// body of PRODUCT.md §2.1. Builds nothing itself: every collaborator comes in through AppDeps.
import { Hono } from 'hono';
import { AppError } from './errors.js';
import type { Logger } from './logger.js';

export interface AppDeps {
  logger: Logger;
  /** Local mode: the embedded Storage API stand-in, served under /v2/storage on the same server. */
  localStorageApi?: Hono;
}

export function createApp(deps: AppDeps): Hono {
  const app = new Hono();

  app.get('/health', (c) => c.json({ status: 'ok' }));
  if (deps.localStorageApi) app.route('/v2/storage', deps.localStorageApi);

  app.notFound((c) =>
    c.json(errorBody('importer.notFound', `No route for ${c.req.method} ${c.req.path}`), 404),
  );
  app.onError((err, c) => {
    if (err instanceof AppError) {
      const { retryAfterSeconds, ...details } = err.details;
      if (retryAfterSeconds !== undefined) c.header('Retry-After', String(retryAfterSeconds));
      return c.json({ ...errorBody(err.code, err.message), ...details }, err.status as 400);
    }
    deps.logger.error({ err, method: c.req.method, path: c.req.path }, 'unhandled error');
    return c.json(errorBody('importer.internalError', 'Internal server error'), 500);
  });
  return app;
}

function errorBody(code: string, message: string) {
  return { status: 'error', error: message, code };
}
