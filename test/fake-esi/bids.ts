/**
 * E9 (`GET /contracts/public/bids/{contract_id}`, docs/extensions.md §2.1): an auction's bids, a
 * seeded schedule per contract of bids placed between its issue and its expiry. What a request sees
 * is the schedule up to the start of the contract's current 300 s cache window, so bids grow as the
 * fake clock moves and stay identical (same ETag, so 304) within a window. Shapes follow the real
 * captures in shared/data/esi-samples (`[]`, or `{amount, bid_id, date_bid}` rows).
 */
import { isoSeconds } from './clock.js';
import { listingRow, type ContractRecord } from './contracts.js';
import type { FaultHook } from './faults.js';
import type { Population } from './population.js';
import { mix32, rngFor, roundSignificant } from './random.js';
import { cacheHeaders, errorReply, etagOf, jsonBody, type FakeEnv, type Reply } from './reply.js';

export const BIDS_PAGE_SIZE = 1000;
/** Every 50th auction pages its bids two to a page (ESI promises no page size), so paging gets exercised. */
const SMALL_PAGES = 2;
const HOUR_MS = 3_600_000;
const PAST_END = 'Requested page does not exist!';

interface ScheduledBid {
  readonly bidId: number;
  readonly amount: number;
  readonly at: number;
}

/** Whether the auction's bids come two to a page. */
export function pagesSmall(seed: number, contractId: number): boolean {
  return mix32(seed, contractId, 'bids-paged') % 50 === 0;
}

/**
 * Every bid the auction will ever get, in time order: none on about a third of them, else 1–8
 * (5–12 on the small-paged ones), each 5–25 % above the previous one starting at the price, never
 * reaching a buyout (that would end the auction). bid_ids grow with the contract id.
 */
function schedule(pop: Population, record: ContractRecord): ScheduledBid[] {
  const r = rngFor(pop.seed, record.id, 'bids');
  const small = pagesSmall(pop.seed, record.id);
  const count = small ? r.int(5, 12) : r.chance(0.35) ? 0 : r.int(1, 8);
  const row = listingRow(pop, record);
  const price = typeof row.price === 'number' && row.price > 0 ? row.price : 1_000_000;
  const buyout = typeof row.buyout === 'number' && row.buyout > 0 ? row.buyout : Infinity;
  const span = Math.max(60_000, record.expires - record.created - 60_000);
  // Bidding picks up towards the end, as it does in game.
  const times = Array.from({ length: count }, () => record.created + Math.floor(Math.sqrt(r.next()) * span)).sort((a, b) => a - b);
  const base = 10_000_000 + Math.max(0, record.id - 200_000_000) * 16;
  const bids: ScheduledBid[] = [];
  let amount = price;
  for (const [k, at] of times.entries()) {
    amount = roundSignificant(amount * (1.05 + 0.2 * r.next()), 4);
    if (amount >= buyout) break;
    bids.push({ bidId: base + k, amount, at });
  }
  return bids;
}

/** The contract's bids cache window on a per-contract grid, so headers never depend on request times. */
function bidsWindow(env: FakeEnv, contractId: number): { lastModified: number; expires: number } {
  const seconds = env.options.bidsCacheSeconds;
  const period = seconds * 1000;
  const phase = (mix32(env.options.seed, contractId, 'bids-phase') % seconds) * 1000;
  const lastModified = Math.floor((env.clock.now() - phase) / period) * period + phase;
  return { lastModified, expires: lastModified + period };
}

/** The rows E9 serves for the auction now, highest amount first (all pages), or undefined for other types. */
export function visibleBids(env: FakeEnv, record: ContractRecord): Record<string, unknown>[] | undefined {
  if (record.type !== 'auction') return undefined;
  const { lastModified } = bidsWindow(env, record.id);
  return schedule(env.pop, record)
    .filter((bid) => bid.at <= lastModified)
    .sort((a, b) => b.amount - a.amount || a.bidId - b.bidId)
    .map((bid) => ({ amount: bid.amount, bid_id: bid.bidId, date_bid: isoSeconds(bid.at) }));
}

/** E9 `GET /contracts/public/bids/{contract_id}?page=N`. */
export function bidsPage(env: FakeEnv, contractId: number, page: number, hook: FaultHook): Reply {
  const record = env.universe.record(contractId);
  // ESI does not document what a non-auction id gets; 404 is one of the two the spec names.
  if (!record || record.type !== 'auction') return errorReply(404, 'Contract not found!');
  const { lastModified, expires } = bidsWindow(env, contractId);
  const now = env.clock.now();
  const goneAt = Math.min(record.departedAt ?? Infinity, record.expires);
  if (now >= goneAt) {
    // "Contract expired or recently accepted by player", then unknown.
    if (now < goneAt + HOUR_MS) return { status: 204, headers: cacheHeaders(env, lastModified, expires), body: null };
    return errorReply(404, 'Contract not found!');
  }
  const all = visibleBids(env, record) ?? [];
  const size = pagesSmall(env.options.seed, contractId) ? SMALL_PAGES : BIDS_PAGE_SIZE;
  const pages = Math.max(1, Math.ceil(all.length / size));
  if (page > pages) return errorReply(404, PAST_END);
  const rows: unknown[] = all.slice((page - 1) * size, page * size);
  const bad = hook.take('bad-bid-row', (s) => (s.page === undefined ? page === 1 : true));
  if (bad) {
    // A row with a usable, unused bid_id but without `field` (default amount), next to the real ones.
    const extra: Record<string, unknown> = { amount: 1, bid_id: 10_000_000 + Math.max(0, contractId - 200_000_000) * 16 + 15, date_bid: isoSeconds(now) };
    delete extra[bad.field ?? 'amount'];
    rows.push(extra);
  }
  const xpages = hook.take('xpages-change', (s) => s.page !== undefined || page >= 2);
  const body = jsonBody(rows);
  return {
    status: 200,
    headers: { ...cacheHeaders(env, lastModified, expires), 'x-pages': String(pages + (xpages ? (xpages.delta ?? 1) : 0)), etag: etagOf(body) },
    body,
    expiresMs: expires,
  };
}
