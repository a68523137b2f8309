// Accept: application/x-ndjson on write-table and upload-file: 200 at once, then accepted,
// uploaded, job events (on change and as heartbeats), and exactly one final result or error line.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { type LocalStorageServer, startLocalStorageServer } from '../../src/local-storage/local-storage.js';
import { createLogger } from '../../src/logger.js';
import { type RunningService, startService } from '../../src/main.js';
import { writeTable } from '../support/http-client.js';
import { type ProgressEvent, sendForProgress, slowCsv } from '../support/importer-requests.js';
import { type LocalService, startLocalService } from '../support/local-service.js';
import { type JobHoldingProxy, startJobHoldingProxy } from '../support/storage-proxy.js';

const HEARTBEAT_MS = 50;

describe('progress streams', () => {
  let service: LocalService;
  beforeAll(async () => {
    service = await startLocalService({}, { progressHeartbeatMs: HEARTBEAT_MS });
  });
  afterAll(() => service.close());

  const streamWriteTable = (
    body: string,
    query: Record<string, string>,
    headers: Record<string, string> = {},
  ) =>
    sendForProgress(`${service.url}/write-table?${new URLSearchParams(query)}`, {
      headers: { 'X-StorageApi-Token': service.token, 'Content-Type': 'text/csv', ...headers },
      body,
    });
  const finals = (events: ProgressEvent[]) =>
    events.filter((e) => e.event === 'result' || e.event === 'error');

  it("a failing job ends with one error event carrying httpStatus 400 and Storage's code", async () => {
    const tableId = 'in.c-progress.strict';
    expect(
      (await writeTable(service.url, service.token, 'id,name\n1,a\n', { query: { tableId } })).status,
    ).toBe(200);
    const { status, events } = await streamWriteTable('other\nx\n', { tableId });
    expect(status).toBe(200);
    expect(events.map((e) => e.event)).toContain('job');
    expect(finals(events)).toHaveLength(1);
    expect(events.at(-1)).toMatchObject({
      event: 'error',
      status: 'error',
      code: 'csvImport.columnsNotMatch',
      httpStatus: 400,
      job: { status: 'error' },
    });
  });

  it('an invalid request after acceptance is an error event with the status it would have had', async () => {
    const { status, events } = await streamWriteTable('id\n1\n', { tableId: 'not-a-table-id' });
    expect(status).toBe(200);
    expect(events).toEqual([
      { event: 'accepted' },
      expect.objectContaining({ event: 'error', code: 'importer.invalidTableId', httpStatus: 400 }),
    ]);
  });

  it('a missing token is refused before anything streams (plain 401)', async () => {
    const response = await fetch(`${service.url}/write-table?tableId=in.c-progress.t`, {
      method: 'POST',
      headers: { Accept: 'application/x-ndjson', 'Content-Type': 'text/csv' },
      body: 'id\n1\n',
    });
    expect(response.status).toBe(401);
    expect(((await response.json()) as { code: string }).code).toBe('importer.tokenMissing');
  });

  it('upload-file streams accepted, uploaded and the file resource', async () => {
    const { status, events } = await sendForProgress(`${service.url}/upload-file?name=notes.txt`, {
      headers: { 'X-StorageApi-Token': service.token, 'Content-Type': 'text/plain' },
      body: 'hello',
    });
    expect(status).toBe(200);
    expect(events.map((e) => e.event)).toEqual(['accepted', 'uploaded', 'result']);
    expect(events[2]).toMatchObject({
      event: 'result',
      name: 'notes.txt',
      sizeBytes: 5,
      id: expect.any(Number),
    });
  });
});

describe('progress stream of a job that keeps running', () => {
  // Remote mode behind a proxy that reports the job `processing` until the test has seen the
  // heartbeats it waits for: the job runs exactly as long as the assertion needs.
  const TOKEN = 'progress-token';
  let dataDir: string;
  let storage: LocalStorageServer;
  let proxy: JobHoldingProxy;
  let service: RunningService;
  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'table-importer-progress-'));
    storage = await startLocalStorageServer({
      dataDir,
      tokens: [{ token: TOKEN, isMasterToken: true }],
      s3Port: 0,
      port: 0,
    });
    proxy = await startJobHoldingProxy(storage.url);
    const config = loadConfig({
      PORT: '0',
      HOST: '127.0.0.1',
      KBC_URL: proxy.url,
      S3_ENDPOINT: storage.s3Endpoint,
      S3_FORCE_PATH_STYLE: 'true',
      LOG_LEVEL: 'warn',
    });
    service = await startService(config, createLogger('warn'), {
      jobPoll: { firstPollDelayMs: 10, maxPollDelayMs: 20 },
      progressHeartbeatMs: HEARTBEAT_MS,
    });
  });
  afterAll(async () => {
    await service?.close();
    await proxy?.close();
    await storage?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('a slow job: heartbeats while it runs, then the result as the last line', async () => {
    const csv = slowCsv(1_000);
    const response = await fetch(`${service.url}/write-table?tableId=in.c-progress.slow`, {
      method: 'POST',
      headers: { 'X-StorageApi-Token': TOKEN, 'Content-Type': 'text/csv', Accept: 'application/x-ndjson' },
      body: csv,
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/x-ndjson/);
    // Read line by line; once three job events repeat a state, let the job finish.
    const events: ProgressEvent[] = [];
    let pending = '';
    const decoder = new TextDecoder();
    for await (const bytes of response.body as AsyncIterable<Uint8Array>) {
      pending += decoder.decode(bytes, { stream: true });
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) if (line.trim() !== '') events.push(JSON.parse(line) as ProgressEvent);
      if (repeats(events.filter((e) => e.event === 'job')) >= 3) proxy.release();
    }
    expect(events[0]).toEqual({ event: 'accepted' });
    expect(events[1]).toEqual({ event: 'uploaded', bytes: Buffer.byteLength(csv) });
    const jobEvents = events.filter((e) => e.event === 'job');
    const jobId = jobEvents[0]?.id;
    expect(jobId).toEqual(expect.any(Number));
    expect(jobEvents.every((e) => e.id === jobId && typeof e.status === 'string')).toBe(true);
    // The heartbeat re-sends the job's state more often than it changes.
    expect(repeats(jobEvents)).toBeGreaterThanOrEqual(3);
    expect(events.filter((e) => e.event === 'result' || e.event === 'error')).toHaveLength(1);
    expect(events.at(-1)).toMatchObject({
      event: 'result',
      status: 'success',
      tableId: 'in.c-progress.slow',
      totalRowsCount: 1_000,
      job: { id: jobId, status: 'success' },
    });
  });
});

/** Job events that repeat the state of the one before (heartbeats, not changes). */
function repeats(jobEvents: ProgressEvent[]): number {
  const changes = jobEvents.filter((e, i) => i === 0 || e.status !== jobEvents[i - 1]?.status).length;
  return jobEvents.length - changes;
}
