// The routes behind the upload page: GET / and its assets (strict CSP, the local token only in
// local mode), GET /tables (the caller's buckets and tables, with the caller's token) and
// GET /tables/{id}/preview (the first rows through data-preview). No token → 401, with the CSP too.
import { Writable } from 'node:stream';
import { createAdaptorServer } from '@hono/node-server';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import { createLogger } from '../../src/logger.js';
import { createMetrics } from '../../src/metrics.js';
import { createStorageClient } from '../../src/storage-api/storage-client.js';
import { multipart, writeTable } from '../support/http-client.js';
import { type LocalService, startLocalService } from '../support/local-service.js';

const READER = 'reader-token';

function expectStrictCsp(response: request.Response): void {
  const csp = String(response.headers['content-security-policy']);
  expect(csp).toContain("default-src 'none'");
  expect(csp).toContain("script-src 'self'");
  expect(csp).toContain("style-src 'self'");
  expect(csp).toContain("frame-ancestors 'none'");
  expect(csp).not.toContain('unsafe-inline');
  expect(response.headers['x-frame-options']).toBe('DENY');
  expect(response.headers['x-content-type-options']).toBe('nosniff');
}

describe('browser page routes (local mode)', () => {
  let service: LocalService;
  beforeAll(async () => {
    service = await startLocalService(
      {},
      { localTokens: [{ token: READER, bucketPermissions: { 'in.c-shared': 'read' } }] },
    );
    for (const tableId of ['in.c-shared.people', 'in.c-private.secrets']) {
      const rows = Array.from({ length: 30 }, (_, i) => `${i + 1},name-${i + 1}`).join('\n');
      const created = await writeTable(
        service.url,
        service.token,
        multipart([['tableId', tableId]], `id,name\n${rows}\n`),
      );
      expect(created.status, JSON.stringify(created.body)).toBe(200);
    }
  });
  afterAll(() => service?.close());

  it('GET / serves the page with a strict CSP and the local token in its meta tag', async () => {
    const response = await request(service.url).get('/').expect(200);
    expect(response.headers['content-type']).toMatch(/^text\/html/);
    expectStrictCsp(response);
    expect(response.text).toContain(`<meta name="local-token" content="${service.token}">`);
    expect(response.text).toContain('<script type="module" src="/ui/upload-page.js"></script>');
    // No inline script or style anywhere in the page.
    expect(response.text).not.toMatch(/<script(?![^>]*\ssrc=)[^>]*>/);
    expect(response.text).not.toMatch(/<style|\sstyle=/);
  });

  it('serves the page assets with their types and the CSP, and nothing else under /ui', async () => {
    const script = await request(service.url).get('/ui/upload-page.js').expect(200);
    expect(script.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expectStrictCsp(script);
    const css = await request(service.url).get('/ui/upload-page.css').expect(200);
    expect(css.headers['content-type']).toBe('text/css; charset=utf-8');
    await request(service.url).get('/ui/..%2Fapp.js').expect(404);
    await request(service.url).get('/ui/index.html').expect(404);
  });

  it('GET /tables answers 401 without a token, with the CSP', async () => {
    const response = await request(service.url).get('/tables').expect(401);
    expect(response.body.code).toBe('importer.tokenMissing');
    expectStrictCsp(response);
  });

  it('GET /tables lists what the caller’s token can read', async () => {
    const master = await request(service.url)
      .get('/tables')
      .set('X-StorageApi-Token', service.token)
      .expect(200);
    expectStrictCsp(master);
    expect(master.body).toEqual({
      buckets: [{ id: 'in.c-private' }, { id: 'in.c-shared' }],
      tables: [
        { id: 'in.c-private.secrets', rowsCount: 30 },
        { id: 'in.c-shared.people', rowsCount: 30 },
      ],
    });
    const reader = await request(service.url)
      .get('/tables')
      .set('Authorization', `Bearer ${READER}`)
      .expect(200);
    expect(reader.body).toEqual({
      buckets: [{ id: 'in.c-shared' }],
      tables: [{ id: 'in.c-shared.people', rowsCount: 30 }],
    });
    const rejected = await request(service.url).get('/tables').set('X-StorageApi-Token', 'nope').expect(401);
    expect(rejected.body.code).toBe('storage.tokenInvalid');
  });

  it('GET /tables/{id}/preview gives the first 20 rows with the caller’s token', async () => {
    const response = await request(service.url)
      .get('/tables/in.c-shared.people/preview')
      .set('X-StorageApi-Token', READER)
      .expect(200);
    expectStrictCsp(response);
    expect(response.body.tableId).toBe('in.c-shared.people');
    expect(response.body.columns).toEqual(['id', 'name']);
    expect(response.body.rows).toHaveLength(20);
    for (const [id, name] of response.body.rows as string[][]) expect(name).toBe(`name-${id}`);

    const five = await request(service.url)
      .get('/tables/in.c-shared.people/preview?limit=5')
      .set('X-StorageApi-Token', READER)
      .expect(200);
    expect(five.body.rows).toHaveLength(5);
  });

  it('GET /tables/{id}/preview relays errors: no token, bad tableId, bad limit, no access, missing table', async () => {
    const path = '/tables/in.c-shared.people/preview';
    const noToken = await request(service.url).get(path).expect(401);
    expect(noToken.body.code).toBe('importer.tokenMissing');
    expectStrictCsp(noToken);
    const badId = await request(service.url)
      .get('/tables/in.c-shared/preview')
      .set('X-StorageApi-Token', READER)
      .expect(400);
    expect(badId.body).toMatchObject({ code: 'importer.invalidTableId', field: 'tableId' });
    const badLimit = await request(service.url)
      .get(`${path}?limit=1000`)
      .set('X-StorageApi-Token', READER)
      .expect(400);
    expect(badLimit.body).toMatchObject({ code: 'importer.invalidNumber', field: 'limit' });
    const denied = await request(service.url)
      .get('/tables/in.c-private.secrets/preview')
      .set('X-StorageApi-Token', READER)
      .expect(403);
    expect(denied.body.code).toBe('accessDenied');
    const missing = await request(service.url)
      .get('/tables/in.c-shared.nothing/preview')
      .set('X-StorageApi-Token', service.token)
      .expect(404);
    expect(missing.body.code).toBe('storage.tables.notFound');
  });

  it('never logs a token', () => {
    expect(service.logs.some((line) => line.includes(service.token) || line.includes(READER))).toBe(false);
  });
});

describe('browser page in remote mode', () => {
  it('does not prefill any token', async () => {
    const app = createApp({
      logger: createLogger('silent', new Writable({ write: (_chunk, _encoding, done) => done() })),
      metrics: createMetrics({ processMetrics: false }),
      browserPage: { storage: createStorageClient({ baseUrl: 'http://127.0.0.1:9' }) },
    });
    const response = await request(createAdaptorServer({ fetch: app.fetch }))
      .get('/')
      .expect(200);
    expect(response.text).toContain('<meta name="local-token" content="">');
    expectStrictCsp(response);
  });
});
