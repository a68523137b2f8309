import { defineConfig } from 'vitest/config';

/** `npm run test:heavy` runs these (vitest.heavy.config.ts): minutes of I/O, not per-change feedback. */
export const HEAVY_TESTS = ['test/**/*.heavy.test.ts'];

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Needs chromium: `npm run test:browser` (vitest.browser.config.ts).
    exclude: ['**/node_modules/**', 'test/browser/**', ...HEAVY_TESTS],
    testTimeout: 15_000,
    // Hooks start servers (DuckDB, S3, child processes), slow on a busy shared machine; a test's
    // own work must fit in 15 s.
    hookTimeout: 30_000,
    pool: 'forks',
    // In-process services build S3 clients too; main.ts sets the same for the real process.
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    // Most test time is waiting on sockets, child processes and DuckDB, not JS: on a 2-core
    // machine three forks overlap those waits (vitest's default would be one fork: cores - 1).
    maxWorkers: 3,
  },
});
