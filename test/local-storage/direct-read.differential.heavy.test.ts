// The differential check of the direct read (direct-read-differential.ts) over thousands of
// random files: minutes on a busy machine, so `npm run test:heavy`.
import { describeDifferential } from './direct-read-differential.js';

describeDifferential('direct read versus the canonical pass, many cases', {
  creates: {
    title: 'loads 1200 random files identically both ways (tables-async with a header)',
    seedFrom: 1_000,
    cases: 1200,
  },
  upserts: {
    title: 'loads 600 random header-less files identically both ways (import-async, upsert)',
    seedFrom: 200_001,
    cases: 600,
  },
});
