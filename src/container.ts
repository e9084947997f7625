import { setTimeout as delay } from 'node:timers/promises';
import { createHash } from 'node:crypto';
import { sql } from 'drizzle-orm';
import type { AppConfig } from './config.js';
import { createMemoryCache, createRedisCache, createRedisClient, type KeyValueCache } from './cache/key-value-cache.js';
import { connectDatabase, type DatabaseHandle } from './db/client.js';
import { createContractReadRepository } from './repositories/contract-read.repository.js';
import { createSyncStatusRepository } from './repositories/sync-status.repository.js';
import { createContractReadService, type ContractReadService } from './services/contract-read.service.js';
import { formatTimestamp } from './services/contract-serializer.js';
import { createGenerationTracker } from './services/generation-tracker.js';
import { createMetrics, type Metrics } from './services/metrics.js';
import { createReadinessService, type ReadinessService } from './services/readiness.service.js';
import { createSyncMetrics, type SyncMetrics } from './sync/sync-metrics.js';
import { createSyncComponents, type SyncComponents, type SyncConfig, type SyncWiringOptions } from './sync/sync-wiring.js';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { loggableError } from './logger.js';

export interface Container {
  readonly database: DatabaseHandle;
  readonly cache: KeyValueCache;
  readonly redis: Redis | null;
  readonly metrics: Metrics;
  readonly contractReads: ContractReadService;
  readonly readiness: ReadinessService;
  readonly syncMetrics: SyncMetrics;
  /** The sync engine on its own pool; built only by processes that sync (worker, all, CLI). */
  createSync(options?: Pick<SyncWiringOptions, 'dispatcher' | 'now' | 'sleep'>): SyncComponents;
  close(): Promise<void>;
}

export interface ContainerOptions {
  readonly config: Pick<AppConfig, 'redisUrl' | 'gitCommit'> & SyncConfig;
  /** The resolved database URL (DATABASE_URL or the embedded server's). */
  readonly databaseUrl: string;
  readonly logger: Logger;
  readonly now?: () => Date;
}

/** The one composition root: builds clients, repositories and services from configuration. */
export function createContainer(options: ContainerOptions): Container {
  const { config, logger } = options;
  const now = options.now ?? (() => new Date());
  const database = connectDatabase(options.databaseUrl, { max: 10 });
  // Readiness probes use their own connection so a saturated request pool cannot fail them.
  const probe = connectDatabase(options.databaseUrl, { max: 1, applicationName: 'hangar-bay-probe' });

  let cacheErrorLogged = 0;
  const logCacheError = (error: unknown) => {
    // Rate-limited: an outage would otherwise log once per request.
    if (Date.now() - cacheErrorLogged < 10_000) return;
    cacheErrorLogged = Date.now();
    logger.warn({ err: loggableError(error) }, 'cache unavailable, serving from Postgres');
  };
  const redis = config.redisUrl ? createRedisClient(config.redisUrl, { onError: logCacheError }) : null;
  const cache = redis ? createRedisCache(redis) : createMemoryCache();

  const contractReadRepository = createContractReadRepository();
  const syncStatus = createSyncStatusRepository();
  const generation = createGenerationTracker(() => contractReadRepository.readGeneration(database.db));
  // Commits announce their generation (trigger in drizzle/0003); the 1 s poll stays as the fallback
  // for a dropped listener connection.
  const listening = database.sql
    .listen('hangar_bay_generation', (payload) => generation.observe(Number(payload)))
    .catch((error: unknown) => logger.warn({ err: loggableError(error) }, 'generation LISTEN unavailable, polling'));

  const metrics = createMetrics(async () => {
    const [state, freshness] = await Promise.all([
      contractReadRepository.readGeneration(database.db),
      syncStatus.freshness(database.db),
    ]);
    const successAt = freshness.lastSuccessFinishedAt ? Date.parse(formatTimestamp(freshness.lastSuccessFinishedAt)) / 1000 : null;
    return { generation: state, lastIngestSuccessUnixSeconds: successAt };
  });

  // Keys name the database (never its credentials): deployments or test databases sharing a Redis
  // must not read each other's results, whose generations may coincide.
  const databaseIdentity = new URL(options.databaseUrl);
  const cacheNamespace = createHash('sha256')
    .update(`${databaseIdentity.hostname}:${databaseIdentity.port}${databaseIdentity.pathname}`)
    .digest('hex')
    .slice(0, 12);
  const contractReads = createContractReadService({
    cacheNamespace,
    db: database.db,
    repository: contractReadRepository,
    cache,
    generation,
    now,
    onCacheResult: metrics.recordCacheResult,
    onCacheError: logCacheError,
  });

  const readiness = createReadinessService({
    pingDatabase: async () => {
      await probe.db.execute(sql`SELECT 1`);
    },
    pingCache: redis ? (timeoutMs = 2000) => cache.ping(timeoutMs) : undefined,
    readFreshness: () => syncStatus.freshness(probe.db),
    now,
    intervalSeconds: config.aggregationIntervalSeconds,
    gitCommit: config.gitCommit,
  });

  const syncMetrics = createSyncMetrics(metrics.registry, database.db);
  const syncPools: DatabaseHandle[] = [];
  const syncComponents: SyncComponents[] = [];

  return {
    database,
    cache,
    redis,
    metrics,
    contractReads,
    readiness,
    syncMetrics,
    createSync(overrides = {}) {
      // sync.md §4: sync connections give up on locks after 5 s and on statements after 60 s.
      const syncPool = connectDatabase(options.databaseUrl, {
        max: Math.min(10, config.esiMaxConcurrency + 2),
        applicationName: 'hangar-bay-sync',
        connection: { lock_timeout: 5000, statement_timeout: 60_000 },
      });
      syncPools.push(syncPool);
      const components = createSyncComponents({
        config,
        db: syncPool.db,
        databaseUrl: options.databaseUrl,
        cache,
        redis,
        registry: metrics.registry,
        syncMetrics,
        logger,
        now: overrides.now ?? options.now,
        ...overrides,
      });
      syncComponents.push(components);
      return components;
    },
    async close() {
      // Bounded: with the database unreachable, unlisten would wait for a connection forever.
      await Promise.race([listening.then((subscription) => subscription?.unlisten()).catch(() => {}), delay(1000)]);
      await Promise.allSettled(syncComponents.map((components) => components.close()));
      await Promise.allSettled([database.close(), probe.close(), ...syncPools.map((pool) => pool.close()), cache.close()]);
    },
  };
}
