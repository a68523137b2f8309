// A job-starting POST whose 2xx answer cannot be read (empty, cut JSON, no job id) did start the
// job: the importer must find that job by file id and wait for it — one job, never a resend, never
// a 502 storageUnreachable (which invites the caller to send again) nor a 500 on a `null` job.
// Remote mode, with a proxy between the importer and the stand-in that spoils those answers.
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { type LocalStorageServer, startLocalStorageServer } from '../../src/local-storage/local-storage.js';
import { createLogger } from '../../src/logger.js';
import { type RunningService, startService } from '../../src/main.js';
import { multipart, writeTable } from '../support/http-client.js';
import { TEST_JOB_SEARCH, TEST_RETRY_POLICY } from '../support/reliability-service.js';

const JOB_START = /\/(import-async|tables-async)$/;

describe('unreadable answer to a job-starting POST', () => {
  const token = 'unreadable-answer-token';
  let dataDir: string;
  let storage: LocalStorageServer;
  let proxy: ReturnType<typeof createServer>;
  let service: RunningService;
  /** What the proxy sends back instead of a job-starting POST's 2xx body. */
  let spoiledBody = '';
  let jobStartPosts = 0;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'table-importer-unreadable-'));
    storage = await startLocalStorageServer({ dataDir, tokens: [{ token, isMasterToken: true }], s3Port: 0 });
    const target = new URL(storage.url);
    proxy = createServer((incoming, outgoing) => {
      const path = incoming.url ?? '/';
      const isJobStart = incoming.method === 'POST' && JOB_START.test(path.split('?')[0] ?? '');
      if (isJobStart) jobStartPosts += 1;
      const upstream = request(
        {
          host: target.hostname,
          port: target.port,
          method: incoming.method,
          path,
          headers: incoming.headers,
        },
        async (answer) => {
          const status = answer.statusCode ?? 502;
          if (!isJobStart || status >= 300) {
            outgoing.writeHead(status, answer.headers);
            await pipeline(answer, outgoing).catch(() => {});
            return;
          }
          answer.resume();
          outgoing.writeHead(status, { 'Content-Type': 'application/json' });
          outgoing.end(spoiledBody);
        },
      );
      upstream.on('error', () => outgoing.destroy());
      pipeline(incoming, upstream).catch(() => {});
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    const config = loadConfig({
      PORT: '0',
      HOST: '127.0.0.1',
      KBC_URL: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`,
      S3_ENDPOINT: storage.s3Endpoint,
      S3_FORCE_PATH_STYLE: 'true',
    });
    service = await startService(config, createLogger('silent'), {
      retryPolicy: TEST_RETRY_POLICY,
      jobSearch: TEST_JOB_SEARCH,
      jobPoll: { firstPollDelayMs: 10, maxPollDelayMs: 100 },
    });
  });
  afterAll(async () => {
    await service?.close();
    await new Promise<void>((resolve) => (proxy ? proxy.close(() => resolve()) : resolve()));
    await storage?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  async function jobsForFile(fileId: number) {
    const response = await fetch(`${storage.url}/v2/storage/jobs?limit=1000`, {
      headers: { 'X-StorageApi-Token': token },
    });
    const jobs = (await response.json()) as Array<{
      id: number;
      operationParams?: { source?: { fileId?: number } };
    }>;
    return jobs.filter((job) => job.operationParams?.source?.fileId === fileId);
  }

  // The first case creates the table (tables-async), the others import into it (import-async).
  it.each([
    ['tables-async', 'an empty body', ''],
    ['import-async', 'cut JSON', '{"id": 1'],
    ['import-async', 'a job without an id', '{"status":"waiting"}'],
  ])('%s answered 2xx with %s → the job is found by file id and awaited', async (_, _problem, body) => {
    spoiledBody = body;
    const postsBefore = jobStartPosts;
    const fields: Array<[string, string]> = [
      ['tableId', 'in.c-unreadable.people'],
      ['incremental', '1'],
    ];
    const { status, body: answer } = await writeTable(service.url, token, multipart(fields, 'id\n1\n'));
    expect(status, JSON.stringify(answer)).toBe(200);
    expect(answer).toMatchObject({ status: 'success', job: { status: 'success' } });
    expect(jobStartPosts - postsBefore).toBe(1);
    const fileId = (answer.file as { id: number }).id;
    const jobs = await jobsForFile(fileId);
    expect(jobs.map((job) => job.id)).toEqual([(answer.job as { id: number }).id]);
  });
});
