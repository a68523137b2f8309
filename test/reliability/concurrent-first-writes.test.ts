// Several writes at once to a table that does not exist yet: each sees no table and asks to create
// it; all but one create is refused (storage.buckets.tableAlreadyExists, at the POST or as the
// job's error) and imported nothing, so those requests import into the now-existing table instead.
// Every request answers 200 and every row is in, for JSON webhooks and incremental CSV alike.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { multipart, writeTable } from '../support/http-client.js';
import { writeJson } from '../support/importer-requests.js';
import { sortedRows } from '../support/local-service.js';
import { type ReliabilityService, startReliabilityService } from '../support/reliability-service.js';

const WRITERS = 5;

describe('concurrent first writes to a new table', () => {
  let service: ReliabilityService;
  beforeAll(async () => {
    service = await startReliabilityService();
  });
  afterAll(() => service.close());

  it(`${WRITERS} JSON webhooks at once: ${WRITERS} × 200, every record in`, async () => {
    const tableId = 'in.c-race.events';
    const answers = await Promise.all(
      Array.from({ length: WRITERS }, (_, i) =>
        writeJson(service.url, service.token, JSON.stringify({ id: String(i), kind: 'signup' }), { tableId }),
      ),
    );
    expect(answers.map((a) => [a.status, a.body.code])).toEqual(answers.map(() => [200, undefined]));
    expect(sortedRows(await service.previewRows(tableId))).toEqual([
      ['id', 'kind'],
      ...Array.from({ length: WRITERS }, (_, i) => [String(i), 'signup']),
    ]);
    expect(answers.filter((a) => a.body.tableCreated === true)).toHaveLength(1);
  });

  it(`${WRITERS} incremental CSV writes at once: ${WRITERS} × 200, every row in`, async () => {
    const tableId = 'in.c-race.rows';
    const answers = await Promise.all(
      Array.from({ length: WRITERS }, (_, i) =>
        writeTable(
          service.url,
          service.token,
          multipart(
            [
              ['tableId', tableId],
              ['incremental', '1'],
            ],
            `id,name\n${i},n${i}\n`,
          ),
        ),
      ),
    );
    expect(answers.map((a) => [a.status, a.body.code])).toEqual(answers.map(() => [200, undefined]));
    expect(sortedRows(await service.previewRows(tableId))).toEqual([
      ['id', 'name'],
      ...Array.from({ length: WRITERS }, (_, i) => [String(i), `n${i}`]),
    ]);
  });
});
