// `?token=` for webhook senders that cannot set headers: it works on every data endpoint, and the
// secret never shows up in the service's logs or metrics, whether the request succeeds or fails.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { send, writeJson } from '../support/importer-requests.js';
import { type LocalService, startLocalService } from '../support/local-service.js';

const SECRET = 'query-secret-0f3c9a7e5b';
const WRONG_SECRET = 'wrong-secret-7d2b41c8aa';

describe('?token= in the query string', () => {
  let service: LocalService;
  beforeAll(async () => {
    service = await startLocalService({ LOCAL_STORAGE_TOKEN: SECRET });
  });
  afterAll(() => service.close());

  it('authenticates a webhook-style JSON write, its job lookup and an upload, and is never logged', async () => {
    const written = await writeJson(service.url, undefined, '{"event":"signup","user":{"id":7}}', {
      tableId: 'in.c-hooks.events',
      token: SECRET,
    });
    expect(written.status, JSON.stringify(written.body)).toBe(200);
    expect(await service.previewRows('in.c-hooks.events')).toEqual([
      ['event', 'user'],
      ['signup', '{"id":7}'],
    ]);

    const jobId = (written.body.job as { id: number }).id;
    const job = await send(`${service.url}/jobs/${jobId}?token=${SECRET}`, { method: 'GET' });
    expect(job.status).toBe(200);

    const uploaded = await send(`${service.url}/upload-file?name=hook.json&token=${SECRET}`, {
      headers: { 'Content-Type': 'application/json' },
      body: '{"raw":true}',
    });
    expect(uploaded.status, JSON.stringify(uploaded.body)).toBe(200);

    const rejected = await writeJson(service.url, undefined, '[{"a":1}]', {
      tableId: 'in.c-hooks.other',
      token: WRONG_SECRET,
    });
    expect(rejected.status).toBe(401);
    expect(rejected.body.code).toBe('storage.tokenInvalid');

    const metrics = await (await fetch(`${service.url}/metrics`)).text();
    // Log lines are written as requests finish: wait for both request lines.
    const requestLines = () => service.logs.filter((line) => line.includes('"msg":"request"'));
    await expect
      .poll(() => requestLines().some((line) => line.includes('"path":"/write-table"')), { interval: 5 })
      .toBe(true);
    await expect
      .poll(() => requestLines().some((line) => line.includes('"path":"/upload-file"')), { interval: 5 })
      .toBe(true);
    for (const text of [...service.logs, metrics]) {
      expect(text).not.toContain(SECRET);
      expect(text).not.toContain(WRONG_SECRET);
    }
  });

  it('a header token wins over the query string', async () => {
    const answer = await writeJson(service.url, SECRET, '[{"a":1}]', {
      tableId: 'in.c-hooks.both',
      token: WRONG_SECRET,
    });
    expect(answer.status).toBe(200);
  });
});
