import { setTimeout as delay } from 'node:timers/promises';
import { createHash } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { roleServesApi, type AppConfig } from './config.js';
import { createMemoryCache, createRedisCache, createRedisClient, type KeyValueCache } from './cache/key-value-cache.js';
import { connectDatabase, type DatabaseHandle } from './db/client.js';
import { createContractReadRepository } from './repositories/contract-read.repository.js';
import { createReadModelRepository } from './repositories/read-model.repository.js';
import { createReadModel, type ReadModel } from './read-model/read-model.js';
import { createSnapshotLoader } from './read-model/snapshot-loader.js';
import { createStatusService, type StatusService } from './services/status.service.js';
import { createDbAdmission } from './services/db-admission.js';
import { createSqlReads } from './services/sql-reads.js';
import { createSyncStatusRepository } from './repositories/sync-status.repository.js';
import { createContractReadService, type ContractReadService } from './services/contract-read.service.js';
import { createContractPricesService, type ContractPricesService } from './services/contract-prices.service.js';
import { createPriceObservationsRepository } from './repositories/price-observations.repository.js';
import { formatTimestamp } from './domain/contract-wire.js';
import { createGenerationTracker, type GenerationTracker } from './services/generation-tracker.js';
import { createMetrics, type Metrics } from './services/metrics.js';
import { createReadinessService, type ReadinessService } from './services/readiness.service.js';
import { createSyncMetrics, type SyncMetrics } from './sync/sync-metrics.js';
import { createRegionSet } from './sync/region-set.js';
import { createSyncComponents, type SyncComponents, type SyncConfig, type SyncWiringOptions } from './sync/sync-wiring.js';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { loggableError } from './logger.js';
import { createBidsRepository } from './repositories/bids.repository.js';
import { createItemsRepository } from './repositories/items.repository.js';

export interface Container {
  readonly database: DatabaseHandle;
  /** The API result cache (Redis when configured). */
  readonly resultCache: KeyValueCache;
  /** The ESI listing-page cache of the sync (Redis when configured). */
  readonly listingCache: KeyValueCache;
  /** Null when READ_MODEL=off or the process serves no API (ROLE=worker). */
  readonly readModel: ReadModel | null;
  readonly generation: GenerationTracker;
  readonly redis: Redis | null;
  readonly metrics: Metrics;
  readonly contractReads: ContractReadService;
  readonly contractPrices: ContractPricesService;
  readonly readiness: ReadinessService;
  /** The operator's status page data (GET /status). */
  readonly status: StatusService;
  readonly syncMetrics: SyncMetrics;
  /** The sync engine on its own pool; built only by processes that sync (worker, all, CLI). */
  createSync(options?: Pick<SyncWiringOptions, 'dispatcher' | 'now' | 'sleep'>): SyncComponents;
  close(): Promise<void>;
}

export interface ContainerOptions {
  readonly config: Pick<AppConfig, 'redisUrl' | 'gitCommit' | 'readModel' | 'readModelDetailsMb' | 'role' | 'apiStatementTimeoutMs' | 'apiQueueTimeoutMs' | 'apiDbConcurrency' | 'aggregationRegionIds'> & SyncConfig;
  /** The resolved database URL (DATABASE_URL or the embedded server's). */
  readonly databaseUrl: string;
  readonly logger: Logger;
  readonly now?: () => Date;
  /** Whether this process answers HTTP reads (a one-shot command does not): builds the read model. */
  readonly servesHttp?: boolean;
}

/** Requests waiting for one of them; past this a request is answered 503 at once. */
const MAX_QUEUED_REQUESTS = 200;
const RESULT_CACHE_BYTES = 64 * 1024 * 1024;
const MODEL_ANSWER_CACHE_BYTES = 32 * 1024 * 1024;
const LISTING_CACHE_BYTES = 32 * 1024 * 1024;

/** The one composition root: builds clients, repositories and services from configuration. */
export function createContainer(options: ContainerOptions): Container {
  const { config, logger } = options;
  const now = options.now ?? (() => new Date());
  const database = connectDatabase(options.databaseUrl, {
    max: config.apiDbConcurrency,
    connection: { statement_timeout: config.apiStatementTimeoutMs },
    connectTimeoutSeconds: 5,
  });
  // Readiness probes and scrape-time gauges use their own connection so a saturated request pool
  // cannot fail them; their statements give up well within the probes' 2 s budget.
  const probe = connectDatabase(options.databaseUrl, {
    max: 1,
    applicationName: 'hangar-bay-probe',
    connectTimeoutSeconds: 2,
    connection: { statement_timeout: 1500 },
  });
  // The generation poll and LISTEN, off the request path (docs/read-path.md §3).
  const watcher = connectDatabase(options.databaseUrl, { max: 1, applicationName: 'hangar-bay-generation', connectTimeoutSeconds: 2 });

  let cacheErrorLogged = 0;
  const logCacheError = (error: unknown) => {
    // Rate-limited: an outage would otherwise log once per request.
    if (Date.now() - cacheErrorLogged < 10_000) return;
    cacheErrorLogged = Date.now();
    logger.warn({ err: loggableError(error) }, 'cache unavailable, serving without it');
  };
  const redis = config.redisUrl ? createRedisClient(config.redisUrl, { onError: logCacheError }) : null;
  if (redis) warnOnEvictingPolicy(redis, logger);
  // Separate stores with their own limits, so API results can never evict the ESI listing pages.
  const resultCache = redis ? createRedisCache(redis) : createMemoryCache(RESULT_CACHE_BYTES);
  const modelAnswerCache = createMemoryCache(MODEL_ANSWER_CACHE_BYTES);
  const listingCache = redis ? createRedisCache(redis) : createMemoryCache(LISTING_CACHE_BYTES);

  const contractReadRepository = createContractReadRepository();
  const syncStatus = createSyncStatusRepository();
  const bidsRepository = createBidsRepository();
  let databaseReachable = true;
  const generation = createGenerationTracker({
    read: () =>
      contractReadRepository.readGeneration(watcher.db).then(
        (value) => {
          databaseReachable = true;
          return value;
        },
        (error: unknown) => {
          databaseReachable = false;
          throw error;
        },
      ),
  });
  void generation.refresh();
  // Commits announce their generation (trigger in drizzle/0003); the 1 s poll stays as the fallback
  // for a dropped listener connection.
  const listening = watcher.sql
    .listen('hangar_bay_generation', (payload) => generation.observe(Number(payload)))
    .catch((error: unknown) => logger.warn({ err: loggableError(error) }, 'generation LISTEN unavailable, polling'));

  const modelPool = config.readModel && roleServesApi(config.role) && (options.servesHttp ?? true)
    ? connectDatabase(options.databaseUrl, {
        max: 1,
        applicationName: 'hangar-bay-read-model',
        connection: { statement_timeout: 120_000 },
        connectTimeoutSeconds: 5,
      })
    : null;
  const readModel = modelPool
    ? createReadModel({
        loader: createSnapshotLoader(modelPool.db, createReadModelRepository(), contractReadRepository.details),
        latestGeneration: generation.latest,
        databaseReachable: () => databaseReachable,
        heldDetailsBytes: config.readModelDetailsMb * 2 ** 20,
        logger,
      })
    : null;
  if (readModel) generation.onAdvance((latest) => readModel.follow(latest));

  const metrics = createMetrics({
    generation: () => (generation.latest() >= 0 ? generation.latest() : null),
    lastIngestSuccess: async () => {
      const freshness = await syncStatus.freshness(probe.db);
      return freshness.lastSuccessFinishedAt ? Date.parse(formatTimestamp(freshness.lastSuccessFinishedAt)) / 1000 : null;
    },
  });

  // Keys name the database (never its credentials): deployments or test databases sharing a Redis
  // must not read each other's results, whose generations may coincide.
  const databaseIdentity = new URL(options.databaseUrl);
  const cacheNamespace = createHash('sha256')
    .update(`${databaseIdentity.hostname}:${databaseIdentity.port}${databaseIdentity.pathname}`)
    .digest('hex')
    .slice(0, 12);
  // One admission queue for every route's database work: they share the request pool.
  const admission = createDbAdmission({ maxConcurrent: config.apiDbConcurrency, maxQueued: MAX_QUEUED_REQUESTS, queueTimeoutMs: config.apiQueueTimeoutMs });
  const contractReads = createContractReadService({
    cacheNamespace,
    sql: createSqlReads(database.db, contractReadRepository),
    model: readModel,
    sharedCache: resultCache,
    localCache: modelAnswerCache,
    generation,
    admission,
    now,
    onCacheResult: metrics.recordCacheResult,
    onCacheError: logCacheError,
  });
  const contractPrices = createContractPricesService({
    cacheNamespace,
    db: database.db,
    repository: createPriceObservationsRepository(),
    readGeneration: contractReadRepository.readGeneration,
    cache: resultCache,
    generation,
    admission,
    now,
    onCacheResult: metrics.recordCacheResult,
    onCacheError: logCacheError,
  });

  const readiness = createReadinessService({
    pingDatabase: async () => {
      await probe.db.execute(sql`SELECT 1`);
    },
    pingCache: redis ? (timeoutMs = 2000) => resultCache.ping(timeoutMs) : undefined,
    readFreshness: () => syncStatus.freshness(probe.db),
    readBidsBacklog: () => bidsRepository.queueStatus(probe.db, now()),
    readModelStatus: () => readModel?.status() ?? null,
    now,
    intervalSeconds: config.aggregationIntervalSeconds,
    gitCommit: config.gitCommit,
  });

  // One per process: the sync resolves it (E8 with `all`), the status page reads what it resolved.
  const regionSet = createRegionSet({
    selection: config.aggregationRegionIds,
    cache: listingCache,
    sweptRegionIds: () => syncStatus.sweptRegionIds(probe.db),
    now,
    logger,
  });
  const status = createStatusService({
    db: probe.db,
    repo: syncStatus,
    items: createItemsRepository(),
    bids: bidsRepository,
    readModelStatus: () => readModel?.status() ?? null,
    now,
    config,
    configuredRegionIds: () => regionSet.current(),
  });

  const syncMetrics = createSyncMetrics(metrics.registry, probe.db);
  const syncPools: DatabaseHandle[] = [];
  const syncComponents: SyncComponents[] = [];

  return {
    database,
    resultCache,
    listingCache,
    readModel,
    generation,
    redis,
    metrics,
    contractReads,
    contractPrices,
    readiness,
    status,
    syncMetrics,
    createSync(overrides = {}) {
      // docs/sync.md §4: sync connections give up on locks after 5 s and on statements after 60 s.
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
        cache: listingCache,
        redis,
        registry: metrics.registry,
        syncMetrics,
        regionSet,
        logger,
        now: overrides.now ?? options.now,
        ...overrides,
      });
      syncComponents.push(components);
      return components;
    },
    async close() {
      generation.close();
      await readModel?.close();
      // Bounded: with the database unreachable, unlisten would wait for a connection forever.
      await Promise.race([listening.then((subscription) => subscription?.unlisten()).catch(() => {}), delay(1000)]);
      await Promise.allSettled(syncComponents.map((components) => components.close()));
      await Promise.allSettled([
        database.close(),
        probe.close(),
        watcher.close(),
        ...(modelPool ? [modelPool.close()] : []),
        ...syncPools.map((pool) => pool.close()),
        resultCache.close(),
        modelAnswerCache.close(),
        listingCache.close(),
      ]);
    },
  };
}

/**
 * The sync lock key carries an expiry, so an evicting policy (allkeys-* or volatile-*) could drop
 * it while a run holds it; Hangar Bay's keys are all disposable except that one. CONFIG may be
 * disabled on managed Redis, in which case nothing is said.
 */
function warnOnEvictingPolicy(redis: Redis, logger: Logger): void {
  redis
    .config('GET', 'maxmemory-policy')
    .then((reply) => {
      const policy = Array.isArray(reply) ? String(reply[1] ?? '') : '';
      if (policy.startsWith('allkeys-') || policy.startsWith('volatile-')) {
        logger.warn(
          { maxmemory_policy: policy },
          'Redis may evict the sync lock under memory pressure: set maxmemory-policy noeviction (see docs/operations.md)',
        );
      }
    })
    .catch(() => {});
}
