/**
 * Auction bids (docs/extensions.md §2, cases 133–134) against the fake ESI's E9 over loopback HTTP,
 * on a virtual clock the sync shares: fetched once listed, again only after the answer expired,
 * 204/403/404 terminal, bad rows skipped, deleted with their contract, and never in the way of a
 * listing sweep.
 */
import { sql, type SQL } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { pagesSmall } from '../fake-esi/bids.js';
import { startFakeEsi, type FakeEsi } from '../fake-esi/index.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { CORP, ISSUER, iso, row } from '../support/listing-rows.js';
import { buildTestSync, closeSyncFixture, discoverOnly, finishedRun, type TestSync } from '../support/sync.js';

const START = '2026-07-21T12:00:00Z';
const FORGE = 10000002;
const DOMAIN = 10000043;
const DAY = 86_400_000;
const SEED = 5;

/** An auction issued 10 days ago that ends in 2 days: most of its seeded bids are already placed. */
function auctionRow(id: number, nowMs: number, overrides: Record<string, unknown> = {}) {
  return row(id, nowMs, {
    type: 'auction', collateral: undefined, price: 10_000_000, buyout: 0,
    date_issued: iso(nowMs - 10 * DAY), date_expired: iso(nowMs + 2 * DAY), ...overrides,
  });
}

/** `count` auction ids from `first`, the first of them one whose bids the fake pages two to a page. */
function auctionIds(first: number, count: number): number[] {
  let paged = first;
  while (!pagesSmall(SEED, paged)) paged += 1;
  const ids = [paged];
  for (let id = first; ids.length < count; id += 1) if (id !== paged) ids.push(id);
  return ids.sort((a, b) => a - b);
}

interface BidsState {
  bid_count: number | null;
  current_bid: number | null;
  bids_checked_at: string | null;
  bids_status: string | null;
  bids_http_status: number | null;
  bids_attempts: number;
  bids_next_poll_at: string | null;
}

describe('auction bids: polling, outcomes, storage (case 133)', () => {
  let db: TestDatabase;
  let esi: FakeEsi;
  let t: TestSync;
  let auctions: number[];
  const exchanges = [700_000_001, 700_000_002];
  const now = () => esi.control.now();
  const rows = async <T extends Record<string, unknown>>(query: SQL) => [...(await db.db.execute<T>(query))];
  let baseline = 0;
  const lastSeq = () => esi.control.requests().at(-1)?.seq ?? 0;
  const e9 = (since = baseline) => esi.control.requests({ route: 'E9', since });
  const run = (regions?: number[]) => finishedRun(t, { trigger: 'cli', itemsBudgetMs: null, regions });
  const state = async (id: number) =>
    (await rows<BidsState & Record<string, unknown>>(sql`
      SELECT bid_count, current_bid, bids_checked_at::text, bids_status, bids_http_status, bids_attempts, bids_next_poll_at::text
      FROM contracts WHERE contract_id = ${id}`))[0]!;
  const storedBids = async (id: number) =>
    (await rows<{ bid_id: string; amount: number; date_bid: Date | string }>(sql`
      SELECT bid_id, amount, date_bid FROM contract_bids WHERE contract_id = ${id} ORDER BY amount DESC, bid_id`)).map((b) => ({
      amount: b.amount, bid_id: Number(b.bid_id), date_bid: iso(new Date(b.date_bid).getTime()),
    }));
  const fakeBids = (id: number) => esi.control.universe.bids(id)!;

  /** What case 133 requires of a polled auction: the stored bids and summary equal the fake's. */
  async function expectMatchesFake(id: number): Promise<void> {
    const expected = fakeBids(id);
    expect(await storedBids(id)).toEqual(expected);
    const stored = await state(id);
    expect(stored.bid_count).toBe(expected.length);
    expect(stored.current_bid).toBe(expected.length === 0 ? null : Math.max(...expected.map((b) => b.amount as number)));
  }

  beforeAll(async () => {
    db = await createTestDatabase();
    esi = await startFakeEsi({ clock: 'virtual', startTime: START, alignPhase: true, regions: 1, contracts: 0, seed: SEED, churnRate: 0, forbiddenShare: 0 });
    esi.control.setName(ISSUER, 'Pilot A', 'character');
    esi.control.setName(CORP, 'Corp A', 'corporation');
    auctions = auctionIds(700_000_100, 24);
    const at = now().getTime();
    esi.control.setRows(FORGE, [...exchanges.map((id) => row(id, at)), ...auctions.map((id) => auctionRow(id, at))]);
    t = buildTestSync({ databaseUrl: db.url, esiUrl: esi.url, now, sleep: async () => {} });
  });
  afterAll(() => closeSyncFixture({ t, esi, db }));
  beforeEach(() => {
    esi.control.clearFaults();
    esi.control.resetErrorLimit();
    baseline = lastSeq();
  });

  it('a live auction gets its bids once listed: bid_count, current_bid and contract_bids equal the fake\'s; other types none; after discovery', { timeout: 120_000 }, async () => {
    const result = await run();
    expect(result.outcome).toBe('success');
    for (const id of auctions) await expectMatchesFake(id);
    expect(auctions.filter((id) => fakeBids(id).length > 0).length).toBeGreaterThan(5);
    expect(auctions.filter((id) => fakeBids(id).length === 0).length).toBeGreaterThan(0);
    for (const id of auctions) {
      expect(await state(id)).toMatchObject({ bids_status: 'fetched', bids_http_status: 200, bids_attempts: 0 });
      expect(Date.parse((await state(id)).bids_checked_at!)).toBe(now().getTime());
    }
    for (const id of exchanges) expect(await state(id)).toMatchObject({ bid_count: null, current_bid: null, bids_checked_at: null, bids_status: null });
    const requests = e9();
    expect(requests.every((r) => auctions.includes(r.contractId!))).toBe(true);
    // The small-paged auction's set spans pages; every page was read.
    const paged = auctions.find((id) => pagesSmall(SEED, id))!;
    const pages = Math.ceil(fakeBids(paged).length / 2);
    expect(pages).toBeGreaterThan(1);
    expect(requests.filter((r) => r.contractId === paged).map((r) => r.page).sort()).toEqual(Array.from({ length: pages }, (_, i) => i + 1));
    // Discovery first: every E9 after the listing's last page.
    const listing = esi.control.requests({ route: 'E1', since: baseline });
    expect(Math.min(...requests.map((r) => r.seq))).toBeGreaterThan(Math.max(...listing.map((r) => r.seq)));
    expect(esi.control.stats().early_bid_polls).toBe(0);
  });

  it('a second run before the bids expire sends no E9; after expiry one conditional poll each, a 304 keeps the rows and moves the check time', { timeout: 120_000 }, async () => {
    // Each auction's bids expire on their own 300 s grid: a run 20 s later polls exactly those already expired.
    esi.control.advance(20);
    const due = (await rows<{ contract_id: string }>(sql`
      SELECT contract_id FROM contracts WHERE bids_status = 'fetched' AND bids_next_poll_at <= ${now().toISOString()}::timestamptz`)).map((r) => Number(r.contract_id));
    expect(due.length).toBeLessThan(auctions.length / 2);
    await run();
    expect([...new Set(e9().map((r) => r.contractId))].sort()).toEqual(due.sort());
    expect(esi.control.stats().early_bid_polls).toBe(0);

    const before = new Map<number, unknown>();
    for (const id of auctions) before.set(id, await storedBids(id));
    esi.control.advance(300);
    baseline = lastSeq();
    const result = await run();
    expect(result.outcome).toBe('success');
    const firstPages = e9().filter((r) => r.page === 1);
    expect(firstPages.map((r) => r.contractId).sort()).toEqual([...auctions].sort());
    const single = auctions.filter((id) => !pagesSmall(SEED, id));
    for (const r of firstPages.filter((r) => single.includes(r.contractId!))) expect(r.headers['if-none-match']).toMatch(/^".+"$/);
    const unchanged = firstPages.filter((r) => r.status === 304).map((r) => r.contractId!);
    expect(unchanged.length).toBeGreaterThan(0);
    for (const id of unchanged) {
      expect(await storedBids(id)).toEqual(before.get(id));
      expect(await state(id)).toMatchObject({ bids_status: 'fetched', bids_http_status: 304 });
      expect(Date.parse((await state(id)).bids_checked_at!)).toBe(now().getTime());
    }
    for (const id of auctions) await expectMatchesFake(id);
    expect(esi.control.stats().early_bid_polls).toBe(0);
  });

  it('bids that grow later are added; the summary follows', { timeout: 120_000 }, async () => {
    const counts = new Map(auctions.map((id) => [id, fakeBids(id).length]));
    esi.control.advance(DAY / 1000);
    await run();
    expect(auctions.some((id) => fakeBids(id).length > counts.get(id)!)).toBe(true);
    for (const id of auctions) await expectMatchesFake(id);
  });

  it('204 (accepted) and 403/404 stop the polling for good; a bad row is skipped alone; a 5xx backs off and the run still succeeds', { timeout: 120_000 }, async () => {
    const [accepted, forbidden, unknown, badRow, failing] = auctions.filter((id) => !pagesSmall(SEED, id)).slice(0, 5) as [number, number, number, number, number];
    const keptCount = (await state(accepted)).bid_count;
    esi.control.removeContracts([accepted]);
    esi.control.addFault({ kind: 'status', route: 'E9', status: 403, contractId: forbidden });
    esi.control.addFault({ kind: 'status', route: 'E9', status: 404, contractId: unknown });
    esi.control.addFault({ kind: 'bad-bid-row', contractId: badRow });
    esi.control.addFault({ kind: 'status', route: 'E9', status: 503, contractId: failing });
    esi.control.advance(310);
    const result = await run([]);
    expect(result.outcome).toBe('success');

    expect(await state(accepted)).toMatchObject({ bids_status: 'terminal', bids_http_status: 204, bid_count: keptCount });
    expect(await state(forbidden)).toMatchObject({ bids_status: 'terminal', bids_http_status: 403 });
    expect(await state(unknown)).toMatchObject({ bids_status: 'terminal', bids_http_status: 404 });
    await expectMatchesFake(badRow);
    expect(t.logs.some((line) => line.msg === 'invalid bid row skipped' && line.contract_id === badRow && line.field === 'amount')).toBe(true);
    const failed = await state(failing);
    expect(failed).toMatchObject({ bids_status: 'fetched', bids_attempts: 1 });
    expect(Date.parse(failed.bids_next_poll_at!)).toBeGreaterThan(now().getTime());
    // Three attempts (the §3.6 retry class), then the backoff.
    expect(e9().filter((r) => r.contractId === failing)).toHaveLength(3);

    esi.control.clearFaults();
    esi.control.advance(310);
    baseline = lastSeq();
    await run([]);
    const polled = new Set(e9().map((r) => r.contractId));
    for (const id of [accepted, forbidden, unknown]) expect(polled.has(id)).toBe(false);
    expect(polled.has(badRow)).toBe(true);
  });

  it('the worker polls due bids between runs without a run record, and not at all when none is due', { timeout: 120_000 }, async () => {
    const runCount = async () => (await rows<{ n: string }>(sql`SELECT count(*) AS n FROM sync_runs`))[0]!.n;
    const runsBefore = await runCount();
    expect(await t.sync.runner.pollBids()).toEqual({ kind: 'skipped', reason: 'nothing_due' });
    expect(e9()).toEqual([]);
    esi.control.advance(400);
    const polled = await t.sync.runner.pollBids();
    expect(polled).toMatchObject({ kind: 'polled', detail: null });
    expect(new Set(e9().map((r) => r.contractId)).size).toBeGreaterThan(10);
    expect(await runCount()).toBe(runsBefore);
    expect(await t.sync.runner.pollBids()).toEqual({ kind: 'skipped', reason: 'nothing_due' });
    expect(esi.control.stats().early_bid_polls).toBe(0);
  });

  it('/status and the metrics show the bids backlog', { timeout: 60_000 }, async () => {
    esi.control.advance(400);
    const snapshot = await t.container.status.snapshot();
    expect(snapshot.database?.bidsQueue.due).toBeGreaterThan(10);
    const metrics = await t.container.metrics.registry.metrics();
    expect(metrics).toMatch(/^hangar_bay_bids_queue_depth \d+$/m);
    expect(metrics).toMatch(/^hangar_bay_bids_polls_total\{outcome="terminal",status="403"\} 1$/m);
    expect(metrics).toMatch(/^hangar_bay_esi_requests_total\{route="contracts_bids",status="200"\} \d+$/m);
  });

  it('retention deletes an auction\'s bids with the contract, and only then', { timeout: 120_000 }, async () => {
    const gone = auctions.find((id) => fakeBids(id).length > 0)!;
    const kept = auctions.find((id) => id !== gone && fakeBids(id).length > 0)!;
    await db.db.execute(sql`UPDATE contracts SET closed_at = ${new Date(now().getTime() - 40 * DAY).toISOString()}::timestamptz WHERE contract_id = ${gone}`);
    expect((await storedBids(gone)).length).toBeGreaterThan(0);
    await run([]);
    expect(await rows(sql`SELECT 1 FROM contracts WHERE contract_id = ${gone}`)).toEqual([]);
    expect(await storedBids(gone)).toEqual([]);
    expect((await storedBids(kept)).length).toBeGreaterThan(0);
  });
});

describe('bids never delay discovery (case 134)', () => {
  let db: TestDatabase;
  let esi: FakeEsi;
  let t: TestSync;
  const auctions = Array.from({ length: 2000 }, (_, i) => 800_000_000 + i);
  const lastSeq = () => esi.control.requests().at(-1)?.seq ?? 0;

  beforeAll(async () => {
    db = await createTestDatabase();
    esi = await startFakeEsi({ clock: 'virtual', startTime: START, alignPhase: true, regions: 2, contracts: 30, seed: SEED, churnRate: 0, forbiddenShare: 0, maxItemsPerContract: 1 });
    esi.control.setName(ISSUER, 'Pilot A', 'character');
    esi.control.setName(CORP, 'Corp A', 'corporation');
    esi.control.setRows(FORGE, auctions.map((id) => auctionRow(id, esi.control.now().getTime())));
    t = buildTestSync({
      databaseUrl: db.url,
      esiUrl: esi.url,
      env: { AGGREGATION_REGION_IDS: `${FORGE},${DOMAIN}`, ESI_MAX_RPS: '20' },
      now: () => esi.control.now(),
      sleep: async () => {},
    });
  });
  afterAll(() => closeSyncFixture({ t, esi, db }));

  it('2,000 auctions pending at 20 rps: a run stops the between-runs bids poll and sweeps every due region at once', { timeout: 120_000 }, async () => {
    await discoverOnly(t, [FORGE, DOMAIN]);
    expect((await t.container.status.snapshot()).database?.bidsQueue.due).toBeGreaterThanOrEqual(2000);
    // Both listings expire; the bids poll starts on its 2,000 due auctions (≈ 100 s at 20 rps).
    esi.control.advance(1900);
    const poll = t.sync.runner.pollBids();
    while ((esi.control.stats().routes.E9?.total ?? 0) < 20) await new Promise((resolve) => setTimeout(resolve, 20));

    const mark = lastSeq();
    const runStarted = Date.now();
    let sweptAfterMs = 0;
    let swept = 0;
    const result = await finishedRun(t, {
      trigger: 'schedule',
      skipItems: true,
      onProgress: (event) => {
        if (event.phase === 'discovery' && event.state === 'done' && ++swept === 2) {
          sweptAfterMs = Date.now() - runStarted;
          t.sync.runner.requestStop();
        }
      },
    });
    const stopped = await poll;
    expect(stopped).toMatchObject({ kind: 'polled', detail: 'shutdown' });
    expect(stopped.kind === 'polled' && stopped.counters.polled).toBeLessThan(2000);
    expect(result.regions.map((r) => [r.regionId, r.outcome]).sort()).toEqual([[FORGE, 'success'], [DOMAIN, 'success']].sort());
    // Three listing pages at 20 rps: well under a second of budget; seconds of slack for a loaded machine.
    expect(sweptAfterMs).toBeLessThan(5000);
    const listing = esi.control.requests({ route: 'E1', since: mark });
    const bids = esi.control.requests({ route: 'E9', since: mark });
    expect(listing.map((r) => r.regionId).sort()).toEqual([FORGE, FORGE, DOMAIN].sort());
    // Only the bid requests already queued when the run began went out, all before the first listing page.
    expect(bids.every((r) => r.seq < Math.min(...listing.map((l) => l.seq)))).toBe(true);
    expect(bids.length).toBeLessThanOrEqual(8);
    expect(esi.control.stats().early_polls_total).toBe(0);
  });

  it('while items are fetched, bids take at most half of the requests and are not starved', { timeout: 120_000 }, async () => {
    const mark = lastSeq();
    await finishedRun(t, {
      trigger: 'cli',
      itemsBudgetMs: null,
      regions: [],
      onProgress: (event) => {
        if (event.phase === 'items' && event.done === 100) t.sync.runner.requestStop();
      },
    });
    const items = esi.control.requests({ route: 'E2', since: mark });
    const bids = esi.control.requests({ route: 'E9', since: mark }).filter((r) => r.seq < Math.max(...items.map((i) => i.seq)));
    expect(items.length).toBeGreaterThanOrEqual(100);
    expect(bids.length).toBeGreaterThan(10);
    expect(bids.length / (bids.length + items.length)).toBeLessThanOrEqual(0.5);
  });
});
