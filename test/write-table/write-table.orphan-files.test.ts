// Refused requests leave no file records in Storage's Files (issue 15): the file a request
// prepared is deleted after the answer when no job can have started from it; imported files stay.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { multipart, writeTable } from '../support/http-client.js';
import { type LocalService, startLocalService } from '../support/local-service.js';

describe('no orphan file records', () => {
  let service: LocalService;
  beforeAll(async () => {
    service = await startLocalService();
  });
  afterAll(() => service.close());

  const fileIds = async () =>
    ((await (await service.storage('files?limit=1000')).json()) as Array<{ id: number }>).map((f) => f.id);
  /** Polls until the file list settles to `expected` (the deletion runs after the answer). */
  async function expectFilesEventually(expected: number[]) {
    let ids = await fileIds();
    for (let i = 0; i < 200 && JSON.stringify(ids) !== JSON.stringify(expected); i += 1) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      ids = await fileIds();
    }
    expect(ids).toEqual(expected);
  }

  it('deletes the file of a refused request, keeps the file of an import', async () => {
    const imported = await writeTable(service.url, service.token, 'id\n1\n', {
      query: { tableId: 'in.c-orph.ok' },
    });
    expect(imported.status).toBe(200);
    const kept = [(imported.body.file as { id: number }).id];
    await expectFilesEventually(kept);

    const afterData = multipart([['tableId', 'in.c-orph.t']], 'id\n1\n');
    afterData.append('encoding', 'windows-1250');
    const refusals = [
      // createTable=0 on a missing table, fields before the data
      multipart(
        [
          ['tableId', 'in.c-orph.missing'],
          ['createTable', '0'],
        ],
        'id\n1\n',
      ),
      // an unknown branch
      multipart(
        [
          ['tableId', 'in.c-orph.t'],
          ['branchId', '987654'],
        ],
        'id\n1\n',
      ),
      // the whole body uploaded, then refused (`encoding` came after the data)
      afterData,
    ];
    for (const form of refusals) {
      const answer = await writeTable(service.url, service.token, form);
      expect(answer.status, JSON.stringify(answer.body)).toBeGreaterThanOrEqual(400);
      expect(answer.status).toBeLessThan(500);
    }
    await expectFilesEventually(kept);
  });
});
