// Prometheus metrics: one fresh registry per createMetrics() call, the request-counting middleware
// and the GET /metrics handler. It never uses prom-client's global registry and never puts a raw
// path, query string, token or table content into a label; callers record domain events themselves.
import type { Context, Handler, MiddlewareHandler } from 'hono';
import { matchedRoutes } from 'hono/route';
import { findTargetHandler, isMiddleware } from 'hono/utils/handler';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

export interface Metrics {
  registry: Registry;
  httpRequests: Counter<'route' | 'method' | 'status'>;
  requestDuration: Histogram<'route'>;
  uploadsInFlight: Gauge;
  uploadedBytes: Counter;
  uploadDuration: Histogram;
  jobWaitDuration: Histogram;
  /** `endpoint` is a fixed operation name such as 'files/prepare', never a URL with ids or tokens. */
  storageCalls: Counter<'endpoint' | 'status'>;
  /** `endpoint` as in storageCalls. */
  retries: Counter<'endpoint'>;
  /** `reason` is a fixed word such as 'client-disconnect', 'too-large', 'idle-timeout', 'upstream'. */
  abortedUploads: Counter<'reason'>;
  /** `stage`: 'before-upload' (the body was not read) or 'after-upload' (a concurrent duplicate). */
  idempotentReplays: Counter<'stage'>;
}

export interface CreateMetricsOptions {
  /**
   * Also export prom-client's process metrics (RSS, heap, event-loop lag) under their standard
   * names. Off by default: each call starts an event-loop monitor that is never stopped, which only
   * the one long-lived registry of the real service should pay for.
   */
  processMetrics?: boolean;
}

const PREFIX = 'table_importer_';
/** Label for requests no route handled (404s); the raw path would be unbounded and may hold secrets. */
const UNMATCHED_ROUTE = 'unmatched';
const KNOWN_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

// Seconds. Requests span 5 ms (/health) to a 30-minute job wait (JOB_WAIT_SECONDS default, up to
// an hour when a caller asks for a longer `wait`); uploads of a few GiB take minutes to ~30 minutes.
const REQUEST_BUCKETS = [
  0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1200, 1800, 3600,
];
const LONG_OPERATION_BUCKETS = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1200, 1800, 3600];

export function createMetrics(options: CreateMetricsOptions = {}): Metrics {
  const registry = new Registry();
  const registers = [registry];
  if (options.processMetrics) collectDefaultMetrics({ register: registry });
  return {
    registry,
    httpRequests: new Counter({
      name: `${PREFIX}http_requests_total`,
      help: 'HTTP requests answered, by route pattern, method and status',
      labelNames: ['route', 'method', 'status'] as const,
      registers,
    }),
    requestDuration: new Histogram({
      name: `${PREFIX}http_request_duration_seconds`,
      help: 'Time from receiving a request to its response being ready, by route pattern',
      labelNames: ['route'] as const,
      buckets: REQUEST_BUCKETS,
      registers,
    }),
    uploadsInFlight: new Gauge({
      name: `${PREFIX}uploads_in_flight`,
      help: 'Requests holding an upload slot: reading the body and streaming it to S3, not waiting for a job (capped by MAX_CONCURRENT_UPLOADS)',
      registers,
    }),
    uploadedBytes: new Counter({
      name: `${PREFIX}uploaded_bytes_total`,
      help: 'Bytes streamed to S3, as sent by callers',
      registers,
    }),
    uploadDuration: new Histogram({
      name: `${PREFIX}upload_duration_seconds`,
      help: 'Time to stream one request body to S3, first byte to completed upload',
      buckets: LONG_OPERATION_BUCKETS,
      registers,
    }),
    jobWaitDuration: new Histogram({
      name: `${PREFIX}job_wait_duration_seconds`,
      help: 'Time spent waiting for a Storage import job, from start to finish or to the wait budget',
      buckets: LONG_OPERATION_BUCKETS,
      registers,
    }),
    storageCalls: new Counter({
      name: `${PREFIX}storage_api_calls_total`,
      help: 'Storage API calls by fixed endpoint name and HTTP status ("network" when no answer arrived)',
      labelNames: ['endpoint', 'status'] as const,
      registers,
    }),
    retries: new Counter({
      name: `${PREFIX}storage_api_retries_total`,
      help: 'Storage API call retries by fixed endpoint name',
      labelNames: ['endpoint'] as const,
      registers,
    }),
    abortedUploads: new Counter({
      name: `${PREFIX}aborted_uploads_total`,
      help: 'Uploads aborted before an import job was started, by reason',
      labelNames: ['reason'] as const,
      registers,
    }),
    idempotentReplays: new Counter({
      name: `${PREFIX}idempotent_replays_total`,
      help: 'write-table requests answered with the outcome of an earlier request with the same idempotency key, by stage',
      labelNames: ['stage'] as const,
      registers,
    }),
  };
}

/**
 * Counts every request by the route pattern it matched (never the raw path), method and status, and
 * observes its duration. Register it first (`app.use(metricsMiddleware(metrics))`) so it also sees
 * responses produced by other middleware and by the error and not-found handlers.
 */
export function metricsMiddleware(metrics: Metrics): MiddlewareHandler {
  return async (c, next) => {
    const startedMs = performance.now();
    let status = 500;
    try {
      await next();
      status = c.res.status;
    } finally {
      const route = routeLabel(c);
      const method = KNOWN_METHODS.has(c.req.method) ? c.req.method : 'OTHER';
      metrics.httpRequests.inc({ route, method, status: String(status) });
      metrics.requestDuration.observe({ route }, (performance.now() - startedMs) / 1000);
    }
  };
}

/** GET /metrics: the registry in Prometheus text format. */
export function metricsHandler(metrics: Metrics): Handler {
  return async (c) => {
    const text = await metrics.registry.metrics();
    return c.body(text, 200, {
      'Content-Type': metrics.registry.contentType,
      'Cache-Control': 'no-store',
    });
  };
}

/**
 * The pattern of the route the request was dispatched to: the handler that answered, or, when a
 * middleware answered first (auth, capacity guard), the handler it stood in front of. None → 404 by
 * the not-found handler. Middleware is told apart as hono's route inspector does it (it declares
 * `next`), after unwrapping handlers of mounted sub-apps.
 */
function routeLabel(c: Context): string {
  const routes = matchedRoutes(c);
  for (let i = c.req.routeIndex; i < routes.length; i++) {
    const route = routes[i];
    if (route && !isMiddleware(findTargetHandler(route.handler))) return route.path;
  }
  return UNMATCHED_ROUTE;
}
