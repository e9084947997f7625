import { sql, type SQL } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startFakeEsi, type FakeEsi } from '../fake-esi/index.js';
import { buildTestApp, type TestApp } from '../support/app.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { insertContracts, JITA, STATIONS, type ContractSpec } from '../support/fixtures.js';
import { createReadModelRepository } from '../../src/repositories/read-model.repository.js';
import { buildTestSync, type TestSync } from '../support/sync.js';

// Retention (docs/sync.md §5.8): phase (e) of every run, RETENTION_DAYS = 30, PRICE_HISTORY_DAYS = 90, with an injected clock.
const NOW = new Date('2026-07-21T12:00:00Z');
const DAY = 86_400_000;
const ago = (days: number) => new Date(NOW.getTime() - days * DAY);
const SINQ_LAISON = 10000032;

describe('retention (docs/sync.md §5.8)', () => {
  let db: TestDatabase;
  let esi: FakeEsi;
  let t: TestSync;
  let app: TestApp;

  const rows = async <T extends Record<string, unknown>>(query: SQL) => [...(await db.db.execute<T>(query))];
  const generation = async () => Number((await rows<{ g: string }>(sql`SELECT generation AS g FROM sync_state`))[0]!.g);
  const storedIds = async () => (await rows<{ id: string }>(sql`SELECT contract_id AS id FROM contracts ORDER BY 1`)).map((r) => Number(r.id));
  /** A run that sweeps nothing and has no items or names to fetch: only retention can change data. */
  const run = async () => {
    const result = await t.sync.runner.run({ trigger: 'cli', itemsBudgetMs: null, regions: [] });
    expect(result.kind === 'finished' && result.outcome).toBe('success');
  };

  beforeAll(async () => {
    db = await createTestDatabase();
    esi = await startFakeEsi({ regions: 1, contracts: 0 });
    t = buildTestSync({ databaseUrl: db.url, esiUrl: esi.url, env: { RETENTION_DAYS: '30', PRICE_HISTORY_DAYS: '90' }, now: () => NOW, sleep: async () => {} });
    app = await buildTestApp({ databaseUrl: db.url, now: () => NOW });
    // Names of the fixture contracts are cached and already stored: phase (b) changes nothing.
    await db.db.execute(sql`
      INSERT INTO esi_names (id, name, category, expires_at, unresolvable, fetched_at) VALUES
        (90000001, 'Pilot A', 'character', '2100-01-01T00:00:00Z', false, now()),
        (98000001, 'Corp A', 'corporation', '2100-01-01T00:00:00Z', false, now()),
        (${JITA}, ${STATIONS[JITA]!.name}, 'station', NULL, false, now())`);
  });
  afterAll(async () => {
    await app?.close();
    await t?.close();
    await esi?.close();
    await db?.drop();
  });
  beforeEach(async () => {
    await db.db.execute(sql`DELETE FROM contracts`);
    await db.db.execute(sql`DELETE FROM sync_runs`);
    await db.db.execute(sql`DELETE FROM price_observations`);
  });

  it('closed 31 days ago → deleted with its items (detail 404); closed 29 days ago → kept; expired 31 days ago in an unconfigured region → deleted (case 121)', async () => {
    const specs: ContractSpec[] = [
      { contractId: 500_000_001, closedAt: ago(31), dateIssued: ago(40), dateExpired: ago(20), items: [{ typeId: 587 }, { typeId: 34 }] },
      { contractId: 500_000_002, closedAt: ago(29), dateIssued: ago(40), dateExpired: ago(20), items: [{ typeId: 587 }] },
      { contractId: 500_000_003, regionId: SINQ_LAISON, dateIssued: ago(50), dateExpired: ago(31), items: [{ typeId: 34 }] },
      { contractId: 500_000_004, regionId: SINQ_LAISON, dateIssued: ago(50), dateExpired: ago(29), items: [{ typeId: 34 }] },
      { contractId: 500_000_005, items: [{ typeId: 439 }] },
    ];
    await insertContracts(db.db, specs, NOW);
    expect((await app.app.inject({ url: '/contracts/500000001' })).statusCode).toBe(200);
    const before = await generation();

    await run();
    await app.caughtUp();
    expect(await storedIds()).toEqual([500_000_002, 500_000_004, 500_000_005]);
    expect(await rows(sql`SELECT record_id FROM contract_items WHERE contract_id IN (500000001, 500000003)`)).toEqual([]);
    expect((await app.app.inject({ url: '/contracts/500000001' })).statusCode).toBe(404);
    expect((await app.app.inject({ url: '/contracts/500000003' })).statusCode).toBe(404);
    expect((await app.app.inject({ url: '/contracts/500000002' })).statusCode).toBe(200);
    expect(await generation()).toBe(before + 1);
    expect(esi.control.stats().total).toBe(0);
  });

  it('2,500 eligible contracts → deleted in 3 transactions, G +3 (case 121)', { timeout: 90_000 }, async () => {
    const specs: ContractSpec[] = Array.from({ length: 2500 }, (_, i) => ({
      contractId: 510_000_000 + i, closedAt: ago(31 + (i % 5)), dateIssued: ago(45), dateExpired: ago(20), items: [{ typeId: 34 }],
    }));
    specs.push({ contractId: 519_999_999, items: [{ typeId: 34 }] });
    await insertContracts(db.db, specs, NOW);
    const before = await generation();
    await run();
    expect(await storedIds()).toEqual([519_999_999]);
    expect(await generation()).toBe(before + 3);
    const deleted = t.logs.filter((line) => line.msg === 'retention deleted old contracts').at(-1);
    expect(deleted).toMatchObject({ deleted: 2500 });
  });

  it('price observations outlive their contracts; those closed more than PRICE_HISTORY_DAYS days ago are deleted (G +1)', async () => {
    await insertContracts(db.db, [
      { contractId: 520_000_001, closedAt: ago(31), closeReason: 'gone_early', dateIssued: ago(40), dateExpired: ago(20), price: 500_000, items: [{ typeId: 587 }] },
      { contractId: 520_000_002, closedAt: ago(31), closeReason: 'expired', dateIssued: ago(40), dateExpired: ago(31), price: 900_000, items: [{ typeId: 587 }] },
    ], NOW);
    const day = (days: number) => ago(days).toISOString().slice(0, 10);
    await db.db.execute(sql`
      INSERT INTO price_observations (contract_id, type_id, region_id, closed_day, kind, unit_price, quantity) VALUES
        (520000001, 587, 10000002, ${day(31)}::date, 'gone_early', 500000, 1),
        (520000002, 587, 10000002, ${day(31)}::date, 'expired', 900000, 1),
        (520000003, 587, 10000002, ${day(90)}::date, 'expired', 700000, 1),
        (520000004, 587, 10000002, ${day(91)}::date, 'gone_early', 600000, 1)`);
    const before = await generation();

    await run();
    // The contracts are gone (G +1), their observations are not; the one 91 days old is (G +1).
    expect(await storedIds()).toEqual([]);
    const kept = await rows<{ id: string }>(sql`SELECT contract_id AS id FROM price_observations ORDER BY 1`);
    expect(kept.map((r) => Number(r.id))).toEqual([520_000_001, 520_000_002, 520_000_003]);
    expect(await generation()).toBe(before + 2);
    expect(t.logs.filter((line) => line.msg === 'retention deleted old price observations').at(-1)).toMatchObject({ deleted: 1 });
  });

  it('run records older than 90 days are deleted, younger ones kept (case 121)', async () => {
    await db.db.execute(sql`
      INSERT INTO sync_runs (scope, trigger, started_at, finished_at, outcome) VALUES
        ('run', 'schedule', ${ago(91).toISOString()}::timestamptz, ${ago(91).toISOString()}::timestamptz, 'success'),
        ('run', 'schedule', ${ago(89).toISOString()}::timestamptz, ${ago(89).toISOString()}::timestamptz, 'success')`);
    const before = await generation();
    await run();
    const runs = await rows<{ started_at: string }>(sql`SELECT started_at::text FROM sync_runs ORDER BY started_at`);
    expect(runs.map((r) => new Date(r.started_at).getTime())).toEqual([ago(89).getTime(), NOW.getTime()]);
    // Run records are not API data: no generation change.
    expect(await generation()).toBe(before);
  });

  it('change-log rows older than an hour (database clock) are pruned and the floor raised: a read model whose snapshot predates them reloads in full', async () => {
    const model = createReadModelRepository();
    const snapshot = async () => (await model.mark(db.db)).snapshot;
    const before = await snapshot();
    await db.db.execute(sql`INSERT INTO contract_changes (contract_id, changed_at) VALUES (1, now() - interval '2 hours')`);
    const between = await snapshot();
    await db.db.execute(sql`INSERT INTO contract_changes (contract_id, changed_at) VALUES (2, now() - interval '10 minutes')`);
    expect(await model.bridges(db.db, before)).toBe(true);

    await run();
    const left = await rows<{ contract_id: string }>(sql`SELECT contract_id FROM contract_changes WHERE contract_id IN (1, 2)`);
    expect(left.map((r) => Number(r.contract_id))).toEqual([2]);
    // A model that last read at `before` could miss change 1: it must reload; one at `between` catches up.
    expect(await model.bridges(db.db, before)).toBe(false);
    expect(await model.bridges(db.db, between)).toBe(true);
    expect(await model.changedSince(db.db, between)).toContain(2);
  });
});
