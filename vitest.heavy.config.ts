import { defineConfig } from 'vitest/config';
import { HEAVY_TESTS } from './vitest.config.js';

/** The heavy tests alone (e.g. a 1 GiB upload); CI runs them after `npm test`. */
export default defineConfig({
  test: {
    include: HEAVY_TESTS,
    testTimeout: 600_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
