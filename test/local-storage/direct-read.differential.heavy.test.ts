// The differential check of the direct read (direct-read-differential.ts) over thousands of
// random files: minutes on a busy machine, so `npm run test:heavy`.
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

describe('direct read versus the canonical pass, many cases', () => {
  it('loads 1200 random files identically both ways (tables-async with a header)', async () => {
    await compareCreates(d, 1_000, 1200);
  });

  it('loads 600 random header-less files identically both ways (import-async, upsert)', async () => {
    await compareUpserts(d, 200_001, 600);
  });
});
