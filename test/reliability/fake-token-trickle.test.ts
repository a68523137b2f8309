// Clients with fake tokens that trickle a multipart preamble hold no upload slot: the slot is taken
// only when the `data` bytes start, a trickle slower than 1 KiB/s is cut with 408, and the form
// outside `data` is capped. With MAX_CONCURRENT_UPLOADS=2 and 8 such clients, a real upload still
// gets 200 while they trickle.
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { multipart, writeTable } from '../support/http-client.js';
import { chunk, multipartHead, openRaw, type RawConnection } from '../support/raw-socket.js';
import {
  metricSum,
  type ReliabilityService,
  startReliabilityService,
} from '../support/reliability-service.js';

const TRICKLERS = 8;
const IDLE_SECONDS = 3;

describe('fake tokens trickling a preamble', () => {
  let service: ReliabilityService;
  beforeAll(async () => {
    service = await startReliabilityService({
      MAX_CONCURRENT_UPLOADS: '2',
      IDLE_TIMEOUT_SECONDS: String(IDLE_SECONDS),
    });
  });
  afterAll(() => service.close());

  it(`${TRICKLERS} trickling clients do not block a real upload, and are cut at the idle limit`, async () => {
    const boundary = 'slow';
    const connections: RawConnection[] = [];
    for (let i = 0; i < TRICKLERS; i += 1) {
      const raw = await openRaw(service.url);
      await raw.write(multipartHead('/write-table', 'bogus', boundary));
      connections.push(raw);
    }
    let trickling = true;
    const startedAt = Date.now();
    // ~20 B/s each: a preamble (ignored text before the first boundary) that never ends.
    const trickle = (async () => {
      while (trickling) {
        await Promise.all(connections.map((raw) => raw.write(chunk('x')).catch(() => {})));
        await sleep(50);
      }
    })();
    await sleep(300);

    const real = await writeTable(
      service.url,
      service.token,
      multipart([['tableId', 'in.c-trickle.real']], 'id\n1\n'),
    );
    expect(real.status, JSON.stringify(real.body)).toBe(200);
    const upload = await fetch(`${service.url}/upload-file?name=real.csv`, {
      method: 'POST',
      headers: { 'X-StorageApi-Token': service.token, 'Content-Type': 'text/csv' },
      body: 'id\n2\n',
    });
    expect(upload.status).toBe(200);

    const answers = await Promise.all(connections.map((raw) => raw.response((IDLE_SECONDS + 4) * 1000)));
    trickling = false;
    await trickle;
    for (const raw of connections) raw.destroy();
    expect(answers.map((a) => [a.status, a.body.code])).toEqual(
      answers.map(() => [408, 'importer.requestTimeout']),
    );
    expect(Date.now() - startedAt).toBeLessThan((IDLE_SECONDS + 3) * 1000);
    expect(metricSum(await service.metrics(), 'table_importer_uploads_in_flight')).toBe(0);
  });

  it('an upload-file with a fake token is refused as its data starts, not at the idle limit', async () => {
    const boundary = 'stall';
    const raw = await openRaw(service.url);
    await raw.write(multipartHead('/upload-file', 'bogus', boundary));
    // The data part opens with one byte, then nothing: the slot it took must not wait for more.
    await raw.write(
      chunk(`--${boundary}\r\nContent-Disposition: form-data; name="data"; filename="a.csv"\r\n\r\ni`),
    );
    const startedAt = Date.now();
    const answer = await raw.response((IDLE_SECONDS + 4) * 1000);
    raw.destroy();
    expect([answer.status, answer.body.code]).toEqual([401, 'storage.tokenInvalid']);
    expect(Date.now() - startedAt).toBeLessThan(IDLE_SECONDS * 1000);
  });

  it('caps what a form carries outside its data part (1 MiB), however fast it comes', async () => {
    const answer = await writeTable(
      service.url,
      service.token,
      multipart(
        Array.from({ length: 40 }, (_, i): [string, string] => [`columns[${i}]`, `c${'x'.repeat(40_000)}`]),
        'id\n1\n',
      ),
    );
    expect([answer.status, answer.body.code]).toEqual([413, 'importer.formTooLarge']);
  });
});
