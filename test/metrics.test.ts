// GET /metrics through a real Hono app: requests are counted by route pattern, never by raw path or
// query (which may hold table ids or a ?token=), and every registry is independent of the others.
import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { createMetrics, type Metrics, metricsHandler, metricsMiddleware } from '../src/metrics.js';

function createTestApp(metrics: Metrics): Hono {
  const app = new Hono();
  app.use(metricsMiddleware(metrics));
  app.get('/metrics', metricsHandler(metrics));
  app.get('/items/:id', (c) => c.json({ ok: true }));
  app.get('/boom/:id', () => {
    throw new Error('handler failed');
  });
  app.post(
    '/guarded/:id',
    async (c, next) => (c.req.header('X-StorageApi-Token') ? next() : c.json({ error: 'no token' }, 401)),
    (c) => c.json({ ok: true }),
  );
  const storage = new Hono();
  storage.get('/tables/:tableId', (c) => c.json({ id: c.req.param('tableId') }));
  storage.onError((_err, c) => c.json({ error: 'storage' }, 500));
  app.route('/v2/storage', storage);
  app.onError((_err, c) => c.json({ error: 'internal' }, 500));
  return app;
}

async function scrape(app: Hono): Promise<string> {
  const response = await app.request('/metrics');
  expect(response.status).toBe(200);
  return response.text();
}

describe('metrics', () => {
  it('labels a request with its route pattern and leaks neither the path nor the query', async () => {
    const metrics = createMetrics();
    const app = createTestApp(metrics);

    const response = await app.request('/items/secret-token-123?token=abc');
    expect(response.status).toBe(200);
    const text = await scrape(app);

    expect(text).toContain(
      'table_importer_http_requests_total{route="/items/:id",method="GET",status="200"} 1',
    );
    expect(text).toContain('table_importer_http_request_duration_seconds_count{route="/items/:id"} 1');
    expect(text).not.toContain('secret-token-123');
    expect(text).not.toContain('abc');
  });

  it('labels unmatched paths "unmatched" and handler errors with their route and 500', async () => {
    const metrics = createMetrics();
    const app = createTestApp(metrics);

    expect((await app.request('/no/such/in.c-main.secret-table?token=abc')).status).toBe(404);
    expect((await app.request('/boom/in.c-main.users')).status).toBe(500);
    const text = await scrape(app);

    expect(text).toContain(
      'table_importer_http_requests_total{route="unmatched",method="GET",status="404"} 1',
    );
    expect(text).toContain(
      'table_importer_http_requests_total{route="/boom/:id",method="GET",status="500"} 1',
    );
    expect(text).not.toContain('secret-table');
    expect(text).not.toContain('in.c-main.users');
  });

  it('counts a response given early by a middleware under the route it guards', async () => {
    const metrics = createMetrics();
    const app = createTestApp(metrics);

    expect((await app.request('/guarded/1', { method: 'POST' })).status).toBe(401);
    const authorised = await app.request('/guarded/1', {
      method: 'POST',
      headers: { 'X-StorageApi-Token': 'my-secret-token' },
    });
    expect(authorised.status).toBe(200);
    const text = await scrape(app);

    expect(text).toContain(
      'table_importer_http_requests_total{route="/guarded/:id",method="POST",status="401"} 1',
    );
    expect(text).toContain(
      'table_importer_http_requests_total{route="/guarded/:id",method="POST",status="200"} 1',
    );
    expect(text).not.toContain('my-secret-token');
  });

  it('labels routes of a mounted sub-app with their full pattern', async () => {
    const metrics = createMetrics();
    const app = createTestApp(metrics);

    expect((await app.request('/v2/storage/tables/in.c-main.users')).status).toBe(200);
    const text = await scrape(app);

    expect(text).toContain(
      'table_importer_http_requests_total{route="/v2/storage/tables/:tableId",method="GET",status="200"} 1',
    );
  });

  it('folds unknown methods into OTHER so a client cannot grow the label set', async () => {
    const metrics = createMetrics();
    const app = createTestApp(metrics);

    await app.request('/items/1', { method: 'PROPFIND' });
    const text = await scrape(app);

    expect(text).toContain(
      'table_importer_http_requests_total{route="unmatched",method="OTHER",status="404"} 1',
    );
    expect(text).not.toContain('PROPFIND');
  });

  it('serves the Prometheus text format with the registry content type', async () => {
    const metrics = createMetrics();
    const response = await createTestApp(metrics).request('/metrics');

    expect(response.headers.get('content-type')).toBe(metrics.registry.contentType);
    expect(metrics.registry.contentType).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(await response.text()).toContain('# TYPE table_importer_http_requests_total counter');
  });

  it('exports the upload, job and Storage API metrics that callers record', async () => {
    const metrics = createMetrics();
    metrics.uploadsInFlight.inc();
    metrics.uploadedBytes.inc(1234);
    metrics.uploadDuration.observe(2);
    metrics.jobWaitDuration.observe(1500);
    metrics.storageCalls.inc({ endpoint: 'files/prepare', status: '200' });
    metrics.retries.inc({ endpoint: 'files/prepare' });
    metrics.abortedUploads.inc({ reason: 'client-disconnect' });
    const text = await scrape(createTestApp(metrics));

    expect(text).toContain('table_importer_uploads_in_flight 1');
    expect(text).toContain('table_importer_uploaded_bytes_total 1234');
    expect(text).toContain('table_importer_upload_duration_seconds_bucket{le="2.5"} 1');
    expect(text).toContain('table_importer_job_wait_duration_seconds_bucket{le="1800"} 1');
    expect(text).toContain('table_importer_job_wait_duration_seconds_bucket{le="1200"} 0');
    expect(text).toContain('table_importer_storage_api_calls_total{endpoint="files/prepare",status="200"} 1');
    expect(text).toContain('table_importer_storage_api_retries_total{endpoint="files/prepare"} 1');
    expect(text).toContain('table_importer_aborted_uploads_total{reason="client-disconnect"} 1');
  });

  it('gives every createMetrics() call its own registry', async () => {
    const first = createMetrics();
    const second = createMetrics();
    expect(first.registry).not.toBe(second.registry);

    await createTestApp(first).request('/items/1');
    const secondText = await scrape(createTestApp(second));

    expect(secondText).not.toContain('route="/items/:id"');
    expect(await first.registry.metrics()).toContain('route="/items/:id"');
  });

  it('adds the standard process metrics only when asked', async () => {
    expect(await createMetrics().registry.metrics()).not.toContain('process_resident_memory_bytes');
    expect(await createMetrics({ processMetrics: true }).registry.metrics()).toContain(
      'process_resident_memory_bytes',
    );
  });
});
