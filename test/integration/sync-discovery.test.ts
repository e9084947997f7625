// Discovery against the fake ESI (docs/sync.md §3.3–3.4, §5.1): poll times, conditional requests, snapshot validation.
import { sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { listingPageKey } from '../../src/esi/listing-pages.js';
import { startFakeEsi, type FakeEsi, type FaultSpec, type RequestLogEntry } from '../fake-esi/index.js';
import { etagOf, jsonBody } from '../fake-esi/reply.js';
import { createTestDatabase, queryHelpers, type TestDatabase } from '../support/database.js';
import { CORP, ISSUER, iso, row, rows } from '../support/listing-rows.js';
import { buildTestSync, discoverOnly, finishedRun, type TestSync } from '../support/sync.js';

const httpDate = (ms: number) => new Date(ms).toUTCString();

describe('discovery (docs/sync.md §5.1) against the fake ESI', () => {
  let db: TestDatabase;
  let esi: FakeEsi;
  let t: TestSync;
  const sleeps: number[] = [];

  beforeAll(async () => {
    db = await createTestDatabase();
    esi = await startFakeEsi({ clock: 'virtual', startTime: '2026-07-21T12:00:00Z', alignPhase: true, regions: 1, contracts: 120, seed: 11 });
    esi.control.setName(ISSUER, 'Pilot A', 'character');
    esi.control.setName(CORP, 'Corp A', 'corporation');
    // The injected sleep skips real waits but lets the fake's time pass, as a real wait would.
    const sleep = async (ms: number) => {
      sleeps.push(ms);
      esi.control.advance(Math.ceil(ms / 1000));
    };
    t = buildTestSync({ databaseUrl: db.url, esiUrl: esi.url, env: { ESI_TIMEOUT_MS: '1000' }, now: () => esi.control.now(), sleep });
  });
  afterEach(() => esi.control.clearFaults());
  afterAll(async () => {
    await t?.close();
    await esi?.close();
    await db?.drop();
  });

  const now = () => esi.control.now().getTime();
  const { one, generation, count } = queryHelpers(() => db);
  const region = (r: number) => one<{ next: number | null; snap: number | null; truncated: boolean }>(sql`
    SELECT extract(epoch FROM next_poll_at)::float8 * 1000 AS next, extract(epoch FROM last_snapshot_at)::float8 * 1000 AS snap,
      possibly_truncated AS truncated FROM sync_regions WHERE region_id = ${r}`);
  const regionRun = (runId: number, r: number) => one<Record<string, number | string | null>>(sql`
    SELECT outcome, detail, pages_fetched, pages_not_modified, contracts_seen, contracts_new, contracts_closed, errors
    FROM sync_runs WHERE run_id = ${runId} AND region_id = ${r}`);
  const mark = () => esi.control.requests().at(-1)?.seq ?? 0;
  const listing = (r: number, since: number): RequestLogEntry[] => esi.control.requests({ route: 'E1', since }).filter((e) => e.regionId === r);

  const sweep = (regions: number[]) => finishedRun(t, { trigger: 'cli', itemsBudgetMs: null, skipItems: true, regions });
  /** Phase (a) only: discovery is what these cases are about; skipping names keeps the file fast. */
  const discover = (regions: number[]) => discoverOnly(t, regions);
  /** Moves the fake clock (the sync's `now`) to the region's next poll time. */
  async function advanceToPoll(r: number) {
    const { next } = await region(r);
    esi.control.advance(Math.max(0, Math.ceil((next! - now()) / 1000)));
  }

  it('X-Pages 3 with 1000/1000/500 rows at one Last-Modified T → 2,500 contracts seen at T, exactly 3 E1 requests (case 87)', async () => {
    const R = 10000101;
    const T = Math.floor(now() / 1000) * 1000 - 100_000;
    esi.control.setRows(R, rows(310_000_000, 2500, now()), { lastModified: T });
    const since = mark();
    const result = await discover([R]);
    expect(result.regions).toEqual([{ regionId: R, outcome: 'success', detail: null }]);
    expect(listing(R, since).map((e) => [e.page, e.status])).toEqual(expect.arrayContaining([[1, 200], [2, 200], [3, 200]]));
    expect(listing(R, since)).toHaveLength(3);
    expect(await count(sql`region_id = ${R}`)).toBe(2500);
    expect(await count(sql`region_id = ${R} AND first_seen_at = ${iso(T)}::timestamptz AND last_seen_at = ${iso(T)}::timestamptz`)).toBe(2500);
    expect((await region(R)).snap).toBe(T);
    expect(await regionRun(result.runId, R)).toMatchObject({ outcome: 'success', pages_fetched: 3, contracts_new: 2500 });
  });

  it('a fault on the first read only → the re-read commits, and its requests are the only early polls (case 87)', async () => {
    const R = 10000102;
    esi.control.setRows(R, rows(311_000_000, 1500, now()), { lastModified: now() });
    esi.control.addFault({ kind: 'xpages-change', route: 'E1', regionId: R, page: 2, times: 1 });
    const since = mark();
    const result = await discover([R]);
    expect(result.regions).toEqual([{ regionId: R, outcome: 'success', detail: null }]);
    expect(await count(sql`region_id = ${R}`)).toBe(1500);
    const requests = listing(R, since);
    expect(requests).toHaveLength(4);
    expect(requests.slice(0, 2).some((e) => e.early)).toBe(false);
    expect(requests.slice(2).every((e) => e.early)).toBe(true);
    expect(esi.control.stats().early_polls[String(R)]).toBe(2);
  });

  // [case, fault, listing size (3 pages where the case names page 3 or needs a full page 2), page-2 requests]
  const inconsistent: [string, FaultSpec, number, number][] = [
    ['page 2 says X-Pages: 4', { kind: 'xpages-change', route: 'E1', page: 2 }, 2001, 2],
    ['another Last-Modified on page 2', { kind: 'last-modified', route: 'E1', page: 2 }, 1001, 2],
    ['Last-Modified on some pages only', { kind: 'headers', route: 'E1', page: 2, remove: ['last-modified'] }, 1001, 2],
    ['a contract_id on pages 1 and 2', { kind: 'duplicate-id', route: 'E1', page: 2 }, 1001, 2],
    ['page 3 = 200 {"error": …}', { kind: 'page-past-end', route: 'E1', page: 3 }, 2001, 2],
    ['page 2 has 999 rows', { kind: 'short-page', route: 'E1', page: 2 }, 2001, 2],
    ['page 2 is 404', { kind: 'status', status: 404, route: 'E1', page: 2 }, 1001, 2],
    ['page 2 is 204', { kind: 'status', status: 204, route: 'E1', page: 2 }, 1001, 2],
    ['page 2 is transient (503 × 3 attempts)', { kind: 'status', status: 503, route: 'E1', page: 2 }, 1001, 6],
  ];
  it.each(inconsistent.map(([name, fault, size, page2], i) => ({ name, fault, size, page2, R: 10000110 + i })))(
    '88: $name → one immediate re-read, then failure `inconsistent`: nothing written, next poll ≥ 60 s',
    { timeout: 90_000 },
    async ({ fault, size, page2, R }) => {
      const base = 312_000_000 + (R - 10000110) * 10_000;
      const T0 = now();
      esi.control.setRows(R, rows(base, size, T0), { lastModified: T0 });
      expect((await discover([R])).regions).toEqual([{ regionId: R, outcome: 'success', detail: null }]);
      await advanceToPoll(R);
      // The next listing would insert 3 contracts, close 3 and restamp the rest.
      esi.control.setRows(R, [...rows(base + 3, size - 3, T0), ...rows(base + 5000, 3, T0)], { lastModified: now() });
      esi.control.addFault({ ...fault, regionId: R });
      const before = await generation();
      const since = mark();
      const result = await discover([R]);
      expect(await regionRun(result.runId, R)).toMatchObject({ outcome: 'failure', detail: 'inconsistent' });
      const requests = listing(R, since);
      expect(requests.filter((e) => e.page === 1)).toHaveLength(2);
      expect(requests.filter((e) => e.page === 2)).toHaveLength(page2);
      expect(await count(sql`region_id = ${R}`)).toBe(size);
      expect(await count(sql`contract_id >= ${base + 5000} AND contract_id < ${base + 6000}`)).toBe(0);
      expect(await count(sql`region_id = ${R} AND (closed_at IS NOT NULL OR last_seen_at <> ${iso(T0)}::timestamptz)`)).toBe(0);
      expect(await generation()).toBe(before);
      const state = await region(R);
      expect(state.snap).toBe(Math.floor(T0 / 1000) * 1000);
      expect(state.next! - now()).toBeGreaterThanOrEqual(60_000);
    },
  );

  it('no X-Pages: 400 rows → N = 1, consistent; 1000 rows → inconsistent (case 89)', async () => {
    const [small, full] = [10000121, 10000122];
    esi.control.setRows(small, rows(313_000_000, 400, now()), { lastModified: now() });
    esi.control.setRows(full, rows(313_100_000, 1000, now()), { lastModified: now() });
    esi.control.addFault({ kind: 'headers', route: 'E1', remove: ['x-pages'] });
    const since = mark();
    const result = await discover([small, full]);
    expect(result.regions).toEqual(expect.arrayContaining([
      { regionId: small, outcome: 'success', detail: null },
      { regionId: full, outcome: 'failure', detail: 'inconsistent' },
    ]));
    expect(listing(small, since)).toHaveLength(1);
    expect(await count(sql`region_id = ${small}`)).toBe(400);
    expect(listing(full, since).map((e) => e.page)).toEqual([1, 1]);
    expect(await count(sql`region_id = ${full}`)).toBe(0);
  });

  it('X-Pages 1 with [] → empty region, consistent; no Last-Modified anywhere → snapshot = page 1 Date, one warning (case 89)', async () => {
    const [empty, unstamped] = [10000123, 10000124];
    const T = Math.floor(now() / 1000) * 1000 - 5000;
    esi.control.setRows(empty, [], { lastModified: T });
    esi.control.setRows(unstamped, rows(314_000_000, 1500, now()), { lastModified: T });
    esi.control.addFault({ kind: 'headers', route: 'E1', regionId: unstamped, remove: ['last-modified'] });
    esi.control.advance(7);
    const date = Math.floor(now() / 1000) * 1000;
    const result = await discover([empty, unstamped]);
    expect(result.regions.map((r) => r.outcome)).toEqual(['success', 'success']);
    expect((await region(empty)).snap).toBe(T);
    expect((await region(unstamped)).snap).toBe(date);
    expect(await count(sql`region_id = ${unstamped} AND first_seen_at = ${iso(date)}::timestamptz`)).toBe(1500);
    const warnings = t.logs.filter((l) => l.level === 40 && l.region_id === unstamped && String(l.msg).includes('Last-Modified'));
    expect(warnings).toHaveLength(1);
  });

  it('Last-Modified ≤ last_snapshot_at (older, then equal) → `unchanged`, success, nothing written, G unchanged (case 90)', async () => {
    const R = 10000125;
    const T0 = Math.floor(now() / 1000) * 1000;
    esi.control.setRows(R, rows(315_000_000, 300, T0), { lastModified: T0 });
    await discover([R]);
    const changed = [...rows(315_000_001, 299, T0), row(315_000_999, T0)];
    for (const lastModified of [T0 - 600_000, T0]) {
      await advanceToPoll(R);
      esi.control.setRows(R, changed, { lastModified });
      const before = await generation();
      const result = await discover([R]);
      expect(result.regions).toEqual([{ regionId: R, outcome: 'success', detail: 'unchanged' }]);
      expect(await generation()).toBe(before);
      expect(await count(sql`contract_id = 315000999`)).toBe(0);
      expect(await count(sql`region_id = ${R} AND closed_at IS NULL AND last_seen_at = ${iso(T0)}::timestamptz`)).toBe(300);
      expect((await region(R)).snap).toBe(T0);
    }
  });

  it('a region answering 404 → region failure, next poll now+1h; the other region commits; run partial (case 90)', async () => {
    const [R, unknown] = [10000126, 10000199];
    esi.control.setRows(R, rows(316_000_000, 50, now()), { lastModified: now() });
    const result = await sweep([unknown, R]);
    expect(result.outcome).toBe('partial');
    expect(result.regions).toEqual(expect.arrayContaining([
      { regionId: R, outcome: 'success', detail: null },
      { regionId: unknown, outcome: 'failure', detail: 'region_not_found' },
    ]));
    expect((await region(unknown)).next).toBe(now() + 3_600_000);
    expect(await count(sql`region_id = ${R}`)).toBe(50);
    expect(t.logs.some((l) => l.level === 50 && l.region_id === unknown)).toBe(true);
  });

  it('a last page of exactly 1000 rows → possibly_truncated, warning, gauge 1; a later last page of 999 rows clears it (case 91)', async () => {
    const R = 10000127;
    const gauge = async () => {
      const text = await t.container.metrics.registry.metrics();
      return text.match(new RegExp(`hangar_bay_sync_region_possibly_truncated\\{region_id="${R}"\\} (\\d)`))?.[1];
    };
    esi.control.setRows(R, rows(317_000_000, 1000, now()), { lastModified: now() });
    const first = await discover([R]);
    expect(first.regions).toEqual([{ regionId: R, outcome: 'success', detail: 'truncated' }]);
    expect((await region(R)).truncated).toBe(true);
    expect(t.logs.some((l) => l.level === 40 && l.run_id === first.runId && String(l.msg).includes('may be capped'))).toBe(true);
    expect(await gauge()).toBe('1');
    await advanceToPoll(R);
    esi.control.setRows(R, rows(317_000_000, 999, now()), { lastModified: now() });
    const second = await discover([R]);
    expect(second.regions).toEqual([{ regionId: R, outcome: 'success', detail: null }]);
    expect((await region(R)).truncated).toBe(false);
    expect(await gauge()).toBe('0');
  });

  it('invalid rows are skipped and counted; a seen-but-skipped stored contract stays open; raw types and absent optionals (case 92)', async () => {
    const R = 10000128;
    const T0 = now();
    esi.control.setRows(R, [300_000_007, 300_000_001, 300_000_002].map((id) => row(id, T0)), { lastModified: T0 });
    await discover([R]);
    await advanceToPoll(R);
    const T = Math.floor(now() / 1000) * 1000;
    const required = ['contract_id', 'type', 'issuer_id', 'issuer_corporation_id', 'date_issued', 'date_expired'];
    const bare = Object.fromEntries(Object.entries(row(300_000_010, T0)).filter(([key]) => required.includes(key)));
    const { contract_id: _omitted, ...withoutId } = row(0, T0);
    esi.control.setRows(R, [
      row(300_000_001, T0), row(300_000_002, T0),
      row(300_000_007, T0, { date_issued: 'yesterday' }), row(300_000_008, T0, { date_issued: 'yesterday' }),
      withoutId, row(0, T0, { contract_id: 'abc' }), row(0, T0, { contract_id: Number('9007199254740993') }),
      row(300_000_009, T0, { type: 'barter_v2' }), bare,
    ], { lastModified: T });
    const result = await discover([R]);
    expect(await regionRun(result.runId, R)).toMatchObject({ outcome: 'partial', errors: 5, contracts_seen: 6, contracts_new: 2, contracts_closed: 0 });
    expect(await count(sql`contract_id = 300000007 AND closed_at IS NULL AND last_seen_at = ${iso(T)}::timestamptz`)).toBe(1);
    expect(await count(sql`contract_id = 300000008`)).toBe(0);
    expect(await count(sql`contract_id > 9000000000000000`)).toBe(0);
    const skipped = t.logs.find((l) => l.run_id === result.runId && l.contract_id === 300_000_007);
    expect(skipped).toMatchObject({ field: 'date_issued' });
    expect(JSON.stringify(skipped)).not.toContain('50000000');
    expect(await one(sql`SELECT type, items_status FROM contracts WHERE contract_id = 300000009`)).toEqual({ type: 'barter_v2', items_status: 'not_applicable' });
    expect(await one(sql`SELECT price, buyout, reward, collateral, days_to_complete, start_location_id, end_location_id, for_corporation, title, volume
      FROM contracts WHERE contract_id = 300000010`)).toEqual({
      price: null, buyout: null, reward: null, collateral: 0, days_to_complete: null, start_location_id: null,
      end_location_id: null, for_corporation: false, title: null, volume: null,
    });
  });

  it('next poll = page-1 receive + [1805, 1820] s, persisted as soon as page 1 arrives (before the sweep ends) (case 78)', { timeout: 20_000 }, async () => {
    const R = 10000131;
    esi.control.setRows(R, rows(318_000_000, 1001, now()), { lastModified: now() });
    // Page 2 hangs past ESI_TIMEOUT_MS once: the sweep is still running when we look.
    esi.control.addFault({ kind: 'hang', route: 'E1', regionId: R, page: 2, times: 1 });
    const received = now();
    const running = discover([R]);
    try {
      await vi.waitFor(() => expect(esi.control.requests({ route: 'E1' }).some((e) => e.regionId === R && e.page === 2)).toBe(true), { timeout: 5000, interval: 5 });
      const persisted = (await region(R)).next!;
      expect(await count(sql`region_id = ${R}`)).toBe(0);
      expect(persisted - received).toBeGreaterThanOrEqual(1_805_000);
      expect(persisted - received).toBeLessThanOrEqual(1_820_000);
    } finally {
      expect((await running).regions).toEqual([{ regionId: R, outcome: 'success', detail: null }]);
    }
  });

  it('Expires in the past → next poll = receive + [35, 50] s (30 s floor + jitter) (case 78)', async () => {
    const R = 10000132;
    esi.control.setRows(R, rows(318_100_000, 10, now()), { lastModified: now() });
    esi.control.addFault({ kind: 'headers', route: 'E1', regionId: R, set: { expires: httpDate(now() - 600_000) } });
    const received = now();
    await discover([R]);
    const next = (await region(R)).next! - received;
    expect(next).toBeGreaterThanOrEqual(35_000);
    expect(next).toBeLessThanOrEqual(50_000);
  });

  it('three runs with the fake clock advanced to each next poll → every run polls, early_polls 0; not due → no E1 (case 78)', async () => {
    const R = 10000002;
    for (let run = 0; run < 3; run += 1) {
      const since = mark();
      const result = await discover([R]);
      expect(result.regions).toEqual([expect.objectContaining({ regionId: R, outcome: 'success' })]);
      expect(listing(R, since).length).toBeGreaterThan(0);
      esi.control.advance(Math.floor(((await region(R)).next! - now()) / 1000) - 1);
      const idle = mark();
      expect((await discover([R])).regions).toEqual([]);
      expect(listing(R, idle)).toHaveLength(0);
      await advanceToPoll(R);
    }
    expect(esi.control.stats().regenerations[String(R)]).toBeGreaterThanOrEqual(2);
    expect(esi.control.stats().early_polls[String(R)] ?? 0).toBe(0);
  });

  it('page 1 with 10 s left of an 1800 s period → waits for expiry and starts over; 10 s left of a 20 s period → no wait (case 79)', async () => {
    const [long, short] = [10000133, 10000134];
    const T = Math.floor(now() / 1000) * 1000 - 1_790_000;
    esi.control.setRows(long, rows(319_000_000, 100, now()), { lastModified: T });
    sleeps.length = 0;
    const since = mark();
    const result = await discover([long]);
    expect(result.regions).toEqual([{ regionId: long, outcome: 'success', detail: null }]);
    expect(sleeps).toHaveLength(1);
    expect(sleeps[0]).toBeGreaterThanOrEqual(10_000);
    expect(sleeps[0]).toBeLessThanOrEqual(30_000);
    const pages = listing(long, since);
    expect(pages.map((e) => e.page)).toEqual([1, 1]);
    expect(Date.parse(pages[1]!.time)).toBeGreaterThanOrEqual(T + 1_800_000);
    expect(pages.some((e) => e.early)).toBe(false);
    expect(await count(sql`region_id = ${long}`)).toBe(100);

    const at = Math.floor(now() / 1000) * 1000;
    esi.control.setRows(short, rows(319_100_000, 100, now()), { lastModified: at - 10_000 });
    esi.control.addFault({ kind: 'headers', route: 'E1', regionId: short, set: { 'last-modified': httpDate(at - 10_000), expires: httpDate(at + 10_000) } });
    sleeps.length = 0;
    const shortSince = mark();
    expect((await discover([short])).regions).toEqual([{ regionId: short, outcome: 'success', detail: null }]);
    expect(sleeps).toEqual([]);
    expect(listing(short, shortSince).map((e) => e.page)).toEqual([1]);
    expect(await count(sql`region_id = ${short}`)).toBe(100);
  });

  it('a listing about to regenerate goes to the back of the queue while other regions are due: their sweeps do not wait behind it (case 79)', async () => {
    const [late, b, c] = [10000151, 10000152, 10000153];
    const T = Math.floor(now() / 1000) * 1000 - 1_790_000;
    esi.control.setRows(late, rows(319_200_000, 50, now()), { lastModified: T });
    esi.control.setRows(b, rows(319_300_000, 50, now()), {});
    esi.control.setRows(c, rows(319_400_000, 50, now()), {});
    sleeps.length = 0;
    const since = mark();
    const result = await discover([late, b, c]);
    expect(result.regions.map((entry) => entry.outcome)).toEqual(['success', 'success', 'success']);
    // Swept last, after one wait for its regeneration; the others never waited.
    expect(result.regions.at(-1)!.regionId).toBe(late);
    expect(sleeps).toHaveLength(1);
    const firstOther = Math.min(...[b, c].map((r) => listing(r, since)[0]!.seq));
    const lateRequests = listing(late, since);
    // Page 1 when deferred, again when its turn comes back (still regenerating: the wait), then after it.
    expect(lateRequests.map((e) => e.page)).toEqual([1, 1, 1]);
    expect(lateRequests[1]!.seq).toBeGreaterThan(firstOther);
    expect(Date.parse(lateRequests[2]!.time)).toBeGreaterThanOrEqual(T + 1_800_000);

    for (const r of [late, b, c]) expect(await count(sql`region_id = ${r}`)).toBe(50);
  });

  it('the second sweep sends If-None-Match: <stored ETag>; all 304 → `unchanged`, pages_not_modified = N; no If-None-Match without a parseable stored body (case 80)', async () => {
    const R = 10000135;
    esi.control.setRows(R, rows(320_000_000, 2001, now()), { lastModified: now() });
    const firstSince = mark();
    await discover([R]);
    expect(listing(R, firstSince).every((e) => e.headers['if-none-match'] === undefined)).toBe(true);
    const etags = [1, 2, 3].map((page) => etagOf(jsonBody(esi.control.universe.page(R, page))));

    await advanceToPoll(R);
    const before = await generation();
    const since = mark();
    const second = await discover([R]);
    const requests = listing(R, since).sort((a, b) => a.page! - b.page!);
    expect(requests.map((e) => [e.page, e.headers['if-none-match'], e.status])).toEqual(etags.map((etag, i) => [i + 1, etag, 304]));
    expect(await regionRun(second.runId, R)).toMatchObject({ outcome: 'success', detail: 'unchanged', pages_not_modified: 3, pages_fetched: 0 });
    expect(await generation()).toBe(before);

    await t.container.listingCache.set(listingPageKey(R, 2), Buffer.from('not a stored page'), 3600);
    await advanceToPoll(R);
    const thirdSince = mark();
    const third = await discover([R]);
    const page2 = listing(R, thirdSince).filter((e) => e.page === 2);
    expect(page2.map((e) => [e.headers['if-none-match'], e.status])).toEqual([[undefined, 200]]);
    expect(await regionRun(third.runId, R)).toMatchObject({ detail: 'unchanged', pages_not_modified: 2, pages_fetched: 1 });
    expect(esi.control.requests({ route: 'E1' }).some((e) => e.headers['if-none-match'] === '')).toBe(false);
  });

  describe('304 without a usable stored body (case 81)', () => {
    /** Sweep 1 commits T0; sweep 2 reads T1 (one contract of page 1 gone, one new) but fails on page 2, storing page 1. */
    async function primed(R: number, base: number) {
      const T0 = now();
      esi.control.setRows(R, rows(base, 1500, T0), { lastModified: T0 });
      await discover([R]);
      await advanceToPoll(R);
      const gone = base + 10;
      const fresh = base + 9000;
      esi.control.setRows(R, [...rows(base, 1500, T0).filter((r) => r.contract_id !== gone), row(fresh, T0)], { lastModified: now() });
      const fault = esi.control.addFault({ kind: 'status', status: 404, route: 'E1', regionId: R, page: 2 });
      expect((await discover([R])).regions).toEqual([{ regionId: R, outcome: 'failure', detail: 'inconsistent' }]);
      esi.control.removeFault(fault);
      await advanceToPoll(R);
      return { gone, fresh };
    }
    /** Deletes the stored page between the request going out and its 304 arriving. */
    function deleteWhileInFlight(R: number, page: number) {
      const cache = t.container.listingCache;
      const get = cache.get.bind(cache);
      let armed = true;
      return vi.spyOn(cache, 'get').mockImplementation(async (key) => {
        const value = await get(key);
        if (armed && key === listingPageKey(R, page)) {
          armed = false;
          await cache.del([key]);
        }
        return value;
      });
    }

    it('→ immediate refetch without If-None-Match, its 200 used, no false closure', async () => {
      const R = 10000141;
      const { gone, fresh } = await primed(R, 321_000_000);
      const spy = deleteWhileInFlight(R, 1);
      const since = mark();
      const result = await discover([R]).finally(() => spy.mockRestore());
      const page1 = listing(R, since).filter((e) => e.page === 1);
      expect(page1.map((e) => [e.headers['if-none-match'] !== undefined, e.status])).toEqual([[true, 304], [false, 200]]);
      // The refetch happened within the first read: no re-read of an inconsistent sweep.
      expect(listing(R, since)).toHaveLength(3);
      expect(t.logs.some((l) => l.run_id === result.runId && String(l.msg).includes('inconsistent'))).toBe(false);
      expect(await regionRun(result.runId, R)).toMatchObject({ outcome: 'success', contracts_new: 1, contracts_closed: 1 });
      expect(await count(sql`region_id = ${R} AND closed_at IS NOT NULL`)).toBe(1);
      expect(await count(sql`contract_id = ${gone} AND close_reason = 'gone_early'`)).toBe(1);
      expect(await count(sql`contract_id = ${fresh}`)).toBe(1);
    });

    it('→ a second 304 fails the page: nothing written', async () => {
      const R = 10000142;
      const { gone, fresh } = await primed(R, 322_000_000);
      esi.control.addFault({ kind: 'status', status: 304, route: 'E1', regionId: R, page: 1, skip: 1 });
      const spy = deleteWhileInFlight(R, 1);
      const before = await generation();
      const since = mark();
      const result = await discover([R]).finally(() => spy.mockRestore());
      expect(result.regions).toEqual([{ regionId: R, outcome: 'failure', detail: expect.stringContaining('304') }]);
      expect(listing(R, since).map((e) => [e.page, e.headers['if-none-match'] !== undefined, e.status])).toEqual([[1, true, 304], [1, false, 304]]);
      expect(await count(sql`region_id = ${R} AND closed_at IS NOT NULL`)).toBe(0);
      expect(await count(sql`contract_id IN (${gone}, ${fresh}) AND closed_at IS NULL`)).toBe(1);
      expect(await generation()).toBe(before);
    });

    it('→ a 304 carrying another Last-Modified is refetched', async () => {
      const R = 10000143;
      const T0 = now();
      esi.control.setRows(R, rows(323_000_000, 1500, T0), { lastModified: T0 });
      await discover([R]);
      await advanceToPoll(R);
      const T1 = Math.floor(now() / 1000) * 1000;
      esi.control.setRows(R, [...rows(323_000_000, 1499, T0), row(323_009_000, T0)], { lastModified: T1 });
      esi.control.addFault({ kind: 'not-modified', route: 'E1', regionId: R, page: 2, times: 1 });
      const since = mark();
      const result = await discover([R]);
      const page2 = listing(R, since).filter((e) => e.page === 2);
      expect(page2.map((e) => [e.headers['if-none-match'] !== undefined, e.status])).toEqual([[true, 304], [false, 200]]);
      expect(await regionRun(result.runId, R)).toMatchObject({ outcome: 'success', contracts_new: 1, contracts_closed: 1 });
      expect((await region(R)).snap).toBe(T1);
    });
  });
});
