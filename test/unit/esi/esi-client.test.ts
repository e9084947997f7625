import { gzipSync } from 'node:zlib';
import { Registry } from 'prom-client';
import type { MockAgent } from 'undici';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createEsiMetrics } from '../../../src/esi/esi-metrics.js';
import type { EsiRequest } from '../../../src/esi/types.js';
import { drive, mockEsi, testClient, useFakeTime } from './esi-test-support.js';

const LISTING: EsiRequest = { route: 'contracts_public', path: '/contracts/public/10000002', query: { page: 1 }, priority: 'discovery' };
const LISTING_PATH = '/esi/contracts/public/10000002?page=1';

interface Seen {
  readonly path: string;
  readonly method: string;
  readonly headers: Record<string, string>;
  readonly body: unknown;
  readonly at: number;
}

/** Answers every request with `reply(path)` and records what was sent and when (fake time). */
function recordAll(pool: ReturnType<MockAgent['get']>, reply: (path: string) => { status: number; data: string } = () => ({ status: 200, data: '[]' })) {
  const seen: Seen[] = [];
  pool
    .intercept({ path: () => true, method: () => true })
    .reply((opts) => {
      seen.push({ path: opts.path, method: opts.method, headers: { ...(opts.headers as Record<string, string>) }, body: opts.body, at: Date.now() });
      const { status, data } = reply(opts.path);
      return { statusCode: status, data };
    })
    .persist();
  return seen;
}

/** Queues one reply per status for the listing path, recording each request's fake start time. */
function replySequence(pool: ReturnType<MockAgent['get']>, statuses: readonly number[], body = '[]'): number[] {
  const times: number[] = [];
  for (const status of statuses) {
    pool.intercept({ path: LISTING_PATH, method: 'GET' }).reply(() => {
      times.push(Date.now());
      return { statusCode: status, data: status < 300 ? body : '{"error":"x"}' };
    });
  }
  return times;
}

beforeEach(() => useFakeTime());
afterEach(() => vi.useRealTimers());

describe('request headers and paths (case 76)', () => {
  it('sends the §3.1 headers on every route, unversioned paths under the base path, page 1 included', async () => {
    const { agent, pool } = mockEsi();
    const seen = recordAll(pool, (path) => ({ status: 200, data: path.includes('names') ? '[]' : '{}' }));
    const { client } = testClient(agent);
    const requests: EsiRequest[] = [
      LISTING,
      { route: 'contracts_items', path: '/contracts/public/items/190753200', query: { page: 1 } },
      { route: 'universe_names', path: '/universe/names', method: 'POST', body: [2119882841, 98507191] },
      { route: 'universe_stations', path: '/universe/stations/60003760' },
      { route: 'universe_types', path: '/universe/types/645' },
      { route: 'universe_groups', path: '/universe/groups/27' },
      { route: 'universe_categories', path: '/universe/categories/6' },
    ];
    for (const request of requests) expect((await drive(client.request(request))).kind).toBe('ok');

    expect(seen.map((s) => `${s.method} ${s.path}`)).toEqual([
      'GET /esi/contracts/public/10000002?page=1',
      'GET /esi/contracts/public/items/190753200?page=1',
      'POST /esi/universe/names',
      'GET /esi/universe/stations/60003760',
      'GET /esi/universe/types/645',
      'GET /esi/universe/groups/27',
      'GET /esi/universe/categories/6',
    ]);
    for (const { headers, method } of seen) {
      expect(headers).toMatchObject({
        'user-agent': 'HangarBay/0.1.0 (ops@example.com; +https://github.com/example/hangar-bay)',
        'x-compatibility-date': '2026-07-21',
        'accept-encoding': 'gzip',
        accept: 'application/json',
        'accept-language': 'en',
      });
      expect(headers['content-type']).toBe(method === 'POST' ? 'application/json' : undefined);
      expect(headers).not.toHaveProperty('if-none-match');
    }
    expect(seen[2]!.body).toBe('[2119882841,98507191]');
    expect(client.requestCount()).toBe(7);
  });

  it('sends If-None-Match only when given and non-empty', async () => {
    const { agent, pool } = mockEsi();
    const seen = recordAll(pool);
    const { client } = testClient(agent);
    await drive(client.request({ ...LISTING, ifNoneMatch: '' }));
    await drive(client.request({ ...LISTING, ifNoneMatch: '"abc123"' }));
    expect(seen[0]!.headers).not.toHaveProperty('if-none-match');
    expect(seen[1]!.headers['if-none-match']).toBe('"abc123"');
  });
});

describe('responses', () => {
  it('gunzips a gzip body and parses it; 204 and 304 are ok with json null', async () => {
    const { agent, pool } = mockEsi();
    const rows = [{ contract_id: 190753200, type: 'item_exchange' }];
    pool.intercept({ path: LISTING_PATH }).reply(200, gzipSync(JSON.stringify(rows)), { headers: { 'content-encoding': 'gzip', etag: '"e1"' } });
    pool.intercept({ path: LISTING_PATH }).reply(204, '');
    pool.intercept({ path: LISTING_PATH }).reply(304, '', { headers: { etag: '"e1"' } });
    const { client } = testClient(agent);

    const first = await drive(client.request(LISTING));
    expect(first).toMatchObject({ kind: 'ok', status: 200, json: rows, headers: { etag: '"e1"' } });
    expect(first.kind === 'ok' && first.body.toString()).toBe(JSON.stringify(rows));
    expect(await drive(client.request(LISTING))).toMatchObject({ kind: 'ok', status: 204, json: null });
    expect(await drive(client.request(LISTING))).toMatchObject({ kind: 'ok', status: 304, json: null });
  });

  it('counts every attempt and reports each one to the metrics hooks', async () => {
    const { agent, pool } = mockEsi();
    replySequence(pool, [503, 200]);
    const registry = new Registry();
    const metrics = createEsiMetrics(registry);
    const { client, responses } = testClient(agent);
    await drive(client.request(LISTING));
    expect(client.requestCount()).toBe(2);
    expect(responses.map((r) => [r.route, r.status])).toEqual([
      ['contracts_public', 503],
      ['contracts_public', 200],
    ]);
    for (const event of responses) metrics.onResponse(event);
    const text = await registry.metrics();
    expect(text).toContain('hangar_bay_esi_requests_total{route="contracts_public",status="503"} 1');
    expect(text).toContain('hangar_bay_esi_request_duration_seconds_count{route="contracts_public"} 2');
  });
});

describe('transient retries (case 85)', () => {
  it.each([
    ['low jitter', 0],
    ['high jitter', 0.999],
  ])('503, 503, 200 → success on attempt 3 after waits in [0.5,1] and [1,2] s (%s)', async (_label, jitter) => {
    const { agent, pool } = mockEsi();
    const times = replySequence(pool, [503, 503, 200], '[1]');
    const { client } = testClient(agent, { random: () => jitter });
    const result = await drive(client.request(LISTING));
    expect(result).toMatchObject({ kind: 'ok', status: 200, json: [1] });
    expect(times).toHaveLength(3);
    const [first, second, third] = times as [number, number, number];
    expect(second - first).toBeGreaterThanOrEqual(500);
    expect(second - first).toBeLessThanOrEqual(1000);
    expect(third - second).toBeGreaterThanOrEqual(1000);
    expect(third - second).toBeLessThanOrEqual(2000);
  });

  it('500 × 3 → transient after exactly 3 requests', async () => {
    const { agent, pool } = mockEsi();
    replySequence(pool, [500, 500, 500, 200]);
    const { client } = testClient(agent);
    expect(await drive(client.request(LISTING))).toEqual({ kind: 'transient', reason: 'http 500' });
    expect(client.requestCount()).toBe(3);
    expect(agent.pendingInterceptors()).toHaveLength(1);
  });

  it('a hang past ESI_TIMEOUT_MS=1000 is aborted at 1 s and retried', async () => {
    const { agent, pool } = mockEsi();
    pool.intercept({ path: LISTING_PATH }).reply(200, '[1]').delay(60_000);
    pool.intercept({ path: LISTING_PATH }).reply(200, '[2]');
    const { client, responses } = testClient(agent, { config: { esiTimeoutMs: 1000 } });
    expect(await drive(client.request(LISTING))).toMatchObject({ kind: 'ok', json: [2] });
    expect(responses[0]).toEqual({ route: 'contracts_public', status: 'error', seconds: 1 });
    expect(client.requestCount()).toBe(2);
  });

  it('three hangs → transient with a timeout reason', async () => {
    const { agent, pool } = mockEsi();
    pool.intercept({ path: LISTING_PATH }).reply(200, '[1]').delay(60_000).times(3);
    const { client } = testClient(agent, { config: { esiTimeoutMs: 1000 } });
    const result = await drive(client.request(LISTING));
    expect(result).toEqual({ kind: 'transient', reason: 'timeout after 1000 ms' });
    expect(client.requestCount()).toBe(3);
  });

  const BROKEN: ReadonlyArray<[string, (pool: ReturnType<MockAgent['get']>) => void]> = [
    ['a connection reset', (pool) => pool.intercept({ path: LISTING_PATH }).replyWithError(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }))],
    ['truncated JSON', (pool) => pool.intercept({ path: LISTING_PATH }).reply(200, '[{"contract_id":190753200,"type":"item_')],
    ['a body shorter than its Content-Length', (pool) => pool.intercept({ path: LISTING_PATH }).reply(200, '[1,2]', { headers: { 'content-length': '4000' } })],
    ['corrupt gzip', (pool) => pool.intercept({ path: LISTING_PATH }).reply(200, Buffer.from('definitely not gzip'), { headers: { 'content-encoding': 'gzip' } })],
    ['a gzip stream cut short', (pool) => pool.intercept({ path: LISTING_PATH }).reply(200, gzipSync('[1,2,3]').subarray(0, 12), { headers: { 'content-encoding': 'gzip' } })],
  ];

  it.each(BROKEN)('%s is retried like a 5xx and never parsed', async (_label, arrange) => {
    const { agent, pool } = mockEsi();
    arrange(pool);
    pool.intercept({ path: LISTING_PATH }).reply(200, '[7]');
    const { client } = testClient(agent);
    expect(await drive(client.request(LISTING))).toMatchObject({ kind: 'ok', json: [7] });
    expect(client.requestCount()).toBe(2);
  });

  it.each(BROKEN)('%s three times → transient', async (_label, arrange) => {
    const { agent, pool } = mockEsi();
    for (let i = 0; i < 3; i += 1) arrange(pool);
    const { client } = testClient(agent);
    const result = await drive(client.request(LISTING));
    expect(result.kind).toBe('transient');
    expect(client.requestCount()).toBe(3);
  });
});

describe('definite statuses (case 86)', () => {
  it.each([400, 401, 403, 404, 422])('%i → one request, definite, no retry', async (status) => {
    const { agent, pool } = mockEsi();
    replySequence(pool, [status, 200]);
    const { client } = testClient(agent);
    const result = await drive(client.request({ route: 'contracts_items', path: '/contracts/public/10000002', query: { page: 1 } }));
    expect(result).toMatchObject({ kind: 'definite', status });
    expect(client.requestCount()).toBe(1);
    expect(agent.pendingInterceptors()).toHaveLength(1);
  });
});

describe('close', () => {
  it('resolves waiting requests as transient and sends nothing more', async () => {
    const { agent, pool } = mockEsi();
    replySequence(pool, [503, 200]);
    const { client } = testClient(agent);
    const pending = client.request(LISTING);
    await vi.advanceTimersByTimeAsync(100);
    await client.close();
    expect(await drive(pending)).toEqual({ kind: 'transient', reason: 'client closed' });
    expect(client.requestCount()).toBe(1);
  });
});
