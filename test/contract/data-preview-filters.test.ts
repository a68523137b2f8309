// Contract: data-preview filters (contract §13.5) — whereColumn/whereValues/whereOperator (IN /
// NOT IN, '' matching empty cells), whereFilters with operators and dataType, changedSince, and
// their validation errors; limit=0 means the default.
import { beforeAll, describe, expect, it } from 'vitest';
import { createContractClient, expectStorageError, type Json } from './support/storage-client.js';
import { useStorageTarget } from './support/storage-target.js';

const target = useStorageTarget();
const api = createContractClient(target);
let table: Json;

beforeAll(async () => {
  const bucket = await api.createBucket('filters');
  table = await api.createTable(bucket.id, 'cities', 'id,city\n1,PRG\n2,\n3,BRN\n10,PRG\n');
});

async function ids(query: string): Promise<string[]> {
  const body = api.expectStatus(
    await api.get(`tables/${table.id}/data-preview?format=json&columns=id&${query}`),
    200,
  );
  return body.rows.map((row: Json[]) => row[0].value).sort();
}

describe('data-preview filters', () => {
  it('whereColumn + whereValues (both encodings) + whereOperator', async () => {
    expect(await ids('whereColumn=city&whereValues[]=PRG')).toEqual(['1', '10']);
    expect(await ids('whereColumn=city&whereValues[0]=PRG&whereValues[1]=BRN')).toEqual(['1', '10', '3']);
    expect(await ids('whereColumn=city&whereValues[0]=')).toEqual(['2']);
    expect(await ids('whereColumn=city&whereValues[0]=&whereOperator=ne')).toEqual(['1', '10', '3']);
    expect(await ids('whereColumn=city&whereValues[]=PRG&whereOperator=ne')).toEqual(['2', '3']);
  });

  it('whereFilters with comparison operators and dataType', async () => {
    expect(
      await ids(
        'whereFilters[0][column]=id&whereFilters[0][operator]=gt&whereFilters[0][values][0]=2&whereFilters[0][dataType]=INTEGER',
      ),
    ).toEqual(['10', '3']);
    expect(
      await ids(
        'whereFilters[0][column]=city&whereFilters[0][values][0]=PRG&whereFilters[1][column]=id&whereFilters[1][operator]=lt&whereFilters[1][values][0]=5&whereFilters[1][dataType]=INTEGER',
      ),
    ).toEqual(['1']);
  });

  it('changedSince (unix time or relative) against the row timestamp; limit=0 is the default', async () => {
    expect(await ids('changedSince=-1%20day')).toEqual(['1', '10', '2', '3']);
    expect(await ids(`changedSince=${Math.floor(Date.now() / 1000) + 3600}`)).toEqual([]);
    expect(await ids('limit=0')).toHaveLength(4);
  });

  it('rejects bad filters with 400', async () => {
    const get = (query: string) => api.get(`tables/${table.id}/data-preview?${query}`);
    expectStorageError(
      await get('whereColumn=nope&whereValues[]=x'),
      400,
      'storage.tables.validation.columnNotExists',
    );
    expectStorageError(
      await get('whereFilters[0][column]=id&whereFilters[0][operator]=like&whereFilters[0][values][0]=1'),
      400,
      'storage.tables.validation',
      'Invalid where operator like',
    );
    expectStorageError(
      await get('whereFilters[0][column]=id&whereFilters[0][values][0]=1&whereFilters[0][dataType]=TEXT'),
      400,
      'storage.tables.validation',
      'Data type TEXT not recognized',
    );
  });
});
