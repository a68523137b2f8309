// Accept: application/x-ndjson on write-table and upload-file: 200 at once, then accepted,
// uploaded, job events (on change and as heartbeats), and exactly one final result or error line.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeTable } from '../support/http-client.js';
import { type ProgressEvent, sendForProgress, slowCsv } from '../support/importer-requests.js';
import { type LocalService, startLocalService } from '../support/local-service.js';

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

  it('a slow job: heartbeats while it runs, then the result as the last line', async () => {
    const csv = slowCsv();
    const { status, contentType, events } = await streamWriteTable(csv, { tableId: 'in.c-progress.slow' });
    expect(status).toBe(200);
    expect(contentType).toMatch(/^application\/x-ndjson/);
    expect(events[0]).toEqual({ event: 'accepted' });
    expect(events[1]).toEqual({ event: 'uploaded', bytes: Buffer.byteLength(csv) });
    const jobEvents = events.filter((e) => e.event === 'job');
    const jobId = jobEvents[0]?.id;
    expect(jobId).toEqual(expect.any(Number));
    expect(jobEvents.every((e) => e.id === jobId && typeof e.status === 'string')).toBe(true);
    // The job runs ~1 s; a 50 ms heartbeat re-sends its state many more times than it changes.
    const changes = jobEvents.filter((e, i) => i === 0 || e.status !== jobEvents[i - 1]?.status).length;
    expect(jobEvents.length - changes).toBeGreaterThanOrEqual(3);
    expect(finals(events)).toHaveLength(1);
    expect(events.at(-1)).toMatchObject({
      event: 'result',
      status: 'success',
      tableId: 'in.c-progress.slow',
      totalRowsCount: 100_000,
      job: { id: jobId, status: 'success' },
    });
  });

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
