// import-async semantics of the table store (contract §9.3-9.5, §12.4): name matching, extra and
// missing columns, full vs incremental loads with and without a primary key, empty files,
// columns/withoutHeaders/ignoredLinesCount, and that a failed import changes nothing.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CsvLoadOptions, TableSchema } from '../../src/local-storage/tables/table-types.js';
import { defaultLoadOptions, openStoreFixture, type StoreFixture } from './table-store-fixture.js';

const TABLE = 'in.c-main.users';
let f: StoreFixture;
let schema: TableSchema;
beforeEach(async () => {
  f = await openStoreFixture();
});
afterEach(async () => {
  await f.close();
});

async function createUsers(primaryKey: string[], content = 'id,name\n1,a\n2,b\n'): Promise<void> {
  const created = await f.store.createTable(TABLE, await f.file(content), {
    ...defaultLoadOptions,
    primaryKey,
  });
  schema = { columns: created.columns, primaryKey: created.primaryKey };
}

async function importCsv(
  content: string | Buffer,
  options: Partial<CsvLoadOptions & { incremental: boolean }> = {},
) {
  const result = await f.store.importIntoTable(TABLE, schema, await f.file(content), {
    ...defaultLoadOptions,
    incremental: false,
    ...options,
  });
  schema = { ...schema, columns: result.columns };
  return result;
}

async function expectUnchanged(run: () => Promise<unknown>, error: Record<string, unknown>): Promise<void> {
  const before = await f.store.preview(TABLE, { limit: 1000 });
  const statsBefore = await f.store.stats(TABLE);
  await expect(run()).rejects.toMatchObject(error);
  expect(await f.store.preview(TABLE, { limit: 1000 })).toEqual(before);
  expect(await f.store.stats(TABLE)).toEqual(statsBefore);
}

describe('TableStore.importIntoTable', () => {
  describe('columns', () => {
    beforeEach(() => createUsers([]));

    it('matches header names to table columns in any order; the table keeps its order', async () => {
      const result = await importCsv('name,id\nx,3\n');
      expect(result).toEqual({
        importedColumns: ['name', 'id'],
        columns: ['id', 'name'],
        rowsCount: 1,
        dataSizeBytes: 2,
      });
      expect(await f.rows(TABLE)).toEqual([['3', 'x']]);
    });

    it('matches case-sensitively and reports missing columns with Storage message and results', async () => {
      await expectUnchanged(() => importCsv('Id,Name\n3,x\n'), {
        status: 400,
        code: 'csvImport.columnsNotMatch',
        message:
          'Some columns are missing in the csv file. Missing columns: id,name. Expected columns: id,name. Please check if the expected delimiter "," is used in the csv file.',
        extra: { results: { missingColumns: ['id', 'name'], expectedColumns: ['id', 'name'] } },
      });
    });

    it('names the delimiter of the request in the missing-columns message', async () => {
      await expect(importCsv('id,name\n3,x\n', { delimiter: ';' })).rejects.toMatchObject({
        code: 'csvImport.columnsNotMatch',
        message:
          'Some columns are missing in the csv file. Missing columns: id,name. Expected columns: id,name. Please check if the expected delimiter ";" is used in the csv file.',
        extra: { results: { missingColumns: ['id', 'name'], expectedColumns: ['id', 'name'] } },
      });
    });

    it('sanitises header names before matching', async () => {
      await f.store.dropTable(TABLE);
      await createUsers([], 'first name,language-id\na,b\n');
      expect(schema.columns).toEqual(['first_name', 'language_id']);
      await expect(importCsv('"language id","First Name"\ncs,Jan\n')).rejects.toMatchObject({
        code: 'csvImport.columnsNotMatch',
        extra: {
          results: { missingColumns: ['first_name'], expectedColumns: ['first_name', 'language_id'] },
        },
      });
      await importCsv('"language-id","first name"\ncs,Jan\n');
      expect(await f.rows(TABLE)).toEqual([['Jan', 'cs']]);
    });

    it('appends extra file columns to the table in file order; existing rows get empty strings', async () => {
      const result = await importCsv('zeta,id,name,alpha\nz,3,c,a\n', { incremental: true });
      expect(result.importedColumns).toEqual(['zeta', 'id', 'name', 'alpha']);
      expect(result.columns).toEqual(['id', 'name', 'zeta', 'alpha']);
      expect(result.rowsCount).toBe(3);
      expect(await f.store.preview(TABLE, { limit: 10 })).toEqual({
        columns: ['id', 'name', 'zeta', 'alpha'],
        rows: [
          ['1', 'a', '', ''],
          ['2', 'b', '', ''],
          ['3', 'c', 'z', 'a'],
        ],
      });
    });

    it('refuses duplicate header names (case-insensitive) without touching the table', async () => {
      await expectUnchanged(() => importCsv('id,name,Name\n1,2,3\n'), {
        status: 400,
        code: 'csvImport.duplicateColumns',
      });
    });

    it('refuses an empty header cell with invalidColumnName', async () => {
      await expectUnchanged(() => importCsv('id,name,\n1,2,3\n'), {
        code: 'storage.tables.validation.invalidColumnName',
      });
    });
  });

  describe('full and incremental loads', () => {
    it('full load replaces all rows', async () => {
      await createUsers([]);
      const result = await importCsv('id,name\n7,x\n7,x\n');
      expect(result.rowsCount).toBe(2);
      expect(await f.rows(TABLE)).toEqual([
        ['7', 'x'],
        ['7', 'x'],
      ]);
    });

    it('full load with a primary key keeps the last row of each key', async () => {
      await createUsers(['id']);
      await importCsv('id,name\n7,first\n8,y\n7,last\n');
      expect((await f.rows(TABLE)).sort()).toEqual([
        ['7', 'last'],
        ['8', 'y'],
      ]);
    });

    it('incremental load without a primary key appends (the same file twice doubles the rows)', async () => {
      await createUsers([]);
      expect((await importCsv('id,name\n1,a\n2,b\n', { incremental: true })).rowsCount).toBe(4);
      expect((await importCsv('id,name\n1,a\n2,b\n', { incremental: true })).rowsCount).toBe(6);
    });

    it('incremental load with a primary key upserts, last row of each key wins', async () => {
      await createUsers(['id']);
      const result = await importCsv('id,name\n2,changed\n3,new\n3,newer\n', { incremental: true });
      expect(result.rowsCount).toBe(3);
      expect((await f.rows(TABLE)).sort()).toEqual([
        ['1', 'a'],
        ['2', 'changed'],
        ['3', 'newer'],
      ]);
    });

    it('the same file imported incrementally twice into a table with a PK keeps the row count', async () => {
      await createUsers(['id']);
      expect((await importCsv('id,name\n1,a\n2,b\n', { incremental: true })).rowsCount).toBe(2);
      expect(await f.rows(TABLE)).toEqual([
        ['1', 'a'],
        ['2', 'b'],
      ]);
    });

    it('compares an empty key value as the empty string (multi-column PK)', async () => {
      await createUsers(['id', 'sub'], 'id,sub,name\n10,,x\n10,a,y\n');
      await importCsv('id,sub,name\n10,,first\n10,"",second\n,,blank\n', { incremental: true });
      expect((await f.rows(TABLE)).sort()).toEqual([
        ['', '', 'blank'],
        ['10', '', 'second'],
        ['10', 'a', 'y'],
      ]);
    });

    it('a header-only file empties the table on a full load and changes nothing incrementally', async () => {
      await createUsers(['id']);
      expect((await importCsv('id,name\n', { incremental: true })).rowsCount).toBe(2);
      expect(await importCsv('id,name')).toEqual({
        importedColumns: ['id', 'name'],
        columns: ['id', 'name'],
        rowsCount: 0,
        dataSizeBytes: 0,
      });
    });

    it('a 0-byte file fails with columnsNotMatch listing every table column', async () => {
      await createUsers([]);
      await expectUnchanged(() => importCsv(''), {
        code: 'csvImport.columnsNotMatch',
        message:
          'Some columns are missing in the csv file. Missing columns: id,name. Expected columns: id,name. Please check if the expected delimiter "," is used in the csv file.',
        extra: { results: { missingColumns: ['id', 'name'], expectedColumns: ['id', 'name'] } },
      });
    });

    it('sets _timestamp on changed rows only', async () => {
      await createUsers(['id'], 'id,name\n1,a\n2,b\n3,c\n');
      const before = await readTimestamps();
      await new Promise((resolve) => setTimeout(resolve, 20));
      await importCsv('id,name\n1,a\n2,changed\n4,new\n', { incremental: true });
      const after = await readTimestamps();
      expect(after.get('1')).toBe(before.get('1'));
      expect(after.get('3')).toBe(before.get('3'));
      expect(after.get('2')).toBeGreaterThan(before.get('2') ?? Number.POSITIVE_INFINITY);
      expect(after.get('4')).toBe(after.get('2'));
    });
  });

  describe('header options', () => {
    beforeEach(() => createUsers([]));

    it('withoutHeaders maps fields to the table columns by position', async () => {
      const result = await importCsv('3,c\n4,d\n', { withoutHeaders: true });
      expect(result.importedColumns).toEqual(['id', 'name']);
      expect(await f.rows(TABLE)).toEqual([
        ['3', 'c'],
        ['4', 'd'],
      ]);
      await expectUnchanged(() => importCsv('5,e,extra\n', { withoutHeaders: true }), {
        code: 'csvImport.invalidData',
        message: expect.stringMatching(/^Load error: line 1: expected 2 fields, found 3\./),
      });
    });

    it('withoutHeaders with ignoredLinesCount skips leading lines', async () => {
      await importCsv('junk\n3,c\n', { withoutHeaders: true, ignoredLinesCount: 1 });
      expect(await f.rows(TABLE)).toEqual([['3', 'c']]);
    });

    it('columns name the fields (sanitised, any order); the first line is data', async () => {
      const result = await importCsv('c,3\nd,4\n', { columns: ['name', 'id'] });
      expect(result.importedColumns).toEqual(['name', 'id']);
      expect(await f.rows(TABLE)).toEqual([
        ['3', 'c'],
        ['4', 'd'],
      ]);
    });

    it('columns win over withoutHeaders=false, and ignoredLinesCount=1 skips a header line', async () => {
      await importCsv('name,id\nc,3\n', {
        columns: ['name', 'id'],
        withoutHeaders: false,
        ignoredLinesCount: 1,
      });
      expect(await f.rows(TABLE)).toEqual([['3', 'c']]);
    });

    it('columns missing a table column fail before reading the file', async () => {
      await expectUnchanged(() => importCsv('3\n', { columns: ['id'] }), {
        code: 'csvImport.columnsNotMatch',
        extra: { results: { missingColumns: ['name'], expectedColumns: ['id', 'name'] } },
      });
    });

    it('ignoredLinesCount counts the header: 1 skips only the header, 5 keeps the last of 6 lines', async () => {
      const content = 'id,name\n1,a\n2,b\n3,c\n4,d\n5,e\n';
      await importCsv(content, { ignoredLinesCount: 1 });
      expect((await f.rows(TABLE)).length).toBe(5);
      await importCsv(content, { ignoredLinesCount: 5 });
      expect(await f.rows(TABLE)).toEqual([['5', 'e']]);
    });

    it('a file without a header used as if it had one fails with columnsNotMatch', async () => {
      await expectUnchanged(() => importCsv('3,c\n'), {
        code: 'csvImport.columnsNotMatch',
        extra: { results: { missingColumns: ['id', 'name'], expectedColumns: ['id', 'name'] } },
      });
    });
  });

  describe('failures change nothing', () => {
    it('a ragged row after new columns leaves rows and columns as they were', async () => {
      await createUsers([]);
      await expectUnchanged(() => importCsv('id,name,extra\n3,c,x\n4,d\n', { incremental: true }), {
        code: 'csvImport.invalidData',
        message: expect.stringMatching(/^Load error: line 3: /),
      });
      expect((await f.store.preview(TABLE, { limit: 1 })).columns).toEqual(['id', 'name']);
    });

    it('a failure inside the DuckDB transaction rolls back added columns and the truncate', async () => {
      await createUsers([]);
      // The caller's schema names a column DuckDB does not have: the INSERT fails after the
      // ALTER TABLE and the DELETE ran in the same transaction.
      schema = { columns: ['id', 'name', 'ghost'], primaryKey: [] };
      await expectUnchanged(() => importCsv('id,name,ghost,extra\n3,c,g,x\n'), {});
      expect((await f.store.preview(TABLE, { limit: 1 })).columns).toEqual(['id', 'name']);
    });

    it('an unknown table is storage.tables.notFound', async () => {
      await expect(
        f.store.importIntoTable(
          'in.c-main.nope',
          { columns: ['id'], primaryKey: [] },
          await f.file('id\n1\n'),
          {
            ...defaultLoadOptions,
            incremental: false,
          },
        ),
      ).rejects.toMatchObject({ status: 404, code: 'storage.tables.notFound' });
    });
  });
});

/** `_timestamp` (never exposed by the store) per id, in microseconds, read from DuckDB itself. */
async function readTimestamps(): Promise<Map<string, number>> {
  return f.inspectDuckdb(async (connection) => {
    const reader = await connection.runAndReadAll(`SELECT id, epoch_us(_timestamp)::DOUBLE FROM "${TABLE}"`);
    return new Map(reader.getRows().map(([id, micros]) => [String(id), Number(micros)]));
  });
}
