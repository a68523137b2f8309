// Secrets stay secret on every path, good or bad: with every log line of the importer and of the
// Storage stand-in captured at trace level, no caller token, S3 secret key or session token shows
// up in a log line, a response (body or header) or /metrics. Remote mode, so a proxy between the
// importer and Storage can record exactly which S3 credentials were handed out.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { createFaultInjector } from '../../src/local-storage/faults/fault-injector.js';
import { type LocalStorageServer, startLocalStorageServer } from '../../src/local-storage/local-storage.js';
import { createLogger } from '../../src/logger.js';
import { type RunningService, startService } from '../../src/main.js';
import { multipart } from '../support/http-client.js';
import { fieldPart, fileHeader } from '../support/multipart-body.js';
import { chunk, multipartHead, openRaw } from '../support/raw-socket.js';
import {
  expectNoSecrets,
  metricSum,
  TEST_JOB_SEARCH,
  TEST_RETRY_POLICY,
} from '../support/reliability-service.js';
import { type RecordingProxy, startRecordingProxy } from '../support/storage-proxy.js';

const MIB = 1024 * 1024;

// One long scenario (many requests under faults): its own timeout, not the 15 s default.
describe('secrets', { timeout: 60_000 }, () => {
  const token = `sec-${randomBytes(24).toString('hex')}`;
  const wrongToken = `wrong-${randomBytes(24).toString('hex')}`;
  const faults = createFaultInjector();
  const logs: string[] = [];
  const answers: string[] = [];
  let dataDir: string;
  let storage: LocalStorageServer;
  let proxy: RecordingProxy;
  let service: RunningService;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'table-importer-secrets-'));
    const sink = new Writable({
      write(data, _encoding, callback) {
        logs.push(...String(data).split('\n').filter(Boolean));
        callback();
      },
    });
    const logger = createLogger('trace', sink);
    storage = await startLocalStorageServer({
      dataDir,
      tokens: [{ token, isMasterToken: true }],
      s3Port: 0,
      logger: logger.child({ component: 'local-storage' }),
      faults,
    });
    proxy = await startRecordingProxy(storage.url);
    const config = loadConfig({
      PORT: '0',
      KBC_URL: proxy.url,
      S3_ENDPOINT: storage.s3Endpoint,
      S3_FORCE_PATH_STYLE: 'true',
      HOST: '127.0.0.1',
      UPLOAD_PART_BYTES: String(5 * MIB),
      LOG_LEVEL: 'trace',
    });
    service = await startService(config, logger, {
      retryPolicy: TEST_RETRY_POLICY,
      jobSearch: TEST_JOB_SEARCH,
      jobPoll: { firstPollDelayMs: 10, maxPollDelayMs: 100 },
    });
  });
  afterAll(async () => {
    await service?.close();
    await proxy?.close();
    await storage?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  async function send(
    tableId: string,
    csv: string,
    options: { headers?: Record<string, string>; query?: string; raw?: boolean } = {},
  ): Promise<number> {
    const response = await fetch(`${service.url}/write-table${options.query ?? ''}`, {
      method: options.raw ? 'PUT' : 'POST',
      headers: { ...(options.raw ? { 'Content-Type': 'text/csv' } : {}), ...options.headers },
      body: options.raw ? csv : multipart([['tableId', tableId]], csv),
    });
    answers.push(await response.text(), JSON.stringify([...response.headers]));
    return response.status;
  }

  it('leaks no token or S3 credential on success, failure, fault or disconnect', async () => {
    const withToken = { 'X-StorageApi-Token': token };
    const statuses: number[] = [];
    // Happy paths, each way of passing the token.
    statuses.push(await send('in.c-secrets.a', 'id,name\n1,a\n', { headers: withToken }));
    statuses.push(
      await send('', 'id,name\n2,b\n', { raw: true, query: `?tableId=in.c-secrets.b&token=${token}` }),
    );
    statuses.push(await send('in.c-secrets.c', 'id\n1\n', { headers: { Authorization: `Bearer ${token}` } }));
    // A failed job, an async answer, a rejected token.
    statuses.push(await send('in.c-secrets.a', 'id\n9\n', { headers: withToken }));
    statuses.push(
      await send('in.c-secrets.d', 'id\n1\n', { headers: { ...withToken, Prefer: 'respond-async' } }),
    );
    statuses.push(await send('in.c-secrets.e', 'id\n1\n', { headers: { 'X-StorageApi-Token': wrongToken } }));
    // A multi-part upload while S3 and Storage fail often.
    faults.configure({
      seed: 3,
      retryAfterSeconds: 0,
      rules: [
        { target: 's3', fault: '500', rate: 0.2 },
        { target: 's3', fault: 'reset-before', rate: 0.2 },
        { target: '*', fault: '502', rate: 0.15 },
        { target: '*', fault: 'reset-after', rate: 0.15 },
        { target: '*', fault: '429', rate: 0.1 },
      ],
    });
    const big = `id,v\n${Array.from({ length: Math.ceil((6 * MIB) / 40) }, (_, i) => `${i},${'x'.repeat(32)}`).join('\n')}\n`;
    statuses.push(await send('in.c-secrets.big', big, { headers: withToken }));
    for (let i = 0; i < 6; i += 1)
      statuses.push(await send(`in.c-secrets.f${i}`, 'id\n1\n', { headers: withToken }));
    const injected = faults.injected();
    // S3 refusing every upload: the SDK's own error ends in the answer and the log.
    faults.configure({ rules: [{ target: 's3', fault: '500', rate: 1 }] });
    statuses.push(await send('in.c-secrets.s3', 'id\n1\n', { headers: withToken }));
    faults.configure({ rules: [] });
    // A client that vanishes mid-upload.
    const metric = async (name: string, labels: Record<string, string> = {}) =>
      metricSum(await (await fetch(`${service.url}/metrics`)).text(), name, labels);
    const prepared = () => metric('table_importer_storage_api_calls_total', { endpoint: 'files/prepare' });
    const preparedBefore = await prepared();
    const raw = await openRaw(service.url);
    await raw.write(multipartHead('/write-table', token, 'sec'));
    await raw.write(chunk(`${fieldPart('sec', 'tableId', 'in.c-secrets.gone')}${fileHeader('sec')}id\n1\n`));
    // The upload is under way (Storage answered files/prepare) when the client goes; then it ends.
    await expect.poll(prepared).toBeGreaterThan(preparedBefore);
    raw.destroy();
    await expect.poll(() => metric('table_importer_uploads_in_flight')).toBe(0);

    const metrics = await (await fetch(`${service.url}/metrics`)).text();
    const secrets: Record<string, string> = { 'caller token': token, 'rejected token': wrongToken };
    proxy.credentials.forEach((credentials, i) => {
      secrets[`S3 secret key #${i}`] = credentials.SecretAccessKey;
      secrets[`S3 session token #${i}`] = credentials.SessionToken;
    });
    console.log(
      `secrets figures: ${JSON.stringify({
        requests: statuses.length + 1,
        statuses,
        credentialsHandedOut: proxy.credentials.length,
        logLines: logs.length,
        injected,
      })}`,
    );

    // The test can fail: it saw secrets handed out, errors answered and plenty of logging.
    expect(proxy.credentials.length).toBeGreaterThanOrEqual(8);
    expect(statuses).toContain(200);
    expect(statuses).toContain(401);
    expect(statuses).toContain(502);
    expect(Object.keys(injected).length).toBeGreaterThan(3);
    expect(logs.length).toBeGreaterThan(30);
    expectNoSecrets([...logs, ...answers, metrics], secrets);
  });
});
