// Writes and closure against the fake ESI (docs/sync.md §5.2–5.3): batches, re-sightings, bad rows, closure rules.
import { sql, type SQL } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { listingPageKey } from '../../src/esi/listing-pages.js';
import { startFakeEsi, type FakeEsi } from '../fake-esi/index.js';
import { createTestDatabase, queryHelpers, type TestDatabase } from '../support/database.js';
import { DOMAIN, insertContracts, insertTaxonomy, JITA, STATIONS, THE_FORGE } from '../support/fixtures.js';
import { CORP, ISSUER, iso, row, rows } from '../support/listing-rows.js';
import { pino } from 'pino';
import { createSyncWriteRepository } from '../../src/repositories/sync-write.repository.js';
import { closeRegion } from '../../src/sync/discovery.js';
import { parseListingRow } from '../../src/esi/payloads.js';
import { emptyRegionCounters } from '../../src/sync/model.js';
import { buildTestSync, discoverOnly, finishedRun, type TestSync } from '../support/sync.js';

const DAY = 86_400_000;
const HOUR = 3_600_000;

/** Contract ids of a test region: 100,000 apart, clear of the test-case ids 3000000xx. */
const idsOf = (R: number) => 400_000_000 + (R % 1000) * 100_000;

describe('writes and closure (docs/sync.md §5.2–5.3) against the fake ESI', () => {
  let db: TestDatabase;
  let esi: FakeEsi;
  let t: TestSync;

  beforeAll(async () => {
    db = await createTestDatabase();
    esi = await startFakeEsi({ clock: 'virtual', startTime: '2026-07-21T12:00:00Z', regions: 1, contracts: 0, seed: 12 });
    esi.control.setName(ISSUER, 'Pilot A', 'character');
    esi.control.setName(CORP, 'Corp A', 'corporation');
    esi.control.setName(JITA, STATIONS[JITA]!.name, 'station');
    const sleep = async (ms: number) => void esi.control.advance(Math.ceil(ms / 1000));
    t = buildTestSync({ databaseUrl: db.url, esiUrl: esi.url, now: () => esi.control.now(), sleep });
  });
  afterEach(() => esi.control.clearFaults());
  afterAll(async () => {
    await t?.close();
    await esi?.close();
    await db?.drop();
  });

  const now = () => esi.control.now().getTime();
  const { q, one, generation, count } = queryHelpers(() => db);
  const region = (r: number) => one<{ next: number; snap: number | null; hold: number | null; open: number; truncated: boolean }>(sql`
    SELECT extract(epoch FROM next_poll_at)::float8 * 1000 AS next, extract(epoch FROM last_snapshot_at)::float8 * 1000 AS snap,
      extract(epoch FROM hold_since)::float8 * 1000 AS hold, open_count AS open, possibly_truncated AS truncated
    FROM sync_regions WHERE region_id = ${r}`);
  const regionRun = (runId: number, r: number) => one<Record<string, number | string | null>>(sql`
    SELECT outcome, detail, contracts_seen, contracts_new, contracts_closed, contracts_reopened, errors
    FROM sync_runs WHERE run_id = ${runId} AND region_id = ${r}`);
  /** Sizes of the groups of a region's rows written by one transaction (same xmin). */
  const transactionSizes = async (where: SQL) =>
    (await q<{ n: string }>(sql`SELECT count(*) AS n FROM contracts WHERE ${where} GROUP BY xmin::text ORDER BY count(*) DESC`)).map((r) => Number(r.n));
  const mark = () => esi.control.requests().at(-1)?.seq ?? 0;
  const heldGauge = async (r: number) =>
    (await t.container.metrics.registry.metrics()).match(new RegExp(`hangar_bay_sync_region_held\\{region_id="${r}"\\} (\\d)`))?.[1];

  const run = (regions: number[], skipItems = true) => finishedRun(t, { trigger: 'cli', itemsBudgetMs: null, skipItems, regions });
  const discover = (regions: number[]) => discoverOnly(t, regions);
  /** The items queue is global: other tests' pending contracts wait, so a run with items fetches only `regions`' own. */
  const parkOtherItems = (regions: number[]) =>
    db.db.execute(sql`UPDATE contracts SET items_next_attempt_at = 'infinity' WHERE items_status = 'pending' AND NOT (region_id = ANY(${`{${regions.join(',')}}`}::bigint[]))`);
  async function advanceToPoll(r: number) {
    esi.control.advance(Math.max(0, Math.ceil(((await region(r)).next - now()) / 1000)));
  }

  it('1,201 new contracts → write transactions of 500, 500, 201 (G +3); 500 → one; 501 → two; all rows present (case 93)', async () => {
    const cases: [number, number, number[]][] = [[10000201, 1201, [500, 500, 201]], [10000202, 500, [500]], [10000203, 501, [500, 1]]];
    for (const [R, size, batches] of cases) {
      esi.control.setRows(R, rows(idsOf(R), size, now()), { lastModified: now() });
      const before = await generation();
      const result = await discover([R]);
      expect(result.regions).toEqual([{ regionId: R, outcome: 'success', detail: null }]);
      expect(await count(sql`region_id = ${R}`)).toBe(size);
      expect(await transactionSizes(sql`region_id = ${R}`)).toEqual(batches);
      expect(await generation()).toBe(before + batches.length);
    }
  });

  it('re-sighting a fetched, enriched contract changes only last_seen_at (no E2, listing price ignored); another region keeps it (case 94)', async () => {
    const at = now();
    const issued = Math.floor(at / 1000) * 1000 - DAY;
    const expires = issued + 8 * DAY;
    await insertTaxonomy(db.db);
    await insertContracts(db.db, [{
      contractId: 300_000_901, regionId: THE_FORGE, price: 1_000_000, title: '', dateIssued: new Date(issued), dateExpired: new Date(expires),
      lastSeenAt: new Date(at - HOUR), items: [{ typeId: 24688 }],
    }], new Date(at));
    const stored = () => one<{ row: Record<string, unknown>; seen: number }>(sql`
      SELECT to_jsonb(c) - 'last_seen_at' AS row, extract(epoch FROM last_seen_at)::float8 * 1000 AS seen FROM contracts c WHERE contract_id = 300000901`);
    const before = await stored();
    expect(before.row).toMatchObject({ region_id: THE_FORGE, is_ship_contract: true, primary_label: 'Rokh', items_status: 'fetched', issuer_name: 'Pilot A' });
    const listed = row(300_000_901, at, { date_issued: iso(issued), date_expired: iso(expires), price: 2_000_000, start_location_id: JITA, end_location_id: JITA });

    const T = Math.floor(at / 1000) * 1000;
    esi.control.setRows(THE_FORGE, [listed], { lastModified: T });
    await parkOtherItems([THE_FORGE]);
    const result = await run([THE_FORGE], false);
    expect(result.regions).toEqual([{ regionId: THE_FORGE, outcome: 'success', detail: null }]);
    expect(esi.control.requests({ route: 'E2' }).filter((e) => e.contractId === 300_000_901)).toEqual([]);
    expect(result.counters.itemsFetched).toBe(0);
    const after = await stored();
    expect(after.row).toEqual(before.row);
    expect(after.seen).toBe(T);

    esi.control.advance(60);
    const T2 = Math.floor(now() / 1000) * 1000;
    esi.control.setRows(DOMAIN, [listed], { lastModified: T2 });
    const domain = await run([DOMAIN]);
    expect(domain.regions).toEqual([{ regionId: DOMAIN, outcome: 'success', detail: null }]);
    const foreign = await stored();
    expect(foreign.row).toEqual(before.row);
    expect(foreign.seen).toBe(T2);
    expect(t.logs.some((l) => l.run_id === domain.runId && String(l.msg).includes('keep their region'))).toBe(true);
  });

  it('a CHECK constraint rejecting 300000123 in a 500-row batch → row by row: 499 stored, it skipped, logged, errors 1, partial; the run continues (case 95)', async () => {
    const [R, other] = [10000205, 10000206];
    await db.db.execute(sql`ALTER TABLE contracts ADD CONSTRAINT test_reject_300000123 CHECK (contract_id <> 300000123) NOT VALID`);
    try {
      esi.control.setRows(R, rows(300_000_001, 500, now()), { lastModified: now() });
      esi.control.setRows(other, rows(300_100_001, 20, now()), { lastModified: now() });
      const result = await run([R, other]);
      expect(await count(sql`region_id = ${R}`)).toBe(499);
      expect(await count(sql`contract_id = 300000123`)).toBe(0);
      expect(await regionRun(result.runId, R)).toMatchObject({ outcome: 'partial', errors: 1, contracts_seen: 500, contracts_new: 499 });
      expect(await regionRun(result.runId, other)).toMatchObject({ outcome: 'success', contracts_new: 20 });
      expect(t.logs.some((l) => l.run_id === result.runId && l.level === 40 && l.contract_id === 300_000_123)).toBe(true);
      expect(result.outcome).toBe('partial');
      // Phase (b) still ran after the bad row: the stored contracts got their names.
      expect(await count(sql`region_id = ${R} AND issuer_name = 'Pilot A'`)).toBe(499);
    } finally {
      await db.db.execute(sql`ALTER TABLE contracts DROP CONSTRAINT test_reject_300000123`);
    }
  });

  it('stored issuer_name "Pilot A" is kept when E3 fails after the entry expires or 404s that id; "Pilot B" after 7 days → updated, G +1 (case 96)', async () => {
    const R = 10000217;
    const pilot = 90_000_096;
    esi.control.setName(pilot, 'Pilot A', 'character');
    esi.control.setRows(R, [row(300_000_996, now(), { issuer_id: pilot })], { lastModified: now() });
    await run([R]);
    const issuerName = async () => (await one<{ name: string | null }>(sql`SELECT issuer_name AS name FROM contracts WHERE contract_id = 300000996`)).name;
    expect(await issuerName()).toBe('Pilot A');
    const sentFor = (since: number) => esi.control.requests({ route: 'E3', since }).filter((e) => (e.ids as number[]).includes(pilot));

    esi.control.advance(7 * 86_400 + 1);
    esi.control.addFault({ kind: 'status', status: 503, route: 'E3' });
    let since = mark();
    await run([]);
    expect(sentFor(since).map((e) => e.status)).toEqual([503, 503, 503]);
    expect(await issuerName()).toBe('Pilot A');

    esi.control.clearFaults();
    esi.control.addFault({ kind: 'bad-name-id', ids: [pilot] });
    since = mark();
    await run([]);
    expect(sentFor(since).at(-1)).toMatchObject({ ids: [pilot], status: 404 });
    expect(await issuerName()).toBe('Pilot A');

    esi.control.clearFaults();
    esi.control.setName(pilot, 'Pilot B', 'character');
    esi.control.advance(86_400 + 1);
    const before = await generation();
    since = mark();
    await run([]);
    expect(sentFor(since).map((e) => e.status)).toEqual([200]);
    expect(await issuerName()).toBe('Pilot B');
    expect(await generation()).toBe(before + 1);
  });

  it('a snapshot T lacking 3 of 10: date_expired ≤ T → expired (including = T), else gone_early, closed_at = T; failed sweeps, skipped rows and items 204/403/404 close nothing (case 97)', async () => {
    const R = 10000207;
    const T1 = Math.floor(now() / 1000) * 1000;
    const T2 = T1 + 1800_000;
    const ids = Array.from({ length: 10 }, (_, i) => 330_000_001 + i);
    const listing = ids.map((id) => row(id, T1, id === ids[0] ? { date_expired: iso(T2 - 60_000) } : id === ids[1] ? { date_expired: iso(T2) } : {}));
    for (const [k, status] of [[4, 204], [5, 403], [6, 404]] as const) esi.control.addFault({ kind: 'status', status, route: 'E2', contractId: ids[k]! });
    esi.control.setRows(R, listing, { lastModified: T1 });
    await parkOtherItems([R]);
    await run([R], false);
    expect(await count(sql`region_id = ${R} AND items_status = 'unavailable'`)).toBe(3);
    await advanceToPoll(R);

    const next = [listing[3]!, { ...listing[4]!, date_issued: 'yesterday' }, ...listing.slice(5)];
    esi.control.setRows(R, next, { lastModified: T2 });
    esi.control.addFault({ kind: 'status', status: 503, route: 'E1', regionId: R, page: 1, times: 3 });
    const before = await generation();
    const failed = await discover([R]);
    expect(failed.regions).toEqual([expect.objectContaining({ regionId: R, outcome: 'failure' })]);
    expect(await count(sql`region_id = ${R} AND closed_at IS NOT NULL`)).toBe(0);
    expect(await generation()).toBe(before);

    const result = await discover([R]);
    expect(await regionRun(result.runId, R)).toMatchObject({ outcome: 'partial', detail: 'rows_skipped', errors: 1, contracts_closed: 3 });
    const closed = await q<{ id: string; reason: string; at: number }>(sql`
      SELECT contract_id AS id, close_reason AS reason, extract(epoch FROM closed_at)::float8 * 1000 AS at
      FROM contracts WHERE region_id = ${R} AND closed_at IS NOT NULL ORDER BY contract_id`);
    expect(closed).toEqual([
      { id: String(ids[0]), reason: 'expired', at: T2 },
      { id: String(ids[1]), reason: 'expired', at: T2 },
      { id: String(ids[2]), reason: 'gone_early', at: T2 },
    ]);
    expect(await count(sql`region_id = ${R} AND closed_at IS NULL AND last_seen_at = ${iso(T2)}::timestamptz`)).toBe(7);
    // One batch of restamps and one closure commit.
    expect(await generation()).toBe(before + 2);
    expect(await transactionSizes(sql`region_id = ${R}`)).toEqual([7, 3]);
  });

  describe('the mass-drop guard (case 98)', () => {
    async function shrink(R: number, from: number, size: number) {
      esi.control.setRows(R, rows(idsOf(R), from, now()), { lastModified: now() });
      await discover([R]);
      await advanceToPoll(R);
      esi.control.setRows(R, rows(idsOf(R), size, now()), { lastModified: now() });
      return discover([R]);
    }

    it('|P| 1000, |S| 99 → nothing closed, hold_since set, partial `held`, gauge 1; still 99 at hold_since + 6 h + 1 s → closes', async () => {
      const R = 10000208;
      const held = await shrink(R, 1000, 99);
      const H = now();
      expect(held.regions).toEqual([{ regionId: R, outcome: 'partial', detail: 'held' }]);
      expect(await count(sql`region_id = ${R} AND closed_at IS NOT NULL`)).toBe(0);
      expect((await region(R)).hold).toBe(H);
      expect(await heldGauge(R)).toBe('1');
      expect(t.logs.some((l) => l.run_id === held.runId && l.level === 40 && String(l.msg).includes('held'))).toBe(true);

      await advanceToPoll(R);
      expect((await discover([R])).regions).toEqual([{ regionId: R, outcome: 'partial', detail: 'held' }]);
      expect((await region(R)).hold).toBe(H);

      esi.control.advance((H + 6 * HOUR + 1000 - now()) / 1000);
      const accepted = await discover([R]);
      expect(accepted.regions).toEqual([{ regionId: R, outcome: 'success', detail: null }]);
      expect(await count(sql`region_id = ${R} AND closed_at IS NOT NULL`)).toBe(901);
      expect((await region(R)).hold).toBeNull();
      expect(await heldGauge(R)).toBe('0');
    });

    it('|S| 100 of 1000 → closes, and a sweep not tripping the guard clears hold_since', async () => {
      const R = 10000209;
      expect((await shrink(R, 1000, 99)).regions).toEqual([{ regionId: R, outcome: 'partial', detail: 'held' }]);
      expect((await region(R)).hold).not.toBeNull();
      await advanceToPoll(R);
      esi.control.setRows(R, rows(idsOf(R), 100, now()), { lastModified: now() });
      const result = await discover([R]);
      expect(await regionRun(result.runId, R)).toMatchObject({ outcome: 'success', contracts_closed: 900 });
      expect((await region(R)).hold).toBeNull();
    });

    it('|P| 99, |S| 0 → closes all 99', async () => {
      const R = 10000210;
      const result = await shrink(R, 99, 0);
      expect(await regionRun(result.runId, R)).toMatchObject({ outcome: 'success', contracts_closed: 99 });
      expect((await region(R)).open).toBe(0);
    });
  });

  it('a possibly truncated region closes only up to max(S) = M: absent M+1 stays open, absent M−1 closes (case 99)', async () => {
    const R = 10000211;
    const M = 350_001_001;
    esi.control.setRows(R, [...rows(350_000_000, 999, now()), ...rows(M - 1, 3, now())], { lastModified: now() });
    await discover([R]);
    await advanceToPoll(R);
    esi.control.setRows(R, [...rows(350_000_000, 999, now()), row(M, now())], { lastModified: now() });
    const result = await discover([R]);
    expect(result.regions).toEqual([{ regionId: R, outcome: 'success', detail: 'truncated' }]);
    expect((await region(R)).truncated).toBe(true);
    expect(await count(sql`contract_id = ${M - 1} AND close_reason = 'gone_early'`)).toBe(1);
    expect(await count(sql`contract_id = ${M + 1} AND closed_at IS NULL`)).toBe(1);
  });

  it('one sweep closing 10,001 contracts (id sets over 10,000) succeeds (case 99)', { timeout: 120_000 }, async () => {
    const R = 10000212;
    esi.control.setRows(R, rows(360_000_000, 11_200, now()), { lastModified: now() });
    expect((await discover([R])).regions).toEqual([{ regionId: R, outcome: 'success', detail: null }]);
    await advanceToPoll(R);
    esi.control.setRows(R, rows(360_000_000, 1199, now()), { lastModified: now() });
    const result = await discover([R]);
    expect(await regionRun(result.runId, R)).toMatchObject({ outcome: 'success', contracts_closed: 10_001 });
    expect(await count(sql`region_id = ${R} AND closed_at IS NULL`)).toBe(1199);
    expect((await region(R)).open).toBe(1199);
  });

  it('listed again → reopened (contracts_reopened 1, G +1) (case 100)', async () => {
    const R = 10000213;
    const [a, b, c] = [row(370_000_001, now()), row(370_000_002, now()), row(370_000_003, now())];
    esi.control.setRows(R, [a, b, c], { lastModified: now() });
    await discover([R]);
    for (const listing of [[a, b], [a, b, c]]) {
      await advanceToPoll(R);
      esi.control.setRows(R, listing, { lastModified: now() });
      const before = await generation();
      const result = await discover([R]);
      if (listing.length === 2) expect(await count(sql`contract_id = 370000003 AND close_reason = 'gone_early'`)).toBe(1);
      else {
        expect(await regionRun(result.runId, R)).toMatchObject({ outcome: 'success', contracts_reopened: 1, contracts_closed: 0 });
        expect(await generation()).toBe(before + 1);
      }
    }
    expect(await count(sql`contract_id = 370000003 AND closed_at IS NULL AND close_reason IS NULL AND last_seen_at = ${iso(now())}::timestamptz`)).toBe(1);
  });

  it('a region down from 3 pages to 2 → its stored page 3 is deleted when the sweep commits (case 100)', async () => {
    const R = 10000214;
    esi.control.setRows(R, rows(380_000_000, 2001, now()), { lastModified: now() });
    await discover([R]);
    expect(await t.container.listingCache.get(listingPageKey(R, 3))).not.toBeNull();
    await advanceToPoll(R);
    esi.control.setRows(R, rows(380_000_000, 1500, now()), { lastModified: now() });
    await discover([R]);
    expect(await t.container.listingCache.get(listingPageKey(R, 3))).toBeNull();
    expect(await t.container.listingCache.get(listingPageKey(R, 2))).not.toBeNull();
  });

  it('a crash after the batches, before the closure commit → the next run (same T) ends as an uninterrupted run (case 100)', async () => {
    // Two regions get the same listings (ids offset by `base`); the closure of `crashed` is aborted once.
    const [crashed, twin] = [10000215, 10000216];
    const base = { [crashed]: 390_000_000, [twin]: 391_000_000 } as Record<number, number>;
    const T1 = Math.floor(now() / 1000) * 1000;
    const T2 = T1 + 1800_000;
    const listing = (r: number, k: number[]) => k.map((i) => row(base[r]! + i, T1, i % 10 === 0 ? { date_expired: iso(T2) } : {}));
    const first = Array.from({ length: 600 }, (_, i) => i);
    // Multiples of 10 expire at T2 (closed `expired`), other multiples of 7 are withdrawn (`gone`); two are new.
    const second = [...first.filter((i) => i % 10 !== 0 && i % 7 !== 0), 1000, 1001];
    for (const r of [crashed, twin]) esi.control.setRows(r, listing(r, first), { lastModified: T1 });
    await discover([crashed, twin]);
    await advanceToPoll(crashed);
    await advanceToPoll(twin);
    for (const r of [crashed, twin]) esi.control.setRows(r, listing(r, second), { lastModified: T2 });

    await db.db.execute(sql.raw(`
      CREATE FUNCTION test_crash_before_closure() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.region_id = ${crashed} AND NEW.last_snapshot_at IS DISTINCT FROM OLD.last_snapshot_at THEN RAISE EXCEPTION 'simulated crash'; END IF;
        RETURN NEW;
      END $$;
      CREATE TRIGGER test_crash_before_closure BEFORE UPDATE ON sync_regions FOR EACH ROW EXECUTE FUNCTION test_crash_before_closure();`));
    try {
      const interrupted = await discover([crashed, twin]);
      expect(interrupted.regions).toEqual(expect.arrayContaining([expect.objectContaining({ regionId: crashed, outcome: 'failure' })]));
      expect(await count(sql`region_id = ${crashed} AND closed_at IS NOT NULL`)).toBe(0);
      expect(await count(sql`contract_id = ${base[crashed]! + 1001}`)).toBe(1);
    } finally {
      await db.db.execute(sql`DROP TRIGGER test_crash_before_closure ON sync_regions; DROP FUNCTION test_crash_before_closure()`);
    }
    await advanceToPoll(crashed);
    expect((await discover([crashed])).regions).toEqual([{ regionId: crashed, outcome: 'success', detail: null }]);

    const state = (r: number) => q(sql`
      SELECT contract_id - ${base[r]!} AS k, closed_at, close_reason, first_seen_at, last_seen_at
      FROM contracts WHERE region_id = ${r} ORDER BY contract_id`);
    const twinState = await state(twin);
    expect(twinState.filter((c) => c.close_reason === 'expired')).toHaveLength(60);
    expect(twinState.filter((c) => c.close_reason === 'gone_early')).toHaveLength(first.length - (second.length - 2) - 60);
    expect(await state(crashed)).toEqual(twinState);
    const { next: _a, ...crashedRegion } = await region(crashed);
    const { next: _b, ...twinRegion } = await region(twin);
    expect(crashedRegion).toEqual(twinRegion);
  });

  it('a stale sweep never closes what a newer sweep saw, never reopens what a newer sweep closed, and never moves the snapshot time back', async () => {
    const R = 10000217;
    const [a, b, c, d] = [371_000_001, 371_000_002, 371_000_003, 371_000_004];
    const T1 = Math.floor(now() / 1000) * 1000;
    esi.control.setRows(R, [a, b, c].map((id) => row(id, T1)), { lastModified: T1 });
    await discover([R]);
    expect((await region(R)).snap).toBe(T1);

    const repo = createSyncWriteRepository();
    const deps = { db: db.db, repo, now: () => esi.control.now(), logger: pino({ level: 'silent' }) };
    const close = (ids: number[], at: number) => closeRegion(deps, R, ids, new Date(at), 1, false, null, emptyRegionCounters());
    const openIds = async () => (await q<{ id: string }>(sql`SELECT contract_id AS id FROM contracts WHERE region_id = ${R} AND closed_at IS NULL ORDER BY 1`)).map((r) => Number(r.id));

    // A sweep read before T1 that lists only a: superseded by T1's closure, nothing closed.
    expect(await close([a], T1 - 600_000)).toBe('superseded');
    expect(await openIds()).toEqual([a, b, c]);
    expect((await region(R)).snap).toBe(T1);

    // A newer sweep (T3) has written its batch (d is new) but not closed yet; an older one (T2) closes now.
    const [T2, T3] = [T1 + 600_000, T1 + 1_200_000];
    const listed = parseListingRow(row(d, T1));
    if (!listed.ok) throw new Error('fixture row rejected');
    await db.db.transaction((tx) => repo.writeContractBatch(tx, [listed.row], [], R, new Date(T3)));
    expect(await close([a, b], T2)).toBe('closed');
    expect(await openIds()).toEqual([a, b, d]);
    expect((await region(R)).snap).toBe(T2);

    // A batch of a sweep older than c's closure lists c again: c stays closed.
    await db.db.transaction((tx) => repo.writeContractBatch(tx, [], [c], R, new Date(T2 - 60_000)));
    expect(await openIds()).toEqual([a, b, d]);
    // A batch newer than the closure reopens it, as a listing seen again does.
    await db.db.transaction((tx) => repo.writeContractBatch(tx, [], [c], R, new Date(T3)));
    expect(await openIds()).toEqual([a, b, c, d]);
  });

  it('a region named twice in one run is swept once', async () => {
    const R = 10000218;
    esi.control.setRows(R, [row(372_000_001, now())], { lastModified: now() });
    const before = mark();
    const result = await discover([R, R]);
    expect(result.regions).toEqual([{ regionId: R, outcome: 'success', detail: null }]);
    expect(esi.control.requests({ since: before }).filter((r) => r.path.includes(`/contracts/public/${R}`))).toHaveLength(1);
  });
});
