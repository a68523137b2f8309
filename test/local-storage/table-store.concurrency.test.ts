// Operations on different tables running at the same time, and the read side of the store:
// preview (limit, column subsets, errors), stats, drop, reopening and close.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defaultLoadOptions, openStoreFixture, type StoreFixture } from './table-store-fixture.js';

let f: StoreFixture;
beforeEach(async () => {
  f = await openStoreFixture();
});
afterEach(async () => {
  await f.close();
});

function generateCsv(rows: number, tag: string): string {
  const lines = ['id,name,note'];
  for (let i = 1; i <= rows; i++) lines.push(`${i},"${tag} ${i}","multi\nline, ""${tag}"""`);
  return `${lines.join('\n')}\n`;
}

/** Same data shape with the columns reordered and one extra column. */
function generateReorderedCsv(rows: number, tag: string): string {
  const lines = ['note,id,name,extra'];
  for (let i = 1; i <= rows; i++) lines.push(`"multi\nline",${i},"${tag} ${i}",e${i}`);
  return `${lines.join('\n')}\n`;
}

describe('TableStore concurrency', () => {
  it('runs creates and imports on different tables concurrently without mixing data', async () => {
    const tables = ['in.c-main.first', 'in.c-main.second', 'out.c-other.third'];
    const created = await Promise.all(
      tables.map(async (tableId, index) =>
        f.store.createTable(tableId, await f.file(generateCsv(5_000 + index, tableId)), {
          ...defaultLoadOptions,
          primaryKey: ['id'],
        }),
      ),
    );
    expect(created.map((table) => table.rowsCount)).toEqual([5_000, 5_001, 5_002]);

    const imported = await Promise.all(
      tables.map(async (tableId, index) =>
        f.store.importIntoTable(
          tableId,
          { columns: ['id', 'name', 'note'], primaryKey: ['id'] },
          await f.file(generateReorderedCsv(20_000 + index, `${tableId} v2`)),
          { ...defaultLoadOptions, incremental: index % 2 === 0 },
        ),
      ),
    );
    expect(imported.map((result) => [result.rowsCount, result.columns])).toEqual([
      [20_000, ['id', 'name', 'note', 'extra']],
      [20_001, ['id', 'name', 'note', 'extra']],
      [20_002, ['id', 'name', 'note', 'extra']],
    ]);
    for (const tableId of tables) {
      const rows = await f.rows(tableId);
      expect(rows.every(([, name]) => name?.startsWith(`${tableId} v2 `) ?? false)).toBe(true);
    }
  });

  it('close waits for a running import', async () => {
    await f.store.createTable('in.c-main.t', await f.file('id,name,note\n'), {
      ...defaultLoadOptions,
      primaryKey: [],
    });
    const importing = f.store.importIntoTable(
      'in.c-main.t',
      { columns: ['id', 'name', 'note'], primaryKey: [] },
      await f.file(generateCsv(30_000, 'x')),
      { ...defaultLoadOptions, incremental: false },
    );
    await f.store.close();
    expect((await importing).rowsCount).toBe(30_000);
    await expect(f.store.stats('in.c-main.t')).rejects.toThrow('closed');
    // Data survives reopening.
    expect(await f.inspectDuckdb(async () => undefined)).toBeUndefined();
    expect(await f.store.stats('in.c-main.t')).toMatchObject({ rowsCount: 30_000 });
  });
});

describe('TableStore preview, stats and drop', () => {
  beforeEach(async () => {
    await f.store.createTable('in.c-main.p', await f.file('id,name,city\n1,a,x\n2,b,y\n3,c,z\n'), {
      ...defaultLoadOptions,
      primaryKey: [],
    });
  });

  it('respects limit and returns columns in table order by default', async () => {
    expect(await f.store.preview('in.c-main.p', { limit: 2 })).toEqual({
      columns: ['id', 'name', 'city'],
      rows: [
        ['1', 'a', 'x'],
        ['2', 'b', 'y'],
      ],
    });
    expect((await f.store.preview('in.c-main.p', { limit: 0 })).rows).toEqual([]);
  });

  it('returns a column subset in the requested order; an empty subset means all columns', async () => {
    expect((await f.store.preview('in.c-main.p', { limit: 1, columns: [] })).columns).toEqual([
      'id',
      'name',
      'city',
    ]);
    expect(await f.store.preview('in.c-main.p', { limit: 10, columns: ['city', 'id'] })).toEqual({
      columns: ['city', 'id'],
      rows: [
        ['x', '1'],
        ['y', '2'],
        ['z', '3'],
      ],
    });
  });

  it('refuses unknown (also differently cased) columns and bad limits with storage.tables.validation', async () => {
    for (const columns of [['nope'], ['ID']]) {
      await expect(f.store.preview('in.c-main.p', { limit: 10, columns })).rejects.toMatchObject({
        status: 400,
        code: 'storage.tables.validation',
      });
    }
    await expect(f.store.preview('in.c-main.p', { limit: -1 })).rejects.toMatchObject({
      code: 'storage.tables.validation',
    });
  });

  it('answers 404 storage.tables.notFound for unknown tables; drop is idempotent', async () => {
    await expect(f.store.preview('in.c-main.none', { limit: 1 })).rejects.toMatchObject({
      status: 404,
      code: 'storage.tables.notFound',
    });
    expect(await f.store.stats('in.c-main.p')).toEqual({ rowsCount: 3, dataSizeBytes: 9 });
    await f.store.dropTable('in.c-main.p');
    await f.store.dropTable('in.c-main.p');
    await expect(f.store.stats('in.c-main.p')).rejects.toMatchObject({ status: 404 });
  });

  it('rejects table ids that cannot be Storage ids', async () => {
    await expect(f.store.stats('in.c-main.x"; DROP TABLE x; --')).rejects.toMatchObject({
      status: 400,
      code: 'storage.tables.validation',
    });
  });
});
