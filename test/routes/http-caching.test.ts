import { randomInt } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { buildTestApp, type TestApp } from '../support/app.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { insertContracts, insertTaxonomy } from '../support/fixtures.js';
import { validateAgainst } from '../support/openapi-validator.js';

const L = Date.parse('2026-07-21T09:16:00Z');
const NOW = new Date(L + 30_000);
const redisUrl = inject('redisUrl');

/** The service may reuse a generation read up to 1 s ago (docs/api.md §5); past that a commit must show. */
const CACHED_URLS = ['/contracts/', '/contracts/taxonomy', '/contracts/101'];

let db: TestDatabase;
let t: TestApp;
let clock = NOW;

function validate(url: string, body: unknown): void {
  const schema = url.startsWith('/contracts/taxonomy') ? 'TaxonomyResponse' : url.startsWith('/contracts/1') ? 'ContractDetailSchema' : 'ContractListResponse';
  expect(validateAgainst(schema, body)).toBeNull();
}

async function get(url: string, headers: Record<string, string> = {}, app: TestApp = t) {
  return app.app.inject({ url, headers });
}

async function etagOf(url: string, app: TestApp = t): Promise<string> {
  const response = await get(url, {}, app);
  expect(response.statusCode, `${url}: ${response.body}`).toBe(200);
  validate(url, response.json());
  const etag = response.headers.etag;
  expect(typeof etag).toBe('string');
  return etag as string;
}

/** The value of a counter series in a Prometheus exposition, 0 when absent. */
async function metricValue(app: TestApp, series: string): Promise<number> {
  const response = await get('/metrics', {}, app);
  expect(response.statusCode).toBe(200);
  const line = response.body.split('\n').find((candidate) => candidate.startsWith(`${series} `));
  return line === undefined ? 0 : Number(line.slice(series.length + 1));
}

beforeAll(async () => {
  db = await createTestDatabase();
  await insertTaxonomy(db.db);
  await insertContracts(
    db.db,
    [
      { contractId: 101, items: [{ typeId: 587 }] },
      { contractId: 102, type: 'auction', price: 5_000_000, items: [{ typeId: 687, isBlueprintCopy: true, runs: 10, me: 8, te: 14 }] },
    ],
    NOW,
  );
  t = await buildTestApp({ databaseUrl: db.url, now: () => clock });
});

afterAll(async () => {
  await t?.close();
  await db?.drop();
});

describe('ETag and conditional requests (docs/api.md §5)', () => {
  it('list, taxonomy and detail 200s carry a weak ETag, public no-cache and Vary; If-None-Match of it → 304 with no body (case 58)', async () => {
    for (const url of CACHED_URLS) {
      const first = await get(url);
      expect(first.statusCode, url).toBe(200);
      validate(url, first.json());
      const etag = first.headers.etag as string;
      expect(etag, url).toMatch(/^W\/"[^"*]+"$/);
      expect(first.headers['cache-control'], url).toBe('public, no-cache');
      expect(String(first.headers.vary).toLowerCase(), url).toContain('accept-encoding');

      const revalidated = await get(url, { 'if-none-match': etag, 'x-request-id': 'revalidate-1' });
      expect(revalidated.statusCode, url).toBe(304);
      expect(revalidated.body, url).toBe('');
      expect(revalidated.headers.etag, url).toBe(etag);
      expect(revalidated.headers['cache-control'], url).toBe('public, no-cache');
      expect(String(revalidated.headers.vary).toLowerCase(), url).toContain('accept-encoding');
      expect(revalidated.headers['x-request-id'], url).toBe('revalidate-1');
    }
  });

  it('HEAD revalidation is a 304 too (case 58)', async () => {
    const etag = await etagOf('/contracts/');
    const response = await t.app.inject({ method: 'HEAD', url: '/contracts/', headers: { 'if-none-match': etag } });
    expect(response.statusCode).toBe(304);
    expect(response.body).toBe('');
    expect(response.headers.etag).toBe(etag);
  });

  it('/health, /ready and the other non-data routes send no-store and no ETag (case 58)', async () => {
    for (const url of ['/health', '/ready', '/', '/metrics', '/openapi.json', '/me']) {
      const response = await get(url);
      expect(response.headers['cache-control'], url).toBe('no-store');
      expect(response.headers.etag, url).toBeUndefined();
    }
  });

  it('If-None-Match "*", a list containing W/"<tag>", and the strong form "<tag>" → 304; an unrelated tag → 200 (case 59)', async () => {
    for (const url of CACHED_URLS) {
      const etag = await etagOf(url);
      const opaque = etag.slice(2);
      for (const header of ['*', `"x", ${etag}`, `W/"nope",${etag}`, opaque, `"x", ${opaque}`]) {
        const response = await get(url, { 'if-none-match': header });
        expect(response.statusCode, `${url} with If-None-Match: ${header}`).toBe(304);
        expect(response.headers.etag).toBe(etag);
      }
      for (const header of ['"x"', 'W/"0.0.0"', `${etag.slice(0, -2)}"`, '']) {
        const response = await get(url, { 'if-none-match': header });
        expect(response.statusCode, `${url} with If-None-Match: ${header}`).toBe(200);
        expect(response.headers.etag).toBe(etag);
      }
    }
  });

  it('validation runs first: ?page=0 → 422 and an unknown contract → 404 even with If-None-Match: * (case 59)', async () => {
    const invalid = await get('/contracts/?page=0', { 'if-none-match': '*' });
    expect(invalid.statusCode).toBe(422);
    expect(validateAgainst('HTTPValidationError', invalid.json())).toBeNull();
    expect(invalid.headers.etag).toBeUndefined();
    expect(invalid.headers['cache-control']).toBe('no-store');

    const badId = await get('/contracts/abc', { 'if-none-match': '*' });
    expect(badId.statusCode).toBe(422);

    const missing = await get('/contracts/999999999', { 'if-none-match': '*' });
    expect(missing.statusCode).toBe(404);
    expect(missing.body).toBe('{"detail":"Contract not found"}');
    expect(missing.headers.etag).toBeUndefined();
    expect(missing.headers['cache-control']).toBe('no-store');
    // Asked twice: the first answer must not have left anything behind that turns it into a 304.
    expect((await get('/contracts/999999999', { 'if-none-match': '*' })).statusCode).toBe(404);
  });

  it('list and taxonomy ETags are equal at L+10s and L+50s and change at L+70s; the detail ETag does not (case 61)', async () => {
    try {
      clock = new Date(L + 10_000);
      const early = await Promise.all(CACHED_URLS.map((url) => etagOf(url)));
      clock = new Date(L + 50_000);
      const late = await Promise.all(CACHED_URLS.map((url) => etagOf(url)));
      clock = new Date(L + 70_000);
      const nextMinute = await Promise.all(CACHED_URLS.map((url) => etagOf(url)));
      expect(late).toStrictEqual(early);
      expect(nextMinute[0]).not.toBe(early[0]);
      expect(nextMinute[1]).not.toBe(early[1]);
      expect(nextMinute[2]).toBe(early[2]);
      // A client's L+10s tag no longer validates a minute later (expiry may have changed the list).
      const stale = await get('/contracts/', { 'if-none-match': early[0]! });
      expect(stale.statusCode).toBe(200);
      const detail = await get('/contracts/101', { 'if-none-match': early[2]! });
      expect(detail.statusCode).toBe(304);
    } finally {
      clock = NOW;
    }
  });

  it('one ETag for no query, ?page=1, the explicit defaults and unknown parameters; list values de-duplicated and sorted (case 61)', async () => {
    const plain = await etagOf('/contracts/');
    for (const url of ['/contracts/?page=1', '/contracts/?utm=x', '/contracts/?page=1&size=50&sort_by=date_issued&sort_direction=desc', '/contracts?foo=bar&utm_source=x']) {
      expect(await etagOf(url), url).toBe(plain);
    }
    const regions = await etagOf('/contracts/?region_ids=2&region_ids=1&region_ids=1');
    expect(await etagOf('/contracts/?region_ids=1&region_ids=2')).toBe(regions);
    expect(regions).not.toBe(plain);
    expect(await etagOf('/contracts/?region_ids=1')).not.toBe(regions);
    expect(await etagOf('/contracts/?page=2')).not.toBe(plain);
    expect(await etagOf('/contracts/?sort_direction=asc')).not.toBe(plain);
  });
});

describe('a new data generation (docs/api.md §5)', () => {
  it('rows written without a generation change (an all-unchanged run) leave every ETag unchanged (case 60)', async () => {
    const before = await Promise.all(CACHED_URLS.map((url) => etagOf(url)));
    await db.db.execute(sql`
      INSERT INTO sync_runs (scope, trigger, started_at, finished_at, outcome)
      VALUES ('run', 'schedule', now() - interval '1 minute', now(), 'success')`);
    await t.seesCurrentGeneration();
    for (const [index, url] of CACHED_URLS.entries()) {
      const response = await get(url, { 'if-none-match': before[index]! });
      expect(response.statusCode, url).toBe(304);
    }
  });

  it('a committed insert: from 1 s later the old ETags get 200, total +1 and a new ETag (case 60)', async () => {
    const oldList = await get('/contracts/');
    const oldTotal = oldList.json().total as number;
    const before = await Promise.all(CACHED_URLS.map((url) => etagOf(url)));
    await insertContracts(db.db, [{ contractId: 103, items: [{ typeId: 621 }] }], NOW);
    await t.seesCurrentGeneration();
    for (const [index, url] of CACHED_URLS.entries()) {
      const response = await get(url, { 'if-none-match': before[index]! });
      expect(response.statusCode, url).toBe(200);
      validate(url, response.json());
      expect(response.headers.etag, url).not.toBe(before[index]);
    }
    const list = await get('/contracts/');
    expect(list.json().total).toBe(oldTotal + 1);
    expect((list.json().items as { contract_id: number }[]).map((row) => row.contract_id)).toContain(103);
  });
});

describe('server-side result cache (docs/api.md §5)', () => {
  /**
   * 6 contracts → list (miss) → list again (hit) → insert one → 7, never the cached 6. The SQL path
   * caches every result; the read model keeps an answer once it has been asked for twice (unique
   * queries would only churn the cache), so there the third request is the hit.
   */
  async function neverStale(app: TestApp, firstId: number, asksBeforeHit = 1): Promise<void> {
    await db.db.execute(sql`DELETE FROM contracts`);
    await insertContracts(db.db, Array.from({ length: 6 }, (_, i) => ({ contractId: firstId + i, items: [{ typeId: 587 }] })), NOW);
    await app.seesCurrentGeneration();
    const hits = 'hangar_bay_response_cache_total{route="list",result="hit"}';
    const first = await get('/contracts/?size=10', {}, app);
    expect(first.json().total).toBe(6);
    for (let ask = 1; ask < asksBeforeHit; ask++) expect((await get('/contracts/?size=10', {}, app)).body).toBe(first.body);
    await sleep(50);
    const hitsBefore = await metricValue(app, hits);
    const second = await get('/contracts/?size=10', {}, app);
    expect(second.body).toBe(first.body);
    expect(await metricValue(app, hits)).toBe(hitsBefore + 1);

    await insertContracts(db.db, [{ contractId: firstId + 6, items: [{ typeId: 621 }] }], NOW);
    await app.seesCurrentGeneration();
    const third = await get('/contracts/?size=10', {}, app);
    expect(third.statusCode).toBe(200);
    validate('/contracts/', third.json());
    expect(third.json().total).toBe(7);
    expect(third.json().items).toHaveLength(7);
  }

  it('in-process cache: 6 → insert → 7, never a result of the older generation (SQL path) (case 62)', async () => {
    const app = await buildTestApp({ databaseUrl: db.url, now: () => NOW, env: { READ_MODEL: 'off' } });
    try {
      await neverStale(app, 6200);
    } finally {
      await app.close();
    }
  });

  it('read model answers: 6 → insert → 7, never a result of the older generation (case 62)', async () => {
    const app = await buildTestApp({ databaseUrl: db.url, now: () => NOW });
    try {
      await neverStale(app, 6250, 2);
    } finally {
      await app.close();
    }
  });

  it.skipIf(!redisUrl)('case 62 (needs Redis): Redis cache: 6 → insert → 7, never a result of the older generation', async () => {
    // Redis is shared by every test file and run: a generation no other database has keeps our keys ours.
    await db.db.execute(sql`UPDATE sync_state SET generation = ${randomInt(1_000_000_000, 2_000_000_000)} WHERE id = 1`);
    const app = await buildTestApp({ databaseUrl: db.url, now: () => NOW, env: { REDIS_URL: redisUrl, READ_MODEL: 'off' } });
    try {
      await neverStale(app, 6300);
    } finally {
      await app.close();
    }
  });

  it('Redis unreachable → the list is still 200 and correct, and result="error" rises (case 62)', async () => {
    // The SQL path is the one whose results go to Redis; the read model's never leave the process.
    const app = await buildTestApp({ databaseUrl: db.url, now: () => NOW, env: { REDIS_URL: 'redis://127.0.0.1:1', READ_MODEL: 'off' } });
    try {
      const errors = 'hangar_bay_response_cache_total{route="list",result="error"}';
      const healthy = await get('/contracts/?size=100');
      expect(healthy.statusCode).toBe(200);
      const before = await metricValue(app, errors);
      const response = await get('/contracts/?size=100', {}, app);
      expect(response.statusCode).toBe(200);
      validate('/contracts/', response.json());
      expect(response.body).toBe(healthy.body);
      expect(response.headers.etag).toBe(healthy.headers.etag);
      expect(await metricValue(app, errors)).toBeGreaterThan(before);
      const someId = (response.json().items as { contract_id: number }[])[0]!.contract_id;
      const detail = await get(`/contracts/${someId}`, {}, app);
      expect(detail.statusCode).toBe(200);
    } finally {
      await app.close();
    }
  });
});
