import { Writable } from 'node:stream';
import { pino } from 'pino';
import { loadConfig, type AppConfig } from '../../src/config.js';
import { createContainer, type Container } from '../../src/container.js';
import type { RunOptions } from '../../src/sync/sync-runner.js';
import type { SyncComponents } from '../../src/sync/sync-wiring.js';

export interface TestSyncOptions {
  readonly databaseUrl: string;
  /** The fake ESI's base URL. */
  readonly esiUrl: string;
  /** Extra environment (e.g. AGGREGATION_REGION_IDS, REDIS_URL, ESI_MAX_RPS). */
  readonly env?: Record<string, string>;
  readonly now?: () => Date;
  readonly sleep?: (ms: number) => Promise<void>;
}

export interface TestSync {
  readonly container: Container;
  readonly sync: SyncComponents;
  readonly config: AppConfig;
  /** Every log line written, parsed. */
  readonly logs: Record<string, unknown>[];
  close(): Promise<void>;
}

/**
 * The real sync engine (ESI client, governor, repositories, run lifecycle) on a test database,
 * pointed at a fake ESI over loopback HTTP, with captured JSON logs.
 */
export function buildTestSync(options: TestSyncOptions): TestSync {
  const config = loadConfig({
    ESI_BASE_URL: options.esiUrl,
    ESI_DOWNTIME_WINDOW: 'off',
    ESI_MAX_RPS: '100',
    ESI_MAX_CONCURRENCY: '8',
    ESI_TIMEOUT_MS: '2000',
    ESI_USER_AGENT: 'HangarBayTests/{version} (tests@example.com)',
    AGGREGATION_REGION_IDS: '10000002',
    ENVIRONMENT: 'test',
    ...options.env,
  });
  const logs: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const line of chunk.toString('utf8').split('\n')) if (line.trim() !== '') logs.push(JSON.parse(line) as Record<string, unknown>);
      callback();
    },
  });
  const logger = pino({ level: 'debug' }, sink);
  const container = createContainer({ config, databaseUrl: options.databaseUrl, logger, now: options.now, servesHttp: false });
  const sync = container.createSync({ now: options.now, sleep: options.sleep });
  return {
    container,
    sync,
    config,
    logs,
    close: () => container.close(),
  };
}

/** One run of `t`'s sync; a skipped run (lock held, downtime) throws. */
export async function finishedRun(t: TestSync, options: RunOptions) {
  const result = await t.sync.runner.run(options);
  if (result.kind !== 'finished') throw new Error(`run skipped: ${result.reason}`);
  return result;
}

/**
 * Phase (a) only: a run of `regions` that is asked to stop (as on SIGTERM) once their sweeps are
 * done, so the generation counts discovery's commits alone, not the names and systems of phase (b).
 */
export function discoverOnly(t: TestSync, regions: number[]) {
  let done = 0;
  return finishedRun(t, {
    trigger: 'cli', itemsBudgetMs: null, skipItems: true, regions,
    onProgress: (event) => {
      if (event.phase === 'discovery' && event.state === 'done' && ++done === regions.length) t.sync.runner.requestStop();
    },
  });
}

/** Tears down what a sync test file built, in order: the sync (its pools), the fake ESI, the database. */
export async function closeSyncFixture(parts: { t?: TestSync; esi?: { close(): Promise<void> }; db?: { drop(): Promise<void> } }): Promise<void> {
  await parts.t?.close();
  await parts.esi?.close();
  await parts.db?.drop();
}
