import { defineConfig } from 'vitest/config';

// The browser tests (test/browser): Debian's chromium driven by playwright-core. Kept out of
// `npm test` so that the unit and integration suite does not need a browser; `.ci/run` runs both.
export default defineConfig({
  test: {
    include: ['test/browser/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 60_000,
    pool: 'forks',
    fileParallelism: false,
  },
});
