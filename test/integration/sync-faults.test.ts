import { sql, type SQL } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { listingPageKey } from '../../src/esi/listing-pages.js';
import type { RunResult } from '../../src/sync/sync-runner.js';
import { startFakeEsi, type FakeEsi, type FakeEsiOptions, type EsiRouteId, type FaultSpec, type RequestLogEntry } from '../fake-esi/index.js';
import { buildTestApp } from '../support/app.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { buildTestSync, type TestSync } from '../support/sync.js';

const FORGE = 10000002;
const DOMAIN = 10000043;
/** Two listing pages in The Forge (1000 + 100 rows), a small second region. */
const TWO_PAGES: FakeEsiOptions = { regions: 2, firstRegionContracts: 1100, contracts: 40, seed: 41, clock: 'virtual', alignPhase: true };
/** One small region, for the item faults. */
const SMALL: FakeEsiOptions = { regions: 1, firstRegionContracts: 40, seed: 43, clock: 'virtual', alignPhase: true };

interface Setup {
  readonly db: TestDatabase;
  readonly esi: FakeEsi;
  readonly t: TestSync;
}

const cleanup: (() => Promise<unknown>)[] = [];

/** A fresh database, fake ESI and sync; the sync's clock follows the fake's (virtual or real). */
async function setup(esiOptions: FakeEsiOptions, env: Record<string, string> = {}, options: { sleep?: (ms: number) => Promise<void>; databaseUrl?: (url: string) => string } = {}): Promise<Setup> {
  const db = await createTestDatabase();
  cleanup.push(() => db.drop());
  const esi = await startFakeEsi(esiOptions);
  cleanup.push(() => esi.close());
  const t = buildTestSync({
    databaseUrl: options.databaseUrl ? options.databaseUrl(db.url) : db.url,
    esiUrl: esi.url,
    env: { AGGREGATION_REGION_IDS: esiOptions.regions === 1 ? `${FORGE}` : `${FORGE},${DOMAIN}`, ...env },
    now: () => esi.control.now(),
    sleep: options.sleep,
  });
  cleanup.push(() => t.close());
  return { db, esi, t };
}

afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step().catch(() => {});
});

async function rows<T extends Record<string, unknown>>(db: TestDatabase, query: SQL): Promise<T[]> {
  return (await db.db.execute<T>(query)) as unknown as T[];
}

async function count(db: TestDatabase, query: SQL): Promise<number> {
  return Number((await rows<{ n: string }>(db, query))[0]!.n);
}

function run(t: TestSync, options: { skipItems?: boolean } = {}): Promise<Extract<RunResult, { kind: 'finished' }>> {
  return t.sync.runner.run({ trigger: 'cli', itemsBudgetMs: null, ...options }).then((result) => {
    if (result.kind !== 'finished') throw new Error(`run skipped: ${result.reason}`);
    return result;
  });
}

/** Requests the fake received after `since` (a seq), optionally of one route. */
function requestsSince(esi: FakeEsi, since: number, route?: EsiRouteId): RequestLogEntry[] {
  return esi.control.requests({ since, ...(route ? { route } : {}) });
}
const lastSeq = (esi: FakeEsi) => esi.control.requests().at(-1)?.seq ?? 0;

/** What a failed sweep must leave untouched: every contract's listing state and the region's bookkeeping. */
async function listingState(db: TestDatabase) {
  return {
    contracts: await rows<{ contract_id: string; region_id: string; last_seen_at: string; closed_at: string | null }>(db, sql`
      SELECT contract_id, region_id, last_seen_at::text, closed_at::text, close_reason FROM contracts ORDER BY contract_id`),
    region: await rows<{ region_id: string }>(db, sql`SELECT region_id, last_snapshot_at::text, open_count, page_count FROM sync_regions ORDER BY region_id`),
  };
}

type ListingState = Awaited<ReturnType<typeof listingState>>;

function forgeOnly(state: ListingState) {
  return { contracts: state.contracts.filter((c) => c.region_id === String(FORGE)), region: state.region.filter((r) => r.region_id === String(FORGE)) };
}

function openIds(state: ListingState, regionId: number): number[] {
  return state.contracts.filter((c) => c.region_id === String(regionId) && c.closed_at === null).map((c) => Number(c.contract_id));
}

async function itemBearingIds(esi: FakeEsi, regionId = FORGE): Promise<number[]> {
  return esi.control.universe.contractIds(regionId).filter((id) => esi.control.universe.items(id) !== undefined);
}

describe('listing faults (docs/sync.md §8, cases 97, 127)', () => {
  it('5xx burst on listing page 2 past its retries: region failure, nothing closed, the other region commits, run partial, the error budget never runs out (case 127)', { timeout: 120_000 }, async () => {
    const { db, esi, t } = await setup(TWO_PAGES);
    expect((await run(t, { skipItems: true })).outcome).toBe('success');
    esi.control.advance(1830); // next generation: ~2 % churn in and out
    const before = await listingState(db);
    esi.control.addFault({ kind: 'status', status: 503, route: 'E1', regionId: FORGE, page: 2 });
    const since = lastSeq(esi);

    const result = await run(t, { skipItems: true });
    expect(result.outcome).toBe('partial');
    expect(result.regions).toEqual(expect.arrayContaining([
      expect.objectContaining({ regionId: FORGE, outcome: 'failure' }),
      expect.objectContaining({ regionId: DOMAIN, outcome: 'success' }),
    ]));
    const page2 = requestsSince(esi, since, 'E1').filter((r) => r.regionId === FORGE && r.page === 2);
    expect(page2.map((r) => r.status)).toEqual([503, 503, 503, 503, 503, 503]); // 3 attempts, in the sweep and its one re-read
    const after = await listingState(db);
    expect(forgeOnly(after)).toEqual(forgeOnly(before));
    expect(await count(db, sql`SELECT count(*) AS n FROM contracts WHERE closed_at IS NOT NULL AND region_id = ${FORGE}`)).toBe(0);
    // Not vacuous: the generation the sweep could not read does drop contracts.
    expect(openIds(before, FORGE)).not.toEqual(esi.control.universe.contractIds(FORGE));
    expect(esi.control.stats().error_limited).toBe(0);
    expect(esi.control.state().error_limit.remain).toBeGreaterThan(0);

    // Once the page answers again the region converges: what left the listing closes.
    esi.control.clearFaults();
    esi.control.advance(1830);
    expect((await run(t, { skipItems: true })).outcome).toBe('success');
    const open = await rows<{ contract_id: string }>(db, sql`SELECT contract_id FROM contracts WHERE region_id = ${FORGE} AND closed_at IS NULL ORDER BY contract_id`);
    expect(open.map((r) => Number(r.contract_id))).toEqual(esi.control.universe.contractIds(FORGE));
  });

  it('timeout, connection reset, truncated JSON and broken gzip on listing pages are retried like 5xx; the sweep commits (§8)', { timeout: 120_000 }, async () => {
    const { db, esi, t } = await setup(TWO_PAGES, { ESI_TIMEOUT_MS: '1000' });
    esi.control.addFault({ kind: 'hang', route: 'E1', regionId: FORGE, page: 1, times: 1 });
    esi.control.addFault({ kind: 'reset', route: 'E1', regionId: FORGE, page: 2, times: 1 });
    esi.control.addFault({ kind: 'truncate', route: 'E1', regionId: DOMAIN, page: 1, times: 1 });
    esi.control.addFault({ kind: 'corrupt-gzip', route: 'E1', regionId: DOMAIN, page: 1, times: 1 });
    const started = Date.now();
    const result = await run(t, { skipItems: true });
    expect(result.outcome).toBe('success');
    expect(Date.now() - started).toBeLessThan(20_000); // the hung attempt was cut at ESI_TIMEOUT_MS
    const statuses = (regionId: number, page: number) =>
      esi.control.requests({ route: 'E1' }).filter((r) => r.regionId === regionId && r.page === page).map((r) => r.status);
    expect(statuses(FORGE, 1)).toEqual(['hang', 200]);
    expect(statuses(FORGE, 2)).toEqual(['reset', 200]);
    expect(statuses(DOMAIN, 1)).toEqual(['truncated', 200, 200]);
    for (const regionId of [FORGE, DOMAIN]) {
      const open = await rows<{ contract_id: string }>(db, sql`SELECT contract_id FROM contracts WHERE region_id = ${regionId} ORDER BY contract_id`);
      expect(open.map((r) => Number(r.contract_id))).toEqual(esi.control.universe.contractIds(regionId));
    }
  });
});

describe('inconsistent sweeps write nothing (docs/sync.md §5.1, §8, case 97)', () => {
  let s: Setup;
  beforeAll(async () => {
    s = await setup(TWO_PAGES);
    expect((await run(s.t, { skipItems: true })).outcome).toBe('success');
    // Keep this group's resources past the per-test cleanup.
    cleanup.splice(0);
  }, 120_000);
  afterAll(async () => {
    await s?.t.close();
    await s?.esi.close();
    await s?.db.drop();
  });

  const faults: [string, FaultSpec][] = [
    ['X-Pages changing mid-sweep', { kind: 'xpages-change', route: 'E1', regionId: FORGE, page: 2 }],
    ['a page with another Last-Modified', { kind: 'last-modified', route: 'E1', regionId: FORGE, page: 2 }],
    ['a contract id on two pages', { kind: 'duplicate-id', route: 'E1', regionId: FORGE, page: 2 }],
    ['a page answering 200 with an error object', { kind: 'page-past-end', route: 'E1', regionId: FORGE, page: 2 }],
  ];
  it.each(faults)('%s → one re-read, still inconsistent → region failure inconsistent, no insert, restamp or closure', async (_name, fault) => {
    const { db, esi, t } = s;
    esi.control.advance(1830);
    const before = await listingState(db);
    const faultId = esi.control.addFault(fault);
    const since = lastSeq(esi);
    try {
      const result = await run(t, { skipItems: true });
      expect(result.regions).toEqual(expect.arrayContaining([{ regionId: FORGE, outcome: 'failure', detail: 'inconsistent' }]));
      expect(result.outcome).toBe('partial');
    } finally {
      esi.control.removeFault(faultId);
    }
    const forgePages = requestsSince(esi, since, 'E1').filter((r) => r.regionId === FORGE).map((r) => r.page);
    expect(forgePages.sort()).toEqual([1, 1, 2, 2]); // the sweep and exactly one re-read
    const after = await listingState(db);
    expect(forgeOnly(after)).toEqual(forgeOnly(before));
    const [poll] = await rows<{ next_poll_at: Date | string }>(db, sql`SELECT next_poll_at FROM sync_regions WHERE region_id = ${FORGE}`);
    expect(new Date(poll!.next_poll_at).getTime()).toBeGreaterThanOrEqual(esi.control.now().getTime() + 60_000);
    // Not vacuous: the generation the sweep could not trust differs from what is stored.
    expect(openIds(before, FORGE)).not.toEqual(esi.control.universe.contractIds(FORGE));
  });

  it('a fault the immediate re-read no longer sees: the snapshot commits, inserting and closing', async () => {
    const { db, esi, t } = s;
    esi.control.advance(1830);
    esi.control.addFault({ kind: 'xpages-change', route: 'E1', regionId: FORGE, page: 2, times: 1 });
    const result = await run(t, { skipItems: true });
    expect(result.outcome).toBe('success');
    const open = await rows<{ contract_id: string }>(db, sql`SELECT contract_id FROM contracts WHERE region_id = ${FORGE} AND closed_at IS NULL ORDER BY contract_id`);
    expect(open.map((r) => Number(r.contract_id))).toEqual(esi.control.universe.contractIds(FORGE));
    expect(result.counters.contractsClosed).toBeGreaterThan(0);
    expect(result.counters.contractsNew).toBeGreaterThan(0);
  });
});

describe('304 and the stored listing body (docs/sync.md §3.4, §8)', () => {
  it('a 304 over a stale stored body is refetched without If-None-Match in the same sweep; a corrupt stored body sends none; the snapshot commits', { timeout: 120_000 }, async () => {
    const { db, esi, t } = await setup(TWO_PAGES);
    expect((await run(t, { skipItems: true })).outcome).toBe('success');
    await t.container.listingCache.set(listingPageKey(FORGE, 1), Buffer.from('not a stored page'), 3600);
    esi.control.advance(1830);
    esi.control.addFault({ kind: 'not-modified', route: 'E1', regionId: FORGE }); // 304 to any If-None-Match
    const since = lastSeq(esi);
    expect((await run(t, { skipItems: true })).outcome).toBe('success');

    const forge = requestsSince(esi, since, 'E1').filter((r) => r.regionId === FORGE);
    const sent = (page: number) => forge.filter((r) => r.page === page).map((r) => [r.headers['if-none-match'] !== undefined, r.status]);
    expect(sent(1)).toEqual([[false, 200]]);
    expect(sent(2)).toEqual([[true, 304], [false, 200]]);
    const open = await rows<{ contract_id: string }>(db, sql`SELECT contract_id FROM contracts WHERE region_id = ${FORGE} AND closed_at IS NULL ORDER BY contract_id`);
    expect(open.map((r) => Number(r.contract_id))).toEqual(esi.control.universe.contractIds(FORGE));
  });
});

describe('item and payload faults (docs/sync.md §2.4, §5.4, §8)', () => {
  it('item fetches: timeout, reset and truncated JSON are retried; exhausted → failure with 4–6 min backoff and no rows; the rest fetched', { timeout: 120_000 }, async () => {
    const { db, esi, t } = await setup(SMALL, { ESI_TIMEOUT_MS: '1000' });
    const [truncated, reset, hung] = await itemBearingIds(esi);
    esi.control.addFault({ kind: 'truncate', route: 'E2', contractId: truncated!, times: 3 });
    esi.control.addFault({ kind: 'reset', route: 'E2', contractId: reset!, times: 3 });
    esi.control.addFault({ kind: 'hang', route: 'E2', contractId: hung!, times: 1 });
    const result = await run(t);
    expect(result.outcome).toBe('success'); // item failures only count as errors
    expect(result.counters.errors).toBe(2);

    const state = await rows<{ contract_id: string; items_status: string; items_attempts: number; next_at: string | null; n: string }>(db, sql`
      SELECT c.contract_id, c.items_status, c.items_attempts, c.items_next_attempt_at::text AS next_at,
        (SELECT count(*) FROM contract_items i WHERE i.contract_id = c.contract_id) AS n
      FROM contracts c WHERE c.contract_id = ANY(${`{${truncated},${reset},${hung}}`}::bigint[]) ORDER BY c.contract_id`);
    const byId = new Map(state.map((r) => [Number(r.contract_id), r]));
    const now = esi.control.now().getTime();
    for (const id of [truncated!, reset!]) {
      const row = byId.get(id)!;
      expect(row).toMatchObject({ items_status: 'pending', items_attempts: 1, n: '0' });
      const wait = Date.parse(row.next_at!) - now;
      expect(wait).toBeGreaterThanOrEqual(4 * 60_000);
      expect(wait).toBeLessThanOrEqual(6 * 60_000);
      expect(esi.control.requests({ route: 'E2' }).filter((r) => r.contractId === id)).toHaveLength(3);
    }
    expect(byId.get(hung!)).toMatchObject({ items_status: 'fetched', n: String(esi.control.universe.items(hung!)!.length) });
    expect(await count(db, sql`SELECT count(*) AS n FROM contracts WHERE items_status = 'fetched'`)).toBeGreaterThan(0);
  });

  it('an item list over 1000 rows: every X-Pages page, all rows at once; a page failing past retries stores nothing and backs off (case 102)', { timeout: 120_000 }, async () => {
    const { db, esi, t } = await setup(SMALL);
    const [big] = await itemBearingIds(esi);
    esi.control.addFault({ kind: 'big-items', route: 'E2', contractId: big!, rows: 2422 });
    esi.control.addFault({ kind: 'status', status: 503, route: 'E2', contractId: big!, page: 2, times: 3 });
    const itemRows = () => count(db, sql`SELECT count(*) AS n FROM contract_items WHERE contract_id = ${big!}`);
    const pages = (since: number) => requestsSince(esi, since, 'E2').filter((r) => r.contractId === big).map((r) => [r.page, r.status]);

    await run(t);
    expect(pages(0)).toEqual([[1, 200], [2, 503], [2, 503], [2, 503]]);
    expect(await itemRows()).toBe(0);
    expect((await rows(db, sql`SELECT items_status, items_attempts FROM contracts WHERE contract_id = ${big!}`))[0]).toEqual({ items_status: 'pending', items_attempts: 1 });

    esi.control.advance(7 * 60);
    const since = lastSeq(esi);
    await run(t);
    expect(pages(since)).toEqual([[1, 200], [2, 200], [3, 200]]);
    expect(await itemRows()).toBe(2422);
    expect((await rows(db, sql`SELECT items_status, items_http_status FROM contracts WHERE contract_id = ${big!}`))[0]).toEqual({ items_status: 'fetched', items_http_status: 200 });
  });

  it('an out-of-enum type is stored raw with no item fetch; absent optional fields are null (collateral 0, for_corporation false) (case 92)', { timeout: 120_000 }, async () => {
    const { db, esi, t } = await setup(SMALL);
    const ids = await itemBearingIds(esi);
    const barter = ids[0]!;
    const stripped = ids[1]!;
    const strippedItems = ids.find((id) => esi.control.universe.items(id)!.some((item) => 'item_id' in item && 'is_blueprint_copy' in item)) ?? ids[2]!;
    esi.control.addFault({ kind: 'bad-type', route: 'E1', contractId: barter, value: 'barter_v2' });
    esi.control.addFault({ kind: 'strip-optional', route: 'E1', contractId: stripped });
    esi.control.addFault({ kind: 'strip-optional', route: 'E2', contractId: strippedItems });
    const result = await run(t);
    expect(result.outcome).toBe('success');
    expect(result.counters.errors).toBe(0);

    expect((await rows(db, sql`SELECT type, items_status FROM contracts WHERE contract_id = ${barter}`))[0]).toEqual({ type: 'barter_v2', items_status: 'not_applicable' });
    expect(esi.control.requests({ route: 'E2' }).filter((r) => r.contractId === barter)).toHaveLength(0);
    expect(esi.control.stats().items_bad_type).toBe(0);
    expect((await rows(db, sql`
      SELECT price, buyout, reward, collateral, days_to_complete, start_location_id, end_location_id, for_corporation, title, volume
      FROM contracts WHERE contract_id = ${stripped}`))[0]).toEqual({
      price: null, buyout: null, reward: null, collateral: 0, days_to_complete: null, start_location_id: null, end_location_id: null,
      for_corporation: false, title: null, volume: null,
    });
    const items = await rows(db, sql`
      SELECT is_blueprint_copy, item_id, runs, material_efficiency, time_efficiency FROM contract_items WHERE contract_id = ${strippedItems}`);
    expect(items).toHaveLength(esi.control.universe.items(strippedItems)!.length);
    for (const item of items) expect(item).toEqual({ is_blueprint_copy: null, item_id: null, runs: null, material_efficiency: null, time_efficiency: null });

    const api = await buildTestApp({ databaseUrl: db.url });
    cleanup.push(() => api.close());
    const unknown = await api.app.inject({ method: 'GET', url: '/contracts/?contract_type=unknown' });
    expect(unknown.statusCode).toBe(200);
    expect(unknown.json().items.map((c: { contract_id: number }) => c.contract_id)).toEqual([barter]);
  });
});

describe('governor pauses (docs/sync.md §3.5, §8)', () => {
  /** Real clock, one lane: the fake's request times show exactly when requests left the process. */
  const SEQUENTIAL: FakeEsiOptions = { regions: 1, firstRegionContracts: 20, seed: 47, alignPhase: true };

  function gapAfter(esi: FakeEsi, status: number, contractId: number): { gap: number; next: RequestLogEntry } {
    const log = esi.control.requests();
    const index = log.findIndex((r) => r.status === status && r.contractId === contractId);
    expect(index).toBeGreaterThanOrEqual(0);
    const next = log[index + 1]!;
    return { gap: Date.parse(next.time) - Date.parse(log[index]!.time), next };
  }

  it('420 with X-ESI-Error-Limit-Reset 2: nothing leaves the process for 3 s, the request is re-queued (not an attempt), work resumes by itself', { timeout: 120_000 }, async () => {
    const { db, esi, t } = await setup(SEQUENTIAL, { ESI_MAX_CONCURRENCY: '1' });
    const [, , target] = await itemBearingIds(esi);
    esi.control.addFault({ kind: 'error-limit', reset: 2, route: 'E2', contractId: target!, times: 1 });
    expect((await run(t)).outcome).toBe('success');
    const { gap, next } = gapAfter(esi, 420, target!);
    expect(gap).toBeGreaterThanOrEqual(2_950);
    expect(gap).toBeLessThan(8_000);
    expect(next).toMatchObject({ route: 'E2', contractId: target, status: 200 });
    expect((await rows(db, sql`SELECT items_status, items_attempts FROM contracts WHERE contract_id = ${target!}`))[0]).toEqual({ items_status: 'fetched', items_attempts: 0 });
    expect(t.logs.filter((l) => l.msg === 'esi.pause')).toMatchObject([{ reason: '420', seconds: 3 }]);
    expect(await t.container.metrics.registry.metrics()).toContain('hangar_bay_esi_pauses_total{reason="420"} 1');
  });

  it('429 with Retry-After 1, an HTTP-date 2 s ahead, and 0 (clamped to 1 s): each pauses that long, re-queued', { timeout: 120_000 }, async () => {
    const { esi, t } = await setup(SEQUENTIAL, { ESI_MAX_CONCURRENCY: '1' });
    const [a, b, c] = await itemBearingIds(esi);
    esi.control.addFault({ kind: 'rate-limit', retryAfter: 1, route: 'E2', contractId: a!, times: 1 });
    esi.control.addFault({ kind: 'rate-limit', retryAfterDate: 2, route: 'E2', contractId: b!, times: 1 });
    esi.control.addFault({ kind: 'rate-limit', retryAfter: 0, route: 'E2', contractId: c!, times: 1 });
    expect((await run(t)).outcome).toBe('success');
    for (const [id, seconds] of [[a!, 1], [b!, 2], [c!, 1]] as const) {
      const { gap, next } = gapAfter(esi, 429, id);
      expect(gap, `contract ${id}`).toBeGreaterThanOrEqual(seconds * 1000 - 50);
      expect(gap, `contract ${id}`).toBeLessThan(seconds * 1000 + 3_000);
      expect(next).toMatchObject({ contractId: id, status: 200 });
    }
    expect(await t.container.metrics.registry.metrics()).toContain('hangar_bay_esi_pauses_total{reason="429"} 3');
  });

  it('downtime storm (every route 503): the region fails, item fetches back off, the run ends failure without a crash; the error-limit floor keeps the budget from running out', { timeout: 90_000 }, async () => {
    // A small budget (the floor of 20 is reached after 10 errors) in short windows, so the floor
    // trips in every window however slowly a loaded machine sends the retries.
    const { db, esi, t } = await setup({ ...SEQUENTIAL, firstRegionContracts: 10, errorLimit: 30, errorWindowSeconds: 2 });
    expect((await run(t, { skipItems: true })).outcome).toBe('success');
    esi.control.addFault({ kind: 'downtime' });
    esi.control.advance(1900);
    const result = await run(t);
    expect(result).toMatchObject({ outcome: 'failure', regions: [{ regionId: FORGE, outcome: 'failure' }] });
    const errors = Object.values(esi.control.stats().routes).reduce((sum, route) => sum + (route.by_status['503'] ?? 0), 0);
    expect(errors).toBeGreaterThan(30); // more than one window's budget in total …
    expect(esi.control.stats().error_limited).toBe(0); // … yet never exhausted
    expect(t.logs.some((l) => l.msg === 'esi.pause' && l.reason === 'error_limit')).toBe(true);
    expect(await count(db, sql`SELECT count(*) AS n FROM contract_items`)).toBe(0);
    expect(await count(db, sql`SELECT count(*) AS n FROM contracts WHERE closed_at IS NOT NULL`)).toBe(0);
    expect(await count(db, sql`SELECT count(*) AS n FROM contracts WHERE items_status = 'pending' AND items_attempts <> 1`)).toBe(0);
  });
});
