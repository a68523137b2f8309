// Slow clients hold nothing for long: a body trickling in at one byte per second is cut at the idle
// limit (408, upload aborted, no job), and headers that never finish are cut by the header timeout
// (408 JSON). Afterwards the slot, the sockets and the descriptors are free again.
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { multipart, writeTable } from '../support/http-client.js';
import { fieldPart, fileHeader } from '../support/multipart-body.js';
import { chunk, multipartHead, openRaw } from '../support/raw-socket.js';
import {
  expectNoSecrets,
  listImporterFiles,
  metricSum,
  type ProcessResources,
  type ReliabilityService,
  readProcessResources,
  settleResources,
  startReliabilityService,
} from '../support/reliability-service.js';

const IDLE_SECONDS = 2;
const HEADERS_TIMEOUT_MS = 1_000;

describe('slow clients', () => {
  let service: ReliabilityService;
  let baseline: ProcessResources;
  beforeAll(async () => {
    service = await startReliabilityService(
      { IDLE_TIMEOUT_SECONDS: String(IDLE_SECONDS), MAX_CONCURRENT_UPLOADS: '1' },
      { overrides: { headersTimeoutMs: HEADERS_TIMEOUT_MS } },
    );
    const warm = await writeTable(
      service.url,
      service.token,
      multipart([['tableId', 'in.c-slow.warm']], 'id\n1\n'),
    );
    expect(warm.status).toBe(200);
    baseline = await readProcessResources();
  });
  afterAll(async () => {
    expectNoSecrets([...service.logs, await service.metrics()], { token: service.token });
    await service.close();
  });

  it('cuts a body sent at 1 byte per second with 408 at the idle limit and frees everything', async () => {
    const boundary = 'trickle';
    const raw = await openRaw(service.url);
    await raw.write(multipartHead('/write-table', service.token, boundary));
    await raw.write(
      chunk(`${fieldPart(boundary, 'tableId', 'in.c-slow.trickle')}${fileHeader(boundary)}id,name\n`),
    );
    const startedAt = Date.now();
    let sent = 0;
    // One byte a second, as long as the connection takes it.
    while (!raw.received().includes('\r\n\r\n') && Date.now() - startedAt < (IDLE_SECONDS + 6) * 1000) {
      await raw.write(chunk(String(sent % 10))).catch(() => {});
      sent += 1;
      await sleep(1_000);
    }
    const response = await raw.response(1_000);
    const elapsedMs = Date.now() - startedAt;
    raw.destroy();

    expect(response.status).toBe(408);
    expect(response.body).toMatchObject({ status: 'error', code: 'importer.requestTimeout' });
    expect(response.headers.connection).toBe('close');
    // Cut at the idle limit (checked every ≤ 1 s), not after the whole body.
    expect(elapsedMs).toBeLessThan((IDLE_SECONDS + 2.5) * 1000);
    expect(sent).toBeLessThanOrEqual(IDLE_SECONDS + 3);

    expect((await service.listJobs()).filter((job) => job.operationName === 'tableCreate')).toHaveLength(1);
    // Nothing of the cut upload remains: its file record is deleted after the answer (issue 15).
    let files = await listImporterFiles(service);
    for (let i = 0; i < 200 && files.some((file) => file.name === 'trickle.csv'); i += 1) {
      await sleep(20);
      files = await listImporterFiles(service);
    }
    expect(files.map((file) => file.name)).toEqual(['warm.csv']);
    const metrics = await service.metrics();
    expect(metricSum(metrics, 'table_importer_uploads_in_flight')).toBe(0);
    expect(metricSum(metrics, 'table_importer_aborted_uploads_total', { reason: 'idle-timeout' })).toBe(1);
    const after = await settleResources(baseline, 3);
    expect(after.openFds).toBeLessThanOrEqual(baseline.openFds + 3);
    // The one upload slot is free again.
    const next = await writeTable(
      service.url,
      service.token,
      multipart([['tableId', 'in.c-slow.next']], 'id\n1\n'),
    );
    expect(next.status).toBe(200);
  });

  it('closes a connection whose headers never finish at the header timeout, with 408 JSON', async () => {
    const raw = await openRaw(service.url);
    const startedAt = Date.now();
    const head = `POST /write-table HTTP/1.1\r\nHost: 127.0.0.1\r\nX-StorageApi-Token: ${service.token}\r\nX-Slow: `;
    await raw.write(head);
    while (!raw.socket.destroyed && !raw.socket.readableEnded && Date.now() - startedAt < 6_000) {
      await raw.write('a').catch(() => {});
      await sleep(200);
    }
    const elapsedMs = Date.now() - startedAt;
    const response = await raw.response(1_000);
    raw.destroy();

    expect(response.status).toBe(408);
    expect(response.body).toMatchObject({ status: 'error', code: 'importer.requestTimeout' });
    expect(elapsedMs).toBeGreaterThanOrEqual(HEADERS_TIMEOUT_MS - 50);
    expect(elapsedMs).toBeLessThan(HEADERS_TIMEOUT_MS + 2_000);
    const after = await settleResources(baseline, 3);
    expect(after.openFds).toBeLessThanOrEqual(baseline.openFds + 3);
    expect((await fetch(`${service.url}/health`)).status).toBe(200);
  });
});
