// Differential check of the direct read (csv/direct-read-plan.ts) against the canonical pass:
// random small files over an alphabet of the bytes that matter (delimiters, quotes, CR, LF,
// blanks, TAB, non-ASCII) loaded both ways must give equal rows, results or errors.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCsvDialect } from '../../src/local-storage/csv/csv-dialect.js';
import { planDirectRead } from '../../src/local-storage/csv/direct-read-plan.js';
import { createTableFromFile, importFileIntoTable } from '../../src/local-storage/tables/table-load.js';

const ALPHABET = ['a', 'b', ',', ',', '"', '"', '\n', '\n', ' ', '\r', '\t', 'é', ';'];

export interface Differential {
  dir: string;
  connection: DuckDBConnection;
  close(): Promise<void>;
}

export async function openDifferential(): Promise<Differential> {
  const dir = await mkdtemp(join(tmpdir(), 'direct-read-'));
  const instance = await DuckDBInstance.create(':memory:', { threads: '1' });
  const connection = await instance.connect();
  return {
    dir,
    connection,
    async close() {
      connection.disconnectSync();
      instance.closeSync();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** A small deterministic PRNG (mulberry32), so a failure names a reproducible case. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Mostly well-formed rows (so many files qualify for the direct read) with random defects. */
function randomCsv(next: () => number): string {
  const pick = (items: readonly string[]) => items[Math.floor(next() * items.length)] as string;
  const text = (max: number) => {
    let value = '';
    for (let length = Math.floor(next() * max); length > 0; length--) value += pick(ALPHABET);
    return value;
  };
  const field = () => {
    const roll = next();
    if (roll < 0.4) return text(3).replace(/[",\n\r]/g, '');
    if (roll < 0.7) return `"${text(4).replaceAll('"', '""')}"`;
    return text(3);
  };
  let csv = next() < 0.8 ? 'h1,h2\n' : '';
  for (let rows = Math.floor(next() * 5); rows > 0; rows--) {
    const fields = next() < 0.85 ? 2 : pick(['1', '3']) === '1' ? 1 : 3;
    csv += Array.from({ length: fields }, field).join(',');
    csv += next() < 0.9 ? '\n' : pick(['\r\n', '', '\n\n']);
  }
  return csv;
}

type Outcome = { rows: string[][]; result: unknown } | { error: string };

async function outcomeOf(
  connection: DuckDBConnection,
  run: () => Promise<unknown>,
  table: string,
): Promise<Outcome> {
  try {
    const result = await run();
    const reader = await connection.runAndReadAll(
      `SELECT * EXCLUDE (_timestamp) FROM "${table}" ORDER BY rowid`,
    );
    return { rows: reader.getRows().map((row) => row.map(String)), result };
  } catch (error) {
    return { error: `${(error as Error).name}: ${(error as Error).message}` };
  }
}

/** tables-async of `cases` random files (with a header) both ways; the outcomes must be equal. */
export async function compareCreates(d: Differential, seedFrom: number, cases: number): Promise<void> {
  const { dir, connection } = d;
  const outcome = (run: () => Promise<unknown>, table: string) => outcomeOf(connection, run, table);
  let direct = 0;
  for (let seed = seedFrom; seed <= seedFrom + cases - 1; seed++) {
    const content = randomCsv(random(seed));
    const path = join(dir, `case-${seed}.csv`);
    await writeFile(path, content);
    const source = { path, gzip: false };
    const options = {
      ...parseCsvDialect({}),
      withoutHeaders: false,
      ignoredLinesCount: 0,
      primaryKey: [],
      ...(seed % 3 === 0 ? { treatValuesAsNull: ['a'] } : {}),
    };
    const plan = await planDirectRead({
      source,
      dialect: parseCsvDialect({}),
      layout: { kind: 'header', ignoredLinesCount: 0, onHeader: () => undefined },
    }).catch(() => undefined);
    if (plan) direct++;
    const viaDirect = await outcome(
      () => createTableFromFile({ connection, tempRoot: dir }, `in.c-d.t${seed}`, source, options),
      `in.c-d.t${seed}`,
    );
    const viaCanonical = await outcome(
      () =>
        createTableFromFile(
          { connection, tempRoot: dir, directRead: false },
          `in.c-c.t${seed}`,
          source,
          options,
        ),
      `in.c-c.t${seed}`,
    );
    expect({ seed, content, outcome: viaDirect }).toEqual({ seed, content, outcome: viaCanonical });
  }
  // The comparison means something only if many files really took the direct read.
  expect(direct).toBeGreaterThanOrEqual(Math.ceil(cases / 10));
}

/** import-async upserts of `cases` random header-less files both ways; equal outcomes. */
export async function compareUpserts(d: Differential, seedFrom: number, cases: number): Promise<void> {
  const { dir, connection } = d;
  const outcome = (run: () => Promise<unknown>, table: string) => outcomeOf(connection, run, table);
  let direct = 0;
  for (let seed = seedFrom; seed <= seedFrom + cases - 1; seed++) {
    const content = randomCsv(random(seed + 100_000)).replace(/^h1,h2\n/, '');
    const path = join(dir, `fixed-${seed}.csv`);
    await writeFile(path, content);
    const source = { path, gzip: false };
    const tables = [`in.c-fd.t${seed}`, `in.c-fc.t${seed}`];
    for (const table of tables) {
      await connection.run(
        `CREATE TABLE "${table}" (h1 VARCHAR DEFAULT '', h2 VARCHAR DEFAULT '', _timestamp TIMESTAMP)`,
      );
    }
    const current = { columns: ['h1', 'h2'], primaryKey: ['h1'] };
    const options = {
      ...parseCsvDialect({}),
      withoutHeaders: true,
      ignoredLinesCount: 0,
      incremental: true,
    };
    if (
      await planDirectRead({
        source,
        dialect: parseCsvDialect({}),
        layout: { kind: 'fixed', ignoredLinesCount: 0, fieldCount: 2 },
      })
    ) {
      direct++;
    }
    const [directTable, canonicalTable] = tables as [string, string];
    const viaDirect = await outcome(
      () => importFileIntoTable({ connection, tempRoot: dir }, directTable, current, source, options),
      directTable,
    );
    const viaCanonical = await outcome(
      () =>
        importFileIntoTable(
          { connection, tempRoot: dir, directRead: false },
          canonicalTable,
          current,
          source,
          options,
        ),
      canonicalTable,
    );
    // Upserts keep no file order: compare the sets of rows.
    const sorted = (value: Outcome) => ('rows' in value ? { ...value, rows: [...value.rows].sort() } : value);
    expect({ seed, content, outcome: sorted(viaDirect) }).toEqual({
      seed,
      content,
      outcome: sorted(viaCanonical),
    });
  }
  expect(direct).toBeGreaterThanOrEqual(Math.ceil(cases / 10));
}

/** One differential run: a test title, the first seed and how many random files. */
export interface DifferentialRun {
  title: string;
  seedFrom: number;
  cases: number;
}

/** The suite both the quick and the heavy test files declare: one DuckDB, creates then upserts. */
export function describeDifferential(
  title: string,
  runs: { creates: DifferentialRun; upserts: DifferentialRun },
): void {
  describe(title, () => {
    let d: Differential;
    beforeAll(async () => {
      d = await openDifferential();
    });
    afterAll(() => d.close());

    it(runs.creates.title, async () => {
      await compareCreates(d, runs.creates.seedFrom, runs.creates.cases);
    });

    it(runs.upserts.title, async () => {
      await compareUpserts(d, runs.upserts.seedFrom, runs.upserts.cases);
    });
  });
}
