// DuckDB reading a source file as it is must never load anything the canonical pass would load
// differently or refuse (direct-read-differential.ts); the heavy variant runs thousands of cases.
import { describeDifferential } from './direct-read-differential.js';

describeDifferential('direct read versus the canonical pass', {
  creates: {
    title: 'loads random files identically both ways (tables-async with a header)',
    seedFrom: 1,
    cases: 20,
  },
  upserts: {
    title: 'loads random header-less files identically both ways (import-async, upsert on a key)',
    seedFrom: 100_001,
    cases: 12,
  },
});
