import type { Logger } from 'pino';
import type { Database } from '../db/client.js';
import type { SyncWriteRepository } from '../repositories/sync-write.repository.js';
import { isConnectionError, withDbRetry } from './db-retry.js';
import { shouldAwaitRegeneration } from '../esi/cache-lifetime.js';
import type { ListingPage, ListingPageFetcher } from '../esi/listing-pages.js';
import type { ParsedListingRow } from '../esi/payloads.js';
import type { ListingContract, RegionCounters, RegionOutcome } from './model.js';
import { LISTING_PAGE_SIZE, pageCountFrom, validateSnapshot, type PageOutcome, type SweepPage } from './snapshot.js';
import { loggableError } from '../logger.js';

export type { ParsedListingRow };

export interface DiscoveryDeps {
  readonly db: Database;
  readonly repo: SyncWriteRepository;
  readonly pages: ListingPageFetcher;
  readonly parseRow: (raw: unknown) => ParsedListingRow;
  readonly now: () => Date;
  readonly random: () => number;
  readonly sleep: (ms: number) => Promise<void>;
  readonly logger: Logger;
  /** Throws StopRun when the run must stop at this safe point. */
  readonly checkpoint: () => void;
  readonly nextPollTime: (receivedAt: Date, lifetimeSeconds: number) => Date;
  /** Listing pages read so far of the sweep under way, and how many it has (progress display). */
  readonly onPages?: (done: number, total: number) => void;
}

export interface RegionSweepResult {
  readonly outcome: RegionOutcome;
  readonly detail: string | null;
}

/** The listing regenerates within seconds: sweep other regions first and come back to this one. */
export interface DeferredSweep {
  readonly outcome: 'deferred';
}

const BATCH_SIZE = 500;
const REGION_NOT_FOUND_RETRY_MS = 3_600_000;
const INCONSISTENT_RETRY_FLOOR_MS = 60_000;
const MASS_DROP_MIN_OPEN = 100;
const MASS_DROP_SHARE = 0.1;
const HOLD_ACCEPT_AFTER_MS = 6 * 3_600_000;

/** A fetched page with its rows parsed on arrival (see SweepPage.rows). */
function sweepPage(deps: DiscoveryDeps, page: ListingPage, number: number): SweepPage {
  return { ...page, page: number, rows: Array.isArray(page.rows) ? page.rows.map((raw: unknown) => deps.parseRow(raw)) : null };
}

async function readSweep(deps: DiscoveryDeps, regionId: number, counters: RegionCounters, first: SweepPage | null) {
  const outcomes: PageOutcome[] = [];
  let read = 0;
  let total = 1;
  const tally = (page: SweepPage) => {
    if (page.notModified) counters.pagesNotModified += 1;
    else counters.pagesFetched += 1;
    read += 1;
    deps.onPages?.(read, total);
  };
  let page1 = first;
  if (page1 === null) {
    const fetched = await deps.pages.fetchPage(regionId, 1, { conditional: true });
    if (fetched.kind === 'failed') return { outcomes: [{ ok: false, page: 1, reason: fetched.reason } as PageOutcome], pageCount: 1 };
    page1 = sweepPage(deps, fetched.page, 1);
    tally(page1);
  }
  outcomes.push({ ok: true, page: page1 });
  const pageCount = pageCountFrom(page1);
  if (pageCount === null) return { outcomes, pageCount: null };
  total = pageCount;
  read = Math.max(read, 1);
  deps.onPages?.(read, total);
  const rest = await Promise.all(
    Array.from({ length: pageCount - 1 }, async (_, index): Promise<PageOutcome> => {
      const number = index + 2;
      const fetched = await deps.pages.fetchPage(regionId, number, { conditional: true });
      if (fetched.kind === 'failed') return { ok: false, page: number, reason: fetched.reason };
      const page = sweepPage(deps, fetched.page, number);
      tally(page);
      return { ok: true, page };
    }),
  );
  outcomes.push(...rest);
  return { outcomes, pageCount };
}

function earliestExpiry(outcomes: readonly PageOutcome[]): number | null {
  let earliest: number | null = null;
  for (const outcome of outcomes) {
    if (!outcome.ok) continue;
    const expiry = outcome.page.receivedAt.getTime() + outcome.page.lifetimeSeconds * 1000;
    if (earliest === null || expiry < earliest) earliest = expiry;
  }
  return earliest;
}

/**
 * Discovery of one due region (docs/sync.md §5.1–5.3): read and validate a snapshot, write it in
 * batches of 500 (one transaction each), then close what it no longer lists.
 */
export async function sweepRegion(
  deps: DiscoveryDeps,
  regionId: number,
  counters: RegionCounters,
  options: { mayDefer?: boolean } = {},
): Promise<RegionSweepResult | DeferredSweep> {
  const log = deps.logger.child({ region_id: regionId });
  const retry = <T>(step: () => Promise<T>) => withDbRetry(step, deps.sleep, (attempt) => log.warn({ attempt }, 'database unavailable, retrying step'));

  // Page 1 decides the poll schedule; a page 1 too close to expiry would straddle a regeneration.
  let first: SweepPage | null = null;
  for (let attempt = 0; attempt < 2 && first === null; attempt += 1) {
    const fetched = await deps.pages.fetchPage(regionId, 1, { conditional: true });
    if (fetched.kind === 'failed') {
      if (fetched.status === 404) {
        log.error('ESI does not know this region (404)');
        await retry(() => deps.repo.setNextPoll(deps.db, regionId, new Date(deps.now().getTime() + REGION_NOT_FOUND_RETRY_MS)));
        return { outcome: 'failure', detail: 'region_not_found' };
      }
      return { outcome: 'failure', detail: `page_1_${fetched.status ?? fetched.reason}` };
    }
    const page = sweepPage(deps, fetched.page, 1);
    if (page.notModified) counters.pagesNotModified += 1;
    else counters.pagesFetched += 1;
    await retry(() => deps.repo.setNextPoll(deps.db, regionId, deps.nextPollTime(page.receivedAt, page.lifetimeSeconds)));
    if (attempt === 0 && shouldAwaitRegeneration(page.lifetimeSeconds, page.cachePeriodSeconds)) {
      // Waiting here would hold a sweep lane idle while other regions are due (a cold `all` run).
      if (options.mayDefer) {
        log.info({ seconds_left: page.lifetimeSeconds }, 'listing about to regenerate: sweeping other regions first');
        return { outcome: 'deferred' };
      }
      log.info({ seconds_left: page.lifetimeSeconds }, 'listing about to regenerate: waiting for it');
      await deps.sleep((page.lifetimeSeconds + 1 + deps.random() * 4) * 1000);
      deps.checkpoint();
      continue;
    }
    first = page;
  }
  deps.checkpoint();

  let sweep = await readSweep(deps, regionId, counters, first);
  let verdict = sweep.pageCount === null
    ? ({ consistent: false, reason: 'page count unknown' } as const)
    : validateSnapshot(sweep.outcomes, sweep.pageCount, deps.now());
  if (!verdict.consistent) {
    log.warn({ reason: verdict.reason }, 'inconsistent sweep: re-reading once');
    deps.checkpoint();
    const firstReason = verdict.reason;
    sweep = await readSweep(deps, regionId, counters, null);
    verdict = sweep.pageCount === null
      ? ({ consistent: false, reason: 'page count unknown' } as const)
      : validateSnapshot(sweep.outcomes, sweep.pageCount, deps.now());
    if (!verdict.consistent) {
      const expiry = earliestExpiry(sweep.outcomes);
      const floor = deps.now().getTime() + INCONSISTENT_RETRY_FLOOR_MS;
      await retry(() => deps.repo.setNextPoll(deps.db, regionId, new Date(Math.max(floor, expiry ?? floor))));
      log.warn({ first: firstReason, second: verdict.consistent ? null : verdict.reason }, 'sweep still inconsistent: nothing written');
      return { outcome: 'failure', detail: 'inconsistent' };
    }
  }
  for (const warning of verdict.warnings) log.warn(warning);
  const pageCount = sweep.pageCount!;
  const snapshotAt = verdict.snapshotAt;

  const state = await retry(() => deps.repo.regionState(deps.db, regionId));
  if (state?.lastSnapshotAt && snapshotAt.getTime() <= state.lastSnapshotAt.getTime()) {
    return { outcome: 'success', detail: 'unchanged' };
  }

  const lastPage = sweep.outcomes.find((o) => o.ok && o.page.page === pageCount);
  const possiblyTruncated = lastPage?.ok === true && lastPage.page.rows?.length === LISTING_PAGE_SIZE;
  if (possiblyTruncated) log.warn({ pages: pageCount }, 'last listing page is full: the listing may be capped');

  const contracts: ListingContract[] = [];
  const seenOnly: number[] = [];
  for (const parsed of verdict.rows) {
    if (parsed.ok) contracts.push(parsed.row);
    else {
      counters.errors += 1;
      log.warn({ contract_id: parsed.contractId, field: parsed.field, reason: parsed.reason }, 'invalid listing row skipped');
      if (parsed.contractId !== null) seenOnly.push(parsed.contractId);
    }
  }
  counters.contractsSeen += contracts.length + seenOnly.length;

  let skippedRows = 0;
  for (let start = 0; start < Math.max(contracts.length, seenOnly.length); start += BATCH_SIZE) {
    deps.checkpoint();
    const batch = contracts.slice(start, start + BATCH_SIZE);
    const batchSeen = seenOnly.slice(start, start + BATCH_SIZE);
    try {
      await retry(() => writeBatch(deps, batch, batchSeen, regionId, snapshotAt, counters));
    } catch (error) {
      if (isConnectionError(error) || !(error instanceof Error) || error.name === 'StopRun') throw error;
      // A data error in the batch: retry row by row so one bad row never aborts the sweep.
      log.warn({ err: loggableError(error) }, 'batch rejected: retrying row by row');
      for (const contract of batch) {
        try {
          await retry(() => writeBatch(deps, [contract], [], regionId, snapshotAt, counters));
        } catch (rowError) {
          if (isConnectionError(rowError) || (rowError as Error).name === 'StopRun') throw rowError;
          skippedRows += 1;
          counters.errors += 1;
          log.warn({ contract_id: contract.contractId, err: loggableError(rowError) }, 'contract row rejected, skipped');
        }
      }
      if (batchSeen.length > 0) await retry(() => writeBatch(deps, [], batchSeen, regionId, snapshotAt, counters));
    }
  }

  deps.checkpoint();
  const snapshotIds = [...contracts.map((c) => c.contractId), ...seenOnly];
  const closure = await retry(() => closeRegion(deps, regionId, snapshotIds, snapshotAt, pageCount, possiblyTruncated, state?.holdSince ?? null, counters));
  if (closure === 'superseded') {
    log.info({ snapshot_at: snapshotAt.toISOString() }, 'a newer snapshot of this region was recorded meanwhile: nothing closed');
    return { outcome: 'success', detail: 'superseded' };
  }
  await deps.pages.deletePagesBeyond(regionId, pageCount, state?.pageCount ?? pageCount).catch(() => {});
  if (closure === 'held') return { outcome: 'partial', detail: 'held' };
  if (skippedRows > 0 || counters.errors > 0) return { outcome: 'partial', detail: possiblyTruncated ? 'truncated' : 'rows_skipped' };
  return { outcome: 'success', detail: possiblyTruncated ? 'truncated' : null };
}

async function writeBatch(
  deps: DiscoveryDeps,
  batch: readonly ListingContract[],
  seenOnly: readonly number[],
  regionId: number,
  snapshotAt: Date,
  counters: RegionCounters,
): Promise<void> {
  const result = await deps.db.transaction(async (tx) => {
    const written = await deps.repo.writeContractBatch(tx, batch, seenOnly, regionId, snapshotAt);
    if (written.inserted + written.restamped > 0) await deps.repo.bumpGeneration(tx);
    return written;
  });
  counters.contractsNew += result.inserted;
  counters.contractsReopened += result.reopened;
  if (result.foreignRegion.length > 0) {
    deps.logger.info({ region_id: regionId, contracts: result.foreignRegion.slice(0, 20) }, 'contracts listed by another region keep their region');
  }
}

export type ClosureResult = 'closed' | 'held' | 'superseded';

/**
 * Closure and the region's bookkeeping in one transaction (docs/sync.md §5.3), fenced by the region's
 * row lock: a sweep whose snapshot is not newer than the one recorded closes nothing.
 */
export async function closeRegion(
  deps: Pick<DiscoveryDeps, 'db' | 'repo' | 'now' | 'logger'>,
  regionId: number,
  snapshotIds: readonly number[],
  snapshotAt: Date,
  pageCount: number,
  possiblyTruncated: boolean,
  holdSince: Date | null,
  counters: RegionCounters,
): Promise<ClosureResult> {
  return deps.db.transaction(async (tx) => {
    const recorded = await deps.repo.lockRegion(tx, regionId);
    if (recorded !== null && recorded.getTime() >= snapshotAt.getTime()) return 'superseded';
    const open = await deps.repo.openContractCount(tx, regionId);
    const now = deps.now();
    const dropTripped = open >= MASS_DROP_MIN_OPEN && snapshotIds.length < MASS_DROP_SHARE * open;
    const holdExpired = holdSince !== null && now.getTime() - holdSince.getTime() > HOLD_ACCEPT_AFTER_MS;
    if (dropTripped && !holdExpired) {
      await deps.repo.setHold(tx, regionId, holdSince ?? now);
      deps.logger.warn({ region_id: regionId, open, listed: snapshotIds.length }, 'listing shrank by over 90 %: closures held');
      return 'held';
    }
    const horizon = possiblyTruncated && snapshotIds.length > 0 ? snapshotIds.reduce((max, id) => (id > max ? id : max)) : null;
    const { closed } = await deps.repo.closeMissing(tx, regionId, snapshotIds, snapshotAt, horizon);
    counters.contractsClosed += closed;
    await deps.repo.finishRegionSnapshot(tx, {
      regionId,
      snapshotAt,
      openCount: open - closed,
      pageCount,
      possiblyTruncated,
      holdSince: null,
    });
    if (closed > 0) await deps.repo.bumpGeneration(tx);
    return 'closed';
  });
}
