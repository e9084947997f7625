import type { Redis } from 'ioredis';
import type { Dispatcher } from 'undici';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { KeyValueCache } from '../cache/key-value-cache.js';
import type { AppConfig } from '../config.js';
import type { Database } from '../db/client.js';
import { nextPollTime } from '../esi/cache-lifetime.js';
import { systemClock } from '../esi/clock.js';
import { isDowntime } from '../esi/downtime.js';
import { createEsiClient, createEsiDispatcher } from '../esi/esi-client.js';
import { createEsiMetrics } from '../esi/esi-metrics.js';
import { createGovernor } from '../esi/governor.js';
import { createListingPageFetcher } from '../esi/listing-pages.js';
import { createRegionListSource } from '../esi/region-list.js';
import { parseItemRow, parseListingRow } from '../esi/payloads.js';
import { createBidsRepository } from '../repositories/bids.repository.js';
import { createItemsRepository } from '../repositories/items.repository.js';
import { createResolutionRepository } from '../repositories/resolution.repository.js';
import { createRetentionRepository } from '../repositories/retention.repository.js';
import { createSyncStatusRepository } from '../repositories/sync-status.repository.js';
import { createSyncRunsRepository } from '../repositories/sync-runs.repository.js';
import { createSyncWriteRepository } from '../repositories/sync-write.repository.js';
import { createUniverseRepository } from '../repositories/universe.repository.js';
import { createAdvisoryRunLock, createRedisRunLock, createRunLocks } from './lock.js';
import type { RegionSet } from './region-set.js';
import type { SyncMetrics } from './sync-metrics.js';
import { createSyncRunner, type SyncRunner } from './sync-runner.js';
import { createUniverseResolver } from './universe.js';
import { createEsiStatusRecorder } from './esi-status-recorder.js';
import { loggableError } from '../logger.js';

export type SyncConfig = Pick<
  AppConfig,
  | 'esiBaseUrl' | 'esiUserAgent' | 'esiCompatibilityDate' | 'esiTimeoutMs' | 'esiMaxConcurrency' | 'esiMaxRps'
  | 'esiDowntimeWindow' | 'aggregationIntervalSeconds' | 'retentionDays' | 'priceHistoryDays'
>;

export interface SyncWiringOptions {
  readonly config: SyncConfig;
  /** The sync's own pool, with its lock and statement timeouts (docs/sync.md §4). */
  readonly db: Database;
  readonly databaseUrl: string;
  readonly cache: KeyValueCache;
  readonly redis: Redis | null;
  readonly registry: Registry;
  readonly syncMetrics: SyncMetrics;
  /** The process's configured regions, shared with the status page. */
  readonly regionSet: RegionSet;
  readonly logger: Logger;
  /** Tests inject a MockAgent or a dispatcher pointed at the fake ESI. */
  readonly dispatcher?: Dispatcher;
  readonly now?: () => Date;
  readonly sleep?: (ms: number) => Promise<void>;
}

export interface SyncComponents {
  readonly runner: SyncRunner;
  close(): Promise<void>;
}

/** Builds the ESI client (one governor per process), the repositories and the run lifecycle. */
export function createSyncComponents(options: SyncWiringOptions): SyncComponents {
  const { config, logger } = options;
  const esiMetrics = createEsiMetrics(options.registry);
  const now = options.now ?? (() => new Date());
  const esiStatus = createEsiStatusRecorder({ db: options.db, repo: createSyncStatusRepository(), now, logger });
  const governor = createGovernor({
    maxConcurrency: config.esiMaxConcurrency,
    maxRps: config.esiMaxRps,
    downtimeWindow: config.esiDowntimeWindow,
    onPause: (event) => {
      esiMetrics.onPause(event);
      esiStatus.onPause(event);
      logger.warn({ reason: event.reason, seconds: event.seconds, group: event.group }, 'esi.pause');
    },
    onErrorLimitRemain: (remain) => {
      esiMetrics.onErrorLimitRemain(remain);
      esiStatus.onErrorLimitRemain(remain);
    },
    onInflightChange: esiMetrics.onInflightChange,
  });
  const injectedNow = options.now;
  const esi = createEsiClient({
    config,
    dispatcher: options.dispatcher ?? createEsiDispatcher(config),
    governor,
    // Receive times (and so next-poll times, docs/sync.md §3.3) follow the sync's clock; waits stay real.
    ...(injectedNow ? { clock: { now: () => injectedNow().getTime(), sleep: systemClock.sleep } } : {}),
    onResponse: esiMetrics.onResponse,
  });
  const pages = createListingPageFetcher({
    client: esi,
    cache: options.cache,
    ttlExtraSeconds: config.aggregationIntervalSeconds,
    onCacheError: (error) => logger.warn({ err: loggableError(error) }, 'listing page cache unavailable'),
  });
  const syncWrites = createSyncWriteRepository();
  const universe = createUniverseRepository();
  const resolver = createUniverseResolver({ db: options.db, esi, universe, syncWrites, now, logger, sleep: options.sleep });
  const regionList = createRegionListSource(esi);
  const runner = createSyncRunner({
    config,
    regions: () => options.regionSet.forRun(regionList),
    db: options.db,
    esi,
    pages,
    createLock: () => {
      const onLost = (reason: string) => logger.error({ reason }, 'sync lock lost');
      const advisory = createAdvisoryRunLock(options.databaseUrl, { onLost });
      return createRunLocks(options.redis ? [advisory, createRedisRunLock(options.redis, { onLost })] : [advisory]);
    },
    syncWrites,
    syncRuns: createSyncRunsRepository(),
    items: createItemsRepository(),
    bids: createBidsRepository(),
    resolution: createResolutionRepository(),
    universe,
    retention: createRetentionRepository(),
    resolver,
    parseListingRow,
    parseItemRow,
    isDowntime: (now) => isDowntime(config.esiDowntimeWindow, now),
    nextPollTime: (receivedAt, lifetimeSeconds) => nextPollTime(receivedAt, lifetimeSeconds),
    metrics: options.syncMetrics,
    now: options.now,
    sleep: options.sleep,
    logger,
  });
  return {
    runner,
    async close() {
      runner.requestStop();
      governor.close();
      await esi.close();
      await esiStatus.close();
    },
  };
}
