import postgres from 'postgres';
import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { afterEach } from 'vitest';
import { buildApp } from '../../src/app.js';
import { loadConfig, type AppConfig } from '../../src/config.js';
import { createContainer, type Container } from '../../src/container.js';
import { useTestDatabase, type TestDatabase } from './database.js';

export interface TestAppOptions {
  readonly databaseUrl: string;
  readonly env?: Record<string, string>;
  readonly now?: () => Date;
  /** Mutates the container before the app is built (e.g. to inject a failing repository). */
  readonly customize?: (container: Container) => Partial<Pick<Container, 'contractReads' | 'readiness'>>;
}

export interface TestApp {
  readonly app: FastifyInstance;
  readonly container: Container;
  readonly config: AppConfig;
  /** Every log line the app wrote, parsed. */
  readonly logs: Record<string, unknown>[];
  readonly rawLogs: string[];
  /**
   * Resolves once the read model answers at the database's current generation: it follows commits
   * within milliseconds, where the SQL path reads them at once.
   */
  caughtUp(): Promise<void>;
  /**
   * Resolves once the process has learnt, by itself (a notification or its poll, never a forced
   * read), the generation the database holds now, and its read model answers at it: what a client
   * sees at most a second after a commit (docs/api.md §5), awaited as an event instead of a sleep.
   */
  seesCurrentGeneration(): Promise<void>;
  close(): Promise<void>;
}

/** The real app on a real database, with a fixed or injected clock and captured JSON logs. */
export async function buildTestApp(options: TestAppOptions): Promise<TestApp> {
  const config = loadConfig({ ENVIRONMENT: 'test', ESI_DOWNTIME_WINDOW: 'off', ...options.env });
  const rawLogs: string[] = [];
  const logs: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (line.trim() === '') continue;
        rawLogs.push(line);
        logs.push(JSON.parse(line) as Record<string, unknown>);
      }
      callback();
    },
  });
  const logger = pino({ level: 'info' }, sink);
  const container = createContainer({ config, databaseUrl: options.databaseUrl, logger, now: options.now });
  const overrides = options.customize?.(container) ?? {};
  const app = await buildApp({
    config,
    contractReads: overrides.contractReads ?? container.contractReads,
    contractPrices: container.contractPrices,
    readiness: overrides.readiness ?? container.readiness,
    status: container.status,
    metrics: container.metrics,
    logger,
  });
  await app.ready();
  // Answers come from the read model from the first request on, as in a process that has started
  // (unless the database cannot be reached, when there is nothing to load and the wait is cut short).
  await Promise.race([container.readModel?.ready(), new Promise((resolve) => setTimeout(resolve, 10_000).unref())]);
  return {
    app,
    container,
    config,
    logs,
    rawLogs,
    async caughtUp() {
      const target = await container.generation.refresh();
      const deadline = Date.now() + 10_000;
      while (container.readModel && (container.readModel.status().generation ?? -1) < target && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    },
    async seesCurrentGeneration() {
      const probe = postgres(options.databaseUrl, { max: 1, onnotice: () => {} });
      let target: number;
      try {
        const [row] = await probe<{ generation: string }[]>`SELECT generation FROM sync_state WHERE id = 1`;
        target = Number(row?.generation ?? 0);
      } finally {
        await probe.end();
      }
      // The poll alone brings it within a second; the deadline only turns a hang into a failure.
      const deadline = Date.now() + 10_000;
      while (container.generation.latest() < target || (container.readModel && (container.readModel.status().generation ?? -1) < target)) {
        if (Date.now() > deadline) throw new Error(`the app did not learn generation ${target} within 10 s`);
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    },
    async close() {
      await app.close();
      await container.close();
    },
  };
}

export interface AppPerTest {
  readonly db: TestDatabase;
  /** The app of the running test, once it has built one; closed and cleared after every test. */
  t: TestApp | undefined;
  /** Closes the current app (if any) now, so the next one built sees the data as it is. */
  closeApp(): Promise<void>;
}

/**
 * A database of the test file's own (see useTestDatabase) and one app at a time on it: the app a test
 * builds never outlives that test, so its result cache and ≤ 1 s generation memo never outlive the data
 * they saw.
 */
export function useAppPerTest(options: { readonly taxonomy?: boolean } = {}): AppPerTest {
  const database = useTestDatabase(options);
  const slot: AppPerTest = {
    get db() {
      return database.db;
    },
    t: undefined,
    async closeApp() {
      await slot.t?.close();
      slot.t = undefined;
    },
  };
  afterEach(() => slot.closeApp());
  return slot;
}
