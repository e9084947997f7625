// Run records, outcomes and the data generation against the fake ESI (docs/sync.md §5.0, §5.6).
import { sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { listingPageKey } from '../../src/esi/listing-pages.js';
import { startFakeEsi, type FakeEsi } from '../fake-esi/index.js';
import { createTestDatabase, queryHelpers, type TestDatabase } from '../support/database.js';
import { JITA, STATIONS } from '../support/fixtures.js';
import { CORP, ISSUER, iso, row, rows } from '../support/listing-rows.js';
import { buildTestSync, discoverOnly, finishedRun, type TestSync } from '../support/sync.js';

const DAY = 86_400_000;

describe('bookkeeping (docs/sync.md §5.6) against the fake ESI', () => {
  let db: TestDatabase;
  let esi: FakeEsi;
  let t: TestSync;
  /** What the sync's injected sleep does; by default the fake's time passes instead of real time. */
  let onSleep: (ms: number) => Promise<void>;

  beforeAll(async () => {
    esi = await startFakeEsi({ clock: 'virtual', startTime: '2026-07-21T12:00:00Z', regions: 1, contracts: 0, seed: 13 });
    esi.control.setName(ISSUER, 'Pilot A', 'character');
    esi.control.setName(CORP, 'Corp A', 'corporation');
    esi.control.setName(JITA, STATIONS[JITA]!.name, 'station');
  });
  // Phases (b)–(e) and the generation are global: each test gets its own database, so no other
  // test's leftover work (names, items, enrichment) shows up in its run records or its G.
  beforeEach(async () => {
    onSleep = async (ms) => void esi.control.advance(Math.ceil(ms / 1000));
    db = await createTestDatabase();
    t = buildTestSync({ databaseUrl: db.url, esiUrl: esi.url, now: () => esi.control.now(), sleep: (ms) => onSleep(ms) });
  });
  afterEach(async () => {
    esi.control.clearFaults();
    await t?.close();
    await db?.drop();
  });
  afterAll(async () => {
    await esi?.close();
  });

  const now = () => esi.control.now().getTime();
  const { q, one, generation, count } = queryHelpers(() => db);
  const nextPoll = async (r: number) =>
    (await one<{ next: number }>(sql`SELECT extract(epoch FROM next_poll_at)::float8 * 1000 AS next FROM sync_regions WHERE region_id = ${r}`)).next;
  type RunRecord = Record<string, string | number | null>;
  const RECORD = sql`id, run_id, scope, trigger, region_id, outcome, detail, pages_fetched, pages_not_modified, contracts_seen,
    contracts_new, contracts_closed, contracts_reopened, items_fetched, item_rows, errors, esi_requests,
    extract(epoch FROM started_at)::float8 * 1000 AS started, extract(epoch FROM finished_at)::float8 * 1000 AS finished`;
  const runRecord = (runId: number) => one<RunRecord>(sql`SELECT ${RECORD} FROM sync_runs WHERE id = ${runId}`);
  const regionRecords = (runId: number) => q<RunRecord>(sql`SELECT ${RECORD} FROM sync_runs WHERE run_id = ${runId} ORDER BY region_id`);
  const mark = () => esi.control.requests().at(-1)?.seq ?? 0;

  const run = (regions: number[], options: { skipItems?: boolean; trigger?: 'cli' | 'schedule' | 'startup' } = {}) =>
    finishedRun(t, { trigger: options.trigger ?? 'cli', itemsBudgetMs: null, skipItems: options.skipItems ?? true, regions });
  /** Phase (a) only, so G counts discovery's commits alone. */
  const discover = (regions: number[]) => discoverOnly(t, regions);
  async function advanceToPoll(...regions: number[]) {
    const latest = Math.max(...(await Promise.all(regions.map(nextPoll))));
    esi.control.advance(Math.max(0, Math.ceil((latest - now()) / 1000)));
  }

  it('two due regions committed → one `run` record (success) and two `region` records whose counters match the fake ESI (case 114)', async () => {
    const [big, small] = [10000301, 10000302];
    esi.control.setRows(big, rows(500_000_000, 1500, now()), { lastModified: now() });
    esi.control.setRows(small, rows(501_000_000, 300, now()), { lastModified: now() });
    for (const [pass, trigger] of [[1, 'schedule'], [2, 'cli']] as const) {
      if (pass === 2) {
        await advanceToPoll(big, small);
        esi.control.setRows(big, [...rows(500_000_005, 1495, now()), ...rows(500_100_000, 3, now())], { lastModified: now() });
      }
      const since = mark();
      const totalBefore = esi.control.stats().total;
      const result = await run([big, small], { trigger });
      const record = await runRecord(result.runId);
      expect(record).toMatchObject({ scope: 'run', trigger, outcome: 'success', run_id: null, region_id: null });
      expect(record.esi_requests).toBe(esi.control.stats().total - totalBefore);
      const regions = await regionRecords(result.runId);
      expect(regions.map((r) => [r.region_id, r.scope, r.run_id, r.trigger])).toEqual([
        [String(big), 'region', String(result.runId), trigger],
        [String(small), 'region', String(result.runId), trigger],
      ]);
      for (const r of regions) {
        const requests = esi.control.requests({ route: 'E1', since }).filter((e) => e.regionId === Number(r.region_id));
        expect(r).toMatchObject({
          outcome: 'success',
          pages_fetched: requests.filter((e) => e.status === 200).length,
          pages_not_modified: requests.filter((e) => e.status === 304).length,
          esi_requests: requests.length,
        });
        expect(Number(r.started)).toBeGreaterThanOrEqual(Number(record.started));
        expect(Number(r.finished)).toBeLessThanOrEqual(Number(record.finished));
        expect(Number(r.finished)).toBeGreaterThanOrEqual(Number(r.started));
      }
      const [bigRecord, smallRecord] = regions;
      if (pass === 1) {
        expect(bigRecord).toMatchObject({ pages_fetched: 2, contracts_new: 1500, contracts_closed: 0, contracts_seen: 1500 });
        expect(smallRecord).toMatchObject({ pages_fetched: 1, contracts_new: 300, contracts_closed: 0 });
      } else {
        expect(bigRecord).toMatchObject({ pages_fetched: 2, contracts_new: 3, contracts_closed: 5, contracts_seen: 1498 });
        expect(smallRecord).toMatchObject({ detail: 'unchanged', pages_fetched: 0, pages_not_modified: 1, contracts_new: 0 });
        expect(await count(sql`region_id = ${big} AND closed_at IS NOT NULL`)).toBe(5);
      }
      expect(record).toMatchObject({
        pages_fetched: Number(bigRecord!.pages_fetched) + Number(smallRecord!.pages_fetched),
        contracts_new: Number(bigRecord!.contracts_new) + Number(smallRecord!.contracts_new),
        contracts_closed: Number(bigRecord!.contracts_closed),
      });
    }
  });

  it('one region 404 → run partial; every attempted region failing → failure; none due → success with no ESI request (case 115)', async () => {
    const [R, lost1, lost2] = [10000303, 10000398, 10000399];
    esi.control.setRows(R, rows(502_000_000, 10, now()), { lastModified: now() });
    expect(await runRecord((await run([R, lost1])).runId)).toMatchObject({ outcome: 'partial' });
    expect(await runRecord((await run([lost2])).runId)).toMatchObject({ outcome: 'failure' });
    const since = mark();
    const idle = await run([R, lost1, lost2]);
    expect(await runRecord(idle.runId)).toMatchObject({ outcome: 'success', esi_requests: esi.control.requests({ since }).length });
    expect(await regionRecords(idle.runId)).toEqual([]);
    expect(esi.control.requests({ route: 'E1', since })).toEqual([]);
  });

  it('SIGTERM → `partial` `shutdown`; a killed run\'s record → `failure` `abandoned` at the next run (case 115)', async () => {
    const R = 10000304;
    esi.control.setRows(R, rows(503_000_000, 10, now()), { lastModified: now() });
    const stopped = await t.sync.runner.run({
      trigger: 'schedule', itemsBudgetMs: null, regions: [R],
      onProgress: (event) => event.phase === 'discovery' && event.state === 'sweeping' && t.sync.runner.requestStop(),
    });
    expect(stopped.kind === 'finished' && (await runRecord(stopped.runId))).toMatchObject({ outcome: 'partial', detail: 'shutdown' });
    expect(await count(sql`region_id = ${R}`)).toBe(0);

    const [killed] = await q<{ id: string }>(sql`
      INSERT INTO sync_runs (scope, trigger, started_at) VALUES ('run', 'schedule', ${iso(now() - 600_000)}::timestamptz) RETURNING id`);
    const next = await run([]);
    expect(await runRecord(Number(killed!.id))).toMatchObject({ outcome: 'failure', detail: 'abandoned', finished: now() });
    expect(await runRecord(next.runId)).toMatchObject({ outcome: 'success' });
  });

  it('lock lost mid-run → `failure` `lock_lost`, nothing more written (case 115)', { timeout: 90_000 }, async () => {
    const R = 10000305;
    // Page 1 with 10 s left makes the sweep wait; meanwhile the lock's connection is killed.
    esi.control.setRows(R, rows(504_000_000, 10, now()), { lastModified: Math.floor(now() / 1000) * 1000 - 1_790_000 });
    onSleep = async (ms) => {
      await db.db.execute(sql`SELECT pg_terminate_backend(pid) FROM pg_stat_activity
        WHERE datname = current_database() AND application_name = 'hangar-bay-sync-lock'`);
      await vi.waitFor(() => expect(t.logs.some((l) => l.msg === 'sync lock lost')).toBe(true), { timeout: 15_000, interval: 100 });
      esi.control.advance(Math.ceil(ms / 1000));
    };
    const result = await run([R]);
    expect(await runRecord(result.runId)).toMatchObject({ outcome: 'failure', detail: 'lock_lost' });
    expect(await count(sql`region_id = ${R}`)).toBe(0);
  });

  it('item and enrichment failures only raise `errors`; the run stays a success (case 115)', { timeout: 90_000 }, async () => {
    const R = 10000306;
    const ids = [505_000_001, 505_000_002, 505_000_003];
    esi.control.setRows(R, ids.map((id) => row(id, now())), { lastModified: now() });
    const typeId = Number(esi.control.universe.items(ids[1]!)![0]!.type_id);
    esi.control.addFault({ kind: 'empty-items', route: 'E2', contractId: ids[0]! });
    esi.control.addFault({ kind: 'status', status: 503, route: 'E5', path: `^/universe/types/${typeId}$` });
    const result = await run([R], { skipItems: false });
    expect(result.outcome).toBe('success');
    expect(await count(sql`contract_id = ${ids[0]!} AND items_status = 'pending' AND items_attempts = 1`)).toBe(1);
    const incomplete = await count(sql`region_id = ${R} AND enrichment_status = 'incomplete'`);
    expect(incomplete).toBeGreaterThanOrEqual(1);
    expect(await runRecord(result.runId)).toMatchObject({ outcome: 'success', errors: 1 + incomplete });
  });

  it('G unchanged by an all-`unchanged` run that writes run records, poll times, page cache and item backoff; E2–E7 never conditional (case 116)', async () => {
    const R = 10000307;
    const ids = Array.from({ length: 6 }, (_, i) => 506_000_001 + i);
    esi.control.setRows(R, ids.map((id) => row(id, now())), { lastModified: now() });
    esi.control.addFault({ kind: 'empty-items', route: 'E2', contractId: ids[0]! });
    await run([R], { skipItems: false });
    await advanceToPoll(R);
    const before = {
      generation: await generation(),
      poll: await nextPoll(R),
      page: await t.container.listingCache.get(listingPageKey(R, 1)),
      runs: Number((await one<{ n: string }>(sql`SELECT count(*) AS n FROM sync_runs`)).n),
      backoff: await one(sql`SELECT items_attempts, items_next_attempt_at FROM contracts WHERE contract_id = ${ids[0]!}`),
    };
    const result = await run([R], { skipItems: false });
    expect(result.regions).toEqual([{ regionId: R, outcome: 'success', detail: 'unchanged' }]);
    expect(await generation()).toBe(before.generation);
    expect(await nextPoll(R)).toBeGreaterThan(before.poll);
    expect((await t.container.listingCache.get(listingPageKey(R, 1)))?.equals(before.page!)).toBe(false);
    expect(Number((await one<{ n: string }>(sql`SELECT count(*) AS n FROM sync_runs`)).n)).toBe(before.runs + 2);
    const backoff = await one(sql`SELECT items_attempts, items_next_attempt_at FROM contracts WHERE contract_id = ${ids[0]!}`);
    expect(backoff.items_attempts).toBe(2);
    expect(backoff.items_next_attempt_at).not.toEqual(before.backoff.items_next_attempt_at);
    const universe = esi.control.requests().filter((e) => e.route !== 'E1');
    expect(universe.some((e) => e.route === 'E2') && universe.some((e) => e.route === 'E5')).toBe(true);
    expect(universe.filter((e) => e.headers['if-none-match'] !== undefined)).toEqual([]);
  });

  it('G +1 for each commit with inserts, restamps, closures, reopens, systems, names, items, taxonomy rows, enrichment, retention (case 116)', { timeout: 90_000 }, async () => {
    const R = 10000308;
    const listing = [507_000_001, 507_000_002, 507_000_003].map((id) => row(id, now(), { start_location_id: JITA, end_location_id: JITA }));
    const withdrawn = row(507_000_004, now());
    const step = async (label: string, action: () => Promise<unknown>, commits: number) => {
      const before = await generation();
      await action();
      expect(await generation() - before, label).toBe(commits);
    };
    const sweep = async (list: unknown[]) => {
      await advanceToPoll(R);
      esi.control.setRows(R, list, { lastModified: now() });
      await discover([R]);
    };
    esi.control.setRows(R, [...listing, withdrawn], { lastModified: now() });
    await step('inserts (one batch)', () => discover([R]), 1);
    await step('restamps (one batch)', () => sweep([...listing, withdrawn]), 1);
    await step('closures (one closure commit, no batch)', () => sweep([]), 1);
    await step('reopens (one batch)', () => sweep(listing), 1);
    expect(await count(sql`region_id = ${R} AND closed_at IS NULL`)).toBe(3);
    await step('systems, then names', () => run([]), 2);
    await step('taxonomy rows (groups, then categories), then items', () => run([], { skipItems: false }), 3);
    expect(await count(sql`region_id = ${R} AND items_status = 'fetched' AND enrichment_status = 'complete'`)).toBe(3);

    // The state an earlier E5 failure leaves: one item unresolved, its contract incomplete and due.
    await db.db.execute(sql`UPDATE contract_items SET type_name = NULL, category_id = NULL, category = NULL WHERE contract_id = 507000001`);
    await db.db.execute(sql`UPDATE contracts SET enrichment_status = 'incomplete', enrichment_next_attempt_at = NULL WHERE contract_id = 507000001`);
    await step('enrichment: item columns, then derived fields', () => run([]), 2);

    esi.control.advance(31 * 86_400);
    const cutoff = iso(now() - 30 * DAY);
    const doomed = Number((await one<{ n: string }>(sql`
      SELECT count(*) AS n FROM contracts WHERE closed_at < ${cutoff}::timestamptz OR date_expired < ${cutoff}::timestamptz`)).n);
    expect(doomed).toBeGreaterThan(0);
    await step('retention (one commit per 1000 deleted)', () => run([]), Math.ceil(doomed / 1000));
  });
});
