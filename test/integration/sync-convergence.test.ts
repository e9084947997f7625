import { spawn } from 'node:child_process';
import net from 'node:net';
import { sql, type SQL } from 'drizzle-orm';
import { afterEach, describe, expect, it } from 'vitest';
import { Rng } from '../fake-esi/random.js';
import { startFakeEsi, type FakeEsi, type FakeEsiOptions, type EsiRouteId } from '../fake-esi/index.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { buildTestSync } from '../support/sync.js';

const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step().catch(() => {});
});

async function rows<T extends Record<string, unknown>>(db: TestDatabase, query: SQL): Promise<T[]> {
  return (await db.db.execute<T>(query)) as unknown as T[];
}

async function waitFor(condition: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Rows of `actual` and `expected` that differ, by key, field by field (at most 20, readable on failure). */
function differences(actual: Record<string, unknown>[], expected: Record<string, unknown>[], key: (row: Record<string, unknown>) => string) {
  const byKey = new Map(expected.map((row) => [key(row), row]));
  const out: string[] = [];
  for (const row of actual) {
    const other = byKey.get(key(row));
    byKey.delete(key(row));
    if (!other) out.push(`${key(row)}: only after the kills`);
    else for (const field of Object.keys(row)) if (JSON.stringify(row[field]) !== JSON.stringify(other[field])) out.push(`${key(row)}.${field}: ${JSON.stringify(row[field])} ≠ ${JSON.stringify(other[field])}`);
  }
  for (const missing of byKey.keys()) out.push(`${missing}: only in the uninterrupted run`);
  return out.slice(0, 20);
}

const routeCount = (esi: FakeEsi, route: EsiRouteId) => esi.control.stats().routes[route]?.total ?? 0;

/**
 * A TCP proxy in front of the test's Postgres that the test can stop (every connection cut,
 * new ones refused) and start again on the same port: a database restart as the sync sees it.
 */
async function startPostgresProxy(databaseUrl: string) {
  const target = new URL(databaseUrl);
  const sockets = new Set<net.Socket>();
  let server: net.Server | null = null;
  let port = 0;
  const listen = async () => {
    if (server) return;
    server = net.createServer((client) => {
      const upstream = net.connect(Number(target.port || 5432), target.hostname);
      for (const socket of [client, upstream]) {
        sockets.add(socket);
        socket.on('error', () => {});
        socket.on('close', () => {
          sockets.delete(socket);
          client.destroy();
          upstream.destroy();
        });
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve) => server!.listen(port, '127.0.0.1', resolve));
    port = (server.address() as net.AddressInfo).port;
  };
  await listen();
  const proxied = new URL(databaseUrl);
  proxied.host = `127.0.0.1:${port}`;
  const stop = async () => {
    const closing = new Promise((resolve) => server?.close(resolve));
    for (const socket of sockets) socket.destroy();
    await closing;
    server = null;
  };
  cleanup.push(stop);
  return { url: proxied.toString(), stop, start: listen };
}

describe('convergence after crashes (docs/sync.md §1 I3, §8)', () => {
  it('Postgres unavailable mid-run: the step is retried after 1, 2 and 4 s, the run ends failure; the next run converges (case 126)', { timeout: 90_000 }, async () => {
    const db = await createTestDatabase();
    cleanup.push(() => db.drop());
    const esi = await startFakeEsi({ regions: 1, firstRegionContracts: 60, seed: 61, clock: 'virtual', alignPhase: true, latency: { E2: 60 } });
    cleanup.push(() => esi.close());
    const proxy = await startPostgresProxy(db.url);
    const sleeps: number[] = [];
    const t = buildTestSync({
      databaseUrl: proxy.url,
      esiUrl: esi.url,
      env: { ESI_MAX_CONCURRENCY: '2' },
      now: () => esi.control.now(),
      sleep: async (ms) => {
        sleeps.push(ms);
      },
    });
    cleanup.push(() => t.close());
    cleanup.push(() => proxy.start()); // closing the sync needs its database back

    const first = t.sync.runner.run({ trigger: 'cli', itemsBudgetMs: null });
    await waitFor(() => routeCount(esi, 'E2') >= 5, 'the items phase');
    await proxy.stop();
    expect(await first).toMatchObject({ kind: 'finished', outcome: 'failure', detail: 'database_unavailable' });
    expect(sleeps.join(',')).toContain('1000,2000,4000');
    expect(t.logs.some((l) => l.msg === 'sync.finished' && l.outcome === 'failure')).toBe(true);

    await proxy.start();
    expect(await t.sync.runner.run({ trigger: 'cli', itemsBudgetMs: null })).toMatchObject({ kind: 'finished', outcome: 'success' });
    const runs = await rows<{ outcome: string; detail: string | null }>(db, sql`SELECT outcome, detail FROM sync_runs WHERE scope = 'run' ORDER BY id`);
    expect(runs).toEqual([{ outcome: 'failure', detail: 'abandoned' }, { outcome: 'success', detail: null }]);

    // Converged: the listing, every item list once, names and enrichment.
    const ids = esi.control.universe.contractIds(10000002);
    const stored = await rows<{ contract_id: string; items_status: string; items_http_status: number | null; n: string; issuer_name: string | null }>(db, sql`
      SELECT c.contract_id, c.items_status, c.items_http_status, c.issuer_name,
        (SELECT count(*) FROM contract_items i WHERE i.contract_id = c.contract_id) AS n
      FROM contracts c ORDER BY c.contract_id`);
    expect(stored.map((r) => Number(r.contract_id))).toEqual(ids);
    for (const row of stored) {
      const items = esi.control.universe.items(Number(row.contract_id));
      expect(row.issuer_name).not.toBeNull();
      if (items === undefined) expect(row).toMatchObject({ items_status: 'not_applicable', n: '0' });
      else if (row.items_status === 'unavailable') expect(row).toMatchObject({ items_http_status: 403, n: '0' });
      else expect(row).toMatchObject({ items_status: 'fetched', n: String(items.length) });
    }
  });

  describe('process killed mid-run (case 125)', () => {
    // Both fakes serve byte-identical universes: same seed, sizes and (virtual) clock.
    const start = new Date(Math.floor(Date.now() / 1000) * 1000);
    const UNIVERSE: FakeEsiOptions = {
      regions: 2, firstRegionContracts: 600, contracts: 40, seed: 67, churnRate: 0.05, clock: 'virtual', startTime: start, alignPhase: true,
    };

    interface CliRun {
      readonly code: number | null;
      readonly killed: boolean;
      readonly stderr: string;
    }

    /** One CLI run in a child process, SIGKILLed once `killAt` holds (if it does before the run ends). */
    function runCli(db: TestDatabase, esi: FakeEsi, killAt?: (delta: (route: EsiRouteId) => number) => boolean): Promise<CliRun> {
      const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/sync.ts'], {
        cwd: process.cwd(),
        env: {
          PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', DATABASE_URL: db.url, ESI_BASE_URL: esi.url,
          ESI_DOWNTIME_WINDOW: 'off', AGGREGATION_REGION_IDS: '10000002,10000043', ESI_MAX_RPS: '100', LOG_LEVEL: 'warn',
          ESI_USER_AGENT: 'HangarBayTests/{version} (tests@example.com)', ENVIRONMENT: 'test',
        },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
      let killed = false;
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      if (killAt) {
        const base = esi.control.stats().routes;
        const delta = (route: EsiRouteId) => (esi.control.stats().routes[route]?.total ?? 0) - (base[route]?.total ?? 0);
        const timer = setInterval(() => {
          if (child.exitCode !== null || killed || !killAt(delta)) return;
          killed = child.kill('SIGKILL');
        }, 5);
        void exited.then(() => clearInterval(timer));
      }
      return exited.then((code) => ({ code, killed, stderr }));
    }

    /** The CLI's clock is real, the fakes' virtual: make every region due as time passing would. */
    async function makeDue(db: TestDatabase): Promise<void> {
      await db.db.execute(sql`UPDATE sync_regions SET next_poll_at = now() - interval '1 second'`);
    }

    const CONTRACT_COLUMNS = sql.raw(`contract_id, type, title, for_corporation, issuer_id, issuer_corporation_id, start_location_id,
      end_location_id, date_issued, date_expired, price, collateral, reward, volume, buyout, days_to_complete, region_id, first_seen_at,
      last_seen_at, closed_at, close_reason, start_location_system_id, end_location_system_id, issuer_name, issuer_corporation_name,
      start_location_name, end_location_name, items_status, items_http_status, enrichment_status, enrichment_version, is_ship_contract,
      is_blueprint_copy_contract, primary_label, primary_label_sort, composition::text AS composition, blueprint_summary::text AS blueprint_summary,
      search_text, reward_per_volume`);

    /**
     * Contracts whose expiry falls within the test's own wall-clock span are left out: whether the
     * items queue still takes one depends on the second a run reaches it, not on the crash.
     */
    async function snapshot(db: TestDatabase) {
      const from = new Date(start.getTime() - 60_000).toISOString();
      const to = new Date(start.getTime() + 600_000).toISOString();
      const stable = sql`date_expired NOT BETWEEN ${from}::timestamptz AND ${to}::timestamptz`;
      return {
        contracts: await rows(db, sql`SELECT ${CONTRACT_COLUMNS} FROM contracts WHERE ${stable} ORDER BY contract_id`),
        items: await rows(db, sql`
          SELECT i.contract_id, record_id, type_id, quantity, is_included, is_blueprint_copy, item_id, runs, material_efficiency,
            time_efficiency, type_name, group_id, category_id, market_group_id, category
          FROM contract_items i JOIN contracts c USING (contract_id) WHERE ${stable} ORDER BY i.contract_id, record_id`),
        names: await rows(db, sql`SELECT id, name, category FROM esi_names ORDER BY id`),
      };
    }

    it('SIGKILL at points in discovery, names, items and type resolution, then reruns: the database equals an uninterrupted run\'s; stale records abandoned', { timeout: 300_000 }, async () => {
      const killedDb = await createTestDatabase();
      cleanup.push(() => killedDb.drop());
      const referenceDb = await createTestDatabase();
      cleanup.push(() => referenceDb.drop());
      const killedEsi = await startFakeEsi(UNIVERSE);
      cleanup.push(() => killedEsi.close());
      const referenceEsi = await startFakeEsi(UNIVERSE);
      cleanup.push(() => referenceEsi.close());

      type KillPoint = (delta: (route: EsiRouteId) => number) => boolean;
      // 24 seeded kill points over two generations: listing sweeps (batches, restamps, closure),
      // names, type resolution and item writes. A point whose route has no work left (names and
      // types get resolved) falls back to a kill among the item writes, so no point lets a run
      // drain the queue the later points need.
      const rng = new Rng(125);
      const point = (route: EsiRouteId, min: number, max: number): KillPoint => {
        const threshold = rng.int(min, max);
        return (d) => d(route) >= threshold || d('E2') >= 12;
      };
      const generations: KillPoint[][] = [
        [
          ...Array.from({ length: 4 }, () => point('E1', 1, 2)),
          ...Array.from({ length: 2 }, () => point('E3', 1, 2)),
          ...Array.from({ length: 2 }, () => point('E5', 1, 2)),
          ...Array.from({ length: 10 }, () => point('E2', 1, 12)),
        ],
        [...Array.from({ length: 3 }, () => point('E1', 1, 2)), ...Array.from({ length: 3 }, () => point('E2', 1, 4))],
      ];

      let kills = 0;
      for (const [generation, points] of generations.entries()) {
        if (generation > 0) {
          for (const esi of [killedEsi, referenceEsi]) esi.control.advance(1830);
          await makeDue(referenceDb);
        }
        const reference = await runCli(referenceDb, referenceEsi);
        expect(reference.code, reference.stderr).toBe(0);

        for (const point of points) {
          await makeDue(killedDb);
          const attempt = await runCli(killedDb, killedEsi, point);
          if (attempt.killed) kills += 1;
          else expect(attempt.code, attempt.stderr).toBe(0); // the lock was free again: never 3
        }
        await makeDue(killedDb);
        const final = await runCli(killedDb, killedEsi);
        expect(final.code, final.stderr).toBe(0);
      }
      expect(kills).toBeGreaterThanOrEqual(20);

      const [afterKills, uninterrupted] = await Promise.all([snapshot(killedDb), snapshot(referenceDb)]);
      expect(uninterrupted.contracts.length).toBeGreaterThan(600);
      expect(uninterrupted.contracts.some((c) => c.closed_at !== null)).toBe(true);
      expect(differences(afterKills.contracts, uninterrupted.contracts, (c) => String(c.contract_id))).toEqual([]);
      expect(differences(afterKills.items, uninterrupted.items, (i) => `${i.contract_id}/${i.record_id}`)).toEqual([]);
      expect(differences(afterKills.names, uninterrupted.names, (n) => String(n.id))).toEqual([]);

      const runs = await rows<{ outcome: string; detail: string | null; finished: boolean }>(killedDb, sql`
        SELECT outcome, detail, finished_at IS NOT NULL AS finished FROM sync_runs WHERE scope = 'run' ORDER BY id`);
      expect(runs.every((r) => r.finished)).toBe(true);
      expect(runs.filter((r) => r.detail === 'abandoned')).toHaveLength(kills);
      expect(runs.filter((r) => r.detail === 'abandoned').every((r) => r.outcome === 'failure')).toBe(true);
      // No torn item sets anywhere.
      expect(await rows(killedDb, sql`
        SELECT contract_id FROM contracts c
        WHERE (items_status = 'fetched') <> EXISTS (SELECT 1 FROM contract_items i WHERE i.contract_id = c.contract_id)`)).toEqual([]);
    });
  });
});
