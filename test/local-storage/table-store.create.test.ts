// tables-async semantics of the table store: columns from the header (or `columns`), sanitising,
// primary key checks, dedupe, empty files, and that a failed create leaves no table behind.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defaultLoadOptions, openStoreFixture, type StoreFixture } from './table-store-fixture.js';

const TABLE = 'in.c-main.users';
let f: StoreFixture;
beforeEach(async () => {
  f = await openStoreFixture();
});
afterEach(async () => {
  await f.close();
});

const create = async (
  content: string | Buffer,
  options: Partial<Parameters<StoreFixture['store']['createTable']>[2]> = {},
) => f.store.createTable(TABLE, await f.file(content), { ...defaultLoadOptions, primaryKey: [], ...options });

async function expectNoTable(): Promise<void> {
  await expect(f.store.stats(TABLE)).rejects.toMatchObject({ status: 404, code: 'storage.tables.notFound' });
}

describe('TableStore.createTable', () => {
  it('creates tables named like files (`json`, `csv`): a missing table is never read as a file', async () => {
    for (const tableId of ['in.c-main.json', 'in.c-main.csv']) {
      await f.store.createTable(tableId, await f.file('id\n1\n'), { ...defaultLoadOptions, primaryKey: [] });
      expect(await f.rows(tableId)).toEqual([['1']]);
    }
    await expect(f.store.stats('in.c-main.parquet')).rejects.toMatchObject({
      code: 'storage.tables.notFound',
    });
  });

  it('creates string columns from the sanitised header and loads every row', async () => {
    const result = await create('id,"First Name",language-id,ščř,xMax\n1,John,cs,ü,\n2,"Jane ""J""",en,,m\n');
    expect(result).toEqual({
      columns: ['id', 'First_Name', 'language_id', 'scr', 'xMax_'],
      primaryKey: [],
      rowsCount: 2,
      // UTF-8 bytes of all values: 1+4+2+2(ü)+0 + 1+8+2+0+1
      dataSizeBytes: 21,
    });
    expect(await f.rows(TABLE)).toEqual([
      ['1', 'John', 'cs', 'ü', ''],
      ['2', 'Jane "J"', 'en', '', 'm'],
    ]);
    expect(await f.store.stats(TABLE)).toEqual({ rowsCount: 2, dataSizeBytes: 21 });
  });

  it('keeps the last row of each primary key', async () => {
    const result = await create('id,sub,name\n1,a,first\n1,b,other\n1,a,last\n2,a,x\n', {
      primaryKey: ['id', 'sub'],
    });
    expect(result.primaryKey).toEqual(['id', 'sub']);
    expect(result.rowsCount).toBe(3);
    // Storage guarantees no row order; the stand-in keeps file order.
    expect(await f.rows(TABLE)).toEqual([
      ['1', 'b', 'other'],
      ['1', 'a', 'last'],
      ['2', 'a', 'x'],
    ]);
  });

  it('checks primary key columns case-sensitively and creates nothing when they are wrong', async () => {
    await expect(create('id,name\n1,a\n', { primaryKey: ['ID'] })).rejects.toMatchObject({
      status: 400,
      code: 'storage.tables.validation.invalidPrimaryKeyColumns',
    });
    await expectNoTable();
    await expect(create('id,name\n1,a\n', { primaryKey: ['id', ''] })).rejects.toMatchObject({
      code: 'storage.tables.validation.invalidPrimaryKeyColumns',
    });
  });

  it('creates an empty table from a header-only file, with or without a trailing line break', async () => {
    expect(await create('id,name')).toEqual({
      columns: ['id', 'name'],
      primaryKey: [],
      rowsCount: 0,
      dataSizeBytes: 0,
    });
    await f.store.dropTable(TABLE);
    expect((await create('id,name\r\n')).rowsCount).toBe(0);
    expect(await f.rows(TABLE)).toEqual([]);
  });

  it('refuses a 0-byte file with storage.tables.validation.noColumns and creates nothing', async () => {
    await expect(create('')).rejects.toMatchObject({
      status: 400,
      code: 'storage.tables.validation.noColumns',
    });
    await expectNoTable();
    const gzipped = await f.file('', { gzip: true });
    await expect(
      f.store.createTable(TABLE, gzipped, { ...defaultLoadOptions, primaryKey: [] }),
    ).rejects.toMatchObject({ code: 'storage.tables.validation.noColumns' });
  });

  it.each([
    ['an empty header cell', 'id,,name\n1,2,3\n'],
    ['a header cell that sanitises to nothing', 'id,%%\n1,2\n'],
    ['a trailing delimiter in the header', 'id,name,\n1,2,3\n'],
    ['a name longer than 64 characters', `id,${'a'.repeat(65)}\n1,2\n`],
  ])('refuses %s with invalidColumnName', async (_case, content) => {
    await expect(create(content)).rejects.toMatchObject({
      status: 400,
      code: 'storage.tables.validation.invalidColumnName',
    });
    await expectNoTable();
  });

  it('accepts a name of exactly 64 characters', async () => {
    const name = 'a'.repeat(64);
    expect((await create(`id,${name}\n1,2\n`)).columns).toEqual(['id', name]);
  });

  it.each([
    ['id,name,Name\n1,2,3\n', 'id,name,Name'],
    ['"a b",a_b\n1,2\n', 'a b and a_b'],
    ['ID,id\n1,2\n', 'ID,id'],
  ])('refuses duplicate header names compared case-insensitively after sanitising: %j', async (content) => {
    await expect(create(content)).rejects.toMatchObject({ status: 400, code: 'csvImport.duplicateColumns' });
    await expectNoTable();
  });

  it('takes `columns` as the header: every line of the file is data', async () => {
    const result = await create('1,a\nid,name\n', { columns: ['id', 'first name'], primaryKey: ['id'] });
    expect(result.columns).toEqual(['id', 'first_name']);
    expect(await f.rows(TABLE)).toEqual([
      ['1', 'a'],
      ['id', 'name'],
    ]);
  });

  it('refuses withoutHeaders without columns (no names to create from)', async () => {
    await expect(create('1,a\n', { withoutHeaders: true })).rejects.toMatchObject({
      status: 400,
      code: 'storage.tables.validation.invalidColumnName',
    });
    await expectNoTable();
  });

  it('counts the header among ignoredLinesCount', async () => {
    const content = 'id,name\n1,a\n2,b\n3,c\n';
    await create(content, { ignoredLinesCount: 1 });
    expect(await f.rows(TABLE)).toEqual([
      ['1', 'a'],
      ['2', 'b'],
      ['3', 'c'],
    ]);
    await f.store.dropTable(TABLE);
    await create(content, { ignoredLinesCount: 3 });
    expect(await f.rows(TABLE)).toEqual([['3', 'c']]);
    await f.store.dropTable(TABLE);
    await create(content, { columns: ['id', 'name'], ignoredLinesCount: 1 });
    expect(await f.rows(TABLE)).toEqual([
      ['1', 'a'],
      ['2', 'b'],
      ['3', 'c'],
    ]);
  });

  it('refuses a table that already exists and leaves it untouched', async () => {
    await create('id\n1\n');
    await expect(create('id\n2\n')).rejects.toMatchObject({
      status: 400,
      code: 'storage.buckets.tableAlreadyExists',
    });
    expect(await f.rows(TABLE)).toEqual([['1']]);
  });

  it('creates nothing when the data cannot be loaded', async () => {
    await expect(create('id,name\n1,a\n2,b,c\n')).rejects.toMatchObject({
      status: 400,
      code: 'csvImport.invalidData',
      message:
        'Load error: line 3: expected 2 fields, found 3. Please check if the expected delimiter "," is used in the csv file.',
    });
    await expectNoTable();
  });

  it('keeps table ids that differ only in case apart', async () => {
    await f.store.createTable('in.c-main.Users', await f.file('id\nupper\n'), {
      ...defaultLoadOptions,
      primaryKey: [],
    });
    await create('id\nlower\n');
    expect(await f.rows('in.c-main.Users')).toEqual([['upper']]);
    expect(await f.rows(TABLE)).toEqual([['lower']]);
  });
});
