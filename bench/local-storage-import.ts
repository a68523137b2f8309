// Timing of the local Storage stand-in's table store on a generated 1,000,000-row (~50 MB) CSV:
// the streaming canonical pass alone, createTable, full load, incremental upsert, gzip full load.
// Run: npx tsx bench/local-storage-import.ts [rows]. Not a test: nothing is asserted but row counts.
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { parseCsvDialect } from '../src/local-storage/csv/csv-dialect.js';
import { writeCanonicalCsv } from '../src/local-storage/csv/write-canonical-csv.js';
import { openTableStore } from '../src/local-storage/tables/table-store.js';

const rowsCount = Number(process.argv[2] ?? 1_000_000);
const dir = await mkdtemp(join(tmpdir(), 'bench-local-storage-'));
const csvPath = join(dir, 'data.csv');
const gzipPath = join(dir, 'data.csv.gz');
const loadOptions = {
  ...parseCsvDialect({}),
  withoutHeaders: false,
  ignoredLinesCount: 0,
};

try {
  await generateCsv(csvPath, rowsCount);
  await pipeline(createReadStream(csvPath), createGzip(), createWriteStream(gzipPath));
  const sizeMb = (await stat(csvPath)).size / 1e6;
  console.log(
    `${rowsCount} rows, ${sizeMb.toFixed(1)} MB CSV (5 columns); load average ${loadavg()[0]?.toFixed(1)}`,
  );

  await time('canonical pass only', () =>
    writeCanonicalCsv({
      source: { path: csvPath, gzip: false },
      dialect: loadOptions,
      layout: { kind: 'header', ignoredLinesCount: 0, onHeader: () => undefined },
      outputPath: join(dir, 'canonical.csv'),
    }),
  );

  const store = await openTableStore({ dbPath: join(dir, 'bench.duckdb') });
  try {
    const source = { path: csvPath, gzip: false };
    const created = await time('createTable (PK id)', () =>
      store.createTable('in.c-bench.rows', source, { ...loadOptions, primaryKey: ['id'] }),
    );
    const current = { columns: created.columns, primaryKey: created.primaryKey };
    await time('import, full load (PK id)', () =>
      store.importIntoTable('in.c-bench.rows', current, source, { ...loadOptions, incremental: false }),
    );
    await time('import, incremental upsert of identical rows (PK id)', () =>
      store.importIntoTable('in.c-bench.rows', current, source, { ...loadOptions, incremental: true }),
    );
    await time('import, full load from .gz (PK id)', () =>
      store.importIntoTable(
        'in.c-bench.rows',
        current,
        { path: gzipPath, gzip: true },
        { ...loadOptions, incremental: false },
      ),
    );
    await time('createTable (no PK)', () =>
      store.createTable('in.c-bench.nopk', source, { ...loadOptions, primaryKey: [] }),
    );
    await time('import, full load (no PK)', () =>
      store.importIntoTable('in.c-bench.nopk', { columns: created.columns, primaryKey: [] }, source, {
        ...loadOptions,
        incremental: false,
      }),
    );
  } finally {
    await store.close();
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}

/** Wall time, and CPU time of this process (JS thread + DuckDB threads): the machine may be shared. */
async function time<T>(label: string, work: () => Promise<T>): Promise<T> {
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  const result = await work();
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  const rows =
    typeof result === 'object' && result !== null && 'rowsCount' in result ? ` ${result.rowsCount} rows` : '';
  console.log(`${label.padEnd(55)} ${seconds.toFixed(2)} s wall, ${cpuSeconds.toFixed(2)} s CPU${rows}`);
  return result;
}

async function generateCsv(path: string, rows: number): Promise<void> {
  async function* lines(): AsyncGenerator<string> {
    yield 'id,name,email,amount,note\n';
    let batch: string[] = [];
    for (let i = 1; i <= rows; i++) {
      const note = i % 1000 === 0 ? '"multi-line\nnote, with ""quotes"""' : `note ${i % 97}`;
      batch.push(`${i},"U ${i}",u${i}@example.com,${(i * 7919) % 100000}.${i % 100},${note}\n`);
      if (batch.length === 10_000) {
        yield batch.join('');
        batch = [];
      }
    }
    yield batch.join('');
  }
  await pipeline(lines, createWriteStream(path));
}
