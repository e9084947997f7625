import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // One file at a time on a 2-core machine: the sync tests time real child processes, socket
    // timeouts and shutdowns, and parallel files made them contend for the CPU and fail
    // (four workers failed seven such tests on a loaded machine; one worker passed them all).
    maxWorkers: 1,
  },
});
