/**
 * The read path under load and outages (docs/read-path.md §3–§4): database work is admitted within
 * bounds (503 + Retry-After past them, and for a statement cancelled by API_STATEMENT_TIMEOUT_MS),
 * a client that leaves is logged and counted as 499, lists keep being answered from the read model
 * with PostgreSQL gone (and nothing answers 500), a silent Redis costs neither latency nor memory,
 * and the read model never answers with a mix of two generations.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildTestApp, type TestApp } from '../support/app.js';
import { createTestDatabase, lockContracts, type TestDatabase } from '../support/database.js';
import { bumpGeneration, insertContracts, insertTaxonomy, JITA, type ContractSpec } from '../support/fixtures.js';
import { silentServer, switchableProxy } from '../support/network.js';
import { coverageAsOf, listRowJson, renderedRows, renderListBody } from '../../src/domain/list-body.js';
import { createContractReadRepository } from '../../src/repositories/contract-read.repository.js';
import { livenessInstant } from '../../src/services/conditional-get.js';
import { parseContractListQuery, type RawQuery } from '../../src/services/contract-query.params.js';
import { createSqlReads } from '../../src/services/sql-reads.js';

const NOW = new Date('2026-07-21T09:16:30Z');
const LIST_QUERIES = [
  '/contracts/?is_ship_contract=true&page=1&size=50&sort_by=date_issued&sort_direction=desc',
  '/contracts/?sort_by=price&sort_direction=asc',
  '/contracts/?search=rifter',
  '/contracts/?category_id=6&group_id=25',
  '/contracts/?system_ids=30000142&size=5',
];

let db: TestDatabase;
const apps: TestApp[] = [];

function rawQuery(url: string): RawQuery {
  const raw: RawQuery = {};
  for (const [key, value] of new URL(url, 'http://x').searchParams) {
    const existing = raw[key];
    raw[key] = existing === undefined ? value : [...(Array.isArray(existing) ? existing : [existing]), value];
  }
  return raw;
}

function specs(count: number, firstId: number): ContractSpec[] {
  return Array.from({ length: count }, (_, i) => ({
    contractId: firstId + i,
    price: 1_000_000 + i * 1000,
    title: i % 3 === 0 ? 'Rifter fleet' : null,
    startLocationId: i % 4 === 0 ? JITA : null,
    items: [{ typeId: i % 2 === 0 ? 587 : 621 }, { typeId: 439 }],
  }));
}

async function app(options: { databaseUrl?: string; env?: Record<string, string> } = {}): Promise<TestApp> {
  const built = await buildTestApp({ databaseUrl: options.databaseUrl ?? db.url, now: () => NOW, env: options.env });
  apps.push(built);
  return built;
}

async function metric(t: TestApp, series: string): Promise<number> {
  const text = await (await t.app.inject({ url: '/metrics' })).body;
  const line = text.split('\n').find((candidate) => candidate.startsWith(series));
  return line ? Number(line.slice(series.length).trim()) : 0;
}

beforeAll(async () => {
  db = await createTestDatabase();
  await insertTaxonomy(db.db);
  await insertContracts(db.db, specs(60, 1000), NOW);
  // Closed contracts: the read model holds their details as PostgreSQL gave them, once it has read them.
  await insertContracts(db.db, specs(3, 2000).map((spec) => ({ ...spec, closedAt: NOW })), NOW);
});

afterEach(async () => {
  for (const built of apps.splice(0)) await built.close();
});

afterAll(async () => {
  await db?.drop();
});

describe('admission control (docs/read-path.md §3)', () => {
  it('a statement cancelled by API_STATEMENT_TIMEOUT_MS → 503 {"detail":"Service overloaded, retry shortly"}, Retry-After: 1', async () => {
    const t = await app({ env: { READ_MODEL: 'off', API_STATEMENT_TIMEOUT_MS: '200' } });
    const lock = await lockContracts(db.url);
    try {
      const started = performance.now();
      const response = await t.app.inject({ url: '/contracts/?size=3' });
      expect(response.statusCode).toBe(503);
      expect(response.headers['retry-after']).toBe('1');
      expect(response.headers['cache-control']).toBe('no-store');
      expect(response.body).toBe('{"detail":"Service overloaded, retry shortly"}');
      expect(performance.now() - started).toBeLessThan(5000);
    } finally {
      await lock.release();
    }
    expect((await t.app.inject({ url: '/contracts/?size=3' })).statusCode).toBe(200);
  });

  it('requests past API_DB_CONCURRENCY wait at most API_QUEUE_TIMEOUT_MS, then 503 with Retry-After: 1; the held ones finish 200', async () => {
    const concurrency = 4;
    const t = await app({ env: { READ_MODEL: 'off', API_QUEUE_TIMEOUT_MS: '150', API_DB_CONCURRENCY: String(concurrency) } });
    const lock = await lockContracts(db.url);
    let held: Promise<{ statusCode: number }[]>;
    try {
      // Distinct uncached requests take every connection and wait on the lock.
      held = Promise.all(Array.from({ length: concurrency }, (_, i) => t.app.inject({ url: `/contracts/?size=${i + 1}` })));
      await sleep(100);
      const queued = await t.app.inject({ url: '/contracts/?size=77' });
      expect(queued.statusCode).toBe(503);
      expect(queued.headers['retry-after']).toBe('1');
      expect(queued.body).toBe('{"detail":"Service overloaded, retry shortly"}');
    } finally {
      await lock.release();
    }
    expect((await held!).map((response) => response.statusCode)).toEqual(Array(concurrency).fill(200));
    expect(await metric(t, 'http_requests_total{handler="/contracts/",method="GET",status="503"}')).toBe(1);
  });

  it('identical concurrent misses are computed once', async () => {
    const t = await app({ env: { READ_MODEL: 'off' } });
    const lock = await lockContracts(db.url);
    let responses: Promise<{ statusCode: number; body: string }[]>;
    try {
      responses = Promise.all(Array.from({ length: 20 }, () => t.app.inject({ url: '/contracts/?size=13' })));
      await sleep(100);
      // Twenty requests, one query waiting on the lock.
      const waiting = await db.db.execute<{ n: string }>(
        sql`SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE '%FROM contracts c%'`,
      );
      // One statement waits on the lock (the snapshot's pipeline runs in order); without single
      // flight, the twenty requests would hold every connection.
      expect(Number(waiting[0]!.n)).toBe(1);
    } finally {
      await lock.release();
    }
    const answered = await responses!;
    expect(new Set(answered.map((response) => `${response.statusCode} ${response.body}`)).size).toBe(1);
    expect(answered[0]!.statusCode).toBe(200);
  });
});

describe('a client that leaves (docs/read-path.md §3)', () => {
  it('is logged and counted as 499, its queued work is dropped, and the in-progress gauge goes back down', async () => {
    const t = await app({ env: { READ_MODEL: 'off' } });
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = t.app.server.address() as { port: number };
    const lock = await lockContracts(db.url);
    try {
      const controller = new AbortController();
      const request = fetch(`http://127.0.0.1:${port}/contracts/?size=29`, { signal: controller.signal }).catch((error: Error) => error);
      await sleep(150);
      expect(await metric(t, 'hangar_bay_requests_inprogress{handler="/contracts/",method="GET"}')).toBe(1);
      controller.abort();
      const outcome = await request;
      expect(outcome, JSON.stringify(t.logs.filter((line) => Number(line.level) >= 40))).toBeInstanceOf(Error);
      await sleep(100);
    } finally {
      await lock.release();
    }
    await sleep(50);
    expect(t.logs.some((line) => line.msg === 'request completed' && line.status === 499 && line.route === '/contracts/')).toBe(true);
    expect(await metric(t, 'http_requests_total{handler="/contracts/",method="GET",status="499"}')).toBe(1);
    expect(await metric(t, 'hangar_bay_requests_inprogress{handler="/contracts/",method="GET"}')).toBe(0);
    expect(t.logs.some((line) => line.level === 50)).toBe(false);
  });
});

describe('PostgreSQL down (docs/read-path.md §4)', () => {
  it('lists, counts, taxonomy and held details are answered from the read model; the rest is 503 Retry-After: 5; never a 500; back within 5 s', async () => {
    const proxy = await switchableProxy(db.url);
    const viaProxy = new URL(db.url);
    viaProxy.host = `127.0.0.1:${proxy.port}`;
    const t = await app({ databaseUrl: viaProxy.toString() });
    expect((await t.app.inject({ url: '/ready' })).json()).toMatchObject({ read_model: { state: 'ready' } });
    await vi.waitFor(async () => {
      expect((await t.app.inject({ url: '/ready' })).json()).toMatchObject({ read_model: { held_details: 3, details_to_read: 0 } });
    });
    const before = new Map<string, string>();
    for (const url of [...LIST_QUERIES, '/contracts/taxonomy', '/contracts/1000']) before.set(url, (await t.app.inject({ url })).body);
    const closedDetail = (await t.app.inject({ url: '/contracts/2001' })).body;

    await proxy.stop();
    try {
      for (const url of [...LIST_QUERIES, '/contracts/taxonomy', '/contracts/1000']) {
        const response = await t.app.inject({ url });
        expect(response.statusCode, url).toBe(200);
        expect(response.body, url).toBe(before.get(url));
      }
      // Queries never asked before: still answered from memory.
      const fresh = await t.app.inject({ url: '/contracts/?min_price=1020000&sort_by=price&sort_direction=desc&size=7' });
      expect(fresh.statusCode).toBe(200);
      expect(fresh.json().total).toBe(40);
      const openDetail = await t.app.inject({ url: '/contracts/1001' });
      expect(openDetail.statusCode).toBe(200);
      expect(openDetail.json()).toMatchObject({ contract_id: 1001, items: [{ type_id: 621 }, { type_id: 439 }] });
      const closed = await t.app.inject({ url: '/contracts/2001' });
      expect(closed.statusCode).toBe(200);
      expect(closed.body).toBe(closedDetail);
      expect(closed.json()).toMatchObject({ contract_id: 2001, items: [{ type_id: 621 }, { type_id: 439 }], bids: [] });
      // An id the model does not hold may have been stored a moment ago: only the database can say.
      const uncachedDetail = await t.app.inject({ url: '/contracts/999999' });
      expect(uncachedDetail.statusCode).toBe(503);
      expect(uncachedDetail.headers['retry-after']).toBe('5');
      expect(uncachedDetail.body).toBe('{"detail":"Database unavailable, retry shortly"}');
      expect((await t.app.inject({ url: '/ready' })).statusCode).toBe(503);
      expect(await metric(t, 'http_requests_total{handler="/contracts/{contract_id}",method="GET",status="500"}')).toBe(0);
    } finally {
      await proxy.start();
    }
    const backAt = performance.now();
    let status = 0;
    while (performance.now() - backAt < 5000) {
      status = (await t.app.inject({ url: '/contracts/999998' })).statusCode;
      if (status === 404) break;
      await sleep(50);
    }
    expect(status, 'answered by the database again').toBe(404);
    expect(performance.now() - backAt).toBeLessThan(5000);
  });

  it('without the read model, every request that needs the database answers 503 Retry-After: 5, never 500', async () => {
    const proxy = await switchableProxy(db.url);
    const viaProxy = new URL(db.url);
    viaProxy.host = `127.0.0.1:${proxy.port}`;
    const t = await app({ databaseUrl: viaProxy.toString(), env: { READ_MODEL: 'off' } });
    await proxy.stop();
    try {
      for (const url of ['/contracts/?size=11', '/contracts/taxonomy?x=1', '/contracts/1003']) {
        const response = await t.app.inject({ url });
        expect(response.statusCode, url).toBe(503);
        expect(response.headers['retry-after'], url).toBe('5');
        expect(response.json(), url).toEqual({ detail: 'Database unavailable, retry shortly' });
      }
    } finally {
      await proxy.stop();
    }
  });
});

describe('Redis silent: accepts connections, never answers (docs/read-path.md §4)', () => {
  it('latency stays bounded, nothing queues on the socket, and /ready probes leave no listener behind', async () => {
    const silent = await silentServer();
    try {
      const t = await app({ env: { REDIS_URL: `redis://127.0.0.1:${silent.port}`, READ_MODEL: 'off' } });
      const redis = t.container.redis!;
      const listenersBefore = redis.listenerCount('ready');
      for (let i = 0; i < 4; i++) {
        const started = performance.now();
        const ready = await t.app.inject({ url: '/ready' });
        expect(ready.statusCode).toBe(200);
        expect(ready.json().cache).toBe('error');
        // Bounded by the probe's own timeout, with room for a loaded machine; an unbounded wait never ends.
        expect(performance.now() - started).toBeLessThan(5000);
      }
      // Each probe during the outage used to add a once('ready') listener (and a timer) for good.
      expect(redis.listenerCount('ready')).toBeLessThanOrEqual(listenersBefore);
      const queues = redis as unknown as { commandQueue: { length: number }; offlineQueue: { length: number } };
      const queuedBefore = queues.commandQueue.length + queues.offlineQueue.length;
      for (let i = 0; i < 30; i++) {
        const started = performance.now();
        const response = await t.app.inject({ url: `/contracts/?size=${(i % 20) + 1}` });
        expect(response.statusCode).toBe(200);
        // At most a lookup and a store, each cut at the 500 ms command timeout, plus a loaded machine's slack.
        expect(performance.now() - started).toBeLessThan(2500);
      }
      // Requests add nothing to the client's queues: 30 of them would leave 30 or more; what may sit
      // there is only the client's own reconnection handshake (a few commands, whenever it retries).
      expect(queuedBefore).toBeLessThan(5);
      expect(queues.commandQueue.length + queues.offlineQueue.length).toBeLessThan(5);
    } finally {
      await silent.close();
    }
  });
});

describe('the read model never mixes generations', () => {
  it('while generations follow each other, every answer equals the SQL answer of the generation its ETag names', async () => {
    const model = await app();
    const reference = createSqlReads(db.db, createContractReadRepository());
    const expected = new Map<string, string>();
    // The SQL path's answer, read in one snapshot with the generation it belongs to.
    const record = async () => {
      for (const url of LIST_QUERIES) {
        const params = parseContractListQuery(rawQuery(url));
        const { generation, value } = await reference.list(params, livenessInstant(NOW));
        const body = renderListBody({
          counts: value.counts,
          rows: renderedRows(value.rows.map(listRowJson)),
          page: params.page,
          size: params.size,
          coverage: { ingestedRegionIds: value.coverage.ingestedRegionIds, asOf: coverageAsOf(value.coverage.asOf) },
        });
        expected.set(`${generation} ${url}`, body.toString('utf8'));
      }
    };
    await record();
    let stop = false;
    let checked = 0;
    const mismatches: string[] = [];
    const reader = (async () => {
      while (!stop) {
        for (const url of LIST_QUERIES) {
          const response = await model.app.inject({ url });
          const generation = /^W\/"(\d+)\./.exec(String(response.headers.etag))![1];
          const want = expected.get(`${generation} ${url}`);
          if (want === undefined) continue;
          checked += 1;
          if (response.body !== want) mismatches.push(`${url} at generation ${generation}`);
        }
        await sleep(1);
      }
    })();
    for (let round = 0; round < 6; round++) {
      await db.db.transaction(async (tx) => {
        await tx.execute(sql`UPDATE contracts SET price = price + 1, is_ship_contract = NOT is_ship_contract WHERE contract_id % 6 = ${round}`);
        await tx.execute(sql`UPDATE contracts SET closed_at = CASE WHEN closed_at IS NULL THEN now() ELSE NULL END WHERE contract_id % 11 = ${round}`);
        await bumpGeneration(tx);
      });
      await record();
      await sleep(150);
    }
    stop = true;
    await reader;
    expect(mismatches).toEqual([]);
    expect(checked).toBeGreaterThan(50);
  });
});
