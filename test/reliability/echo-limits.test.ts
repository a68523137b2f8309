// Every value an answer echoes is capped: a 10 MiB JSON key, a 10 MiB CSV column name and a
// 100k-column header come back as errors of a few KB (the key or column cut to 200 characters),
// not as bodies the size of what was sent.
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { multipart, writeTable } from '../support/http-client.js';
import { writeJson } from '../support/importer-requests.js';
import { type ReliabilityService, startReliabilityService } from '../support/reliability-service.js';

const MIB = 1024 * 1024;

describe('echoed values are capped', () => {
  let service: ReliabilityService;
  beforeAll(async () => {
    service = await startReliabilityService();
  });
  afterAll(() => service.close());

  it('a 10 MiB JSON key', async () => {
    const key = 'k'.repeat(10 * MIB);
    const answer = await writeJson(
      service.url,
      service.token,
      gzipSync(`{"${key}":1}`),
      { tableId: 'in.c-echo.json' },
      { headers: { 'Content-Encoding': 'gzip' } },
    );
    expect(answer.status).toBe(400);
    expect(answer.body.code).toBe('importer.invalidKey');
    expect(JSON.stringify(answer.body).length).toBeLessThan(8 * 1024);
    expect((answer.body.key as string).length).toBeLessThanOrEqual(201);
  });

  it.each([
    ['a 10 MiB column name', `id,${'c'.repeat(10 * MIB)}\n1,2\n`],
    ['a 100k-column header', `${Array.from({ length: 100_000 }, (_, i) => `column_${i}`).join(',')}\n`],
  ])('%s in a CSV', async (_, csv) => {
    const answer = await writeTable(
      service.url,
      service.token,
      multipart([['tableId', `in.c-echo.t${csv.length}`]], csv),
    );
    expect(answer.status).toBeGreaterThanOrEqual(400);
    expect(answer.status).toBeLessThan(500);
    expect(JSON.stringify(answer.body).length).toBeLessThan(16 * 1024);
  });
});
