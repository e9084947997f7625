/**
 * AGGREGATION_REGION_IDS=all against the fake ESI's universe of every known-space region
 * (docs/extensions.md §1, cases 131–132): the region set comes from E8, filtered to known space,
 * with the database's and the static map's regions as fall-backs, and discovery goes first.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STATIC_KNOWN_SPACE_REGION_IDS } from '../../src/domain/eve-regions.js';
import { startFakeEsi, type FakeEsi, type FaultSpec } from '../fake-esi/index.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { buildTestSync, finishedRun, type TestSync } from '../support/sync.js';

const START = '2026-07-21T12:00:00Z';
const DAY_S = 86_400;
const ascending = (ids: Iterable<number>) => [...ids].sort((a, b) => a - b);

/** Every known-space region: The Forge with 200 contracts, the other 68 with 2 each. */
function allRegionsEsi(faults: FaultSpec[] = []): Promise<FakeEsi> {
  return startFakeEsi({ regions: 'all', contracts: 2, firstRegionContracts: 200, clock: 'virtual', startTime: START, alignPhase: true, seed: 3, faults });
}

function allRegionsSync(db: TestDatabase, esi: FakeEsi): TestSync {
  return buildTestSync({ databaseUrl: db.url, esiUrl: esi.url, env: { AGGREGATION_REGION_IDS: 'all' }, now: () => esi.control.now(), sleep: async () => {} });
}

const listedRegions = (esi: FakeEsi) => ascending(new Set(esi.control.requests({ route: 'E1' }).map((r) => r.regionId!)));
const warnings = (t: TestSync, message: string) => t.logs.filter((line) => line.msg === message);

describe('AGGREGATION_REGION_IDS=all, E8 answering', () => {
  let db: TestDatabase;
  let esi: FakeEsi;
  let t: TestSync;

  beforeAll(async () => {
    db = await createTestDatabase();
    esi = await allRegionsEsi();
    t = allRegionsSync(db, esi);
  });
  afterAll(async () => {
    await t?.close();
    await esi?.close();
    await db?.drop();
  });

  it('case 131/132: one E8 request, every known-space region swept and none beyond, every listing committed before the first E2', { timeout: 180_000 }, async () => {
    const universe = ascending(esi.control.universe.regionIds());
    expect(universe).toHaveLength(69);
    // E2 requests already sent each time a region's sweep had been recorded (after its commits).
    const itemRequestsAtSweepEnd: number[] = [];
    const result = await finishedRun(t, {
      trigger: 'cli',
      itemsBudgetMs: null,
      onProgress: (event) => {
        if (event.phase === 'discovery' && event.state === 'done') itemRequestsAtSweepEnd.push(esi.control.stats().routes.E2?.total ?? 0);
      },
    });
    expect(result.outcome).toBe('success');

    expect(esi.control.stats().routes.E8?.total).toBe(1);
    expect(listedRegions(esi)).toEqual(universe);
    expect(ascending(result.regions.map((r) => r.regionId))).toEqual(universe);
    const swept = await db.db.execute<{ region_id: string }>(sql`SELECT region_id FROM sync_regions WHERE last_snapshot_at IS NOT NULL ORDER BY region_id`);
    expect(swept.map((row) => Number(row.region_id))).toEqual(universe);
    const [{ n }] = (await db.db.execute<{ n: string }>(sql`SELECT count(*) AS n FROM contracts`)) as unknown as [{ n: string }];
    expect(Number(n)).toBe(universe.reduce((sum, regionId) => sum + esi.control.universe.contractIds(regionId).length, 0));

    // Discovery first (case 132): no items request before the last region's sweep committed.
    expect(itemRequestsAtSweepEnd).toHaveLength(69);
    expect(itemRequestsAtSweepEnd.every((count) => count === 0)).toBe(true);
    const listing = esi.control.requests({ route: 'E1' });
    const items = esi.control.requests({ route: 'E2' });
    expect(items.length).toBeGreaterThan(0);
    expect(Math.min(...items.map((r) => r.seq))).toBeGreaterThan(Math.max(...listing.map((r) => r.seq)));
    expect(esi.control.stats().early_polls_total).toBe(0);
  });

  it('the list is not asked for again before it expires (11:05 UTC), then once, conditionally', { timeout: 120_000 }, async () => {
    await finishedRun(t, { trigger: 'cli', skipItems: true });
    expect(esi.control.stats().routes.E8?.total).toBe(1);
    esi.control.advance(DAY_S);
    const result = await finishedRun(t, { trigger: 'cli', skipItems: true });
    const lists = esi.control.requests({ route: 'E8' });
    expect(lists).toHaveLength(2);
    expect(lists[0]!.headers['if-none-match']).toBeUndefined();
    // A 304 means the held list's ETag was sent and still matches.
    expect(lists[1]!.headers['if-none-match']).toMatch(/^".+"$/);
    expect(lists[1]!.status).toBe(304);
    expect(result.regions).toHaveLength(69);
  });

  it.each([
    ['garbage', '{"error":"garbage"}'],
    ['an empty list', '[]'],
    ['only wormhole and Abyssal regions', '[11000001,12000001]'],
  ])('E8 answering %s at a refresh keeps every region (one warning line)', { timeout: 120_000 }, async (_what, body) => {
    const warned = warnings(t, 'region list refresh failed, keeping the current set').length;
    esi.control.addFault({ kind: 'status', route: 'E8', status: 200, body, times: 1 });
    esi.control.advance(DAY_S);
    const result = await finishedRun(t, { trigger: 'cli', skipItems: true });
    expect(esi.control.requests({ route: 'E8' }).at(-1)!.faults).toEqual(['status']);
    expect(result.regions).toHaveLength(69);
    expect((await t.container.status.snapshot()).configuredRegionIds).toHaveLength(69);
    expect(warnings(t, 'region list refresh failed, keeping the current set')).toHaveLength(warned + 1);
  });
});

describe('AGGREGATION_REGION_IDS=all, E8 failing at start', () => {
  const failing: FaultSpec[] = [{ kind: 'status', route: 'E8', status: 503 }];
  let esi: FakeEsi;
  const opened: { close(): Promise<void> }[] = [];

  beforeAll(async () => {
    esi = await allRegionsEsi(failing);
  });
  afterAll(async () => {
    for (const resource of opened.reverse()) await resource.close();
    await esi?.close();
  });

  async function fresh() {
    const db = await createTestDatabase();
    opened.push({ close: () => db.drop() });
    const t = allRegionsSync(db, esi);
    opened.push(t);
    esi.control.resetStats();
    return { db, t };
  }

  it('case 131: with an empty database, the static map\'s known-space regions are swept', { timeout: 120_000 }, async () => {
    const { t } = await fresh();
    const result = await finishedRun(t, { trigger: 'cli', skipItems: true });
    expect(esi.control.stats().routes.E8?.by_status).toEqual({ 503: 3 });
    expect(warnings(t, 'region list unavailable, using the static map')).toHaveLength(1);
    expect(ascending(result.regions.map((r) => r.regionId))).toEqual(STATIC_KNOWN_SPACE_REGION_IDS);
    expect(listedRegions(esi)).toEqual(STATIC_KNOWN_SPACE_REGION_IDS);
    expect(result.outcome).toBe('success');
  });

  it('with a database that has swept regions, those known-space regions are swept', { timeout: 120_000 }, async () => {
    const { db, t } = await fresh();
    await db.db.execute(sql`
      INSERT INTO sync_regions (region_id, last_snapshot_at, updated_at) VALUES
        (10000043, '2026-07-01T00:00:00Z', now()), (10000030, '2026-07-01T00:00:00Z', now()),
        (11000001, '2026-07-01T00:00:00Z', now()), (10000032, NULL, now())`);
    const result = await finishedRun(t, { trigger: 'cli', skipItems: true });
    expect(warnings(t, "region list unavailable, using the database's swept regions")).toHaveLength(1);
    expect(ascending(result.regions.map((r) => r.regionId))).toEqual([10000030, 10000043]);
    expect(listedRegions(esi)).toEqual([10000030, 10000043]);
  });
});
