import { sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { buildTestApp, type TestApp } from '../support/app.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { insertContracts, insertTaxonomy } from '../support/fixtures.js';
import { validateAgainst } from '../support/openapi-validator.js';
import { silentServer, switchableProxy } from '../support/network.js';

const NOW = new Date('2026-07-21T09:16:30Z');
const redisUrl = inject('redisUrl');
// docs/api.md's six keys in order, then the read model's state (docs/read-path.md §2).
const READY_KEYS = ['commit', 'db', 'cache', 'last_ingest_age_seconds', 'last_ingest_outcome', 'data_stale', 'read_model', 'bids_backlog'];
const DEAD_DATABASE_URL = 'postgres://postgres@127.0.0.1:1/x';
const DEAD_REDIS_URL = 'redis://127.0.0.1:1';
/** docs/api.md §11.3 allows the probes 2 s; the rest is slack for a loaded test machine. */
const PROBE_BUDGET_MS = 2_600;

let db: TestDatabase;
let t: TestApp;
const extraApps: TestApp[] = [];

async function app(options: { databaseUrl?: string; env?: Record<string, string> } = {}): Promise<TestApp> {
  const built = await buildTestApp({ databaseUrl: options.databaseUrl ?? db.url, now: () => NOW, env: options.env });
  extraApps.push(built);
  return built;
}

async function ready(target: TestApp = t) {
  const started = performance.now();
  const response = await target.app.inject({ url: '/ready' });
  const elapsedMs = performance.now() - started;
  expect(response.headers['cache-control']).toBe('no-store');
  expect(response.headers['content-type']).toBe('application/json; charset=utf-8');
  const body = response.json() as Record<string, unknown>;
  expect(Object.keys(body)).toStrictEqual(READY_KEYS);
  return { status: response.statusCode, body, elapsedMs };
}

async function insertRun(outcome: string | null, finishedSecondsAgo: number | null, scope = 'run'): Promise<void> {
  const finishedAt = finishedSecondsAgo === null ? null : new Date(NOW.getTime() - finishedSecondsAgo * 1000).toISOString();
  const startedAt = new Date(NOW.getTime() - ((finishedSecondsAgo ?? 0) + 60) * 1000).toISOString();
  await db.db.execute(sql`
    INSERT INTO sync_runs (scope, trigger, started_at, finished_at, outcome)
    VALUES (${scope}, 'schedule', ${startedAt}::timestamptz, ${finishedAt}::timestamptz, ${outcome})`);
}


beforeAll(async () => {
  db = await createTestDatabase();
  await insertTaxonomy(db.db);
  await insertContracts(db.db, [{ contractId: 5, items: [{ typeId: 587 }] }, { contractId: 6, items: [{ typeId: 621 }] }], NOW);
  t = await buildTestApp({ databaseUrl: db.url, now: () => NOW, env: { AGGREGATION_INTERVAL_SECONDS: '1800' } });
});

afterEach(async () => {
  await db.db.execute(sql`DELETE FROM sync_runs`);
  await Promise.all(extraApps.splice(0).map((extra) => extra.close()));
});

afterAll(async () => {
  await t?.close();
  await db?.drop();
});

describe('GET /health and GET / (docs/api.md §11.1–11.2)', () => {
  it('/health → 200 {"status":"ok"} with no-store (case 70)', async () => {
    const response = await t.app.inject({ url: '/health' });
    expect(response.statusCode).toBe(200);
    expect(response.body).toBe('{"status":"ok"}');
    expect(response.headers['cache-control']).toBe('no-store');
    expect(response.headers['content-type']).toBe('application/json; charset=utf-8');
  });

  it('/health stays 200 with Postgres and Redis unreachable (case 70)', async () => {
    const down = await app({ databaseUrl: DEAD_DATABASE_URL, env: { REDIS_URL: DEAD_REDIS_URL } });
    const response = await down.app.inject({ url: '/health' });
    expect(response.statusCode).toBe(200);
    expect(response.body).toBe('{"status":"ok"}');
  });

  it('/ with ENVIRONMENT=test → the welcome message of that environment (case 70)', async () => {
    const response = await t.app.inject({ url: '/' });
    expect(response.statusCode).toBe(200);
    expect(response.body).toBe('{"message":"Welcome to Hangar Bay API - test environment"}');
    const development = await app({ env: { ENVIRONMENT: 'development' } });
    expect((await development.app.inject({ url: '/' })).json()).toStrictEqual({ message: 'Welcome to Hangar Bay API - development environment' });
  });
});

describe('GET /ready — freshness (docs/api.md §11.3)', () => {
  it('interval 1800, newest run success finished now−600s → 200 with the keys in order (case 71)', async () => {
    await insertRun('success', 600);
    const { status, body } = await ready();
    expect(status).toBe(200);
    expect(body).toStrictEqual({
      commit: 'unknown',
      db: 'ok',
      cache: 'ok',
      last_ingest_age_seconds: 600,
      last_ingest_outcome: 'success',
      data_stale: false,
      read_model: { state: 'ready', generation: 2, open_contracts: 2, stored_contracts: 2, load_seconds: expect.any(Number), held_details: 0, details_to_read: 0 },
      bids_backlog: { due: 0, backing_off: 0, oldest_due_seconds: null },
    });
  });

  it('READ_MODEL=off → the read model is reported off, and readiness is unchanged', async () => {
    const withoutModel = await app({ env: { READ_MODEL: 'off' } });
    const { status, body } = await ready(withoutModel);
    expect(status).toBe(200);
    expect(body.read_model).toStrictEqual({ state: 'off', generation: null, open_contracts: 0, stored_contracts: 0, load_seconds: null, held_details: 0, details_to_read: 0 });
  });

  it('GIT_COMMIT=abc123 → "commit":"abc123" (case 71)', async () => {
    const withCommit = await app({ env: { GIT_COMMIT: 'abc123' } });
    expect((await ready(withCommit)).body.commit).toBe('abc123');
  });

  it('no run recorded → age and outcome null, data_stale true, still 200 (case 72)', async () => {
    const { status, body } = await ready();
    expect(status).toBe(200);
    expect(body).toMatchObject({ db: 'ok', last_ingest_age_seconds: null, last_ingest_outcome: null, data_stale: true });
  });

  it('age 3600 (= 2 × interval) → not stale; 3601 → stale, still 200 (case 72)', async () => {
    await insertRun('success', 3600);
    expect((await ready()).body).toMatchObject({ last_ingest_age_seconds: 3600, data_stale: false });
    await db.db.execute(sql`DELETE FROM sync_runs`);
    await insertRun('partial', 3601);
    const { status, body } = await ready();
    expect(status).toBe(200);
    expect(body).toMatchObject({ last_ingest_age_seconds: 3601, last_ingest_outcome: 'partial', data_stale: true });
  });

  it('a failure finished after a partial (now−100s) → outcome failure, age 100; region rows and unfinished runs do not count (case 72)', async () => {
    await insertRun('success', 5000);
    await insertRun('partial', 100);
    await insertRun('failure', 50);
    await insertRun(null, null);
    await insertRun('success', 5, 'region');
    const { status, body } = await ready();
    expect(status).toBe(200);
    expect(body).toMatchObject({ last_ingest_age_seconds: 100, last_ingest_outcome: 'failure', data_stale: false });
  });

  it('run records unreadable → age and outcome null, db still ok, 200 (case 72)', async () => {
    await insertRun('success', 600);
    await db.db.execute(sql`ALTER TABLE sync_runs RENAME TO sync_runs_hidden`);
    try {
      const { status, body } = await ready();
      expect(status).toBe(200);
      expect(body).toMatchObject({ db: 'ok', cache: 'ok', last_ingest_age_seconds: null, last_ingest_outcome: null, data_stale: true });
    } finally {
      await db.db.execute(sql`ALTER TABLE sync_runs_hidden RENAME TO sync_runs`);
    }
  });
});

describe('GET /ready — dependencies (docs/api.md §11.3)', () => {
  it('Postgres unreachable → 503, db "error", same keys, well within the probe budget (case 73)', async () => {
    const down = await app({ databaseUrl: DEAD_DATABASE_URL });
    const { status, body, elapsedMs } = await ready(down);
    expect(status).toBe(503);
    expect(body).toStrictEqual({
      commit: 'unknown',
      db: 'error',
      cache: 'ok',
      last_ingest_age_seconds: null,
      last_ingest_outcome: null,
      data_stale: true,
      read_model: { state: 'failed', generation: null, open_contracts: 0, stored_contracts: 0, load_seconds: null, held_details: 0, details_to_read: 0 },
      bids_backlog: null,
    });
    expect(elapsedMs).toBeLessThan(PROBE_BUDGET_MS);
    expect((await down.app.inject({ url: '/health' })).statusCode).toBe(200);
  });

  it('Postgres silent (accepts, never answers) → 503 db "error" within ~2 s (case 73)', async () => {
    const silent = await silentServer();
    try {
      const hung = await app({ databaseUrl: `postgres://postgres@127.0.0.1:${silent.port}/x` });
      const { status, body, elapsedMs } = await ready(hung);
      expect(status).toBe(503);
      expect(body.db).toBe('error');
      expect(elapsedMs).toBeLessThan(PROBE_BUDGET_MS);
      expect((await hung.app.inject({ url: '/health' })).statusCode).toBe(200);
    } finally {
      await silent.close();
    }
  });

  it('Postgres recovers on the next call after it returns, without a restart (case 73)', async () => {
    const proxy = await switchableProxy(db.url);
    try {
      const target = new URL(db.url);
      target.host = `127.0.0.1:${proxy.port}`;
      const viaProxy = await app({ databaseUrl: target.toString() });
      await insertRun('success', 600);
      expect(await ready(viaProxy)).toMatchObject({ status: 200, body: { db: 'ok', last_ingest_age_seconds: 600 } });
      await proxy.stop();
      expect(await ready(viaProxy)).toMatchObject({ status: 503, body: { db: 'error', last_ingest_age_seconds: null } });
      await proxy.start();
      expect(await ready(viaProxy)).toMatchObject({ status: 200, body: { db: 'ok', last_ingest_age_seconds: 600 } });
    } finally {
      await proxy.stop();
    }
  });

  it('no REDIS_URL → cache "ok" (the in-process cache) (case 73)', async () => {
    expect((await ready()).body.cache).toBe('ok');
  });

  it('Redis unreachable → 200 with cache "error", and the list is still answered correctly (case 73)', async () => {
    const noRedis = await app({ env: { REDIS_URL: DEAD_REDIS_URL } });
    const { status, body, elapsedMs } = await ready(noRedis);
    expect(status).toBe(200);
    expect(body).toMatchObject({ db: 'ok', cache: 'error' });
    expect(elapsedMs).toBeLessThan(PROBE_BUDGET_MS);
    const list = await noRedis.app.inject({ url: '/contracts/' });
    expect(list.statusCode).toBe(200);
    expect(validateAgainst('ContractListResponse', list.json())).toBeNull();
    expect(list.body).toBe((await t.app.inject({ url: '/contracts/' })).body);
    expect(list.json().total).toBe(2);
  });

  it('Redis silent → 200 with cache "error" within ~2 s (case 73)', async () => {
    const silent = await silentServer();
    try {
      const hung = await app({ env: { REDIS_URL: `redis://127.0.0.1:${silent.port}` } });
      const { status, body, elapsedMs } = await ready(hung);
      expect(status).toBe(200);
      expect(body.cache).toBe('error');
      expect(elapsedMs).toBeLessThan(PROBE_BUDGET_MS);
    } finally {
      await silent.close();
    }
  });

  it.skipIf(!redisUrl)('case 73 (needs Redis): cache "ok" with Redis up, "error" when it stops, "ok" again on the next call after it returns', async () => {
    const proxy = await switchableProxy(redisUrl);
    try {
      const viaProxy = await app({ env: { REDIS_URL: `redis://127.0.0.1:${proxy.port}` } });
      expect(await ready(viaProxy)).toMatchObject({ status: 200, body: { cache: 'ok' } });
      await proxy.stop();
      expect(await ready(viaProxy)).toMatchObject({ status: 200, body: { db: 'ok', cache: 'error' } });
      await proxy.start();
      expect(await ready(viaProxy)).toMatchObject({ status: 200, body: { cache: 'ok' } });
    } finally {
      await proxy.stop();
    }
  });
});

describe('GET /metrics (docs/api.md §11.4)', () => {
  function seriesValue(text: string, name: string, labels: Record<string, string>): number {
    let sum = 0;
    for (const line of text.split('\n')) {
      if (!line.startsWith(`${name}{`)) continue;
      if (Object.entries(labels).every(([key, value]) => line.includes(`${key}="${value}"`))) sum += Number(line.split(' ').at(-1));
    }
    return sum;
  }

  it('no METRICS_TOKEN → 200 Prometheus text to anyone (case 74)', async () => {
    const response = await t.app.inject({ url: '/metrics' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(response.body).toContain('# TYPE http_requests_total counter');
  });

  it('METRICS_TOKEN=s3cret: no, wrong or lowercase-scheme credentials → 401; "Bearer s3cret" → 200 (case 74)', async () => {
    const gated = await app({ env: { METRICS_TOKEN: 's3cret' } });
    const rejected: (string | undefined)[] = [undefined, 'Bearer wrong', 'bearer s3cret', 'Bearer s3cret2', 'Bearer  s3cret', 'Basic czNjcmV0', 's3cret', ''];
    for (const authorization of rejected) {
      for (const url of ['/metrics', '/api/v1/metrics/']) {
        const response = await gated.app.inject({ url, headers: authorization === undefined ? {} : { authorization } });
        expect(response.statusCode, `${url} with ${authorization}`).toBe(401);
        expect(response.body).toBe('{"detail":"Unauthorized"}');
        expect(response.headers['www-authenticate']).toBe('Bearer');
        expect(response.headers['cache-control']).toBe('no-store');
      }
    }
    const accepted = await gated.app.inject({ url: '/metrics', headers: { authorization: 'Bearer s3cret' } });
    expect(accepted.statusCode).toBe(200);
    expect(accepted.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
    for (const line of gated.rawLogs) expect(line).not.toContain('s3cret');
  });

  it('requests are counted by canonical handler whatever the prefix or slash form; unmatched paths add no series (case 75)', async () => {
    const fresh = await app({ env: { ROLE: 'api' } });
    for (const url of ['/api/v1/contracts?x=1', '/contracts', '/contracts/5/', '/nope/123', '/api/v1/nope/456']) {
      await fresh.app.inject({ url });
    }
    const text = (await fresh.app.inject({ url: '/metrics' })).body;
    expect(seriesValue(text, 'http_requests_total', { handler: '/contracts/' })).toBe(2);
    expect(seriesValue(text, 'http_requests_total', { handler: '/contracts/{contract_id}' })).toBe(1);
    expect(seriesValue(text, 'http_requests_total', { handler: '/contracts/{contract_id}', method: 'GET', status: '200' })).toBe(1);
    expect(text).toMatch(/^http_request_duration_seconds_count\{handler="\/contracts\/",method="GET"\} 2$/m);
    expect(text).toContain('hangar_bay_requests_inprogress');
    expect(text).not.toContain('nope');
    expect(text).not.toContain('/api/v1');
  });

  it('a ROLE=api process reports hangar_bay_data_generation = G and the last successful ingest time from Postgres (case 75)', async () => {
    await insertRun('success', 600);
    await insertRun('failure', 60);
    const [{ generation }] = (await db.db.execute<{ generation: string }>(sql`SELECT generation FROM sync_state WHERE id = 1`)) as unknown as [
      { generation: string },
    ];
    const apiOnly = await app({ env: { ROLE: 'api' } });
    const text = (await apiOnly.app.inject({ url: '/metrics' })).body;
    expect(text).toMatch(new RegExp(`^hangar_bay_data_generation ${Number(generation)}$`, 'm'));
    expect(text).toMatch(new RegExp(`^hangar_bay_last_ingest_success_timestamp ${(NOW.getTime() - 600_000) / 1000}$`, 'm'));
  });
});

describe('GET /status: the operator page', () => {
  async function seedStatus(): Promise<void> {
    await db.db.execute(sql`DELETE FROM sync_regions`);
    await db.db.execute(sql`
      INSERT INTO sync_regions (region_id, open_count, last_snapshot_at, next_poll_at, last_outcome, last_detail, updated_at) VALUES
        (10000002, 35012, ${new Date(NOW.getTime() - 240_000).toISOString()}::timestamptz, ${new Date(NOW.getTime() + 1_560_000).toISOString()}::timestamptz, 'success', NULL, now()),
        (10000043, 4100, ${new Date(NOW.getTime() - 300_000).toISOString()}::timestamptz, ${new Date(NOW.getTime() + 60_000).toISOString()}::timestamptz, 'partial', '<script>alert(1)</script>', now())`);
    await db.db.execute(sql`
      INSERT INTO sync_runs (scope, trigger, started_at, finished_at, outcome, detail, esi_requests, contracts_new, contracts_closed, items_fetched) VALUES
        ('run', 'schedule', ${new Date(NOW.getTime() - 400_000).toISOString()}::timestamptz, ${new Date(NOW.getTime() - 300_000).toISOString()}::timestamptz, 'partial', 'regions', 1234, 17, 9, 15)`);
    await db.db.execute(sql`
      INSERT INTO esi_status (id, error_limit_remain, paused_until, pause_reason, updated_at)
      VALUES (1, 87, ${new Date(NOW.getTime() + 45_000).toISOString()}::timestamptz, '420', now())
      ON CONFLICT (id) DO UPDATE SET error_limit_remain = EXCLUDED.error_limit_remain, paused_until = EXCLUDED.paused_until, pause_reason = EXCLUDED.pause_reason`);
  }

  it('one HTML page: regions by name, queues, ESI budget and pause, the last runs, the generation and the read model; escaped, no script, reloads every 30 s', async () => {
    await seedStatus();
    const target = await app({ env: { AGGREGATION_REGION_IDS: '10000002,10000043,10000030' } });
    const response = await target.app.inject({ url: '/status' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(response.headers['cache-control']).toBe('no-store');
    const html = response.body;
    expect(html).toContain('<meta http-equiv="refresh" content="30">');
    expect(html).not.toMatch(/<script|src=|href=/i);
    expect(html).toContain('The Forge <small>10000002</small>');
    expect(html).toContain('35,012');
    expect(html).toContain('Heimatar <small>10000030</small>');
    expect(html).toContain('not swept yet');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('2026-07-21 09:12:30 UTC</time> <small>4 min ago</small>');
    expect(html).toContain('in 26 min');
    expect(html).toMatch(/<dd id="items-queue">\d+ due, 0 backing off/);
    expect(html).toMatch(/<dd id="bids-queue">\d+ live auctions due, 0 backing off/);
    expect(html).toContain('87 errors left in the window');
    expect(html).toMatch(/paused \(420\) until .*in 45 s/);
    expect(html).toMatch(/<td><span class="warn">partial<\/span> <small>regions<\/small><\/td><td>100\.0 s<\/td><td>1,234<\/td><td>17<\/td><td>9<\/td><td>15<\/td>/);
    expect(html).toMatch(/Read model<\/dt><dd>ready, generation \d+, 2 open of 2 held/);
  });

  it('with AGGREGATION_REGION_IDS=all, a process that never called ESI counts the swept regions as configured', async () => {
    await seedStatus();
    const target = await app({ env: { ROLE: 'api', AGGREGATION_REGION_IDS: 'all' } });
    const html = (await target.app.inject({ url: '/status' })).body;
    expect(html).toContain('The Forge <small>10000002</small>');
    expect(html).toContain('Domain <small>10000043</small>');
    expect(html).not.toContain('no longer configured');
  });

  it('METRICS_TOKEN guards it as it guards /metrics', async () => {
    const target = await app({ env: { METRICS_TOKEN: 's3cret' } });
    expect((await target.app.inject({ url: '/status' })).statusCode).toBe(401);
    expect((await target.app.inject({ url: '/status', headers: { authorization: 'Bearer nope' } })).statusCode).toBe(401);
    const allowed = await target.app.inject({ url: '/status', headers: { authorization: 'Bearer s3cret' } });
    expect(allowed.statusCode).toBe(200);
    expect(allowed.body).toContain('<h1>Hangar Bay status</h1>');
  });

  it('the database unreachable → 503 with Retry-After, still a page saying so, never a 500', async () => {
    const target = await app({ databaseUrl: DEAD_DATABASE_URL, env: { AGGREGATION_REGION_IDS: '10000002' } });
    const response = await target.app.inject({ url: '/status' });
    expect(response.statusCode).toBe(503);
    expect(response.headers['retry-after']).toBe('5');
    expect(response.body).toContain('id="database-error"');
    expect(response.body).toContain('The Forge <small>10000002</small>');
  });
});
