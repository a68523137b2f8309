// DuckDB reading a source file as it is must never load anything the canonical pass would load
// differently or refuse (direct-read-differential.ts); the heavy variant runs thousands of cases.
import { afterAll, beforeAll, describe, it } from 'vitest';
import {
  compareCreates,
  compareUpserts,
  type Differential,
  openDifferential,
} from './direct-read-differential.js';

let d: Differential;
beforeAll(async () => {
  d = await openDifferential();
});
afterAll(() => d.close());

describe('direct read versus the canonical pass', () => {
  it('loads random files identically both ways (tables-async with a header)', async () => {
    await compareCreates(d, 1, 20);
  });

  it('loads random header-less files identically both ways (import-async, upsert on a key)', async () => {
    await compareUpserts(d, 100_001, 12);
  });
});
