import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // Most files wait on loopback servers, Postgres and timers rather than the CPU, so two run at
    // once on a 2-core machine (vitest's default, cores - 1, runs them one at a time); more makes
    // the timing-sensitive sync tests contend for the CPU.
    maxWorkers: 2,
  },
});
