// HTTP routes of the importer and the one error handler that renders every failure as the JSON
// body of PRODUCT.md §2.1. Builds nothing itself: every collaborator comes in through AppDeps.
import { Hono, type MiddlewareHandler } from 'hono';
import { IMPORTER_ERRORS } from './errors.js';
import type { AppEnv } from './http/app-env.js';
import { asClientGone, catchBareThrows } from './http/client-gone.js';
import type { Drain } from './http/drain.js';
import { errorBody, errorContextOf, renderError } from './http/error-body.js';
import { jsonNewline } from './http/json-newline.js';
import { requestLog } from './http/request-log.js';
import type { Logger } from './logger.js';
import { type Metrics, metricsHandler, metricsMiddleware } from './metrics.js';
import { type BrowserPageDeps, mountBrowserPage } from './routes/browser-page/browser-page-routes.js';
import { createGetJobHandler } from './routes/jobs/get-job.js';
import { createUploadFileHandler } from './routes/upload-file/upload-file.js';
import { createWriteTableHandler, type WriteTableDeps } from './routes/write-table/write-table.js';

export interface AppDeps {
  logger: Logger;
  metrics: Metrics;
  writeTable?: WriteTableDeps;
  /** GET / (the upload page) and the read-only routes it calls. */
  browserPage?: BrowserPageDeps;
  /** Local mode: the embedded Storage API stand-in, served under /v2/storage on the same server. */
  localStorageApi?: Hono;
  /** Graceful shutdown: refuses new requests while draining (the stand-in and /metrics stay served). */
  drain?: Drain;
}

export function createApp(deps: AppDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.use(metricsMiddleware(deps.metrics));
  app.use(jsonNewline({ exceptPaths: ['/v2/storage'] }));
  app.use(requestLog(deps.logger));
  app.use(catchBareThrows());
  app.use(requireHostHeader());
  if (deps.drain) app.use(deps.drain.guard({ exceptPaths: ['/v2/storage', '/metrics'] }));

  app.get('/health', (c) => c.json({ status: 'ok' }));
  app.get('/metrics', metricsHandler(deps.metrics));
  if (deps.writeTable) {
    const writeTable = createWriteTableHandler(deps.writeTable);
    app.post('/write-table', writeTable);
    app.put('/write-table', writeTable);
    app.post('/upload-file', createUploadFileHandler(deps.writeTable));
    app.get('/jobs/:jobId{[0-9]{1,15}}', createGetJobHandler(deps.writeTable));
    allowOnly(app, '/write-table', ['POST', 'PUT']);
    allowOnly(app, '/upload-file', ['POST']);
  }
  if (deps.browserPage) mountBrowserPage(app, deps.browserPage);
  if (deps.localStorageApi) app.route('/v2/storage', deps.localStorageApi);

  app.notFound((c) =>
    c.json(
      errorBody('importer.notFound', `No route for ${c.req.method} ${c.req.path}`),
      IMPORTER_ERRORS['importer.notFound'],
    ),
  );
  app.onError((caught, c) => {
    // A client that left makes its request's awaits throw; that is its disconnect, not our error.
    const err = asClientGone(caught, c.req.raw.signal);
    // An answer sent before the body was read: close the connection instead of reading the rest.
    const incoming = c.env?.incoming;
    if (incoming && !incoming.readableEnded) c.header('Connection', 'close');
    const rendered = renderError(err, errorContextOf(c, deps.logger));
    if (rendered.retryAfterSeconds !== undefined) c.header('Retry-After', String(rendered.retryAfterSeconds));
    return c.json(rendered.body, rendered.status as 400);
  });
  return app;
}

/** HTTP/1.1 requires a Host header (RFC 9112 §3.2); Node's own refusal would carry no JSON body. */
function requireHostHeader(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const incoming = c.env?.incoming;
    if (incoming && incoming.httpVersion === '1.1' && incoming.headers.host === undefined) {
      c.header('Connection', 'close');
      return c.json(
        errorBody('importer.malformedRequest', 'The request is not valid HTTP/1.1: it has no Host header.'),
        IMPORTER_ERRORS['importer.malformedRequest'],
      );
    }
    await next();
  };
}

/** Any other method on a known path: 405 with Allow, not a misleading 404. */
function allowOnly(app: Hono<AppEnv>, path: string, methods: string[]): void {
  app.all(path, (c) => {
    c.header('Allow', methods.join(', '));
    return c.json(
      errorBody(
        'importer.methodNotAllowed',
        `${c.req.method} is not supported on ${path}; use ${methods.join(' or ')}.`,
      ),
      IMPORTER_ERRORS['importer.methodNotAllowed'],
    );
  });
}
