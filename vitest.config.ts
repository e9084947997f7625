import { defineConfig } from 'vitest/config';

/**
 * Three tiers, run in order: unit (no database, parallel, short limits), routes (the app on real
 * PostgreSQL through inject, two files at a time), integration (sync engine, child processes and
 * real sockets, one file at a time: they time shutdowns and socket timeouts, and parallel files
 * made them contend for the 2 CPUs of the machines this runs on).
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
          maxWorkers: 1,
          sequence: { groupOrder: 2 },
        },
      },
    ],
  },
});
