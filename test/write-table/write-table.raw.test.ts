import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeTable } from '../support/http-client.js';
import { type LocalService, sortedRows, startLocalService } from '../support/local-service.js';

describe('raw-body /write-table (curl -T, --data-binary)', () => {
  let service: LocalService;
  beforeAll(async () => {
    service = await startLocalService();
  });
  afterAll(() => service.close());

  it('PUT with the fields in the query string, as curl -T sends it', async () => {
    const { status, body } = await writeTable(service.url, service.token, 'id,name\n1,a\n2,b\n', {
      method: 'PUT',
      query: { tableId: 'in.c-raw.put', primaryKey: 'id' },
      headers: { 'Content-Type': 'application/octet-stream' },
    });
    expect(status, JSON.stringify(body)).toBe(200);
    expect(body).toMatchObject({
      tableCreated: true,
      totalRowsCount: 2,
      file: { name: 'put.csv', compressed: false },
    });
    expect(sortedRows(await service.previewRows('in.c-raw.put'))).toEqual([
      ['id', 'name'],
      ['1', 'a'],
      ['2', 'b'],
    ]);
  });

  it('POST text/csv with repeated and comma-list columns', async () => {
    const repeated = await fetch(`${service.url}/write-table?tableId=in.c-raw.cols&columns=id&columns=name`, {
      method: 'POST',
      headers: { 'X-StorageApi-Token': service.token, 'Content-Type': 'text/csv' },
      body: '1,a\n',
    });
    expect(repeated.status, await repeated.clone().text()).toBe(200);
    const commaList = await writeTable(service.url, service.token, 'b,2\n', {
      query: { tableId: 'in.c-raw.cols', columns: 'name,id', incremental: '1' },
    });
    expect(commaList.status, JSON.stringify(commaList.body)).toBe(200);
    expect(sortedRows(await service.previewRows('in.c-raw.cols'))).toEqual([
      ['id', 'name'],
      ['1', 'a'],
      ['2', 'b'],
    ]);
  });

  it('a body without Content-Type is taken as raw CSV', async () => {
    const response = await fetch(`${service.url}/write-table?tableId=in.c-raw.untyped`, {
      method: 'POST',
      headers: { 'X-StorageApi-Token': service.token },
      body: new Blob(['id\n1\n']),
    });
    expect(response.status, await response.clone().text()).toBe(200);
  });
});
