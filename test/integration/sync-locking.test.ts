import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { sql } from 'drizzle-orm';
import { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, inject, it, vi } from 'vitest';
import { freePort } from '../../src/db/embedded.js';
import { ADVISORY_LOCK_KEY, REDIS_LOCK_KEY } from '../../src/sync/lock.js';
import type { RunResult } from '../../src/sync/sync-runner.js';
import { startFakeEsi, type FakeEsi, type FakeEsiOptions } from '../fake-esi/index.js';
import { buildTestApp } from '../support/app.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { buildTestSync, type TestSync } from '../support/sync.js';

const redisUrl = inject('redisUrl');

/** Small universes whose item phase is stretched by E2 latency, so a test can act mid-run. */
const SLOW_ITEMS: FakeEsiOptions = { regions: 1, firstRegionContracts: 80, seed: 31, alignPhase: true, latency: { E2: 200 } };

async function waitFor(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const e2Count = (esi: FakeEsi) => esi.control.stats().routes.E2?.total ?? 0;

async function runRecords(db: TestDatabase) {
  return db.db.execute<{ id: string; outcome: string | null; detail: string | null; trigger: string; finished_at: string | null }>(
    sql`SELECT id, outcome, detail, trigger, finished_at FROM sync_runs WHERE scope = 'run' ORDER BY id`,
  );
}

/** Whether the test can take the run lock itself, i.e. nobody holds it (it is released at once). */
async function advisoryLockFree(db: TestDatabase): Promise<boolean> {
  // One connection for the try and the unlock (a session lock belongs to its connection).
  return db.sql.begin(async (tx) => {
    const [row] = await tx<{ locked: boolean }[]>`SELECT pg_try_advisory_lock(${ADVISORY_LOCK_KEY.toString()}::bigint) AS locked`;
    if (row?.locked) await tx`SELECT pg_advisory_unlock(${ADVISORY_LOCK_KEY.toString()}::bigint)`;
    return row?.locked === true;
  });
}

function skippedLines(t: TestSync) {
  return t.logs.filter((l) => l.msg === 'sync.skipped');
}

describe('run lock, roles and shutdown (docs/sync.md §5.7)', () => {
  const cleanup: (() => Promise<unknown>)[] = [];
  const track = <T extends { close(): Promise<unknown> } | { drop(): Promise<unknown> }>(resource: T): T => {
    cleanup.push(() => ('drop' in resource ? resource.drop() : resource.close()));
    return resource;
  };
  afterEach(async () => {
    vi.restoreAllMocks();
    vi.useRealTimers();
    for (const step of cleanup.splice(0).reverse()) await step().catch(() => {});
  });

  async function setup(esiOptions: FakeEsiOptions, env: Record<string, string> = {}) {
    const db = track(await createTestDatabase());
    const esi = track(await startFakeEsi(esiOptions));
    const t = track(buildTestSync({ databaseUrl: db.url, esiUrl: esi.url, env: { ESI_MAX_CONCURRENCY: '2', ...env } }));
    return { db, esi, t };
  }

  describe('without REDIS_URL: the advisory lock', () => {
    it('two syncs at once: one run record, the other logs sync.skipped lock_held and sends no ESI request (case 117)', async () => {
      const { db, esi, t } = await setup({ ...SLOW_ITEMS, latency: { E1: 1500 } });
      const otherEsi = track(await startFakeEsi(SLOW_ITEMS));
      const other = track(buildTestSync({ databaseUrl: db.url, esiUrl: otherEsi.url }));

      const first = t.sync.runner.run({ trigger: 'cli', itemsBudgetMs: null, skipItems: true });
      await waitFor(() => esi.control.requests({ route: 'E1' }).length > 0, 'the first run to reach ESI');
      const second = await other.sync.runner.run({ trigger: 'cli', itemsBudgetMs: null });
      expect(second).toEqual({ kind: 'skipped', reason: 'lock_held' });
      expect(skippedLines(other)).toMatchObject([{ reason: 'lock_held' }]);
      expect(otherEsi.control.stats().total).toBe(0);

      expect(await first).toMatchObject({ kind: 'finished', outcome: 'success' });
      expect(await runRecords(db)).toHaveLength(1);
      expect(await advisoryLockFree(db)).toBe(true);
    });

    it('the lock lives on a dedicated connection: killing it frees the lock and the run ends failure lock_lost (cases 115, 117)', { timeout: 120_000 }, async () => {
      const { db, esi, t } = await setup(SLOW_ITEMS, { ESI_MAX_CONCURRENCY: '1' });
      const run = t.sync.runner.run({ trigger: 'cli', itemsBudgetMs: null });
      await waitFor(() => e2Count(esi) >= 3, 'the items phase');
      expect(await advisoryLockFree(db)).toBe(false);

      const holders = await db.db.execute<{ pid: number }>(sql`
        SELECT pid FROM pg_stat_activity WHERE application_name = 'hangar-bay-sync-lock' AND datname = current_database()`);
      expect(holders).toHaveLength(1);
      await db.db.execute(sql`SELECT pg_terminate_backend(${holders[0]!.pid})`);
      await waitFor(() => advisoryLockFree(db), 'the lock to be freed with its connection', 5_000);

      const result = await run;
      expect(result).toMatchObject({ kind: 'finished', outcome: 'failure', detail: 'lock_lost' });
      expect(await runRecords(db)).toMatchObject([{ outcome: 'failure', detail: 'lock_lost' }]);
      // Stopped at a safe point, long before the queue was drained.
      const itemBearing = esi.control.universe.contractIds(10000002).filter((id) => esi.control.universe.items(id) !== undefined);
      expect(e2Count(esi)).toBeLessThan(itemBearing.length);
    });

    it('a stop request mid-run (SIGTERM) ends it partial shutdown at a safe point and releases the lock (cases 115, 120)', async () => {
      const { db, esi, t } = await setup(SLOW_ITEMS);
      const run = t.sync.runner.run({ trigger: 'schedule' });
      await waitFor(() => e2Count(esi) >= 3, 'the items phase');
      t.sync.runner.requestStop();
      const result = await run;
      expect(result).toMatchObject({ kind: 'finished', outcome: 'partial', detail: 'shutdown' });
      expect(await runRecords(db)).toMatchObject([{ outcome: 'partial', detail: 'shutdown', trigger: 'schedule' }]);
      const sent = e2Count(esi);
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(e2Count(esi)).toBe(sent);
      expect(sent).toBeLessThan(20);
      // Every fetched contract kept its rows and marker together.
      const torn = await db.db.execute(sql`
        SELECT c.contract_id FROM contracts c
        WHERE (c.items_status = 'fetched') <> EXISTS (SELECT 1 FROM contract_items i WHERE i.contract_id = c.contract_id)`);
      expect(torn).toHaveLength(0);
      expect(await advisoryLockFree(db)).toBe(true);
    });
  });

  it('a run under way when the downtime window opens stops at its next safe point, partial downtime; none starts inside it (case 86)', async () => {
    // A window 12 h away in real time, so the governor (on the real clock) never pauses this test;
    // the run's own clock stands 30 s before the window, then steps into it mid-run.
    const opens = new Date(Math.floor(Date.now() / 60_000) * 60_000 + 12 * 3_600_000);
    const hhmm = (d: Date) => d.toISOString().slice(11, 16);
    const window = `${hhmm(opens)}-${hhmm(new Date(opens.getTime() + 22 * 60_000))}`;
    let clock = new Date(opens.getTime() - 30_000);
    const db = track(await createTestDatabase());
    const esi = track(await startFakeEsi(SLOW_ITEMS));
    const t = track(buildTestSync({ databaseUrl: db.url, esiUrl: esi.url, env: { ESI_DOWNTIME_WINDOW: window, ESI_MAX_CONCURRENCY: '2' }, now: () => clock }));
    const run = t.sync.runner.run({ trigger: 'schedule' });
    await waitFor(() => e2Count(esi) >= 3, 'the items phase');
    clock = new Date(opens.getTime());
    const result = await run;
    expect(result).toMatchObject({ kind: 'finished', outcome: 'partial', detail: 'downtime' });
    expect(await runRecords(db)).toMatchObject([{ outcome: 'partial', detail: 'downtime' }]);
    const sent = esi.control.stats().total;
    clock = new Date(opens.getTime() + 7 * 60_000);
    expect(await t.sync.runner.run({ trigger: 'schedule' })).toEqual({ kind: 'skipped', reason: 'downtime' });
    expect(esi.control.stats().total).toBe(sent);
    expect(await runRecords(db)).toHaveLength(1);
  });

  it('Redis unreachable at start: skipped lock_unavailable, no run record, no advisory fallback; the API still answers (case 119)', async () => {
    const { db, esi, t } = await setup(SLOW_ITEMS, { REDIS_URL: 'redis://127.0.0.1:1' });
    // The advisory lock is free: a fallback to it would run.
    const result = await t.sync.runner.run({ trigger: 'cli', itemsBudgetMs: null });
    expect(result).toEqual({ kind: 'skipped', reason: 'lock_unavailable' });
    expect(skippedLines(t)).toMatchObject([{ reason: 'lock_unavailable' }]);
    expect(esi.control.stats().total).toBe(0);
    expect(await runRecords(db)).toHaveLength(0);
    // The advisory lock, taken first, was given back when Redis could not be had.
    expect(await advisoryLockFree(db)).toBe(true);

    const api = track(await buildTestApp({ databaseUrl: db.url, env: { REDIS_URL: 'redis://127.0.0.1:1' } }));
    const list = await api.app.inject({ method: 'GET', url: '/contracts/' });
    expect(list.statusCode).toBe(200);
    const ready = await api.app.inject({ method: 'GET', url: '/ready' });
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toMatchObject({ db: 'ok', cache: 'error' });
  });

  it('ROLE=worker serves /health, /ready and /metrics and 404s the contract routes; ROLE=api serves them (case 120)', async () => {
    const db = track(await createTestDatabase());
    const worker = track(await buildTestApp({ databaseUrl: db.url, env: { ROLE: 'worker' } }));
    for (const url of ['/health', '/ready', '/metrics', '/api/v1/health']) {
      expect((await worker.app.inject({ method: 'GET', url })).statusCode, url).toBe(200);
    }
    for (const url of ['/contracts/', '/contracts', '/api/v1/contracts/', '/contracts/taxonomy', '/contracts/200000000']) {
      expect((await worker.app.inject({ method: 'GET', url })).statusCode, url).toBe(404);
    }
    const api = track(await buildTestApp({ databaseUrl: db.url, env: { ROLE: 'api' } }));
    expect((await api.app.inject({ method: 'GET', url: '/contracts/' })).statusCode).toBe(200);
  });

  describe('server processes by role (case 120)', () => {
    async function startServer(env: Record<string, string>) {
      const port = await freePort();
      const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
        cwd: process.cwd(),
        env: {
          PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', PORT: String(port), HOST: '127.0.0.1',
          ESI_DOWNTIME_WINDOW: 'off', ESI_MAX_RPS: '100', ESI_USER_AGENT: 'HangarBayTests/{version} (tests@example.com)',
          ENVIRONMENT: 'test', AGGREGATION_INTERVAL_SECONDS: '60', ...env,
        },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let stderr = '';
      child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      cleanup.push(async () => {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
        await exited;
      });
      const base = `http://127.0.0.1:${port}`;
      await waitFor(async () => {
        if (child.exitCode !== null) throw new Error(`server exited ${child.exitCode}: ${stderr}`);
        return fetch(`${base}/health`).then((r) => r.ok, () => false);
      }, 'the server to listen', 45_000);
      return { child, base, exited };
    }

    it('ROLE=api never syncs: no ESI request, no run record', { timeout: 90_000 }, async () => {
      const db = track(await createTestDatabase());
      const esi = track(await startFakeEsi(SLOW_ITEMS));
      const server = await startServer({ ROLE: 'api', DATABASE_URL: db.url, ESI_BASE_URL: esi.url, AGGREGATION_REGION_IDS: '10000002' });
      expect((await fetch(`${server.base}/contracts/`)).status).toBe(200);
      await new Promise((resolve) => setTimeout(resolve, 2_000));
      expect(esi.control.stats().total).toBe(0);
      expect(await runRecords(db)).toHaveLength(0);
      server.child.kill('SIGTERM');
      expect(await server.exited).toBe(0);
    });

    it('ROLE=worker runs at startup; SIGTERM mid-run exits within 10 s with the run partial shutdown and the lock released', { timeout: 90_000 }, async () => {
      const db = track(await createTestDatabase());
      const esi = track(await startFakeEsi(SLOW_ITEMS));
      const server = await startServer({
        ROLE: 'worker', DATABASE_URL: db.url, ESI_BASE_URL: esi.url, AGGREGATION_REGION_IDS: '10000002', ESI_MAX_CONCURRENCY: '1',
      });
      expect((await fetch(`${server.base}/contracts/`)).status).toBe(404);
      await waitFor(() => e2Count(esi) >= 2, 'the startup run to reach the items phase', 45_000);
      const signalled = Date.now();
      server.child.kill('SIGTERM');
      expect(await server.exited).toBe(0);
      expect(Date.now() - signalled).toBeLessThanOrEqual(10_000);
      expect(await runRecords(db)).toMatchObject([{ trigger: 'startup', outcome: 'partial', detail: 'shutdown' }]);
      expect(await advisoryLockFree(db)).toBe(true);
    });
  });

  describe('with REDIS_URL: the Redis lock', () => {
    let redis: Redis | null = null;
    beforeEach(async () => {
      if (!redisUrl) return;
      redis = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
      await redis.del(REDIS_LOCK_KEY);
    });
    afterEach(async () => {
      await redis?.del(REDIS_LOCK_KEY);
      redis?.disconnect();
      redis = null;
    });

    it.skipIf(!redisUrl)('(needs Redis) two syncs at once on one Redis: one run record, the other skipped lock_held without an ESI request (case 117)', async () => {
      const { db, esi, t } = await setup({ ...SLOW_ITEMS, latency: { E1: 1500 } }, { REDIS_URL: redisUrl });
      const otherEsi = track(await startFakeEsi(SLOW_ITEMS));
      const other = track(buildTestSync({ databaseUrl: db.url, esiUrl: otherEsi.url, env: { REDIS_URL: redisUrl } }));

      const first = t.sync.runner.run({ trigger: 'cli', itemsBudgetMs: null, skipItems: true });
      await waitFor(() => esi.control.requests({ route: 'E1' }).length > 0, 'the first run to reach ESI');
      expect(await other.sync.runner.run({ trigger: 'cli', itemsBudgetMs: null })).toEqual({ kind: 'skipped', reason: 'lock_held' });
      expect(skippedLines(other)).toMatchObject([{ reason: 'lock_held' }]);
      expect(otherEsi.control.stats().total).toBe(0);
      expect(await first).toMatchObject({ kind: 'finished', outcome: 'success' });
      expect(await runRecords(db)).toHaveLength(1);
      // Both locks released with the run.
      expect(await advisoryLockFree(db)).toBe(true);
      expect(await redis!.exists(REDIS_LOCK_KEY)).toBe(0);
    });

    it.skipIf(!redisUrl)('(needs Redis) a process with Redis and one without exclude each other, whichever starts first', async () => {
      for (const firstHasRedis of [true, false]) {
        const { db, esi, t } = await setup({ ...SLOW_ITEMS, latency: { E1: 1500 } }, firstHasRedis ? { REDIS_URL: redisUrl! } : {});
        const otherEsi = track(await startFakeEsi(SLOW_ITEMS));
        const other = track(buildTestSync({ databaseUrl: db.url, esiUrl: otherEsi.url, env: firstHasRedis ? {} : { REDIS_URL: redisUrl! } }));
        const first = t.sync.runner.run({ trigger: 'schedule', skipItems: true });
        await waitFor(() => esi.control.requests({ route: 'E1' }).length > 0, 'the first run to reach ESI');
        expect(await other.sync.runner.run({ trigger: 'cli', itemsBudgetMs: null })).toEqual({ kind: 'skipped', reason: 'lock_held' });
        expect(otherEsi.control.stats().total).toBe(0);
        expect(await first).toMatchObject({ kind: 'finished', outcome: 'success' });
        expect(await runRecords(db)).toHaveLength(1);
        expect(await advisoryLockFree(db)).toBe(true);
        expect(await redis!.exists(REDIS_LOCK_KEY)).toBe(0);
      }
    });

    it.skipIf(!redisUrl)('(needs Redis) the CLI takes the Redis lock: exit 3 lock_held while another holder has the key, exit 0 once it is free (cases 117, 122)', { timeout: 120_000 }, async () => {
      const db = track(await createTestDatabase());
      const esi = track(await startFakeEsi({ ...SLOW_ITEMS, latency: 0 }));
      const cli = (args: string[]) =>
        new Promise<{ code: number | null; last: Record<string, unknown> }>((resolve, reject) => {
          const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/sync.ts', ...args], {
            cwd: process.cwd(),
            env: {
              PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', DATABASE_URL: db.url, ESI_BASE_URL: esi.url, REDIS_URL: redisUrl,
              ESI_DOWNTIME_WINDOW: 'off', ESI_MAX_RPS: '100', AGGREGATION_REGION_IDS: '10000002', ENVIRONMENT: 'test',
              ESI_USER_AGENT: 'HangarBayTests/{version} (tests@example.com)',
            },
            stdio: ['ignore', 'pipe', 'inherit'],
          });
          let stdout = '';
          child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
          child.once('error', reject);
          child.once('close', (code) => resolve({ code, last: JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as Record<string, unknown> }));
        });

      await redis!.set(REDIS_LOCK_KEY, 'another-holder', 'PX', 60_000);
      const held = await cli(['--no-items']);
      expect(held.code).toBe(3);
      expect(held.last).toMatchObject({ msg: 'sync.finished', outcome: 'skipped', reason: 'lock_held' });
      expect(esi.control.stats().total).toBe(0);
      expect(await redis!.get(REDIS_LOCK_KEY)).toBe('another-holder');

      await redis!.del(REDIS_LOCK_KEY);
      const free = await cli(['--no-items']);
      expect(free.code).toBe(0);
      expect(free.last).toMatchObject({ msg: 'sync.finished', outcome: 'success' });
      expect(await runRecords(db)).toMatchObject([{ outcome: 'success', trigger: 'cli' }]);
      expect(await redis!.exists(REDIS_LOCK_KEY)).toBe(0);
    });

    it.skipIf(!redisUrl)('(needs Redis) the key holds a 128-bit token with PX 60000, is renewed by compare-and-PEXPIRE and deleted at the end (case 118)', { timeout: 120_000 }, async () => {
      vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
      const { esi, t } = await setup(SLOW_ITEMS, { REDIS_URL: redisUrl });
      const run = t.sync.runner.run({ trigger: 'cli', itemsBudgetMs: null });
      await waitFor(() => e2Count(esi) >= 2, 'the items phase');
      const token = await redis!.get(REDIS_LOCK_KEY);
      expect(token).toMatch(/^[0-9a-f]{32}$/);
      const ttl = await redis!.pttl(REDIS_LOCK_KEY);
      expect(ttl).toBeGreaterThan(45_000);
      expect(ttl).toBeLessThanOrEqual(60_000);

      await redis!.pexpire(REDIS_LOCK_KEY, 5_000);
      vi.advanceTimersByTime(20_000); // one renewal period
      await waitFor(async () => (await redis!.pttl(REDIS_LOCK_KEY)) > 45_000, 'the renewal', 5_000);
      expect(await redis!.get(REDIS_LOCK_KEY)).toBe(token);

      t.sync.runner.requestStop();
      expect(await run).toMatchObject({ kind: 'finished', outcome: 'partial', detail: 'shutdown' });
      expect(await redis!.exists(REDIS_LOCK_KEY)).toBe(0);
    });

    it.skipIf(!redisUrl)('(needs Redis) key replaced by another token mid-run: failure lock_lost at a safe point, the other key survives (cases 115, 118)', { timeout: 120_000 }, async () => {
      vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
      const { db, esi, t } = await setup(SLOW_ITEMS, { REDIS_URL: redisUrl });
      const run = t.sync.runner.run({ trigger: 'cli', itemsBudgetMs: null });
      await waitFor(() => e2Count(esi) >= 2, 'the items phase');
      await redis!.set(REDIS_LOCK_KEY, 'another-holder', 'PX', 60_000);
      vi.advanceTimersByTime(20_000);
      expect(await run).toMatchObject({ kind: 'finished', outcome: 'failure', detail: 'lock_lost' });
      expect(await runRecords(db)).toMatchObject([{ outcome: 'failure', detail: 'lock_lost' }]);
      expect(await redis!.get(REDIS_LOCK_KEY)).toBe('another-holder');
      expect(e2Count(esi)).toBeLessThan(30);
    });

    it.skipIf(!redisUrl)('(needs Redis) Redis unreachable for 40 s mid-run: failure lock_lost (case 118)', { timeout: 120_000 }, async () => {
      const target = new URL(redisUrl);
      const sockets = new Set<net.Socket>();
      const proxy = net.createServer((client) => {
        const upstream = net.connect(Number(target.port || 6379), target.hostname);
        for (const socket of [client, upstream]) {
          sockets.add(socket);
          socket.on('error', () => {});
          socket.on('close', () => sockets.delete(socket));
        }
        client.pipe(upstream).pipe(client);
      });
      await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
      cleanup.push(() => new Promise((resolve) => proxy.close(resolve)));
      const proxied = new URL(redisUrl);
      proxied.host = `127.0.0.1:${(proxy.address() as net.AddressInfo).port}`;

      vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
      const { db, esi, t } = await setup(SLOW_ITEMS, { REDIS_URL: proxied.toString() });
      const run = t.sync.runner.run({ trigger: 'cli', itemsBudgetMs: null });
      await waitFor(() => e2Count(esi) >= 2, 'the items phase');
      proxy.close();
      for (const socket of sockets) socket.destroy();
      vi.advanceTimersByTime(20_000); // a failed renewal 20 s in: not lost yet
      await new Promise((resolve) => setTimeout(resolve, 300));
      const realNow = Date.now.bind(Date);
      vi.spyOn(Date, 'now').mockImplementation(() => realNow() + 41_000);
      vi.advanceTimersByTime(20_000); // still failing 40 s after the last renewal
      const result: RunResult = await run;
      expect(result).toMatchObject({ kind: 'finished', outcome: 'failure', detail: 'lock_lost' });
      expect(await runRecords(db)).toMatchObject([{ outcome: 'failure', detail: 'lock_lost' }]);
    });
  });
});
