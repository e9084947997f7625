import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // Most files wait on loopback servers, Postgres and timers rather than the CPU; vitest's
    // default of (cores - 1) would run them one at a time on a 2-core machine.
    maxWorkers: 4,
  },
});
