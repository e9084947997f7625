import type { Logger } from 'pino';
import type { AppConfig } from '../config.js';
import type { Database, Executor } from '../db/client.js';
import { utcDay } from '../domain/price-history.js';
import type { EsiClient } from '../esi/types.js';
import type { BidsRepository } from '../repositories/bids.repository.js';
import type { ItemsRepository } from '../repositories/items.repository.js';
import type { ResolutionRepository } from '../repositories/resolution.repository.js';
import type { RetentionRepository } from '../repositories/retention.repository.js';
import type { SyncRunsRepository } from '../repositories/sync-runs.repository.js';
import type { SyncWriteRepository } from '../repositories/sync-write.repository.js';
import type { UniverseRepository } from '../repositories/universe.repository.js';
import { withDbRetry } from './db-retry.js';
import { runLanes } from './lanes.js';
import type { ListingPageFetcher } from '../esi/listing-pages.js';
import { sweepRegion, type ParsedListingRow } from './discovery.js';
import { healTaxonomy, runEnrichmentCatchUp, runResolutionPhase, type EnrichmentDeps } from './enrichment.js';
import { runItemsPhase, type ParsedItemRow } from './items.js';
import { bidLanes, createItemsActivity, emptyBidsCounters, ITEMS_IDLE, runBidsPhase, type BidsCounters, type BidsDeps, type ItemsActivity } from './bids.js';
import type { RunLock } from './lock.js';
import { emptyRegionCounters, emptyRunCounters, StopRun, type RegionOutcome, type RunCounters, type RunOutcome, type RunTrigger } from './model.js';
import type { SyncMetrics } from './sync-metrics.js';
import { createWriteGate, type WriteGate } from './write-gate.js';
import type { UniverseResolver } from './universe.js';
import { loggableError } from '../logger.js';

export interface SyncRunnerDeps {
  readonly config: Pick<AppConfig, 'aggregationIntervalSeconds' | 'retentionDays' | 'priceHistoryDays' | 'esiMaxConcurrency'>;
  /** The configured regions of a run (src/sync/region-set.ts); called after the lock is taken. */
  readonly regions: () => Promise<readonly number[]>;
  readonly db: Database;
  readonly esi: EsiClient;
  readonly pages: ListingPageFetcher;
  readonly createLock: () => RunLock;
  readonly syncWrites: SyncWriteRepository;
  readonly syncRuns: SyncRunsRepository;
  readonly items: ItemsRepository;
  readonly bids: BidsRepository;
  readonly resolution: ResolutionRepository;
  readonly universe: UniverseRepository;
  readonly retention: RetentionRepository;
  readonly resolver: UniverseResolver;
  readonly parseListingRow: (raw: unknown) => ParsedListingRow;
  readonly parseItemRow: (raw: unknown) => ParsedItemRow;
  readonly isDowntime: (now: Date) => boolean;
  readonly nextPollTime: (receivedAt: Date, lifetimeSeconds: number) => Date;
  readonly metrics?: SyncMetrics;
  readonly now?: () => Date;
  readonly random?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly logger: Logger;
}

export interface RunOptions {
  readonly trigger: RunTrigger;
  /** A subset of the configured regions (CLI `--regions`). */
  readonly regions?: readonly number[];
  /** Wall-clock budget of the items phase in ms; null drains the queue (CLI default). */
  readonly itemsBudgetMs?: number | null;
  readonly skipItems?: boolean;
  /** CLI --refresh-universe: refetch cached types, groups and categories and re-enrich from them. */
  readonly refreshUniverse?: boolean;
  readonly onProgress?: (event: SyncProgress) => void;
}

export type SyncProgress =
  | { phase: 'discovery'; regionId: number; state: 'sweeping' | 'done'; outcome?: RegionOutcome; detail?: string | null; counters?: RunCounters }
  | { phase: 'discovery'; regionId: number; state: 'pages'; pagesDone: number; pagesTotal: number }
  | { phase: 'resolution' | 'enrichment' | 'retention' }
  | { phase: 'items'; done: number; total: number };

export type BidsPollResult =
  | { readonly kind: 'skipped'; readonly reason: 'run_active' | 'nothing_due' | 'lock_held' | 'lock_unavailable' | 'downtime' }
  | { readonly kind: 'polled'; readonly counters: BidsCounters; readonly detail: string | null };

export type RunResult =
  | { readonly kind: 'skipped'; readonly reason: 'lock_held' | 'lock_unavailable' | 'downtime' }
  | { readonly kind: 'finished'; readonly runId: number; readonly outcome: RunOutcome; readonly detail: string | null; readonly counters: RunCounters; readonly regions: readonly { regionId: number; outcome: RegionOutcome; detail: string | null }[] };

const MAX_PARALLEL_SWEEPS = 2;
/** Rows changed in one run beyond which planner statistics are refreshed at once. */
const BULK_CHANGE_ROWS = 1000;
const RETENTION_BATCH = 1000;
// Observations are narrow rows: ten times as many make a transaction of the same size.
const OBSERVATION_RETENTION_BATCH = 10_000;
const RUN_RECORD_DAYS = 90;
/**
 * How long the change log keeps a change: an API process's read model that has been behind for
 * longer (down, or unable to reach the database) reloads in full instead of catching up.
 */
const CHANGE_LOG_RETENTION_SECONDS = 3600;

/** The run lifecycle of docs/sync.md §5.0: skip, record, phases (a)–(e), finish, release. */
export function createSyncRunner(deps: SyncRunnerDeps) {
  const now = deps.now ?? (() => new Date());
  const random = deps.random ?? Math.random;
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  let stopRequested = false;
  // The between-runs bids poll of this process: a run stops it and waits for it (bids never delay a
  // listing sweep), and it never starts while a run is on.
  let runActive = false;
  let bidsPoll: Promise<BidsPollResult> | null = null;
  let bidsStopRequested = false;

  function bidsDeps(log: Logger, checkpoint: () => void, writeGate?: WriteGate): BidsDeps {
    return {
      db: deps.db, esi: deps.esi, bids: deps.bids, syncWrites: deps.syncWrites, concurrency: deps.config.esiMaxConcurrency,
      now, random, sleep, logger: log, checkpoint, writeGate, onPoll: (outcome, status) => deps.metrics?.recordBidsPoll(outcome, status),
    };
  }

  async function run(options: RunOptions): Promise<RunResult> {
    runActive = true;
    try {
      if (bidsPoll !== null) {
        bidsStopRequested = true;
        await bidsPoll.catch(() => {});
      }
      return await runLocked(options);
    } finally {
      runActive = false;
    }
  }

  async function runLocked(options: RunOptions): Promise<RunResult> {
    stopRequested = false;
    if (deps.isDowntime(now())) {
      deps.logger.info({ reason: 'downtime' }, 'sync.skipped');
      return { kind: 'skipped', reason: 'downtime' };
    }
    const lock = deps.createLock();
    const acquired = await lock.acquire();
    if (acquired !== 'acquired') {
      const reason = acquired === 'held' ? 'lock_held' : 'lock_unavailable';
      deps.logger.info({ reason }, 'sync.skipped');
      return { kind: 'skipped', reason };
    }
    const startedAt = now();
    const started = performance.now();
    const requestsBefore = deps.esi.requestCount();
    const counters = emptyRunCounters();
    const bidsCounters = emptyBidsCounters();
    const regionResults: { regionId: number; outcome: RegionOutcome; detail: string | null }[] = [];
    let runId: number;
    try {
      const record = await withDbRetry(() => deps.syncRuns.startRun(deps.db, options.trigger, startedAt), sleep);
      runId = record.runId;
    } catch (error) {
      await lock.release();
      throw error;
    }
    const log = deps.logger.child({ run_id: runId });
    log.info({ trigger: options.trigger }, 'sync.started');

    const checkpoint = () => {
      if (lock.isLost()) throw new StopRun('lock_lost', 'failure');
      if (stopRequested) throw new StopRun('shutdown', 'partial');
      if (deps.isDowntime(now())) throw new StopRun('downtime', 'partial');
    };
    const enrichmentDeps: EnrichmentDeps = {
      db: deps.db, items: deps.items, resolution: deps.resolution, universe: deps.universe, syncWrites: deps.syncWrites,
      resolver: deps.resolver, now, random, sleep, logger: log, checkpoint,
    };

    let outcome: RunOutcome = 'success';
    let detail: string | null = null;
    if (options.refreshUniverse) deps.resolver.refreshUniverseSince(startedAt);
    try {
      if (options.refreshUniverse) await withDbRetry(() => deps.items.requireReenrichment(deps.db), sleep);
      await discoverDueRegions(options, runId, counters, regionResults, checkpoint, log);
      if (counters.contractsNew + counters.contractsClosed >= BULK_CHANGE_ROWS) {
        await withDbRetry(() => deps.syncWrites.analyze(deps.db, ['contracts']), sleep);
      }
      checkpoint();
      options.onProgress?.({ phase: 'resolution' });
      await runResolutionPhase(enrichmentDeps);
      checkpoint();
      // Phase (c): items, with the bids of live auctions alongside (docs/extensions.md §2.2: after
      // discovery, at most half the budget while items are fetched, polled until the items end).
      const activity = createItemsActivity();
      const writeGate = createWriteGate();
      let itemsFailed = false;
      const itemsWork = (async () => {
        if (options.skipItems) return;
        const budget = options.itemsBudgetMs === undefined
          ? 0.8 * deps.config.aggregationIntervalSeconds * 1000
          : options.itemsBudgetMs;
        // On the sync's clock, like every other time of the run (tests drive it).
        const deadline = budget === null ? null : now().getTime() + budget;
        await runItemsPhase(
          {
            db: deps.db, esi: deps.esi, items: deps.items, universe: deps.universe, syncWrites: deps.syncWrites, resolver: deps.resolver,
            parseItemRow: deps.parseItemRow, concurrency: deps.config.esiMaxConcurrency, now, random, sleep, logger: log, checkpoint,
            writeGate,
            onUnavailable: (status) => deps.metrics?.recordUnavailable(status),
            onProgress: (done, total) => {
              activity.progress();
              options.onProgress?.({ phase: 'items', done, total });
            },
          },
          counters,
          deadline,
        );
      })()
        .catch((error: unknown) => {
          itemsFailed = true;
          throw error;
        })
        .finally(() => activity.finish());
      // Once the items phase failed, the run is over: the bids stop at their next safe point.
      const bidsCheckpoint = () => {
        checkpoint();
        if (itemsFailed) throw new Error('items phase failed');
      };
      const bidsWork = runBidsPhase(bidsDeps(log, bidsCheckpoint, writeGate), bidsCounters, activity, deps.config.esiMaxConcurrency);
      const [itemsDone, bidsDone] = await Promise.allSettled([itemsWork, bidsWork]);
      if (itemsDone.status === 'rejected') throw itemsDone.reason;
      if (bidsDone.status === 'rejected') {
        // A stop condition stops the run; anything else the bids did wrong is logged, never the run's failure.
        if (bidsDone.reason instanceof StopRun) throw bidsDone.reason;
        log.error({ err: loggableError(bidsDone.reason) }, 'bids phase failed');
      }
      if (counters.itemRows >= BULK_CHANGE_ROWS) await withDbRetry(() => deps.syncWrites.analyze(deps.db, ['contracts', 'contract_items']), sleep);
      checkpoint();
      options.onProgress?.({ phase: 'enrichment' });
      await runEnrichmentCatchUp(enrichmentDeps, null);
      await healTaxonomy(enrichmentDeps);
      checkpoint();
      options.onProgress?.({ phase: 'retention' });
      await retain(log);
    } catch (error) {
      if (error instanceof StopRun) {
        outcome = error.outcome;
        detail = error.detail;
        log.warn({ detail }, 'sync stopped early');
      } else {
        outcome = 'failure';
        detail = error instanceof Error ? error.name : 'error';
        log.error({ err: loggableError(error) }, 'sync failed');
      }
    }

    deps.resolver.refreshUniverseSince(null);
    if (detail === null) {
      const attempted = regionResults.length;
      const failed = regionResults.filter((r) => r.outcome === 'failure').length;
      if (attempted > 0 && failed === attempted) {
        outcome = 'failure';
        detail = 'all_regions_failed';
      } else if (regionResults.some((r) => r.outcome !== 'success')) {
        outcome = 'partial';
        detail = 'regions';
      }
    }
    counters.esiRequests = deps.esi.requestCount() - requestsBefore;
    const finishedAt = now();
    try {
      await withDbRetry(() => deps.syncRuns.finishRun(deps.db, runId, finishedAt, outcome, detail, counters), sleep);
    } catch (error) {
      log.error({ err: loggableError(error) }, 'could not record the end of the run');
    }
    await lock.release();
    const seconds = (performance.now() - started) / 1000;
    deps.metrics?.recordRun(outcome, seconds);
    deps.metrics?.recordContracts(counters.contractsNew, counters.contractsClosed);
    deps.metrics?.recordItemsFetched(counters.itemsFetched);
    log.info({ outcome, detail, duration_s: Math.round(seconds * 10) / 10, ...counters, bids: bidsCounters }, 'sync.finished');
    return { kind: 'finished', runId, outcome, detail, counters, regions: regionResults };
  }

  /** Phase (a): due regions, largest first, at most two sweeps at a time. */
  async function discoverDueRegions(
    options: RunOptions,
    runId: number,
    counters: RunCounters,
    results: { regionId: number; outcome: RegionOutcome; detail: string | null }[],
    checkpoint: () => void,
    log: Logger,
  ): Promise<void> {
    // A region named twice is still one region: sweeping it twice in a run would race its own closure.
    const configured = [...new Set(options.regions ?? (await deps.regions()))];
    const states = await Promise.all(configured.map((regionId) => withDbRetry(() => deps.syncWrites.regionState(deps.db, regionId), sleep)));
    const due = states
      .map((state, index) => ({ regionId: configured[index]!, state }))
      .filter(({ state }) => !state?.nextPollAt || state.nextPollAt.getTime() <= now().getTime())
      .sort((a, b) => (b.state?.openCount ?? 0) - (a.state?.openCount ?? 0));
    for (const { regionId, state } of states.map((state, index) => ({ regionId: configured[index]!, state }))) {
      if (!due.some((d) => d.regionId === regionId)) log.info({ region_id: regionId, next_poll_at: state?.nextPollAt }, `region not due until ${state?.nextPollAt?.toISOString()}`);
    }
    let next = 0;
    // Regions whose listing was about to regenerate, sent to the back of the queue once.
    const deferred = new Set<number>();
    const worker = async (stopped: () => boolean) => {
      while (next < due.length && !stopped()) {
        checkpoint();
        const entry = due[next++]!;
        const { regionId } = entry;
        const regionCounters = emptyRegionCounters();
        const regionStarted = now();
        options.onProgress?.({ phase: 'discovery', regionId, state: 'sweeping' });
        let result: { outcome: RegionOutcome; detail: string | null };
        try {
          const swept = await sweepRegion(
            {
              db: deps.db, repo: deps.syncWrites, pages: deps.pages, parseRow: deps.parseListingRow, now, random, sleep,
              logger: log, checkpoint, nextPollTime: deps.nextPollTime,
              onPages: (pagesDone, pagesTotal) => options.onProgress?.({ phase: 'discovery', regionId, state: 'pages', pagesDone, pagesTotal }),
            },
            regionId,
            regionCounters,
            { mayDefer: !deferred.has(regionId) && next < due.length },
          );
          if (swept.outcome === 'deferred') {
            deferred.add(regionId);
            due.push(entry);
            regionCounters.esiRequests = regionCounters.pagesFetched + regionCounters.pagesNotModified;
            for (const key of Object.keys(regionCounters) as (keyof typeof regionCounters)[]) counters[key] += regionCounters[key];
            continue;
          }
          result = swept;
        } catch (error) {
          if (error instanceof StopRun) throw error;
          log.error({ region_id: regionId, err: loggableError(error) }, 'region sweep failed');
          result = { outcome: 'failure', detail: error instanceof Error ? error.name : 'error' };
        }
        regionCounters.esiRequests = regionCounters.pagesFetched + regionCounters.pagesNotModified;
        for (const key of Object.keys(regionCounters) as (keyof typeof regionCounters)[]) counters[key] += regionCounters[key];
        results.push({ regionId, ...result });
        await withDbRetry(async () => {
          await deps.syncRuns.recordRegion(deps.db, {
            runId, trigger: options.trigger, regionId, startedAt: regionStarted, finishedAt: now(), outcome: result.outcome,
            detail: result.detail, counters: regionCounters,
          });
          await deps.syncWrites.setRegionOutcome(deps.db, regionId, result.outcome, result.detail);
        }, sleep);
        log.info({ region_id: regionId, outcome: result.outcome, detail: result.detail, ...regionCounters }, 'sync.region');
        options.onProgress?.({ phase: 'discovery', regionId, state: 'done', outcome: result.outcome, detail: result.detail, counters });
      }
    };
    const failure = await runLanes(Math.min(MAX_PARALLEL_SWEEPS, due.length), worker);
    if (failure !== null) throw failure.error;
  }

  /** Runs `remove` in transactions of at most `batch` rows until one removes fewer; each that removes any bumps G. */
  async function deleteInBatches(batch: number, remove: (tx: Executor) => Promise<number>): Promise<number> {
    let deleted = 0;
    for (;;) {
      const count = await withDbRetry(
        () =>
          deps.db.transaction(async (tx) => {
            const n = await remove(tx);
            if (n > 0) await deps.syncWrites.bumpGeneration(tx);
            return n;
          }),
        sleep,
      );
      deleted += count;
      if (count < batch) return deleted;
    }
  }

  /** Phase (e): retention (docs/sync.md §5.8), one bounded transaction at a time. */
  async function retain(log: Logger): Promise<void> {
    const cutoff = new Date(now().getTime() - deps.config.retentionDays * 86_400_000);
    const deleted = await deleteInBatches(RETENTION_BATCH, (tx) => deps.retention.deleteOldContracts(tx, cutoff, RETENTION_BATCH));
    // Observations outlive their contracts (no foreign key) and have their own horizon, in whole UTC days.
    const firstKeptDay = utcDay(now().getTime() - deps.config.priceHistoryDays * 86_400_000);
    const observations = await deleteInBatches(OBSERVATION_RETENTION_BATCH, (tx) =>
      deps.retention.deleteOldObservations(tx, firstKeptDay, OBSERVATION_RETENTION_BATCH),
    );
    if (observations > 0) log.info({ deleted: observations }, 'retention deleted old price observations');
    await withDbRetry(() => deps.retention.deleteOldRuns(deps.db, new Date(now().getTime() - RUN_RECORD_DAYS * 86_400_000)), sleep);
    const pruned = await withDbRetry(
      () => deps.db.transaction((tx) => deps.retention.pruneChangeLog(tx, CHANGE_LOG_RETENTION_SECONDS)),
      sleep,
    );
    if (pruned > 0) log.info({ pruned }, 'retention pruned the read-model change log');
    await withDbRetry(() => deps.retention.deleteExpiredNegativeEntries(deps.db, now()), sleep);
    if (deleted > 0) log.info({ deleted }, 'retention deleted old contracts');
  }

  /**
   * The worker's bids poll between listing runs (docs/extensions.md §2.2): every due live auction's
   * bids, under the run lock so it never overlaps a run, with no run record. A run of this process
   * stops it at its next safe point.
   */
  async function pollBids(): Promise<BidsPollResult> {
    if (runActive || bidsPoll !== null) return { kind: 'skipped', reason: 'run_active' };
    bidsStopRequested = false;
    const polling = pollBidsLocked();
    bidsPoll = polling;
    try {
      return await polling;
    } finally {
      bidsPoll = null;
    }
  }

  async function pollBidsLocked(): Promise<BidsPollResult> {
    if (deps.isDowntime(now())) return { kind: 'skipped', reason: 'downtime' };
    // Nothing due → no lock taken (a lock costs a connection or a Redis round trip every tick).
    const next = await deps.bids.nextDueAt(deps.db, now());
    if (next === null || next > now()) return { kind: 'skipped', reason: 'nothing_due' };
    const lock = deps.createLock();
    const acquired = await lock.acquire();
    if (acquired !== 'acquired') {
      const reason = acquired === 'held' ? 'lock_held' : 'lock_unavailable';
      deps.logger.debug({ reason }, 'bids.skipped');
      return { kind: 'skipped', reason };
    }
    const log = deps.logger.child({ bids_poll: true });
    const counters = emptyBidsCounters();
    let detail: string | null = null;
    try {
      const checkpoint = () => {
        if (lock.isLost()) throw new StopRun('lock_lost', 'failure');
        if (bidsStopRequested) throw new StopRun('shutdown', 'partial');
        if (deps.isDowntime(now())) throw new StopRun('downtime', 'partial');
      };
      const itemsPending = (await withDbRetry(() => deps.items.queueStatus(deps.db, now()), sleep)).due > 0;
      const idle: ItemsActivity = ITEMS_IDLE;
      await runBidsPhase(bidsDeps(log, checkpoint), counters, idle, bidLanes(deps.config.esiMaxConcurrency, itemsPending));
    } catch (error) {
      detail = error instanceof StopRun ? error.detail : error instanceof Error ? error.name : 'error';
      if (!(error instanceof StopRun)) log.error({ err: loggableError(error) }, 'bids poll failed');
    } finally {
      await lock.release();
    }
    log.info({ detail, ...counters }, 'bids.polled');
    return { kind: 'polled', counters, detail };
  }

  return {
    run,
    pollBids,
    /** Asks a running run (and a bids poll) to stop at its next safe point (shutdown). */
    requestStop() {
      bidsStopRequested = true;
      stopRequested = true;
    },
  };
}

export type SyncRunner = ReturnType<typeof createSyncRunner>;
