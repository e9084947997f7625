import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeEsi, type FakeEsi } from '../fake-esi/index.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { buildTestSync, type TestSync } from '../support/sync.js';

describe('sync against the fake ESI', () => {
  let db: TestDatabase;
  let esi: FakeEsi;
  let t: TestSync;

  beforeAll(async () => {
    db = await createTestDatabase();
    esi = await startFakeEsi({ regions: 2, contracts: 100, firstRegionContracts: 400, seed: 7 });
    t = buildTestSync({ databaseUrl: db.url, esiUrl: esi.url, env: { AGGREGATION_REGION_IDS: '10000002,10000043' } });
  });
  afterAll(async () => {
    await t?.close();
    await esi?.close();
    await db?.drop();
  });

  it('first sync stores every listed contract with items, names, systems and ship flags (cases 87, 101, 109, 114)', { timeout: 120_000 }, async () => {
    const result = await t.sync.runner.run({ trigger: 'cli', itemsBudgetMs: null });
    expect(result.kind).toBe('finished');
    if (result.kind !== 'finished') return;
    expect(result.outcome).toBe("success");

    const listed = [...esi.control.universe.contractIds(10000002), ...esi.control.universe.contractIds(10000043)];
    const [{ n }] = (await db.db.execute<{ n: string }>(sql`SELECT count(*) AS n FROM contracts`)) as unknown as [{ n: string }];
    expect(Number(n)).toBe(listed.length);

    const pending = await db.db.execute<{ n: string }>(sql`
      SELECT count(*) AS n FROM contracts WHERE type IN ('item_exchange','auction') AND items_status = 'pending' AND date_expired > now()`);
    expect(Number(pending[0]!.n)).toBe(0);
    const unnamed = await db.db.execute<{ n: string }>(sql`SELECT count(*) AS n FROM contracts WHERE issuer_name IS NULL`);
    expect(Number(unnamed[0]!.n)).toBe(0);
    const unresolvedStations = await db.db.execute<{ n: string }>(sql`
      SELECT count(*) AS n FROM contracts WHERE start_location_id BETWEEN 60000000 AND 63999999 AND start_location_system_id IS NULL`);
    expect(Number(unresolvedStations[0]!.n)).toBe(0);
    const incomplete = await db.db.execute<{ n: string }>(sql`SELECT count(*) AS n FROM contracts WHERE items_status = 'fetched' AND enrichment_status <> 'complete'`);
    expect(Number(incomplete[0]!.n)).toBe(0);

    const runs = await db.db.execute<{ scope: string; outcome: string; region_id: string | null }>(sql`SELECT scope, outcome, region_id FROM sync_runs ORDER BY id`);
    expect(runs.filter((r) => r.scope === 'run')).toHaveLength(1);
    expect(runs.filter((r) => r.scope === 'region').map((r) => Number(r.region_id)).sort()).toEqual([10000002, 10000043]);
    expect(esi.control.stats().manners_violations).toBe(0);
  });

  it('a second run with nothing due makes no ESI request and changes no generation (cases 78, 101, 116)', async () => {
    const before = await db.db.execute<{ generation: string }>(sql`SELECT generation FROM sync_state`);
    const requestsBefore = esi.control.stats().total;
    const result = await t.sync.runner.run({ trigger: 'cli', itemsBudgetMs: null });
    expect(result.kind === 'finished' && result.outcome).toBe('success');
    expect(esi.control.stats().total).toBe(requestsBefore);
    const after = await db.db.execute<{ generation: string }>(sql`SELECT generation FROM sync_state`);
    expect(after[0]!.generation).toBe(before[0]!.generation);
  });

  it('--refresh-universe refetches cached types, groups and categories and re-enriches with no item refetch (docs/sync.md §5.5, §6)', { timeout: 120_000 }, async () => {
    esi.control.resetStats();
    const result = await t.sync.runner.run({ trigger: 'cli', itemsBudgetMs: null, refreshUniverse: true });
    expect(result.kind === 'finished' && result.outcome).toBe('success');
    const routes = esi.control.stats().routes;
    const typeIds = await db.db.execute<{ n: string }>(sql`SELECT count(DISTINCT type_id) AS n FROM contract_items`);
    expect(routes.E5?.total).toBe(Number(typeIds[0]!.n));
    expect(routes.E6?.total ?? 0).toBeGreaterThan(0);
    expect(routes.E7?.total ?? 0).toBeGreaterThan(0);
    expect(routes.E2?.total ?? 0).toBe(0);
    const stale = await db.db.execute<{ n: string }>(sql`
      SELECT count(*) AS n FROM contracts WHERE items_status = 'fetched' AND (enrichment_version = 0 OR enrichment_status <> 'complete')`);
    expect(Number(stale[0]!.n)).toBe(0);

    // The next run is back to normal: nothing is refetched.
    esi.control.resetStats();
    await t.sync.runner.run({ trigger: 'cli', itemsBudgetMs: null });
    expect(esi.control.stats().routes.E5?.total ?? 0).toBe(0);
  });
});
