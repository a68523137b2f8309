// Shared setup for the table-store tests: a real DuckDB file in a temp dir, CSV files written
// there, and Storage's default load options. Tests assert on rows read back through preview.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { openTableStore, type TableStore } from '../../src/local-storage/tables/table-store.js';
import type { CsvLoadOptions, SourceFile } from '../../src/local-storage/tables/table-types.js';

export const defaultLoadOptions: CsvLoadOptions = {
  delimiter: ',',
  enclosure: '"',
  escapedBy: '',
  withoutHeaders: false,
  ignoredLinesCount: 0,
};

export interface StoreFixture {
  readonly store: TableStore;
  dir: string;
  dbPath: string;
  /** Writes `content` (gzipped when `gzip`) as a source file and returns it. */
  file(content: string | Buffer, options?: { gzip?: boolean }): Promise<SourceFile>;
  /** All rows in table order (preview with a high limit). */
  rows(tableId: string): Promise<string[][]>;
  /** Closes the store, runs `inspect` on the DuckDB file itself, then opens the store again. */
  inspectDuckdb<T>(inspect: (connection: DuckDBConnection) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export async function openStoreFixture(): Promise<StoreFixture> {
  const dir = await mkdtemp(join(tmpdir(), 'table-store-test-'));
  const dbPath = join(dir, 'tables.duckdb');
  let store = await openTableStore({ dbPath });
  let fileNumber = 0;
  return {
    get store() {
      return store;
    },
    dir,
    dbPath,
    async file(content, options = {}) {
      const bytes = typeof content === 'string' ? Buffer.from(content) : content;
      const gzip = options.gzip ?? false;
      const path = join(dir, `source-${++fileNumber}.csv${gzip ? '.gz' : ''}`);
      await writeFile(path, gzip ? gzipSync(bytes) : bytes);
      return { path, gzip };
    },
    async rows(tableId) {
      return (await store.preview(tableId, { limit: 1_000_000 })).rows;
    },
    async inspectDuckdb(inspect) {
      await store.close();
      const instance = await DuckDBInstance.create(dbPath);
      try {
        const connection = await instance.connect();
        try {
          return await inspect(connection);
        } finally {
          connection.disconnectSync();
        }
      } finally {
        instance.closeSync();
        store = await openTableStore({ dbPath });
      }
    },
    async close() {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
