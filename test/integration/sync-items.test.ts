import { sql, type SQL } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startFakeEsi, type FakeEsi } from '../fake-esi/index.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { AMARR, insertContracts, JITA, STATIONS, type ContractSpec } from '../support/fixtures.js';
import { buildTestSync, type TestSync } from '../support/sync.js';

// Items queue (docs/sync.md §5.4) against the fake ESI on a virtual clock that the sync shares.
const FORGE = 10000002;
const DOMAIN = 10000043;
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

describe('items queue (docs/sync.md §5.4)', () => {
  let db: TestDatabase;
  let esi: FakeEsi;
  let t: TestSync;

  const rows = async <T extends Record<string, unknown>>(query: SQL) => [...(await db.db.execute<T>(query))];
  const now = () => esi.control.now();
  const run = (options: { regions?: number[]; itemsBudgetMs?: number | null; trigger?: 'cli' | 'schedule' } = {}, sync: TestSync = t) =>
    sync.sync.runner.run({ trigger: options.trigger ?? 'cli', itemsBudgetMs: options.itemsBudgetMs ?? null, regions: options.regions });
  /** Phases (b)–(e) only: no region is swept, the queue is whatever the test seeded. */
  const runQueue = (options: { itemsBudgetMs?: number | null; trigger?: 'cli' | 'schedule' } = {}, sync: TestSync = t) =>
    run({ ...options, regions: [] }, sync);
  /** Request log position at the start of the current test: tests reuse the fake's contracts. */
  let baseline = 0;
  const e2For = (ids: readonly number[], since = baseline) =>
    esi.control.requests({ route: 'E2', since }).filter((r) => r.contractId !== undefined && ids.includes(r.contractId));
  const lastSeq = () => esi.control.requests().at(-1)?.seq ?? 0;
  const contract = async (id: number) =>
    (
      await rows<{ items_status: string; items_http_status: number | null; items_attempts: number; items_next_attempt_at: Date | string | null; closed_at: unknown; n: string }>(sql`
        SELECT items_status, items_http_status, items_attempts, items_next_attempt_at, closed_at,
               (SELECT count(*) FROM contract_items i WHERE i.contract_id = c.contract_id) AS n
        FROM contracts c WHERE contract_id = ${id}`)
    )[0]!;
  const ms = (value: Date | string | null) => (value === null ? null : new Date(value).getTime());

  /** Item-bearing contracts the fake lists in The Forge that stay live for days. */
  function fakeItemContracts(count: number): number[] {
    const horizon = now().getTime() + 3 * DAY;
    const ids = esi.control.universe.contractIds(FORGE).filter((id) => {
      const row = esi.control.universe.contract(id)!;
      return (row.type === 'item_exchange' || row.type === 'auction') && Date.parse(String(row.date_expired)) > horizon;
    });
    if (ids.length < count) throw new Error(`fake ESI lists only ${ids.length} suitable contracts`);
    return ids.slice(0, count);
  }
  /** Pending contracts in the database under ids the fake knows (names and systems pre-resolved). */
  const seedPending = (ids: readonly number[], extra: (id: number, index: number) => Partial<ContractSpec> = () => ({})) =>
    insertContracts(db.db, ids.map((contractId, index) => ({ contractId, items: null, ...extra(contractId, index) })), now());

  async function unavailableMetric(status: number): Promise<number> {
    const text = await t.container.metrics.registry.metrics();
    const match = new RegExp(`^hangar_bay_items_unavailable_total\\{status="${status}"\\} (\\d+)$`, 'm').exec(text);
    return match ? Number(match[1]) : 0;
  }

  /** Case 105: item rows exist exactly for `fetched` contracts. */
  async function expectItemsConsistent(): Promise<void> {
    const broken = await rows<{ contract_id: string }>(sql`
      SELECT contract_id FROM contracts c
      WHERE (items_status = 'fetched') <> EXISTS (SELECT 1 FROM contract_items i WHERE i.contract_id = c.contract_id)`);
    expect(broken).toEqual([]);
  }

  beforeAll(async () => {
    db = await createTestDatabase();
    esi = await startFakeEsi({
      clock: 'virtual', startTime: '2026-07-21T12:00:00Z', alignPhase: true, seed: 11,
      regions: 2, firstRegionContracts: 120, contracts: 5, churnRate: 0, forbiddenShare: 0,
    });
    t = buildTestSync({
      databaseUrl: db.url,
      esiUrl: esi.url,
      env: { AGGREGATION_REGION_IDS: `${FORGE},${DOMAIN}` },
      now,
      sleep: async () => {},
    });
  });
  afterAll(async () => {
    await t?.close();
    await esi?.close();
    await db?.drop();
  });
  beforeEach(() => {
    esi.control.clearFaults();
    esi.control.resetErrorLimit();
    baseline = lastSeq();
  });
  afterEach(async () => {
    await expectItemsConsistent();
  });

  it('a fetched contract gets no E2 in three later runs; courier, loan, unknown and barter_v2 never get one (case 101)', { timeout: 120_000 }, async () => {
    const issuer = esi.control.universe.characterIds()[0]!;
    const corporation = esi.control.universe.corporationIds()[0]!;
    const base = {
      issuer_id: issuer, issuer_corporation_id: corporation, date_issued: new Date(now().getTime() - HOUR).toISOString().replace(/\.\d+Z$/, 'Z'),
      date_expired: new Date(now().getTime() + 20 * DAY).toISOString().replace(/\.\d+Z$/, 'Z'), start_location_id: AMARR,
      end_location_id: AMARR, title: '', volume: 10, price: 0, reward: 0, collateral: 0, days_to_complete: 0,
    };
    const special = { courier: 300_000_002, loan: 300_000_003, unknown: 300_000_004, barter_v2: 300_000_005 };
    esi.control.setRows(DOMAIN, [
      { ...base, contract_id: 300_000_001, type: 'item_exchange', price: 5_000_000 },
      ...Object.entries(special).map(([type, id]) => ({ ...base, contract_id: id, type, end_location_id: JITA, reward: 1e6 })),
    ]);

    const first = await run();
    expect(first.kind === 'finished' && first.outcome).toBe('success');
    const fetched = (await rows<{ contract_id: string; items_fetched_at: string }>(sql`
      SELECT contract_id, items_fetched_at::text FROM contracts WHERE items_status = 'fetched' ORDER BY contract_id`));
    expect(fetched.length).toBeGreaterThan(50);
    expect(fetched.map((r) => Number(r.contract_id))).toContain(300_000_001);
    const fetchedIds = fetched.map((r) => Number(r.contract_id));
    const itemRows = await rows<{ n: string }>(sql`SELECT count(*) AS n FROM contract_items`);

    const known = new Set(fetchedIds);
    for (let i = 0; i < 3; i++) {
      const since = lastSeq();
      const added = esi.control.addContracts(FORGE, 2);
      esi.control.advance(1900);
      const again = await run();
      expect(again.kind === 'finished' && again.outcome).toBe('success');
      // The region was swept again (the fetched contracts were re-sighted) ...
      expect(esi.control.requests({ route: 'E1', since }).length).toBeGreaterThan(0);
      // ... yet only newcomers' items were requested.
      expect(e2For([...known], since)).toEqual([]);
      const requested = new Set(esi.control.requests({ route: 'E2', since }).map((r) => r.contractId));
      for (const id of added) {
        if (['item_exchange', 'auction'].includes(String(esi.control.universe.contract(id)!.type))) expect(requested).toContain(id);
      }
      const nowFetched = await rows<{ contract_id: string }>(sql`SELECT contract_id FROM contracts WHERE items_status = 'fetched'`);
      for (const row of nowFetched) known.add(Number(row.contract_id));
    }
    const after = await rows<{ contract_id: string; items_fetched_at: string }>(sql`
      SELECT contract_id, items_fetched_at::text FROM contracts WHERE contract_id = ANY(${`{${fetchedIds.join(',')}}`}::bigint[]) ORDER BY contract_id`);
    expect(after).toEqual(fetched);
    const itemRowsOfFirst = await rows<{ n: string }>(sql`
      SELECT count(*) AS n FROM contract_items WHERE contract_id = ANY(${`{${fetchedIds.join(',')}}`}::bigint[])`);
    expect(itemRowsOfFirst[0]!.n).toBe(itemRows[0]!.n);

    const notItemBearing = await rows<{ contract_id: string; type: string; items_status: string }>(sql`
      SELECT contract_id, type, items_status FROM contracts WHERE type NOT IN ('item_exchange', 'auction') ORDER BY contract_id`);
    expect(notItemBearing.filter((r) => Object.values(special).includes(Number(r.contract_id)))).toEqual(
      Object.entries(special).map(([type, id]) => ({ contract_id: String(id), type, items_status: 'not_applicable' })),
    );
    expect(e2For(notItemBearing.map((r) => Number(r.contract_id)))).toEqual([]);
    expect(esi.control.stats().items_bad_type).toBe(0);
  });

  describe('on a seeded queue', () => {
    beforeEach(async () => {
      await db.db.execute(sql`DELETE FROM contracts`);
      // The fixture's issuer, corporation and station are known: phase (b) has nothing to ask.
      await db.db.execute(sql`
        INSERT INTO esi_names (id, name, category, expires_at, unresolvable, fetched_at) VALUES
          (90000001, 'Pilot A', 'character', '2100-01-01T00:00:00Z', false, now()),
          (98000001, 'Corp A', 'corporation', '2100-01-01T00:00:00Z', false, now()),
          (${JITA}, ${STATIONS[JITA]!.name}, 'station', NULL, false, now())
        ON CONFLICT (id) DO NOTHING`);
    });

    it('X-Pages 3 with 1000/1000/422 rows → 2,422 rows in one transaction; a transient page 2 → nothing stored, backoff, later success (case 102)', { timeout: 120_000 }, async () => {
      const [big, flaky] = fakeItemContracts(2) as [number, number];
      esi.control.addFault({ kind: 'big-items', rows: 2422, contractId: [big, flaky] });
      esi.control.addFault({ kind: 'status', status: 503, route: 'E2', contractId: flaky, page: 2, times: 3 });
      await seedPending([big, flaky]);
      const started = now().getTime();

      const first = await runQueue();
      expect(first.kind === 'finished' && first.outcome).toBe('success');
      expect(await contract(big)).toMatchObject({ items_status: 'fetched', items_http_status: 200, n: '2422' });
      expect(e2For([big]).map((r) => r.query.page)).toEqual(['1', '2', '3']);
      const xmins = await rows<{ n: string }>(sql`SELECT count(DISTINCT xmin::text) AS n FROM contract_items WHERE contract_id = ${big}`);
      expect(xmins[0]!.n).toBe('1');

      const failed = await contract(flaky);
      expect(failed).toMatchObject({ items_status: 'pending', items_attempts: 1, n: '0' });
      expect(ms(failed.items_next_attempt_at)).toBeGreaterThanOrEqual(started + 4 * MINUTE);
      expect(ms(failed.items_next_attempt_at)).toBeLessThanOrEqual(started + 6 * MINUTE);
      expect(first.kind === 'finished' && first.counters.errors).toBe(1);

      esi.control.advance(6 * 60 + 1);
      await runQueue();
      expect(await contract(flaky)).toMatchObject({ items_status: 'fetched', items_http_status: 200, n: '2422' });
      const flakyXmins = await rows<{ n: string }>(sql`SELECT count(DISTINCT xmin::text) AS n FROM contract_items WHERE contract_id = ${flaky}`);
      expect(flakyXmins[0]!.n).toBe('1');
    });

    it('204, 403 or 404 on any page → unavailable with that status, never requested again, still open, metric +1; 400 → unavailable 400 and an error log (case 103)', { timeout: 30_000 }, async () => {
      const [gone, forbidden, unknownPage2, rejected, fine] = fakeItemContracts(5) as [number, number, number, number, number];
      esi.control.addFault({ kind: 'status', status: 204, route: 'E2', contractId: gone });
      esi.control.addFault({ kind: 'status', status: 403, route: 'E2', contractId: forbidden });
      esi.control.addFault({ kind: 'big-items', rows: 1500, contractId: unknownPage2 });
      esi.control.addFault({ kind: 'status', status: 404, route: 'E2', contractId: unknownPage2, page: 2 });
      esi.control.addFault({ kind: 'status', status: 400, route: 'E2', contractId: rejected });
      await seedPending([gone, forbidden, unknownPage2, rejected, fine]);
      const metricsBefore = await Promise.all([204, 403, 404, 400].map(unavailableMetric));
      const logsBefore = t.logs.length;

      await runQueue();
      for (const [id, status] of [[gone, 204], [forbidden, 403], [unknownPage2, 404], [rejected, 400]] as const) {
        expect(await contract(id)).toMatchObject({ items_status: 'unavailable', items_http_status: status, closed_at: null, n: '0' });
      }
      expect(await contract(fine)).toMatchObject({ items_status: 'fetched' });
      const metricsAfter = await Promise.all([204, 403, 404, 400].map(unavailableMetric));
      expect(metricsAfter.map((value, i) => value - metricsBefore[i]!)).toEqual([1, 1, 1, 1]);
      const errors = t.logs.slice(logsBefore).filter((line) => line.level === 50);
      expect(errors.map((line) => line.contract_id)).toEqual([rejected]);
      expect(errors[0]).toMatchObject({ status: 400 });

      esi.control.clearFaults();
      const since = lastSeq();
      esi.control.advance(24 * 3600);
      await runQueue();
      await runQueue();
      expect(e2For([gone, forbidden, unknownPage2, rejected], since)).toEqual([]);
      expect(await contract(gone)).toMatchObject({ items_status: 'unavailable', items_http_status: 204, closed_at: null });
    });

    it('an empty 200 ([] or no body) is a failure with backoff [4,6] min, then [8,12] min, 8th [288,432] min (case 104)', { timeout: 30_000 }, async () => {
      const [emptyArray, noBody] = fakeItemContracts(2) as [number, number];
      esi.control.addFault({ kind: 'empty-items', body: 'array', contractId: emptyArray });
      esi.control.addFault({ kind: 'empty-items', body: 'none', contractId: noBody });
      await seedPending([emptyArray, noBody]);
      const expectWindow = async (id: number, attempts: number, from: number, minMinutes: number, maxMinutes: number) => {
        const state = await contract(id);
        expect(state).toMatchObject({ items_status: 'pending', items_attempts: attempts, n: '0' });
        expect(ms(state.items_next_attempt_at)).toBeGreaterThanOrEqual(from + minMinutes * MINUTE);
        expect(ms(state.items_next_attempt_at)).toBeLessThanOrEqual(from + maxMinutes * MINUTE);
      };

      const t0 = now().getTime();
      const first = await runQueue();
      expect(first.kind === 'finished' && first.outcome).toBe('success');
      expect(first.kind === 'finished' && first.counters.errors).toBe(2);
      for (const id of [emptyArray, noBody]) await expectWindow(id, 1, t0, 4, 6);

      // Backed off: not asked again before the next attempt time (case 105).
      let since = lastSeq();
      esi.control.advance(3 * 60 + 50);
      await runQueue();
      expect(e2For([emptyArray, noBody], since)).toEqual([]);

      esi.control.advance(2 * 60 + 11);
      const t1 = now().getTime();
      since = lastSeq();
      await runQueue();
      expect(e2For([emptyArray, noBody], since)).toHaveLength(2);
      for (const id of [emptyArray, noBody]) await expectWindow(id, 2, t1, 8, 12);

      await db.db.execute(sql`UPDATE contracts SET items_attempts = 7, items_next_attempt_at = NULL`);
      const t7 = now().getTime();
      await runQueue();
      for (const id of [emptyArray, noBody]) await expectWindow(id, 8, t7, 288, 432);
    });

    it('duplicate record_id, changed X-Pages, a non-array page or a row without record_id → failure, no rows (case 104)', { timeout: 30_000 }, async () => {
      const [duplicate, xPages, notArray, noRecordId] = fakeItemContracts(4) as [number, number, number, number];
      esi.control.addFault({ kind: 'big-items', rows: 1500, contractId: [duplicate, xPages] });
      esi.control.addFault({ kind: 'duplicate-id', route: 'E2', contractId: duplicate, page: 2 });
      esi.control.addFault({ kind: 'headers', route: 'E2', contractId: xPages, page: 2, set: { 'x-pages': '3' } });
      esi.control.addFault({ kind: 'status', status: 200, route: 'E2', contractId: notArray, body: '{"error":"not a list"}' });
      esi.control.addFault({ kind: 'strip-optional', route: 'E2', contractId: noRecordId, fields: ['record_id'] });
      await seedPending([duplicate, xPages, notArray, noRecordId]);
      const t0 = now().getTime();

      const result = await runQueue();
      expect(result.kind === 'finished' && result.counters.errors).toBe(4);
      for (const id of [duplicate, xPages, notArray, noRecordId]) {
        const state = await contract(id);
        expect(state).toMatchObject({ items_status: 'pending', items_attempts: 1, n: '0' });
        expect(ms(state.items_next_attempt_at)).toBeGreaterThanOrEqual(t0 + 4 * MINUTE);
      }
      expect(e2For([duplicate, xPages]).map((r) => `${r.contractId}:${r.query.page}`).sort()).toEqual(
        [`${duplicate}:1`, `${duplicate}:2`, `${xPages}:1`, `${xPages}:2`].sort(),
      );
    });

    it('the queue gauges on /metrics count every pending contract, due or backing off, and the age of the oldest', { timeout: 30_000 }, async () => {
      const ids = fakeItemContracts(3);
      // The gauges read the queue at scrape time on the real clock, like the database's own now().
      await seedPending(ids, () => ({ dateExpired: new Date(Date.now() + DAY) }));
      await db.db.execute(sql`UPDATE contracts SET items_next_attempt_at = ${new Date(Date.now() + HOUR).toISOString()}::timestamptz WHERE contract_id = ${ids[0]!}`);
      const text = await t.container.metrics.registry.metrics();
      expect(text).toMatch(/^hangar_bay_items_queue_depth 3$/m);
      const oldest = Number(/^hangar_bay_items_queue_oldest_seconds (\S+)$/m.exec(text)?.[1]);
      expect(oldest).toBeGreaterThan(0);
    });

    it('the queue is served newest date_issued first (then contract_id descending) (case 105)', { timeout: 30_000 }, async () => {
      const serial = buildTestSync({
        databaseUrl: db.url, esiUrl: esi.url, env: { AGGREGATION_REGION_IDS: String(FORGE), ESI_MAX_CONCURRENCY: '1' }, now, sleep: async () => {},
      });
      try {
        const ids = fakeItemContracts(5).sort((a, b) => a - b);
        const issuedHoursAgo = [5, 1, 3, 1, 2];
        await seedPending(ids, (_id, i) => ({ dateIssued: new Date(now().getTime() - issuedHoursAgo[i]! * HOUR) }));
        const since = lastSeq();
        await runQueue({}, serial);
        const order = e2For(ids, since).map((r) => r.contractId);
        expect(order).toEqual([ids[3], ids[1], ids[4], ids[2], ids[0]]);
      } finally {
        await serial.close();
      }
    });

    it('expired and closed contracts are never fetched; a backed-off one waits for its time (case 105)', { timeout: 30_000 }, async () => {
      const [expired, closed, backedOff, live] = fakeItemContracts(4) as [number, number, number, number];
      await seedPending([expired, closed, backedOff, live], (id) =>
        id === expired ? { dateExpired: new Date(now().getTime() - MINUTE) } : id === closed ? { closedAt: new Date(now().getTime() - HOUR) } : {},
      );
      await db.db.execute(sql`UPDATE contracts SET items_next_attempt_at = ${new Date(now().getTime() + 10 * MINUTE).toISOString()}::timestamptz WHERE contract_id = ${backedOff}`);

      await runQueue();
      expect(e2For([expired, closed, backedOff])).toEqual([]);
      expect(await contract(live)).toMatchObject({ items_status: 'fetched' });

      esi.control.advance(11 * 60);
      await runQueue();
      expect(e2For([expired, closed])).toEqual([]);
      expect(await contract(backedOff)).toMatchObject({ items_status: 'fetched' });
      expect(await contract(expired)).toMatchObject({ items_status: 'pending', n: '0' });
      expect(await contract(closed)).toMatchObject({ items_status: 'pending', n: '0' });
    });

    it('a lane that fails stops every other lane: nothing is fetched or written after the run has ended', { timeout: 30_000 }, async () => {
      const ids = fakeItemContracts(40);
      const [failing] = ids as [number];
      // Served first (newest), answered 404, and its unavailable marker rejected by the database.
      await seedPending(ids, (id, index) => ({ dateIssued: new Date(now().getTime() - (id === failing ? 0 : (index + 1) * MINUTE)) }));
      esi.control.addFault({ kind: 'status', status: 404, route: 'E2', contractId: failing });
      await db.db.execute(sql.raw(`
        CREATE FUNCTION test_refuse_write() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN RAISE EXCEPTION 'refused'; END $$;
        CREATE TRIGGER test_refuse_write BEFORE UPDATE ON contracts FOR EACH ROW
          WHEN (NEW.contract_id = ${failing} AND NEW.items_status = 'unavailable') EXECUTE FUNCTION test_refuse_write();`));
      try {
        const result = await runQueue();
        expect(result).toMatchObject({ kind: 'finished', outcome: 'failure' });
        const sent = e2For(ids).length;
        await new Promise((resolve) => setTimeout(resolve, 500));
        expect(e2For(ids)).toHaveLength(sent);
        expect(sent).toBeLessThan(ids.length);
        // What the other lanes had fetched was not written after the failure.
        expect(await rows(sql`SELECT contract_id FROM contracts WHERE items_status <> 'pending'`)).toEqual([]);
      } finally {
        await db.db.execute(sql`DROP TRIGGER test_refuse_write ON contracts; DROP FUNCTION test_refuse_write()`);
      }
    });

    it('by default a scheduled run spends at most 80 % of AGGREGATION_INTERVAL_SECONDS on items, leaving the rest queued (case 105)', { timeout: 60_000 }, async () => {
      // The run's clock moves one second per item request: an interval of 60 s allows 48 of them.
      const start = now().getTime();
      const since = lastSeq();
      const ticking = () => new Date(start + esi.control.requests({ route: 'E2', since }).length * 1000);
      const timed = buildTestSync({
        databaseUrl: db.url, esiUrl: esi.url, env: { AGGREGATION_REGION_IDS: String(FORGE), AGGREGATION_INTERVAL_SECONDS: '60', ESI_MAX_CONCURRENCY: '2' },
        now: ticking, sleep: async () => {},
      });
      try {
        const ids = fakeItemContracts(60);
        await seedPending(ids);
        const result = await timed.sync.runner.run({ trigger: 'schedule', regions: [] });
        expect(result.kind === 'finished' && result.outcome).toBe('success');
        const fetched = Number((await rows<{ n: string }>(sql`SELECT count(*) AS n FROM contracts WHERE items_status = 'fetched'`))[0]!.n);
        // The lanes stop taking contracts at the deadline; the two in flight finish.
        expect(fetched).toBeGreaterThanOrEqual(48);
        expect(fetched).toBeLessThanOrEqual(50);
        expect(result.kind === 'finished' && result.counters.itemsFetched).toBe(fetched);

        await runQueue({}, timed);
        expect(await rows(sql`SELECT contract_id FROM contracts WHERE items_status <> 'fetched'`)).toEqual([]);
      } finally {
        await timed.close();
      }
    });
  });
});
