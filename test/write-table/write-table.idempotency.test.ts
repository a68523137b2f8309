// Idempotency-Key on write-table, in one process: a repeat answers the first request's outcome
// (Idempotent-Replayed: true) without reading its body; misuse is 422; a request that failed before
// its job leaves nothing behind, so its retry imports.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { multipart, writeTable } from '../support/http-client.js';
import { sendForProgress } from '../support/importer-requests.js';
import { openRaw } from '../support/raw-socket.js';
import {
  listImporterFiles,
  metricSum,
  type ReliabilityService,
  startReliabilityService,
} from '../support/reliability-service.js';

type Job = { id: number; operationName: string; status: string; tableId: string | null };

describe('write-table with an idempotency key', () => {
  let service: ReliabilityService;
  let tableCounter = 0;
  const newTable = () => `in.c-idem.t${++tableCounter}`;
  beforeAll(async () => {
    service = await startReliabilityService();
  });
  afterAll(async () => {
    await service.close();
  });

  const jobsOf = async (tableId: string) =>
    ((await service.listJobs()) as Job[]).filter((job) => job.tableId === tableId);
  const replays = async (stage: string) =>
    metricSum(await service.metrics(), 'table_importer_idempotent_replays_total', { stage });
  const send = (tableId: string, csv: string, key: string, headers: Record<string, string> = {}) =>
    writeTable(
      service.url,
      service.token,
      multipart(
        [
          ['tableId', tableId],
          ['incremental', '1'],
        ],
        csv,
      ),
      {
        headers: { 'Idempotency-Key': key, ...headers },
      },
    );

  it('answers a repeat with the first outcome, imports once, and marks it replayed', async () => {
    const tableId = newTable();
    const first = await send(tableId, 'id,name\n1,a\n2,b\n', 'order-1');
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    const before = await replays('before-upload');

    const again = await send(tableId, 'id,name\n1,a\n2,b\n', 'order-1');
    expect(again.status, JSON.stringify(again.body)).toBe(200);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    const { timings: _t1, ...firstBody } = first.body;
    const { timings: _t2, ...againBody } = again.body;
    expect(againBody).toEqual(firstBody);
    expect((await service.getTable(tableId)).rowsCount).toBe(2);
    expect(await jobsOf(tableId)).toHaveLength(1);
    expect(await replays('before-upload')).toBe(before + 1);
  });

  it('answers before reading the body and closes the connection', async () => {
    const tableId = newTable();
    const first = await send(tableId, 'id\n1\n', 'order-2');
    expect(first.status).toBe(200);
    const filesBefore = (await listImporterFiles(service)).length;

    // A retry whose body would take forever: only the headers and a first chunk are ever sent.
    const connection = await openRaw(service.url);
    await connection.write(
      [
        `POST /write-table?tableId=${tableId} HTTP/1.1`,
        'Host: 127.0.0.1',
        `X-StorageApi-Token: ${service.token}`,
        'Idempotency-Key: order-2',
        'Content-Type: text/csv',
        'Content-Length: 100000000',
        '',
        'id\n1\n',
      ].join('\r\n'),
    );
    const answer = await connection.response(10_000);
    connection.destroy();
    expect(answer.status).toBe(200);
    expect(answer.headers['idempotent-replayed']).toBe('true');
    expect(answer.headers.connection).toBe('close');
    expect(answer.body).toMatchObject({ status: 'success', job: { id: (first.body.job as Job).id } });
    expect((await listImporterFiles(service)).length).toBe(filesBefore);
  });

  it('replays a failed job as the same error, without a second job', async () => {
    const tableId = newTable();
    expect((await send(tableId, 'id,name\n1,a\n', 'seed')).status).toBe(200);
    const failed = await send(tableId, 'other\nx\n', 'order-3');
    expect(failed.status, JSON.stringify(failed.body)).toBe(400);
    const again = await send(tableId, 'other\nx\n', 'order-3');
    expect(again.status).toBe(400);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body.code).toBe(failed.body.code);
    expect((again.body.job as Job).id).toBe((failed.body.job as Job).id);
    expect(await jobsOf(tableId)).toHaveLength(2);
  });

  it('refuses the same key for another table with 422 before reading the body', async () => {
    const tableId = newTable();
    expect((await send(tableId, 'id\n1\n', 'order-4')).status).toBe(200);
    const other = await writeTable(service.url, service.token, 'id\n1\n', {
      query: { tableId: newTable() },
      headers: { 'Idempotency-Key': 'order-4' },
    });
    expect(other.status, JSON.stringify(other.body)).toBe(422);
    expect(other.body.code).toBe('importer.idempotencyKeyReused');
    expect(other.headers.get('idempotent-replayed')).toBeNull();
  });

  it('a form-field key: a repeat is answered at `data` without uploading; another table is 422', async () => {
    const tableId = newTable();
    const form = (table: string, csv: string) =>
      multipart(
        [
          ['tableId', table],
          ['incremental', '1'],
          ['idempotencyKey', 'order-5'],
        ],
        csv,
      );
    const first = await writeTable(service.url, service.token, form(tableId, 'id\n1\n'));
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    const filesBefore = (await listImporterFiles(service)).length;
    const before = await replays('before-upload');
    const same = await writeTable(service.url, service.token, form(tableId, 'id\n1\n'));
    expect(same.status, JSON.stringify(same.body)).toBe(200);
    expect(same.headers.get('idempotent-replayed')).toBe('true');
    expect((same.body.job as Job).id).toBe((first.body.job as Job).id);
    expect(await replays('before-upload')).toBe(before + 1);
    const otherTable = await writeTable(service.url, service.token, form(newTable(), 'id\n1\n'));
    expect(otherTable.status, JSON.stringify(otherTable.body)).toBe(422);
    expect(otherTable.body.code).toBe('importer.idempotencyKeyReused');
    expect((await listImporterFiles(service)).length).toBe(filesBefore);
    expect(await jobsOf(tableId)).toHaveLength(1);
  });

  it('tableId among the form fields (header key): another table is 422, nothing uploaded', async () => {
    const tableId = newTable();
    expect((await send(tableId, 'id\n1\n', 'order-7')).status).toBe(200);
    const filesBefore = (await listImporterFiles(service)).length;
    const other = await send(newTable(), 'id\n1\n', 'order-7');
    expect(other.status, JSON.stringify(other.body)).toBe(422);
    expect(other.body.code).toBe('importer.idempotencyKeyReused');
    expect((await listImporterFiles(service)).length).toBe(filesBefore);
  });

  it('two concurrent requests with one key and different bodies: one imports, the other is 422', async () => {
    const tableId = newTable();
    const answers = await Promise.all([
      send(tableId, 'id,name\n1,a\n', 'order-8'),
      send(tableId, 'id,name\n2,b\n', 'order-8'),
    ]);
    expect(answers.map((answer) => answer.status).sort()).toEqual([200, 422]);
    expect(answers.find((answer) => answer.status === 422)?.body.code).toBe('importer.idempotencyKeyReused');
    expect(await jobsOf(tableId)).toHaveLength(1);
    expect((await service.getTable(tableId)).rowsCount).toBe(1);
    // The refused request deleted its own upload: one file carries the key.
    const keyed = (await listImporterFiles(service)).filter(
      (file) => file.name === `${tableId.split('.')[2]}.csv`,
    );
    expect(keyed).toHaveLength(1);
  });

  it('takes the key from the query string and from X-GitHub-Delivery, JSON bodies included', async () => {
    const tableId = newTable();
    const json = JSON.stringify([{ id: '1' }]);
    const viaQuery = () =>
      writeTable(service.url, service.token, json, {
        query: { tableId, incremental: '1', idempotencyKey: 'q-1' },
        headers: { 'Content-Type': 'application/json' },
      });
    expect((await viaQuery()).status).toBe(200);
    const again = await viaQuery();
    expect(again.status).toBe(200);
    expect(again.headers.get('idempotent-replayed')).toBe('true');

    const delivery = () =>
      writeTable(service.url, service.token, json, {
        query: { tableId, incremental: '1' },
        headers: {
          'Content-Type': 'application/json',
          'X-GitHub-Delivery': '72d3162e-cc78-11e3-81ab-4c9367dc0958',
        },
      });
    expect((await delivery()).status).toBe(200);
    expect((await delivery()).headers.get('idempotent-replayed')).toBe('true');
    expect((await service.getTable(tableId)).rowsCount).toBe(2);
    expect(await jobsOf(tableId)).toHaveLength(2);
  });

  it('refuses an invalid key with 400 before reading the body', async () => {
    for (const key of ['x'.repeat(256), 'caf\u00e9', 'tab\there']) {
      const answer = await writeTable(service.url, service.token, 'id\n1\n', {
        query: { tableId: newTable(), idempotencyKey: key },
      });
      expect(answer.status, key).toBe(400);
      expect(answer.body.code).toBe('importer.invalidIdempotencyKey');
    }
    const longest = await writeTable(service.url, service.token, 'id\n1\n', {
      query: { tableId: newTable() },
      headers: { 'Idempotency-Key': `${'~'.repeat(254)} ` },
    });
    expect(longest.status, JSON.stringify(longest.body)).toBe(200);
  });

  it('a request that failed before its job leaves no file, so its retry imports', async () => {
    const tableId = newTable();
    const empty = await send(tableId, '', 'order-6');
    expect(empty.status).toBe(400);
    const noTable = await writeTable(
      service.url,
      service.token,
      multipart(
        [
          ['tableId', tableId],
          ['createTable', '0'],
        ],
        'id\n1\n',
      ),
      {
        headers: { 'Idempotency-Key': 'order-6' },
      },
    );
    expect(noTable.status).toBe(404);
    const retried = await send(tableId, 'id\n1\n', 'order-6');
    expect(retried.status, JSON.stringify(retried.body)).toBe(200);
    expect(retried.headers.get('idempotent-replayed')).toBeNull();
    expect((await service.getTable(tableId)).rowsCount).toBe(1);
  });

  it('concurrent same-key progress streams end with the same job result', async () => {
    const tableId = newTable();
    const stream = () =>
      sendForProgress(`${service.url}/write-table?${new URLSearchParams({ tableId, incremental: '1' })}`, {
        headers: {
          'X-StorageApi-Token': service.token,
          'Content-Type': 'text/csv',
          'Idempotency-Key': 'stream-1',
        },
        body: 'id\n1\n2\n',
      });
    const streams = await Promise.all([stream(), stream(), stream()]);
    const results = streams.map(({ events }) => events.at(-1));
    for (const result of results) expect(result).toMatchObject({ event: 'result', status: 'success' });
    expect(new Set(results.map((result) => (result?.job as Job | undefined)?.id)).size).toBe(1);
    expect(await jobsOf(tableId)).toHaveLength(1);
    expect((await service.getTable(tableId)).rowsCount).toBe(2);
  });

  it('a create race between two keys: the follower of the losing create answers its import', async () => {
    for (let round = 0; round < 3; round += 1) {
      const tableId = newTable();
      const [a, b, again] = await Promise.all([
        send(tableId, 'id,name\n1,a\n', `race-a-${round}`),
        send(tableId, 'id,name\n2,b\n', `race-b-${round}`),
        send(tableId, 'id,name\n1,a\n', `race-a-${round}`),
      ]);
      for (const answer of [a, b, again]) expect(answer.status, JSON.stringify(answer.body)).toBe(200);
      expect((again.body.job as Job).id).toBe((a.body.job as Job).id);
      expect((await service.getTable(tableId)).rowsCount).toBe(2);
    }
  });
});
