import { defineConfig } from 'vitest/config';

/**
 * Three tiers, run in order: unit (no database, parallel, short limits), routes (the app on real
 * PostgreSQL through inject, two files at a time), integration (sync engine, child processes and
 * real sockets, two files at a time: their time limits are the ones the behaviour itself sets,
 * with room for a loaded 2-core machine, so two files side by side do not trip them).
 */
export default defineConfig({
  test: {
    pool: 'forks',
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          testTimeout: 10_000,
          hookTimeout: 10_000,
          sequence: { groupOrder: 0 },
        },
      },
      {
        test: {
          name: 'routes',
          include: ['test/routes/**/*.test.ts'],
          globalSetup: ['test/support/global-setup.ts'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
          maxWorkers: 2,
          sequence: { groupOrder: 1 },
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          globalSetup: ['test/support/global-setup.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
          maxWorkers: 2,
          sequence: { groupOrder: 2 },
        },
      },
    ],
  },
});
