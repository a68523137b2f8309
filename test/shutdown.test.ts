// Graceful shutdown of the real process: SIGTERM/SIGINT drain in-flight uploads and job waits,
// refuse new requests with 503, keep the local Storage stand-in serving the importer meanwhile,
// then exit 0; a second signal exits at once; the drain deadline turns job waits into 202s.
import { mkdtemp, rm } from 'node:fs/promises';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { type LocalStorageServer, startLocalStorageServer } from '../src/local-storage/local-storage.js';
import { type ChildService, exitWithin, spawnService } from './support/child-service.js';
import { fieldPart, fileHeader } from './support/multipart-body.js';
import { chunk, multipartHead, openRaw } from './support/raw-socket.js';
import { metricSum } from './support/reliability-service.js';
import { type JobHoldingProxy, startJobHoldingProxy } from './support/storage-proxy.js';

const LOCAL_TOKEN = 'local-token';

interface PlainResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Record<string, unknown>;
}

/**
 * One request on its own keep-alive connection: the client asks to keep it open, so a
 * `Connection: close` in the answer is the server's own decision.
 */
function plainRequest(
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<PlainResponse> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  return new Promise<PlainResponse>((resolve, reject) => {
    const req = request(url, { method: options.method ?? 'GET', headers: options.headers, agent }, (res) => {
      let text = '';
      res.on('data', (data) => {
        text += String(data);
      });
      res.on('end', () => {
        try {
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: text ? JSON.parse(text) : {},
          });
        } catch (err) {
          reject(err);
        }
      });
    });
    req.on('error', reject);
    req.end(options.body);
  }).finally(() => agent.destroy());
}

/** The child's uploads in flight, from its /metrics. */
async function uploadsInFlight(url: string): Promise<number> {
  return metricSum(await (await fetch(`${url}/metrics`)).text(), 'table_importer_uploads_in_flight');
}

/** Starts a multipart upload by hand: the head, the tableId field and the first bytes of `data`. */
async function startSlowUpload(url: string, token: string, tableId: string, boundary: string) {
  const raw = await openRaw(url);
  await raw.write(multipartHead('/write-table', token, boundary));
  await raw.write(chunk(`${fieldPart(boundary, 'tableId', tableId) + fileHeader(boundary)}id,name\n`));
  return raw;
}

// Each test spawns the real process (tsx compiles it at start-up): their own timeout, not the 15 s default.
describe('graceful shutdown of the real process', { timeout: 60_000 }, () => {
  const cleanups: Array<() => Promise<unknown>> = [];
  const track = <T extends ChildService | LocalStorageServer | JobHoldingProxy>(thing: T): T => {
    cleanups.push(() => ('kill' in thing ? thing.kill() : thing.close()));
    return thing;
  };
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => {});
  });

  it.each(['SIGTERM', 'SIGINT'] as const)('an idle process exits 0 promptly on %s', async (signal) => {
    const service = track(await spawnService());
    service.child.kill(signal);
    // Nothing to drain: only closing the server, the stand-in, its S3 and DuckDB (~1-2 s here).
    const { code, signal: killedBy, elapsedMs } = await exitWithin(service, 10_000);
    expect({ code, killedBy }, service.output()).toEqual({ code: 0, killedBy: null });
    expect(elapsedMs).toBeLessThan(6_000);
    // JSON lines with ISO times and level names, in the order they happened (issue 15).
    const lines = service
      .output()
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as { msg: string; level: unknown; time: unknown });
    const order = ['table importer listening', 'shutting down: draining in-flight requests', 'shut down'];
    expect(lines.map((line) => line.msg).filter((msg) => order.includes(msg))).toEqual(order);
    for (const line of lines) {
      expect(line.level).toBe('info');
      expect(String(line.time)).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    }
    await rm(service.dataDir, { recursive: true, force: true });
  });

  it('SIGTERM during a slow upload: the upload finishes with 200 and every row, new requests get 503, the stand-in keeps serving, exit 0', async () => {
    const service = track(await spawnService({ DRAIN_SECONDS: '30' }));
    const tableId = 'in.c-drain.users';
    const rows = Array.from({ length: 200 }, (_, i) => [String(i), `name ${i}`]);
    const boundary = 'drainboundary';
    const upload = await startSlowUpload(service.url, LOCAL_TOKEN, tableId, boundary);
    const lines = rows.map((row) => `${row.join(',')}\n`);
    await upload.write(chunk(lines.slice(0, 10).join('')));
    await expect.poll(() => uploadsInFlight(service.url), { interval: 20 }).toBe(1);

    service.child.kill('SIGTERM');
    await service.waitForLog('shutting down: draining in-flight requests');

    // A new request during the drain: refused at once, before its body is read.
    const refused = await plainRequest(`${service.url}/write-table?tableId=in.c-drain.late`, {
      method: 'POST',
      headers: { 'X-StorageApi-Token': LOCAL_TOKEN, 'Content-Type': 'text/csv' },
      body: 'id\n1\n',
    });
    expect(refused.status).toBe(503);
    expect(refused.body).toMatchObject({ status: 'error', code: 'importer.shuttingDown' });
    expect(refused.headers['retry-after']).toBe('5');
    expect(refused.headers.connection).toBe('close');
    const health = await plainRequest(`${service.url}/health`);
    expect(health.status).toBe(503);
    expect(health.headers.connection).toBe('close');
    // The embedded Storage stand-in is still up: the importer needs it for its own job polling.
    const verify = await plainRequest(`${service.url}/v2/storage/tokens/verify`, {
      headers: { 'X-StorageApi-Token': LOCAL_TOKEN },
    });
    expect(verify.status).toBe(200);

    // The rest of the body trickles in over ~2 s, all of it after the signal.
    for (let i = 10; i < lines.length; i += 10) {
      await upload.write(chunk(lines.slice(i, i + 10).join('')));
      await sleep(100);
    }
    await upload.write(chunk(`\r\n--${boundary}--\r\n`));
    await upload.write('0\r\n\r\n');
    const answer = await upload.response(30_000);
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    expect(answer.body).toMatchObject({
      status: 'success',
      tableId,
      tableCreated: true,
      totalRowsCount: 200,
    });
    expect(answer.headers.connection).toBe('close');

    const { code } = await exitWithin(service, 15_000);
    expect(code).toBe(0);
    expect(service.output()).not.toContain('"level":"error"');
    // The upload built an S3 client: on Node 20 the SDK's Node-version notice must not reach users.
    expect(service.output()).not.toContain('NodeVersionSupportWarning');

    // The stand-in closed cleanly after the importer: the rows are there after a restart.
    const again = track(await spawnService({}, { dataDir: service.dataDir }));
    const preview = await fetch(
      `${again.url}/v2/storage/tables/${tableId}/data-preview?format=json&limit=1000`,
      { headers: { 'X-StorageApi-Token': LOCAL_TOKEN } },
    );
    expect(preview.status).toBe(200);
    const table = (await preview.json()) as { columns: string[]; rows: Array<Array<{ value: string }>> };
    expect(table.columns).toEqual(['id', 'name']);
    const landed = table.rows.map((row) => row.map((cell) => cell.value));
    expect(landed.sort((a, b) => Number(a[0]) - Number(b[0]))).toEqual(rows);
    again.child.kill('SIGTERM');
    expect((await exitWithin(again, 5_000)).code).toBe(0);
    await rm(service.dataDir, { recursive: true, force: true });
  });

  it('a second signal exits at once with 128 + its number, without waiting for the drain', async () => {
    const service = track(await spawnService({ DRAIN_SECONDS: '60' }));
    const upload = await startSlowUpload(service.url, LOCAL_TOKEN, 'in.c-drain.held', 'held');
    await upload.write(chunk('1,a\n'));
    // The upload is admitted (it holds the drain open) before the first signal.
    await expect.poll(() => uploadsInFlight(service.url), { interval: 20 }).toBe(1);
    service.child.kill('SIGINT');
    await service.waitForLog('shutting down: draining in-flight requests');
    await sleep(200);
    expect(service.child.exitCode).toBeNull();
    service.child.kill('SIGINT');
    const { code, elapsedMs } = await exitWithin(service, 3_000);
    expect(code).toBe(130);
    expect(elapsedMs).toBeLessThan(2_000);
    upload.destroy();
    await rm(service.dataDir, { recursive: true, force: true });
  });

  it('when DRAIN_SECONDS runs out, a job wait answers 202 with Location and an unfinished upload gets 503; exit 0', async () => {
    // Remote mode against a stand-in behind a proxy that keeps every job `processing`.
    const storageDir = await mkdtemp(join(tmpdir(), 'table-importer-drain-storage-'));
    const storage = track(
      await startLocalStorageServer({
        dataDir: storageDir,
        tokens: [{ token: LOCAL_TOKEN, description: 'master', isMasterToken: true }],
        s3Port: 0,
        port: 0,
      }),
    );
    const proxy = track(await startJobHoldingProxy(storage.url));
    const service = track(
      await spawnService({
        KBC_URL: proxy.url,
        HOST: '127.0.0.1',
        S3_ENDPOINT: storage.s3Endpoint,
        S3_FORCE_PATH_STYLE: 'true',
        DRAIN_SECONDS: '1',
        JOB_WAIT_SECONDS: '120',
      }),
    );

    const form = new FormData();
    form.append('tableId', 'in.c-drain.waiting');
    form.append('data', new Blob(['id\n1\n']), 'w.csv');
    const waiting = fetch(`${service.url}/write-table`, {
      method: 'POST',
      headers: { 'X-StorageApi-Token': LOCAL_TOKEN },
      body: form,
    });
    for (let i = 0; proxy.jobPolls === 0; i += 1) {
      if (i > 500) throw new Error(`the job was never polled:\n${service.output()}`);
      await sleep(20);
    }
    const upload = await startSlowUpload(service.url, LOCAL_TOKEN, 'in.c-drain.unfinished', 'cut');
    await upload.write(chunk('1,a\n'));
    // Admitted: the child's in-flight gauge shows the unfinished upload (the waiting one gave its slot back).
    await expect.poll(() => uploadsInFlight(service.url), { interval: 20 }).toBe(1);

    const signalledAt = Date.now();
    service.child.kill('SIGTERM');
    const waited = await waiting;
    const waitedBody = (await waited.json()) as Record<string, unknown> & { job: { id: number } };
    expect(waited.status, JSON.stringify(waitedBody)).toBe(202);
    expect(Date.now() - signalledAt).toBeGreaterThanOrEqual(900);
    expect(waitedBody).toMatchObject({ status: 'processing', tableId: 'in.c-drain.waiting' });
    // Where to follow the job (Storage's job URL, or the importer's own job route).
    expect(waited.headers.get('location')).toMatch(new RegExp(`/jobs/${waitedBody.job.id}$`));

    const cut = await upload.response(10_000);
    expect(cut.status).toBe(503);
    expect(cut.body).toMatchObject({ status: 'error', code: 'importer.shuttingDown' });
    expect(cut.headers['retry-after']).toBe('5');

    const { code } = await exitWithin(service, 10_000);
    expect(code).toBe(0);
    // Only the waiting request's job was ever started: the cut upload started none.
    const jobs = (await (
      await fetch(`${storage.url}/v2/storage/jobs?limit=100`, {
        headers: { 'X-StorageApi-Token': LOCAL_TOKEN },
      })
    ).json()) as Array<{ operationName: string; tableId: string | null }>;
    expect(jobs).toHaveLength(1);
    await storage.close();
    await rm(storageDir, { recursive: true, force: true });
    await rm(service.dataDir, { recursive: true, force: true });
  });
});
