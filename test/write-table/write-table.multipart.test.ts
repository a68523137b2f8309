import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { multipart, writeTable } from '../support/http-client.js';
import { type LocalService, sortedRows, startLocalService } from '../support/local-service.js';

describe('POST /write-table with multipart/form-data', () => {
  let service: LocalService;
  beforeAll(async () => {
    service = await startLocalService();
  });
  afterAll(() => service.close());

  it('creates a missing table from the file and answers with the old Importer fields', async () => {
    const csv = 'id,name\n1,Alice\n2,"Bob, Jr."\n3,"multi\nline"\n';
    const { status, body, headers } = await writeTable(
      service.url,
      service.token,
      multipart(
        [
          ['tableId', 'in.c-mp.users'],
          ['primaryKey', 'id'],
        ],
        csv,
      ),
    );
    expect(status, JSON.stringify(body)).toBe(200);
    expect(headers.get('content-type')).toMatch(/^application\/json/);
    expect(body).toMatchObject({
      status: 'success',
      tableId: 'in.c-mp.users',
      tableCreated: true,
      incremental: false,
      importedColumns: ['id', 'name'],
      warnings: [],
      transaction: null,
      totalRowsCount: 3,
      file: { name: 'users.csv', sizeBytes: Buffer.byteLength(csv), compressed: false },
      job: { status: 'success', operationName: 'tableCreate' },
    });
    expect(body.timings).toMatchObject({
      uploadMs: expect.any(Number),
      jobMs: expect.any(Number),
      totalMs: expect.any(Number),
    });
    expect(sortedRows(await service.previewRows('in.c-mp.users'))).toEqual([
      ['id', 'name'],
      ['1', 'Alice'],
      ['2', 'Bob, Jr.'],
      ['3', 'multi\nline'],
    ]);
    expect((await service.getTable('in.c-mp.users')).primaryKey).toEqual(['id']);
  });

  it('accepts fields after the data part', async () => {
    const form = new FormData();
    form.append('data', new Blob(['a,b\n1,2\n']), 'x.csv');
    form.append('tableId', 'in.c-mp.late_fields');
    form.append('delimiter', ',');
    const { status, body } = await writeTable(service.url, service.token, form);
    expect(status, JSON.stringify(body)).toBe(200);
    expect(sortedRows(await service.previewRows('in.c-mp.late_fields'))).toEqual([
      ['a', 'b'],
      ['1', '2'],
    ]);
  });

  it('full load replaces the rows, incremental appends them', async () => {
    const tableId = 'in.c-mp.events';
    await writeTable(service.url, service.token, multipart([['tableId', tableId]], 'k,v\n1,a\n2,b\n'));
    const full = await writeTable(
      service.url,
      service.token,
      multipart([['tableId', tableId]], 'k,v\n3,c\n'),
    );
    expect(full.body).toMatchObject({
      status: 'success',
      tableCreated: false,
      incremental: false,
      totalRowsCount: 1,
    });
    const incremental = await writeTable(
      service.url,
      service.token,
      multipart(
        [
          ['tableId', tableId],
          ['incremental', '1'],
        ],
        'v,k\nd,4\n',
      ),
    );
    expect(incremental.body).toMatchObject({
      status: 'success',
      incremental: true,
      totalRowsCount: 2,
      importedColumns: ['v', 'k'],
    });
    expect(sortedRows(await service.previewRows(tableId))).toEqual([
      ['k', 'v'],
      ['3', 'c'],
      ['4', 'd'],
    ]);
  });

  it('passes the CSV dialect and headless column list through to Storage', async () => {
    const { status, body } = await writeTable(
      service.url,
      service.token,
      multipart(
        [
          ['tableId', 'in.c-mp.dialect'],
          ['delimiter', '\\t'],
          ['enclosure', "'"],
          ['columns[]', 'id'],
          ['columns[]', 'note'],
        ],
        "1\t'tab\there'\n2\tplain\n",
      ),
    );
    expect(status, JSON.stringify(body)).toBe(200);
    expect(sortedRows(await service.previewRows('in.c-mp.dialect'))).toEqual([
      ['id', 'note'],
      ['1', 'tab\there'],
      ['2', 'plain'],
    ]);
  });

  it('maps headerless rows by position with withoutHeaders', async () => {
    const tableId = 'in.c-mp.positional';
    await writeTable(service.url, service.token, multipart([['tableId', tableId]], 'x,y\n1,2\n'));
    const { status, body } = await writeTable(
      service.url,
      service.token,
      multipart(
        [
          ['tableId', tableId],
          ['withoutHeaders', 'true'],
          ['incremental', '1'],
        ],
        '3,4\n5,6\n',
      ),
    );
    expect(status, JSON.stringify(body)).toBe(200);
    expect(sortedRows(await service.previewRows(tableId))).toEqual([
      ['x', 'y'],
      ['1', '2'],
      ['3', '4'],
      ['5', '6'],
    ]);
  });

  it("answers 202 with Location (the importer's GET /jobs/{id}) when wait=0, and the job then finishes", async () => {
    const { status, body, headers } = await writeTable(
      service.url,
      service.token,
      multipart(
        [
          ['tableId', 'in.c-mp.async'],
          ['wait', '0'],
        ],
        'id\n1\n',
      ),
    );
    expect(status).toBe(202);
    const job = body.job as { id: number; url: string; status: string };
    expect(['waiting', 'processing']).toContain(body.status);
    // Location points at the importer; the body's job.url stays Storage's own job URL.
    expect(headers.get('location')).toBe(`/jobs/${job.id}`);
    expect(job.url).toBe(`${service.url}/v2/storage/jobs/${job.id}`);
    expect(body).not.toHaveProperty('totalRowsCount');
    for (let i = 0; i < 100; i += 1) {
      const polled = await fetch(new URL(headers.get('location') as string, service.url), {
        headers: { 'X-StorageApi-Token': service.token },
      });
      const polledBody = (await polled.json()) as { status: string; totalRowsCount?: number };
      if (polled.status === 200) {
        expect(polledBody).toMatchObject({ status: 'success', totalRowsCount: 1 });
        return;
      }
      expect(polled.status).toBe(202);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error('job did not finish');
  });

  it('treats Prefer: respond-async like wait=0', async () => {
    const { status } = await writeTable(
      service.url,
      service.token,
      multipart([['tableId', 'in.c-mp.prefer']], 'id\n1\n'),
      {
        headers: { Prefer: 'respond-async' },
      },
    );
    expect(status).toBe(202);
  });

  it('accepts the token as Authorization: Bearer', async () => {
    const { status } = await writeTable(
      service.url,
      undefined,
      multipart([['tableId', 'in.c-mp.bearer']], 'id\n1\n'),
      {
        headers: { Authorization: `Bearer ${service.token}` },
      },
    );
    expect(status).toBe(200);
  });
});
