import { defineConfig } from 'vitest/config';

/** `npm run test:heavy` runs these (vitest.heavy.config.ts): minutes of I/O, not per-change feedback. */
export const HEAVY_TESTS = ['test/**/*.heavy.test.ts'];

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['**/node_modules/**', ...HEAVY_TESTS],
    testTimeout: 15_000,
    hookTimeout: 15_000,
    pool: 'forks',
  },
});
