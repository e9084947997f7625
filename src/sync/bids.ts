import type { Logger } from 'pino';
import type { Database } from '../db/client.js';
import { MIN_POLL_INTERVAL_SECONDS } from '../esi/cache-lifetime.js';
import { fetchContractBids, type ContractBidsResult } from '../esi/contract-bids.js';
import type { EsiClient } from '../esi/types.js';
import type { BidRowWrite, BidsPolled, BidsRepository, BidsTerminal, DueAuction } from '../repositories/bids.repository.js';
import type { SyncWriteRepository } from '../repositories/sync-write.repository.js';
import { withDbRetry } from './db-retry.js';
import { runLanes } from './lanes.js';
import { StopRun } from './model.js';

/** How often the worker polls due bids between listing runs (docs/extensions.md §2.2: ≤ 5 min late). */
export const BIDS_TICK_SECONDS = 60;

export type BidsPollOutcome = 'fetched' | 'not_modified' | 'terminal' | 'failure';

export interface BidsDeps {
  readonly db: Database;
  readonly esi: Pick<EsiClient, 'request'>;
  readonly bids: BidsRepository;
  readonly syncWrites: Pick<SyncWriteRepository, 'bumpGeneration'>;
  readonly concurrency: number;
  readonly now: () => Date;
  readonly random: () => number;
  readonly sleep: (ms: number) => Promise<void>;
  readonly logger: Logger;
  readonly checkpoint: () => void;
  readonly onPoll?: (outcome: BidsPollOutcome, status: number) => void;
}

export interface BidsCounters {
  polled: number;
  notModified: number;
  terminal: number;
  failures: number;
  bidRows: number;
  skippedRows: number;
}

export function emptyBidsCounters(): BidsCounters {
  return { polled: 0, notModified: 0, terminal: 0, failures: 0, bidRows: 0, skippedRows: 0 };
}

/**
 * What the items phase is doing, as the bids loop sees it: bids share the governor with items
 * and take at most half its lanes while items are being fetched (docs/extensions.md §2.2).
 */
export interface ItemsActivity {
  active(): boolean;
  /** Resolves at the next item fetch finished or when the items phase ends. */
  changed(): Promise<void>;
}

/** An activity the items phase drives: `progress()` per contract, `finish()` once at its end. */
export function createItemsActivity() {
  let active = true;
  let wake: (() => void) | null = null;
  let waiting: Promise<void> | null = null;
  const notify = () => {
    const resolve = wake;
    wake = null;
    waiting = null;
    resolve?.();
  };
  return {
    active: () => active,
    changed: () => (waiting ??= new Promise<void>((resolve) => (wake = resolve))),
    progress: notify,
    finish() {
      active = false;
      notify();
    },
  };
}

export const ITEMS_IDLE: ItemsActivity = { active: () => false, changed: () => Promise.resolve() };

/**
 * Bids lanes: the items queue keeps at least twice as many lanes as bids while it has work, and the
 * governor admits waiting requests in arrival order, so bids get at most half the request budget.
 */
export function bidLanes(concurrency: number, itemsPending: boolean): number {
  return itemsPending ? Math.ceil(concurrency / 2) : concurrency;
}

/** A transaction holds at most this many polled contracts or bid rows (the items queue's bounds). */
const MAX_CONTRACTS_PER_WRITE = 50;
const MAX_ROWS_PER_WRITE = 5000;
const QUEUE_BATCH = 500;
const RETRY_BASE_MS = 60_000;
const ENDING_SOON_MS = 3_600_000;

/**
 * When a polled auction is due again: the answer's expiry (docs/sync.md §3.3), never sooner than
 * 30 s (an `Expires` in the past must not make a hot loop), plus 1–5 s so the poll lands after
 * ESI's cache turned over rather than on the boundary.
 */
export function nextBidsPollTime(receivedAt: Date, lifetimeSeconds: number, random: () => number): Date {
  const seconds = Math.max(lifetimeSeconds, MIN_POLL_INTERVAL_SECONDS) + 1 + 4 * random();
  return new Date(receivedAt.getTime() + seconds * 1000);
}

/**
 * Backoff after a failed poll: 1 min doubling per failure, capped by the freshness the spec asks
 * for (5 min for an auction ending within the hour, 30 min otherwise), ±20 %.
 */
export function bidsBackoffMs(attempts: number, dateExpired: Date, now: Date, random: () => number): number {
  const cap = dateExpired.getTime() - now.getTime() <= ENDING_SOON_MS ? 5 * 60_000 : 30 * 60_000;
  return Math.min(cap, RETRY_BASE_MS * 2 ** Math.max(0, attempts - 1)) * (0.8 + 0.4 * random());
}

/**
 * Polls every due live auction's bids, ending soonest first, and keeps doing so while the items
 * phase runs (bids fall due again as time passes); returns once the items phase has ended and no
 * auction is due. `idleLanes` is the lane count when no items are being fetched.
 */
export async function runBidsPhase(deps: BidsDeps, counters: BidsCounters, items: ItemsActivity, idleLanes: number): Promise<void> {
  const retry = <T>(step: () => Promise<T>) => withDbRetry(step, deps.sleep);
  const polled: BidsPolled[] = [];
  const terminal: BidsTerminal[] = [];
  let rows: BidRowWrite[] = [];

  async function flush(): Promise<void> {
    if (polled.length === 0 && terminal.length === 0) return;
    const batch = { polled: polled.splice(0), terminal: terminal.splice(0), rows };
    rows = [];
    await retry(() =>
      deps.db.transaction(async (tx) => {
        await deps.bids.markTerminal(tx, batch.terminal);
        // bids_checked_at is on the wire, so every successful poll is a visible change.
        const marked = await deps.bids.writePolled(tx, batch.polled, batch.rows);
        if (marked > 0) await deps.syncWrites.bumpGeneration(tx);
      }),
    );
  }

  function record(auction: DueAuction, result: Exclude<ContractBidsResult, { kind: 'failure' }>): void {
    const { contractId } = auction;
    if (result.kind === 'bids' || result.kind === 'not_modified') {
      const nextPollAt = nextBidsPollTime(result.receivedAt, result.lifetimeSeconds, deps.random);
      if (result.kind === 'bids') {
        for (const skipped of result.skipped) {
          deps.logger.warn({ contract_id: contractId, bid_id: skipped.bidId, page: skipped.page, field: skipped.field, reason: skipped.reason }, 'invalid bid row skipped');
        }
        counters.skippedRows += result.skipped.length;
        counters.bidRows += result.bids.length;
        counters.polled += 1;
        for (const bid of result.bids) rows.push({ contract_id: contractId, bid_id: bid.bidId, amount: bid.amount, date_bid: bid.dateBid.toISOString() });
        polled.push({ contractId, notModified: false, etag: result.etag, checkedAt: result.receivedAt, nextPollAt });
        deps.onPoll?.('fetched', 200);
      } else {
        counters.notModified += 1;
        polled.push({ contractId, notModified: true, etag: null, checkedAt: result.receivedAt, nextPollAt });
        deps.onPoll?.('not_modified', 304);
      }
      return;
    }
    // Terminal: 204 (expired or just accepted), 403, 404; anything else is unexpected for an auction.
    if (![204, 403, 404].includes(result.status)) deps.logger.error({ contract_id: contractId, status: result.status }, 'bids request rejected');
    counters.terminal += 1;
    terminal.push({ contractId, httpStatus: result.status });
    deps.onPoll?.('terminal', result.status);
  }

  async function poll(auction: DueAuction): Promise<void> {
    const result = await fetchContractBids(deps.esi, auction.contractId, { etag: auction.etag });
    if (result.kind !== 'failure') {
      record(auction, result);
      if (polled.length + terminal.length >= MAX_CONTRACTS_PER_WRITE || rows.length >= MAX_ROWS_PER_WRITE) await flush();
      return;
    }
    // A bids failure never fails a run: counted, logged, retried after a backoff.
    counters.failures += 1;
    deps.onPoll?.('failure', 0);
    const attempts = auction.attempts + 1;
    const nextAt = new Date(deps.now().getTime() + bidsBackoffMs(attempts, auction.dateExpired, deps.now(), deps.random));
    await retry(() => deps.bids.markFailure(deps.db, auction.contractId, nextAt));
    deps.logger.warn({ contract_id: auction.contractId, reason: result.reason, attempts }, 'bids fetch failed, backing off');
  }

  async function pass(due: readonly DueAuction[], lanes: number): Promise<void> {
    let next = 0;
    const failure = await runLanes(Math.min(lanes, due.length), async (stopped) => {
      while (next < due.length && !stopped()) {
        deps.checkpoint();
        await poll(due[next++]!);
      }
    });
    // As for items: a stop that keeps the lock keeps what was fetched; a lost lock or an error writes nothing more.
    if (failure === null || (failure.error instanceof StopRun && failure.error.detail !== 'lock_lost')) await flush();
    if (failure !== null) throw failure.error;
  }

  let nextDueAt: Date | null = null;
  for (;;) {
    deps.checkpoint();
    const itemsActive = items.active();
    const due = await retry(() => deps.bids.dueAuctions(deps.db, deps.now(), QUEUE_BATCH));
    if (due.length > 0) {
      await pass(due, itemsActive ? bidLanes(deps.concurrency, true) : idleLanes);
      continue;
    }
    if (!itemsActive) return;
    // Nothing due: only time makes an auction due again (no auction is listed while items run),
    // so the queue is read again once the earliest expiry has passed, checked as items progress.
    nextDueAt = await retry(() => deps.bids.nextDueAt(deps.db, deps.now()));
    while (items.active() && (nextDueAt === null || deps.now() < nextDueAt)) {
      deps.checkpoint();
      await items.changed();
    }
  }
}
