// Closure reasons and price observations (extensions §4.1, case 139) against the fake ESI over
// loopback, on a real PostgreSQL: the reason of every closure, one observation per closed single-type
// offer, none for a held sweep, none left behind by a reopening, never two for one contract.
import { sql } from 'drizzle-orm';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSyncWriteRepository } from '../../src/repositories/sync-write.repository.js';
import { createPriceObservationsRepository } from '../../src/repositories/price-observations.repository.js';
import { closeRegion } from '../../src/sync/discovery.js';
import { emptyRegionCounters } from '../../src/sync/model.js';
import { startFakeEsi, type FakeEsi } from '../fake-esi/index.js';
import { createTestDatabase, queryHelpers, type TestDatabase } from '../support/database.js';
import { insertContracts, JITA, STATIONS, type ContractSpec } from '../support/fixtures.js';
import { CORP, ISSUER, row } from '../support/listing-rows.js';
import { buildTestSync, discoverOnly, finishedRun, type TestSync } from '../support/sync.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const RIFTER = 587;
const TRITANIUM = 34;
const CARACAL_BPC = 687;

interface ObservationRow {
  contract_id: string;
  type_id: string;
  region_id: string;
  closed_day: string;
  kind: string;
  unit_price: number;
  quantity: string;
  is_blueprint_copy: boolean;
  runs: number | null;
  material_efficiency: number | null;
  time_efficiency: number | null;
}

describe('closure reasons and price observations (case 139)', () => {
  let db: TestDatabase;
  let esi: FakeEsi;
  let t: TestSync;

  beforeAll(async () => {
    db = await createTestDatabase();
    esi = await startFakeEsi({ clock: 'virtual', startTime: '2026-07-21T12:00:00Z', regions: 1, contracts: 0, seed: 139 });
    esi.control.setName(ISSUER, 'Pilot A', 'character');
    esi.control.setName(CORP, 'Corp A', 'corporation');
    esi.control.setName(JITA, STATIONS[JITA]!.name, 'station');
    const sleep = async (ms: number) => void esi.control.advance(Math.ceil(ms / 1000));
    t = buildTestSync({ databaseUrl: db.url, esiUrl: esi.url, now: () => esi.control.now(), sleep });
  });
  afterAll(async () => {
    await t?.close();
    await esi?.close();
    await db?.drop();
  });

  const now = () => Math.floor(esi.control.now().getTime() / 1000) * 1000;
  const { q, one, count } = queryHelpers(() => db);
  const observations = (where = sql`true`) => q<ObservationRow>(sql`
    SELECT contract_id::text, type_id::text, region_id::text, closed_day::text, kind, unit_price, quantity::text,
           is_blueprint_copy, runs, material_efficiency, time_efficiency
    FROM price_observations WHERE ${where} ORDER BY contract_id`);
  const reasons = async (region: number) =>
    Object.fromEntries(
      (await q<{ id: string; reason: string | null }>(sql`
        SELECT contract_id::text AS id, close_reason AS reason FROM contracts WHERE region_id = ${region} ORDER BY contract_id`)).map((r) => [r.id, r.reason]),
    );
  /** Contracts stored as a sync would have left them (items fetched), open and last seen an hour ago. */
  const store = (region: number, specs: ContractSpec[]) => insertContracts(db.db, specs.map((spec) => ({ regionId: region, ...spec })), new Date(now()));
  /** A complete sweep of `region` at `at` listing only `listed`, once the region is due. */
  async function sweep(region: number, listed: number[], at: number) {
    const due = await q<{ next: number }>(sql`SELECT extract(epoch FROM next_poll_at)::float8 * 1000 AS next FROM sync_regions WHERE region_id = ${region}`);
    esi.control.advance(Math.max(0, Math.ceil(((due[0]?.next ?? 0) - esi.control.now().getTime()) / 1000)));
    esi.control.setRows(region, listed.map((id) => row(id, at)), { lastModified: at });
    return discoverOnly(t, [region]);
  }

  it('gone 2 days before expiry → gone_early, after expiry → expired, the 10-minute boundary, one observation per single-type offer', async () => {
    const R = 10000301;
    const T = now() + HOUR;
    const id = (k: number) => 301_000_000 + k;
    await store(R, [
      // Vanishes two days before its expiry: accepted or withdrawn.
      { contractId: id(1), price: 600_000, dateExpired: new Date(T + 2 * DAY), items: [{ typeId: RIFTER }] },
      // Vanishes after its expiry.
      { contractId: id(2), price: 2_000_000, dateExpired: new Date(T - HOUR), items: [{ typeId: RIFTER, quantity: 4 }] },
      // T = date_expired − 10 min exactly → expired; one second earlier in its life → gone early.
      { contractId: id(3), price: 5_000, dateExpired: new Date(T + 10 * MINUTE), items: [{ typeId: TRITANIUM, quantity: 1000 }] },
      { contractId: id(4), price: 7_000, dateExpired: new Date(T + 10 * MINUTE + 1000), items: [{ typeId: TRITANIUM, quantity: 500 }, { typeId: TRITANIUM, quantity: 500 }] },
      // Closed, but no single-type offer: two types, a requested item, items unknown, a courier, no price.
      { contractId: id(5), dateExpired: new Date(T + DAY), items: [{ typeId: RIFTER }, { typeId: TRITANIUM }] },
      { contractId: id(6), dateExpired: new Date(T + DAY), items: [{ typeId: RIFTER }, { typeId: RIFTER, isIncluded: false }] },
      { contractId: id(7), dateExpired: new Date(T + DAY), items: null },
      { contractId: id(8), type: 'courier', reward: 1_000_000, dateExpired: new Date(T + DAY) },
      { contractId: id(9), price: null, dateExpired: new Date(T + DAY), items: [{ typeId: RIFTER }] },
      // Two copies of one blueprint with different terms: one offer, the terms both copies at least have.
      {
        contractId: id(10), price: 3_000_000, dateExpired: new Date(T + DAY),
        items: [
          { typeId: CARACAL_BPC, isBlueprintCopy: true, runs: 10, me: 10, te: 20 },
          { typeId: CARACAL_BPC, isBlueprintCopy: true, runs: 20, me: 8, te: 20 },
        ],
      },
      // Still listed.
      { contractId: id(11), dateExpired: new Date(T + DAY), items: [{ typeId: RIFTER }] },
    ]);
    esi.control.advance((T - now()) / 1000);

    const result = await sweep(R, [id(11)], T);
    expect(result.regions).toEqual([{ regionId: R, outcome: 'success', detail: null }]);
    expect(await reasons(R)).toEqual({
      [id(1)]: 'gone_early', [id(2)]: 'expired', [id(3)]: 'expired', [id(4)]: 'gone_early', [id(5)]: 'gone_early',
      [id(6)]: 'gone_early', [id(7)]: 'gone_early', [id(8)]: 'gone_early', [id(9)]: 'gone_early', [id(10)]: 'gone_early', [id(11)]: null,
    });
    const day = new Date(T).toISOString().slice(0, 10);
    const observed = (k: number, fields: Partial<ObservationRow>): ObservationRow => ({
      contract_id: String(id(k)), type_id: String(RIFTER), region_id: String(R), closed_day: day, kind: 'gone_early', unit_price: 0, quantity: '1',
      is_blueprint_copy: false, runs: null, material_efficiency: null, time_efficiency: null, ...fields,
    });
    expect(await observations(sql`region_id = ${R}`)).toEqual([
      observed(1, { unit_price: 600_000 }),
      observed(2, { kind: 'expired', unit_price: 500_000, quantity: '4' }),
      observed(3, { type_id: String(TRITANIUM), kind: 'expired', unit_price: 5, quantity: '1000' }),
      observed(4, { type_id: String(TRITANIUM), unit_price: 7, quantity: '1000' }),
      observed(10, { type_id: String(CARACAL_BPC), unit_price: 1_500_000, quantity: '2', is_blueprint_copy: true, runs: 10, material_efficiency: 8, time_efficiency: 20 }),
    ]);
  });

  it('a mass-drop-guarded sweep closes nothing and records neither reason nor observation', async () => {
    const R = 10000302;
    const T = now() + HOUR;
    const ids = Array.from({ length: 100 }, (_, k) => 302_000_000 + k);
    await store(R, ids.map((contractId, k) => ({
      contractId, price: 1_000_000, dateExpired: new Date(k % 2 === 0 ? T - HOUR : T + 2 * DAY), items: [{ typeId: RIFTER }],
    })));
    esi.control.advance((T - now()) / 1000);

    const held = await sweep(R, ids.slice(0, 9), T);
    expect(held.regions).toEqual([{ regionId: R, outcome: 'partial', detail: 'held' }]);
    expect(await count(sql`region_id = ${R} AND (closed_at IS NOT NULL OR close_reason IS NOT NULL)`)).toBe(0);
    expect(await observations(sql`region_id = ${R}`)).toEqual([]);
  });

  it('a contract listed again is reopened and its observation deleted in the same transaction; closed again, it has one', async () => {
    const R = 10000303;
    const [a, b] = [303_000_001, 303_000_002];
    const T1 = now() + HOUR;
    await store(R, [
      { contractId: a, price: 800_000, dateExpired: new Date(T1 + 3 * DAY), items: [{ typeId: RIFTER }] },
      { contractId: b, price: 900_000, dateExpired: new Date(T1 + 3 * DAY), items: [{ typeId: RIFTER }] },
    ]);
    esi.control.advance((T1 - now()) / 1000);
    await sweep(R, [b], T1);
    expect((await observations(sql`region_id = ${R}`)).map((o) => [o.contract_id, o.kind])).toEqual([[String(a), 'gone_early']]);

    const T2 = T1 + 30 * MINUTE;
    esi.control.advance((T2 - now()) / 1000);
    const reopened = await sweep(R, [a, b], T2);
    expect(reopened.regions).toEqual([{ regionId: R, outcome: 'success', detail: null }]);
    expect(await reasons(R)).toEqual({ [a]: null, [b]: null });
    expect(await observations(sql`region_id = ${R}`)).toEqual([]);
    // The reopening and the deletion are one statement, so one transaction.
    expect(await one<{ same: boolean }>(sql`
      SELECT (SELECT xmin::text FROM contracts WHERE contract_id = ${a}) = (SELECT xmin::text FROM contracts WHERE contract_id = ${b}) AS same`)).toEqual({ same: true });

    const T3 = T2 + 2 * DAY + 30 * MINUTE;
    esi.control.advance((T3 - now()) / 1000);
    await sweep(R, [b], T3);
    expect((await observations(sql`region_id = ${R}`)).map((o) => [o.contract_id, o.kind, o.closed_day])).toEqual([
      [String(a), 'gone_early', new Date(T3).toISOString().slice(0, 10)],
    ]);
  });

  it('idempotent: a closure rerun (superseded), a crash before the closure commits and a second seed-style pass write one observation per contract', async () => {
    const R = 10000304;
    const ids = Array.from({ length: 30 }, (_, k) => 304_000_000 + k);
    const T1 = now() + HOUR;
    await store(R, ids.map((contractId, k) => ({
      contractId, price: 100_000 * (k + 1), dateExpired: new Date(k % 3 === 0 ? T1 - MINUTE : T1 + DAY), items: [{ typeId: RIFTER, quantity: 2 }],
    })));
    esi.control.advance((T1 - now()) / 1000);

    await db.db.execute(sql.raw(`
      CREATE FUNCTION test_crash_at_closure() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.region_id = ${R} AND NEW.last_snapshot_at IS DISTINCT FROM OLD.last_snapshot_at THEN RAISE EXCEPTION 'simulated crash'; END IF;
        RETURN NEW;
      END $$;
      CREATE TRIGGER test_crash_at_closure BEFORE UPDATE ON sync_regions FOR EACH ROW EXECUTE FUNCTION test_crash_at_closure();`));
    try {
      const crashed = await sweep(R, ids.slice(0, 10), T1);
      expect(crashed.regions).toEqual([expect.objectContaining({ regionId: R, outcome: 'failure' })]);
      expect(await count(sql`region_id = ${R} AND closed_at IS NOT NULL`)).toBe(0);
      expect(await observations(sql`region_id = ${R}`)).toEqual([]);
    } finally {
      await db.db.execute(sql`DROP TRIGGER test_crash_at_closure ON sync_regions; DROP FUNCTION test_crash_at_closure()`);
    }

    // The next sweep of the same snapshot converges; the closure of that snapshot run again is superseded.
    expect((await sweep(R, ids.slice(0, 10), T1)).regions).toEqual([{ regionId: R, outcome: 'success', detail: null }]);
    const deps = { db: db.db, repo: createSyncWriteRepository(), now: () => esi.control.now(), logger: pino({ level: 'silent' }) };
    expect(await closeRegion(deps, R, ids.slice(0, 10), new Date(T1), 1, false, null, emptyRegionCounters())).toBe('superseded');
    // The seed's path over contracts already observed adds nothing.
    expect(await db.db.transaction((tx) => createPriceObservationsRepository().observeClosed(tx, ids))).toBe(0);

    const written = await observations(sql`region_id = ${R}`);
    expect(written.map((o) => Number(o.contract_id))).toEqual(ids.slice(10));
    for (const o of written) {
      const k = Number(o.contract_id) - ids[0]!;
      expect([o.kind, o.unit_price, o.quantity]).toEqual([k % 3 === 0 ? 'expired' : 'gone_early', (100_000 * (k + 1)) / 2, '2']);
    }
  });
});

describe('fake ESI churn writes both reasons end to end (case 139)', () => {
  let db: TestDatabase;
  let esi: FakeEsi;
  let t: TestSync;
  const R = 10000002;

  beforeAll(async () => {
    db = await createTestDatabase();
    esi = await startFakeEsi({ clock: 'virtual', startTime: '2026-07-21T12:00:00Z', alignPhase: true, regions: 1, contracts: 400, seed: 1139 });
    const sleep = async (ms: number) => void esi.control.advance(Math.ceil(ms / 1000));
    t = buildTestSync({ databaseUrl: db.url, esiUrl: esi.url, now: () => esi.control.now(), sleep });
  });
  afterAll(async () => {
    await t?.close();
    await esi?.close();
    await db?.drop();
  });

  const { q } = queryHelpers(() => db);

  it('listing regenerations drop expired contracts (expired) and accepted or withdrawn ones (gone_early); observations exactly for the closed single-type offers', { timeout: 120_000 }, async () => {
    const run = () => finishedRun(t, { trigger: 'cli', itemsBudgetMs: null, skipItems: false, regions: [R] });
    await run();
    // Twelve listing periods of churn (2 % each) and expiries, seen by one sweep.
    esi.control.advance(6 * 3600);
    await run();

    const closed = await q<{ id: string; reason: string; closed: number; expires: number }>(sql`
      SELECT contract_id::text AS id, close_reason AS reason, extract(epoch FROM closed_at)::float8 * 1000 AS closed,
             extract(epoch FROM date_expired)::float8 * 1000 AS expires
      FROM contracts WHERE closed_at IS NOT NULL`);
    for (const c of closed) expect(c.reason, c.id).toBe(c.closed >= c.expires - 10 * MINUTE ? 'expired' : 'gone_early');
    expect(closed.filter((c) => c.reason === 'expired').length).toBeGreaterThan(0);
    expect(closed.filter((c) => c.reason === 'gone_early').length).toBeGreaterThan(0);

    // The single-type offers among them, decided here from the stored items, independently of the SQL.
    const stored = await q<{ id: string; type: string; price: number | null; items_status: string; items: { type_id: number; quantity: number; is_included: boolean }[] | null }>(sql`
      SELECT c.contract_id::text AS id, c.type, c.price, c.items_status,
             (SELECT json_agg(json_build_object('type_id', i.type_id, 'quantity', i.quantity, 'is_included', i.is_included))
              FROM contract_items i WHERE i.contract_id = c.contract_id) AS items
      FROM contracts c WHERE c.closed_at IS NOT NULL ORDER BY c.contract_id`);
    const expected = stored.flatMap((c) => {
      const items = c.items ?? [];
      const single = c.type === 'item_exchange' && c.items_status === 'fetched' && c.price !== null && items.length > 0 &&
        items.every((i) => i.is_included && i.type_id === items[0]!.type_id);
      if (!single) return [];
      const quantity = items.reduce((sum, i) => sum + i.quantity, 0);
      return [{ id: c.id, type: String(items[0]!.type_id), unit: c.price! / quantity, kind: closed.find((x) => x.id === c.id)!.reason }];
    });
    expect(expected.length).toBeGreaterThan(0);
    const written = await q<{ id: string; type: string; unit: number; kind: string }>(sql`
      SELECT contract_id::text AS id, type_id::text AS type, unit_price AS unit, kind FROM price_observations ORDER BY contract_id`);
    expect(written).toEqual(expected);
  });
});
