// How the table store has DuckDB write tables (table-store.ts): no dictionary/FSST string
// compression (its analysis cost twice the rest of a load), checked in the file DuckDB wrote.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defaultLoadOptions, openStoreFixture, type StoreFixture } from './table-store-fixture.js';

let f: StoreFixture;
beforeEach(async () => {
  f = await openStoreFixture();
});
afterEach(async () => {
  await f.close();
});

describe('DuckDB storage settings of the table store', () => {
  it('stores strings without dictionary or FSST compression', async () => {
    // Few distinct values over many rows: DuckDB's default picks dictionary compression here.
    const rows = Array.from({ length: 20_000 }, (_, index) => `${index % 3},status-${index % 5}\n`);
    await f.store.createTable('in.c-main.settings', await f.file(`kind,status\n${rows.join('')}`), {
      ...defaultLoadOptions,
      primaryKey: [],
    });
    const compressions = await f.inspectDuckdb(async (connection) => {
      const reader = await connection.runAndReadAll(
        `SELECT DISTINCT compression FROM pragma_storage_info('"in.c-main.settings"')
         WHERE column_name IN ('kind', 'status') AND segment_type = 'VARCHAR'`,
      );
      return reader.getRows().map(([name]) => String(name));
    });
    expect(compressions.length).toBeGreaterThan(0);
    expect(compressions.filter((name) => /dict|fsst/i.test(name))).toEqual([]);
  });
});
