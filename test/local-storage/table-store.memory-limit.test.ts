// The table store under a DuckDB memory limit (LOCAL_DUCKDB_MEMORY): the limit reaches DuckDB,
// a load fits in the default, and running out of memory is a Storage error naming the setting
// to raise, not an application error.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_DUCKDB_MEMORY } from '../../src/config.js';
import { StorageError } from '../../src/local-storage/protocol/storage-error.js';
import { openTableStore } from '../../src/local-storage/tables/table-store.js';
import { defaultLoadOptions } from './table-store-fixture.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'table-store-memory-'));
  await writeFile(join(dir, 'rows.csv'), 'id,name\n1,a\n2,b\n');
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const source = () => ({ path: join(dir, 'rows.csv'), gzip: false });

describe('DuckDB memory limit', () => {
  it('an invalid limit fails the open (the setting reaches DuckDB)', async () => {
    await expect(openTableStore({ dbPath: ':memory:', memoryLimit: '12 parsecs' })).rejects.toThrow();
  });

  it('loads under the default limit, spilling into the given directory', async () => {
    const store = await openTableStore({
      dbPath: join(dir, 'default.duckdb'),
      memoryLimit: DEFAULT_DUCKDB_MEMORY,
      spillDir: join(dir, 'spill'),
    });
    try {
      const created = await store.createTable('in.c-m.rows', source(), {
        ...defaultLoadOptions,
        primaryKey: ['id'],
      });
      expect(created.rowsCount).toBe(2);
    } finally {
      await store.close();
    }
  });

  it('out of memory is storage.local.outOfMemory naming LOCAL_DUCKDB_MEMORY', async () => {
    // The CSV reader's buffer alone (the 64 MiB row limit) does not fit in 16 MB.
    const store = await openTableStore({ dbPath: join(dir, 'tiny.duckdb'), memoryLimit: '16MB' });
    try {
      const failure = await store
        .createTable('in.c-m.rows', source(), { ...defaultLoadOptions, primaryKey: [] })
        .catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(StorageError);
      expect((failure as StorageError).code).toBe('storage.local.outOfMemory');
      expect((failure as StorageError).message).toContain('LOCAL_DUCKDB_MEMORY');
    } finally {
      await store.close();
    }
  });
});
