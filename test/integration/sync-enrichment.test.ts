import { sql, type SQL } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { bulkWrite } from '../../src/db/bulk.js';
import { ENRICHMENT_VERSION } from '../../src/domain/enrichment.js';
import { startFakeEsi, type FakeEsi } from '../fake-esi/index.js';
import { loadSde } from '../fixtures/sde/index.js';
import { buildTestApp } from '../support/app.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { AMARR, contractRows, JITA, STATIONS, STRUCTURE, type ContractSpec } from '../support/fixtures.js';
import { buildTestSync, type TestSync } from '../support/sync.js';

// Enrichment (docs/sync.md §5.5): names, station systems, the type → group → category chain and the
// derived fields, on contracts seeded straight into the database, against the fake ESI.
const FORGE = 10000002;
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const UNNAMED = {
  issuer_name: null, issuer_corporation_name: null, start_location_name: null, end_location_name: null,
  start_location_system_id: null, end_location_system_id: null, route_jumps: null, route_jumps_highsec: null, route_version: 0,
};
type Seed = ContractSpec & { row?: Record<string, unknown> };

describe('enrichment (docs/sync.md §5.5)', () => {
  let db: TestDatabase;
  let esi: FakeEsi;
  let t: TestSync;
  let baseline = 0;
  let characters: number[];
  let corporations: number[];

  const rows = async <T extends Record<string, unknown>>(query: SQL) => [...(await db.db.execute<T>(query))];
  const now = () => esi.control.now();
  const run = async () => {
    const result = await t.sync.runner.run({ trigger: 'cli', itemsBudgetMs: null, regions: [] });
    expect(result.kind).toBe('finished');
    return result;
  };
  const lastSeq = () => esi.control.requests().at(-1)?.seq ?? 0;
  const requests = (route: 'E2' | 'E3' | 'E4' | 'E5' | 'E6' | 'E7', since = baseline) => esi.control.requests({ route, since });
  const paths = (route: 'E4' | 'E5' | 'E6' | 'E7', since = baseline) => requests(route, since).map((r) => r.esiPath);
  const e3Ids = (since = baseline) => requests('E3', since).flatMap((r) => r.ids as number[]);
  const generation = async () => Number((await rows<{ g: string }>(sql`SELECT generation AS g FROM sync_state`))[0]!.g);
  const contract = async (id: number) => (await rows<Record<string, unknown>>(sql`SELECT * FROM contracts WHERE contract_id = ${id}`))[0]!;

  /** Seeds contracts with the fixture defaults, each `row` overriding stored columns. */
  async function seed(entries: readonly Seed[]): Promise<void> {
    const { contracts, items } = contractRows(entries, now());
    entries.forEach((entry, i) => Object.assign(contracts[i]!, entry.row ?? {}));
    await bulkWrite(db.db, contracts, { table: 'contracts', columns: Object.keys(contracts[0]!) });
    if (items.length > 0) await bulkWrite(db.db, items, { table: 'contract_items', columns: Object.keys(items[0]!) });
  }
  /** Couriers (no items queue) with the given issuers and locations, names and systems unknown. */
  const couriers = (specs: readonly { id: number; issuer: number; corporation: number; start?: number | null; end?: number | null }[]) =>
    seed(specs.map((s) => ({
      contractId: s.id, type: 'courier', startLocationId: s.start ?? STRUCTURE, endLocationId: s.end ?? null, dateExpired: new Date(now().getTime() + 20 * DAY),
      row: { ...UNNAMED, issuer_id: s.issuer, issuer_corporation_id: s.corporation },
    })));

  beforeAll(async () => {
    db = await createTestDatabase();
    esi = await startFakeEsi({
      clock: 'virtual', startTime: '2026-07-21T12:00:00Z', alignPhase: true, seed: 5, regions: 1, contracts: 60,
      characters: 2500, churnRate: 0, forbiddenShare: 0, latency: { E3: 60 },
    });
    characters = esi.control.universe.characterIds().sort((a, b) => a - b);
    corporations = esi.control.universe.corporationIds().sort((a, b) => a - b);
    t = buildTestSync({ databaseUrl: db.url, esiUrl: esi.url, env: { AGGREGATION_REGION_IDS: String(FORGE) }, now, sleep: async () => {} });
  });
  afterAll(async () => {
    await t?.close();
    await esi?.close();
    await db?.drop();
  });
  beforeEach(async () => {
    esi.control.clearFaults();
    esi.control.resetErrorLimit();
    await db.db.execute(sql`DELETE FROM contracts`);
    await db.db.execute(sql`TRUNCATE esi_names, esi_types, esi_groups, esi_categories, esi_stations`);
    // The fixture's default issuer, corporation and start station resolve from the cache.
    await db.db.execute(sql`
      INSERT INTO esi_names (id, name, category, expires_at, unresolvable, fetched_at) VALUES
        (90000001, 'Pilot A', 'character', '2100-01-01T00:00:00Z', false, now()),
        (98000001, 'Corp A', 'corporation', '2100-01-01T00:00:00Z', false, now()),
        (${JITA}, ${STATIONS[JITA]!.name}, 'station', NULL, false, now())`);
    baseline = lastSeq();
  });

  describe('names (cases 106, 107, 113)', () => {
    it('2,500 missing ids → E3 POSTs of 1000, 1000 and 500 ids, sorted, unique, at most 2 in flight (case 106)', { timeout: 90_000 }, async () => {
      const issuers = characters.slice(0, 2000);
      expect(corporations).toHaveLength(500);
      await couriers(issuers.map((issuer, i) => ({ id: 400_000_000 + i, issuer, corporation: corporations[i % 500]! })));
      const before = await generation();

      let maxInFlight = 0;
      const probe = setInterval(() => {
        maxInFlight = Math.max(maxInFlight, requests('E3').filter((r) => r.status === 0).length);
      }, 2);
      try {
        await run();
      } finally {
        clearInterval(probe);
      }
      const bodies = requests('E3').map((r) => r.ids as number[]).sort((a, b) => a[0]! - b[0]!);
      const expected = [...issuers, ...corporations].sort((a, b) => a - b);
      expect(bodies.map((ids) => ids.length)).toEqual([1000, 1000, 500]);
      expect(bodies).toEqual([expected.slice(0, 1000), expected.slice(1000, 2000), expected.slice(2000)]);
      expect(maxInFlight).toBeGreaterThanOrEqual(1);
      expect(maxInFlight).toBeLessThanOrEqual(2);

      const unnamed = await rows(sql`SELECT contract_id FROM contracts WHERE issuer_name IS NULL OR issuer_corporation_name IS NULL`);
      expect(unnamed).toEqual([]);
      expect(await contract(400_000_007)).toMatchObject({
        issuer_name: esi.control.universe.nameOf(issuers[7]!)!.name,
        issuer_corporation_name: esi.control.universe.nameOf(corporations[7]!)!.name,
      });
      expect(await generation()).toBeGreaterThan(before);
    });

    it.each([404, 400])('one invalid id in a chunk (%i) → bisection in ≤ 21 requests, 999 names stored, the bad id not re-sent for a day (case 106)', { timeout: 90_000 }, async (status) => {
      const issuers = characters.slice(0, 500);
      await couriers(issuers.map((issuer, i) => ({ id: 410_000_000 + i, issuer, corporation: corporations[i]! })));
      const bad = issuers[137]!;
      esi.control.addFault({ kind: 'bad-name-id', ids: [bad], status });
      const t0 = now().getTime();

      await run();
      const sent = requests('E3');
      expect(sent.length).toBeGreaterThan(1);
      expect(sent.length).toBeLessThanOrEqual(21);
      expect(sent[0]!.ids).toHaveLength(1000);
      const names = await rows<{ id: string; name: string | null; unresolvable: boolean; expires_at: string | null }>(sql`
        SELECT id, name, unresolvable, expires_at::text FROM esi_names WHERE id = ANY(${`{${[...issuers, ...corporations].join(',')}}`}::bigint[])`);
      expect(names.filter((n) => n.name !== null && !n.unresolvable)).toHaveLength(999);
      const badEntry = names.find((n) => Number(n.id) === bad)!;
      expect(badEntry).toMatchObject({ name: null, unresolvable: true });
      expect(new Date(badEntry.expires_at!).getTime()).toBe(t0 + DAY);
      expect(await contract(410_000_137)).toMatchObject({ issuer_name: null });
      expect(await contract(410_000_136)).toMatchObject({ issuer_name: esi.control.universe.nameOf(issuers[136]!)!.name });

      let since = lastSeq();
      esi.control.advance(23 * 3600);
      await run();
      expect(requests('E3', since)).toEqual([]);

      since = lastSeq();
      esi.control.advance(2 * 3600);
      await run();
      expect(requests('E3', since).map((r) => r.ids)).toEqual([[bad]]);
    });

    it('E3 transient → names stay null, retried by the next run (case 106)', { timeout: 90_000 }, async () => {
      await couriers([{ id: 420_000_001, issuer: characters[0]!, corporation: corporations[0]! }]);
      esi.control.addFault({ kind: 'status', status: 503, route: 'E3', times: 3 });
      await run();
      expect(requests('E3')).toHaveLength(3);
      expect(await contract(420_000_001)).toMatchObject({ issuer_name: null, issuer_corporation_name: null });
      expect(await rows(sql`SELECT id FROM esi_names WHERE id IN (${characters[0]!}, ${corporations[0]!})`)).toEqual([]);

      await run();
      expect(await contract(420_000_001)).toMatchObject({
        issuer_name: esi.control.universe.nameOf(characters[0]!)!.name,
        issuer_corporation_name: esi.control.universe.nameOf(corporations[0]!)!.name,
      });
    });

    it('99,999,999,999 goes to E3; 10^11, structures and 500,000,000,000 never do, nor to E4 (case 107)', async () => {
      esi.control.setName(99_999_999_999, 'Edge Of Names', 'character');
      esi.control.setName(100_000_000_000, 'Too Big To Ask', 'character');
      await couriers([
        { id: 430_000_001, issuer: 99_999_999_999, corporation: corporations[0]!, start: STRUCTURE },
        { id: 430_000_002, issuer: characters[0]!, corporation: corporations[0]!, start: 100_000_000_000, end: 1_035_466_617_946 },
        { id: 430_000_003, issuer: characters[1]!, corporation: corporations[1]!, start: 500_000_000_000 },
      ]);
      await run();
      const asked = e3Ids();
      expect(asked).toContain(99_999_999_999);
      for (const id of [100_000_000_000, 1_035_466_617_946, 500_000_000_000]) expect(asked).not.toContain(id);
      expect(requests('E4')).toEqual([]);
      expect(await contract(430_000_001)).toMatchObject({ issuer_name: 'Edge Of Names' });
      expect(await contract(430_000_002)).toMatchObject({ start_location_system_id: null, end_location_system_id: null, start_location_name: null });
      expect(await contract(430_000_003)).toMatchObject({ start_location_system_id: null, start_location_name: null });
    });

    it('character and corporation names are re-requested after 7 days; station, solar system and type names never (case 113)', { timeout: 90_000 }, async () => {
      const [pilot, corporation] = [characters[3]!, corporations[3]!];
      await couriers([
        { id: 440_000_001, issuer: pilot, corporation, start: JITA, end: 30000142 },
        { id: 440_000_002, issuer: pilot, corporation, start: AMARR, end: 587 },
      ]);
      await db.db.execute(sql`DELETE FROM esi_names`);
      await run();
      expect(new Set(e3Ids())).toEqual(new Set([pilot, corporation, JITA, AMARR, 30000142, 587]));
      const cached = await rows<{ id: string; category: string; expires_at: string | null }>(sql`SELECT id, category, expires_at::text FROM esi_names ORDER BY id`);
      expect(cached.filter((c) => c.expires_at !== null).map((c) => Number(c.id)).sort()).toEqual([pilot, corporation].sort());
      expect(new Set(cached.map((c) => c.category))).toEqual(new Set(['character', 'corporation', 'station', 'solar_system', 'inventory_type']));

      let since = lastSeq();
      esi.control.advance(7 * 24 * 3600 - 60);
      await run();
      expect(requests('E3', since)).toEqual([]);

      esi.control.setName(pilot, 'Renamed Pilot');
      since = lastSeq();
      esi.control.advance(120);
      await run();
      expect(requests('E3', since).map((r) => r.ids)).toEqual([[pilot, corporation].sort((a, b) => a - b)]);
      expect(await contract(440_000_001)).toMatchObject({ issuer_name: 'Renamed Pilot' });
    });
  });

  describe('station systems (case 108)', () => {
    it('only 60,000,000 ≤ id < 64,000,000 goes to E4; cached stations need no E4; a 404 is not retried for a day (case 108)', { timeout: 90_000 }, async () => {
      for (const id of [59_999_999, 64_000_000, 60_000_000, 63_999_999]) esi.control.setName(id, `Place ${id}`, 'station');
      await couriers([
        { id: 450_000_001, issuer: characters[0]!, corporation: corporations[0]!, start: 59_999_999, end: 64_000_000 },
        { id: 450_000_002, issuer: characters[0]!, corporation: corporations[0]!, start: 60_000_000, end: 63_999_999 },
        { id: 450_000_003, issuer: characters[0]!, corporation: corporations[0]!, start: JITA, end: AMARR },
      ]);
      await run();
      expect(new Set(paths('E4'))).toEqual(new Set([60_000_000, 63_999_999, JITA, AMARR].map((id) => `/universe/stations/${id}`)));
      expect(paths('E4')).toHaveLength(4);
      expect(await contract(450_000_003)).toMatchObject({
        start_location_system_id: '30000142', end_location_system_id: '30002187',
        start_location_name: STATIONS[JITA]!.name, end_location_name: STATIONS[AMARR]!.name,
      });
      expect(await contract(450_000_002)).toMatchObject({ start_location_system_id: null, end_location_system_id: null });
      expect(await contract(450_000_001)).toMatchObject({ start_location_system_id: null, end_location_system_id: null });

      // E4 down: a new contract at a cached station still gets its system, with no E4 at all.
      esi.control.addFault({ kind: 'status', status: 503, route: 'E4' });
      await couriers([{ id: 450_000_004, issuer: characters[0]!, corporation: corporations[0]!, start: JITA }]);
      let since = lastSeq();
      await run();
      expect(requests('E4', since)).toEqual([]);
      expect(await contract(450_000_004)).toMatchObject({ start_location_system_id: '30000142' });

      esi.control.clearFaults();
      since = lastSeq();
      esi.control.advance(23 * 3600);
      await run();
      expect(requests('E4', since)).toEqual([]);

      since = lastSeq();
      esi.control.advance(2 * 3600);
      await run();
      expect(new Set(paths('E4', since))).toEqual(new Set([60_000_000, 63_999_999].map((id) => `/universe/stations/${id}`)));
    });
  });

  describe('courier routes (case 136)', () => {
    it('once the stations resolve, Jita → Amarr stores 11 jumps, 45 on high-sec, reward ÷ 11; a structure end stays null; one generation bump', { timeout: 90_000 }, async () => {
      await couriers([
        { id: 460_000_001, issuer: characters[0]!, corporation: corporations[0]!, start: JITA, end: AMARR },
        { id: 460_000_002, issuer: characters[0]!, corporation: corporations[0]!, start: JITA, end: STRUCTURE },
      ]);
      await db.db.execute(sql`UPDATE contracts SET reward = 11000000 WHERE contract_id IN (460000001, 460000002)`);
      await run();
      expect(await contract(460_000_001)).toMatchObject({
        end_location_system_id: '30002187', route_jumps: 11, route_jumps_highsec: 45, reward_per_jump: 1_000_000, route_version: 1,
      });
      expect(await contract(460_000_002)).toMatchObject({
        end_location_system_id: null, route_jumps: null, route_jumps_highsec: null, reward_per_jump: null, route_version: 1,
      });
      // Nothing left to compute: a second run writes no route and bumps nothing for them.
      const before = await generation();
      await run();
      expect(await generation()).toBe(before);
    });
  });

  describe('types, groups, categories and derived fields (cases 109–112)', () => {
    const unresolved = (typeId: number, isIncluded = true) => ({ typeId, isIncluded, typeName: null, groupId: null, categoryId: null });
    const items = async (id: number) =>
      rows<Record<string, unknown>>(sql`SELECT type_id, type_name, group_id, category_id, market_group_id, category FROM contract_items WHERE contract_id = ${id} ORDER BY record_id`);

    it('type 587 → E5, E6 25, E7 6; a second contract with 587 → no E5–E7; an E5 404 is kept a day (case 109)', { timeout: 90_000 }, async () => {
      await seed([{ contractId: 460_000_001, items: [unresolved(587)] }, { contractId: 460_000_003, items: [unresolved(999_999_999)] }]);
      await run();
      expect(new Set(paths('E5'))).toEqual(new Set(['/universe/types/587', '/universe/types/999999999']));
      expect(paths('E6')).toEqual(['/universe/groups/25']);
      expect(paths('E7')).toEqual(['/universe/categories/6']);
      expect(await items(460_000_001)).toEqual([
        { type_id: '587', type_name: 'Rifter', group_id: '25', category_id: '6', market_group_id: '64', category: 'ship' },
      ]);
      expect(await contract(460_000_001)).toMatchObject({ enrichment_status: 'complete', enrichment_version: ENRICHMENT_VERSION, is_ship_contract: true, primary_label: 'Rifter' });
      expect(await contract(460_000_003)).toMatchObject({ enrichment_status: 'incomplete' });

      await seed([{ contractId: 460_000_002, items: [unresolved(587)] }]);
      let since = lastSeq();
      await run();
      expect([...requests('E5', since), ...requests('E6', since), ...requests('E7', since)]).toEqual([]);
      expect(await contract(460_000_002)).toMatchObject({ enrichment_status: 'complete', primary_label: 'Rifter' });

      // The incomplete contract is retried (backoff passed) but its type's 404 is remembered for a day.
      since = lastSeq();
      esi.control.advance(23 * 3600);
      await run();
      expect(requests('E5', since)).toEqual([]);
      since = lastSeq();
      esi.control.advance(2 * 3600);
      await run();
      expect(paths('E5', since)).toEqual(['/universe/types/999999999']);
    });

    it('ship flag — offered ship → true; requested ship → false; unresolved item keeps true; complete without ship clears it (case 110)', { timeout: 90_000 }, async () => {
      esi.control.addFault({ kind: 'status', status: 503, route: 'E5', path: '^/universe/types/439$' });
      await seed([
        { contractId: 470_000_001, items: [unresolved(587)] },
        { contractId: 470_000_002, items: [unresolved(587, false), unresolved(34)] },
        { contractId: 470_000_003, items: [unresolved(587), unresolved(439)] },
        { contractId: 470_000_004, items: [unresolved(34), unresolved(439)], row: { is_ship_contract: true } },
        { contractId: 470_000_005, items: [unresolved(34)], row: { is_ship_contract: true } },
      ]);
      await run();
      const flags = await rows<{ contract_id: string; is_ship_contract: boolean; enrichment_status: string }>(sql`
        SELECT contract_id, is_ship_contract, enrichment_status FROM contracts ORDER BY contract_id`);
      expect(flags.map((f) => [Number(f.contract_id), f.is_ship_contract, f.enrichment_status])).toEqual([
        [470_000_001, true, 'complete'],
        [470_000_002, false, 'complete'],
        [470_000_003, true, 'incomplete'],
        [470_000_004, true, 'incomplete'],
        [470_000_005, false, 'complete'],
      ]);
    });

    it('E6 503 × 3 → incomplete; a later run completes it with no E2 (case 111)', { timeout: 90_000 }, async () => {
      const sde = loadSde();
      const groupOf = new Map(sde.types.map((type) => [type.type_id, type.group_id]));
      const live = esi.control.universe.contractIds(FORGE).filter((id) => {
        const row = esi.control.universe.contract(id)!;
        return ['item_exchange', 'auction'].includes(String(row.type)) && Date.parse(String(row.date_expired)) > now().getTime() + 2 * DAY;
      });
      const single = live.find((id) => new Set(esi.control.universe.items(id)!.map((item) => groupOf.get(Number(item.type_id)))).size === 1)!;
      const group = groupOf.get(Number(esi.control.universe.items(single)![0]!.type_id))!;
      await seed([{ contractId: single, items: null }]);
      esi.control.addFault({ kind: 'status', status: 503, route: 'E6', times: 3 });

      await run();
      expect(paths('E6')).toEqual(Array(3).fill(`/universe/groups/${group}`));
      expect(await contract(single)).toMatchObject({ items_status: 'fetched', enrichment_status: 'incomplete' });
      expect((await items(single)).every((item) => item.type_name !== null && item.category_id === null)).toBe(true);

      const since = lastSeq();
      esi.control.advance(7 * 60);
      await run();
      expect(requests('E2', since)).toEqual([]);
      expect(paths('E6', since)).toEqual([`/universe/groups/${group}`]);
      expect(await contract(single)).toMatchObject({ enrichment_status: 'complete', enrichment_version: ENRICHMENT_VERSION });
      expect((await items(single)).every((item) => item.category_id !== null)).toBe(true);
    });

    it('a group cached without its category → E7 in the next run (case 111)', async () => {
      await db.db.execute(sql`INSERT INTO esi_groups (group_id, name, category_id, fetched_at) VALUES (25, 'Frigate', 6, now())`);
      await run();
      expect(paths('E7')).toEqual(['/universe/categories/6']);
      expect(await rows(sql`SELECT category_id, name FROM esi_categories`)).toEqual([{ category_id: '6', name: 'Ship' }]);
    });

    it('an ENRICHMENT_VERSION bump re-enriches every fetched contract from its stored items, with no E2 (case 111)', { timeout: 90_000 }, async () => {
      await seed([
        { contractId: 480_000_001, items: [{ typeId: 587 }, { typeId: 439 }] },
        { contractId: 480_000_002, items: [{ typeId: 34 }], title: 'Minerals' },
        { contractId: 480_000_003, items: [{ typeId: 2048 }] },
      ]);
      // What an older version left behind: its own version number, stale item columns and fields.
      await db.db.execute(sql`UPDATE contracts SET enrichment_version = 0, search_text = '', primary_label = 'stale', primary_label_sort = 'stale'`);
      await db.db.execute(sql`UPDATE contract_items SET type_name = NULL`);
      await run();
      expect(requests('E2')).toEqual([]);
      const after = await rows<{ contract_id: string; enrichment_version: number; enrichment_status: string; primary_label: string; search_text: string }>(sql`
        SELECT contract_id, enrichment_version, enrichment_status, primary_label, search_text FROM contracts ORDER BY contract_id`);
      expect(after.map((c) => [c.enrichment_version, c.enrichment_status, c.primary_label])).toEqual([
        [ENRICHMENT_VERSION, 'complete', 'Rifter'],
        [ENRICHMENT_VERSION, 'complete', 'Tritanium'],
        [ENRICHMENT_VERSION, 'complete', 'Damage Control II'],
      ]);
      expect(after[1]!.search_text).toContain('tritanium');
      expect(await rows(sql`SELECT record_id FROM contract_items WHERE type_name IS NULL`)).toEqual([]);
    });

    it('a resolved end name relabels a courier; a learned category names the composition; landed items are searchable; each change bumps G (case 112)', { timeout: 90_000 }, async () => {
      await seed([
        { contractId: 490_000_001, type: 'courier', endLocationId: AMARR, row: { end_location_name: null, end_location_system_id: null, primary_label: 'Courier', primary_label_sort: 'courier' } },
      ]);
      let before = await generation();
      await run();
      expect(await contract(490_000_001)).toMatchObject({
        primary_label: 'Courier to Amarr VIII (Oris) - Emperor Family Academy',
        primary_label_sort: 'courier to amarr viii (oris) - emperor family academy',
      });
      expect(await generation()).toBeGreaterThan(before);

      await db.db.execute(sql`INSERT INTO esi_groups (group_id, name, category_id, fetched_at) VALUES (46, 'Propulsion Module', 7, now()), (60, 'Damage Control', 7, now())`);
      await seed([{ contractId: 490_000_002, items: [{ typeId: 439 }, { typeId: 2048 }] }]);
      await db.db.execute(sql`
        UPDATE contracts SET composition = '{"categories":[{"category_id":7,"name":null,"item_row_count":2}],"total_item_rows":2,"total_volume":null}'::jsonb
        WHERE contract_id = 490000002`);
      before = await generation();
      await run();
      expect(paths('E7')).toEqual(['/universe/categories/7']);
      expect((await contract(490_000_002)).composition).toEqual({ categories: [{ category_id: 7, name: 'Module', item_row_count: 1 + 1 }], total_item_rows: 2, total_volume: null });
      expect(await generation()).toBeGreaterThan(before);

      // Items landing through E2: the fake contract's first offered type name becomes searchable.
      const sde = loadSde();
      const landing = esi.control.universe.contractIds(FORGE).find((id) => {
        const row = esi.control.universe.contract(id)!;
        return row.type === 'item_exchange' && row.title === '' && esi.control.universe.items(id)!.some((item) => item.is_included === true)
          && Date.parse(String(row.date_expired)) > now().getTime() + 2 * DAY;
      })!;
      const offeredTypeId = Number(esi.control.universe.items(landing)!.find((item) => item.is_included === true)!.type_id);
      const offeredName = sde.types.find((type) => type.type_id === offeredTypeId)!.name;
      const app = await buildTestApp({ databaseUrl: db.url, now });
      try {
        await seed([{ contractId: 490_000_003, items: [unresolved(587)], title: '' }, { contractId: landing, items: null, title: '' }]);
        await app.caughtUp();
        const search = async (text: string) =>
          (await app.app.inject({ url: `/contracts?size=100&search=${encodeURIComponent(text)}` })).json<{ items: { contract_id: number }[] }>().items.map((c) => c.contract_id);
        expect(await search('rifter')).toEqual([]);
        expect(await search(offeredName)).toEqual([]);
        before = await generation();
        await run();
        await app.caughtUp();
        expect(await search('rifter')).toEqual([490_000_003]);
        expect(await search(offeredName)).toContain(landing);
        expect(await generation()).toBeGreaterThan(before);
      } finally {
        await app.close();
      }
    });
  });
});
