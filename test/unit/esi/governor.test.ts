import { Registry } from 'prom-client';
import type { MockAgent } from 'undici';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createEsiMetrics } from '../../../src/esi/esi-metrics.js';
import { createGovernor, isDowntime } from '../../../src/esi/governor.js';
import type { EsiRequest, EsiRoute } from '../../../src/esi/types.js';
import { drive, mockEsi, START, testClient, useFakeTime } from './esi-test-support.js';

type MockPool = ReturnType<MockAgent['get']>;

const ROUTE_PATHS: Readonly<Record<string, EsiRoute>> = {
  '/esi/contracts/public/10000002': 'contracts_public',
  '/esi/contracts/public/items/1': 'contracts_items',
  '/esi/universe/types/645': 'universe_types',
};

function requestFor(route: EsiRoute, priority: EsiRequest['priority'] = 'normal'): EsiRequest {
  const path = Object.entries(ROUTE_PATHS).find(([, r]) => r === route)![0].replace('/esi', '');
  return { route, path, priority };
}

interface Reply {
  readonly status: number;
  readonly headers?: Record<string, string>;
}

/** Scripted replies per route (then 200 forever), recording each request's route and fake start time. */
function script(pool: MockPool, replies: Partial<Record<EsiRoute, Reply[]>>, delayMs = 0) {
  const starts: { route: EsiRoute; at: number }[] = [];
  const scope = pool
    .intercept({ path: () => true, method: () => true })
    .reply((opts) => {
      const route = ROUTE_PATHS[opts.path.split('?')[0]!]!;
      starts.push({ route, at: Date.now() });
      const reply = replies[route]?.shift() ?? { status: 200 };
      return { statusCode: reply.status, data: reply.status === 200 ? '[]' : '{"error":"x"}', responseOptions: { headers: reply.headers ?? {} } };
    })
    .persist();
  if (delayMs > 0) scope.delay(delayMs);
  return starts;
}

beforeEach(() => useFakeTime());
afterEach(() => vi.useRealTimers());

describe('error-limit floor (case 82)', () => {
  it.each([
    ['Remain 20, Reset 10 → no request starts for 11 s', { 'x-esi-error-limit-remain': '20', 'x-esi-error-limit-reset': '10' }, 11_000],
    ['Remain 21 → no pause', { 'x-esi-error-limit-remain': '21', 'x-esi-error-limit-reset': '10' }, 0],
    ['headers absent → no pause (fail open)', {}, 0],
  ])('%s', async (_label, headers, expectedWaitMs) => {
    const { agent, pool } = mockEsi();
    const starts = script(pool, { contracts_items: [{ status: 200, headers }] });
    const { client, pauses } = testClient(agent);
    await drive(client.request(requestFor('contracts_items')));
    const answeredAt = Date.now();
    await drive(Promise.all([client.request(requestFor('universe_types')), client.request(requestFor('contracts_public'))]));
    expect(starts.slice(1).map((s) => s.at - answeredAt)).toEqual([expectedWaitMs, expectedWaitMs]);
    expect(pauses).toEqual(expectedWaitMs > 0 ? [{ reason: 'error_limit', seconds: 11, group: null }] : []);
  });

  it('tracks the low-water mark of X-ESI-Error-Limit-Remain', async () => {
    const { agent, pool } = mockEsi();
    script(pool, {
      contracts_items: [
        { status: 200, headers: { 'x-esi-error-limit-remain': '80', 'x-esi-error-limit-reset': '30' } },
        { status: 404, headers: { 'x-esi-error-limit-remain': '42', 'x-esi-error-limit-reset': '29' } },
        { status: 200, headers: { 'x-esi-error-limit-remain': '99', 'x-esi-error-limit-reset': '60' } },
      ],
    });
    const { client, governor } = testClient(agent);
    expect(governor.errorLimitLowWater()).toBeNull();
    for (let i = 0; i < 3; i += 1) await drive(client.request(requestFor('contracts_items')));
    expect(governor.errorLimitLowWater()).toBe(42);
    governor.resetErrorLimitLowWater();
    expect(governor.errorLimitLowWater()).toBeNull();
  });
});

describe('420 (case 82)', () => {
  it('Reset 37 → nothing leaves the process for 38 s, then the request succeeds; no attempt consumed; pause counted', async () => {
    const { agent, pool } = mockEsi();
    // 420, 503, 503, 200: were the 420 an attempt, the two 503s would exhaust the three.
    const starts = script(pool, {
      contracts_items: [{ status: 420, headers: { 'x-esi-error-limit-remain': '0', 'x-esi-error-limit-reset': '37' } }, { status: 503 }, { status: 503 }],
    });
    const registry = new Registry();
    const metrics = createEsiMetrics(registry);
    const { client } = testClient(agent, { governor: { onPause: metrics.onPause }, random: () => 0 });
    const limited = client.request(requestFor('contracts_items'));
    await vi.advanceTimersByTimeAsync(1000);
    const other = client.request(requestFor('universe_types'));
    const [result, otherResult] = await drive(Promise.all([limited, other]));

    expect(result).toMatchObject({ kind: 'ok', status: 200 });
    expect(otherResult).toMatchObject({ kind: 'ok', status: 200 });
    const offsets = starts.map((s) => [s.route, s.at - START]);
    expect(offsets[0]).toEqual(['contracts_items', 0]);
    // Both the re-queued request and the one queued during the pause start at 38 s, not before.
    expect(offsets.slice(1, 3).map(([, at]) => at)).toEqual([38_000, 38_000]);
    expect(offsets.slice(3)).toEqual([
      ['contracts_items', 38_500],
      ['contracts_items', 39_500],
    ]);
    expect(client.requestCount()).toBe(5);
    expect(await registry.metrics()).toContain('hangar_bay_esi_pauses_total{reason="420"} 1');
    expect(await registry.metrics()).toContain('hangar_bay_esi_pauses_total{reason="error_limit"} 0');
  });

  it('without X-ESI-Error-Limit-Reset → 60 s', async () => {
    const { agent, pool } = mockEsi();
    const starts = script(pool, { contracts_items: [{ status: 420 }] });
    const { client, pauses } = testClient(agent);
    await drive(client.request(requestFor('contracts_items')));
    expect(starts.map((s) => s.at - START)).toEqual([0, 60_000]);
    expect(pauses).toEqual([{ reason: '420', seconds: 60, group: null }]);
  });
});

describe('429 (case 83)', () => {
  it('Retry-After 7 → the request is re-sent 7 s later', async () => {
    const { agent, pool } = mockEsi();
    const starts = script(pool, { contracts_items: [{ status: 429, headers: { 'retry-after': '7' } }] });
    const { client, pauses } = testClient(agent);
    expect(await drive(client.request(requestFor('contracts_items')))).toMatchObject({ kind: 'ok' });
    expect(starts.map((s) => s.at - START)).toEqual([0, 7000]);
    expect(pauses).toEqual([{ reason: '429', seconds: 7, group: null }]);
  });

  it('an HTTP-date Retry-After counts from the response Date, not the local clock', async () => {
    const { agent, pool } = mockEsi();
    // The server clock runs 5 minutes behind ours; the wait is still Retry-After − Date = 30 s.
    const serverNow = START - 300_000;
    const starts = script(pool, {
      contracts_items: [{ status: 429, headers: { date: new Date(serverNow).toUTCString(), 'retry-after': new Date(serverNow + 30_000).toUTCString() } }],
    });
    const { client } = testClient(agent);
    await drive(client.request(requestFor('contracts_items')));
    expect(starts.map((s) => s.at - START)).toEqual([0, 30_000]);
  });

  it('with X-Ratelimit-Group only that group waits', async () => {
    const { agent, pool } = mockEsi();
    const group = { 'x-ratelimit-group': 'contracts', 'x-ratelimit-limit': '150/15m', 'x-ratelimit-remaining': '100' };
    const starts = script(pool, { contracts_items: [{ status: 200, headers: group }, { status: 429, headers: { ...group, 'retry-after': '30' } }] });
    const { client, pauses } = testClient(agent);
    await drive(client.request(requestFor('contracts_items')));
    const t0 = Date.now();
    const throttled = client.request(requestFor('contracts_items'));
    await vi.advanceTimersByTimeAsync(1000);
    const sameGroup = client.request(requestFor('contracts_items'));
    const otherRoute = client.request(requestFor('universe_types'));
    await drive(Promise.all([throttled, sameGroup, otherRoute]));
    expect(starts.slice(1).map((s) => [s.route, s.at - t0])).toEqual([
      ['contracts_items', 0],
      ['universe_types', 1000],
      ['contracts_items', 30_000],
      ['contracts_items', 30_000],
    ]);
    expect(pauses).toEqual([{ reason: '429', seconds: 30, group: 'contracts' }]);
  });

  it('six consecutive 429s → transient, no seventh request', async () => {
    const { agent, pool } = mockEsi();
    const starts = script(pool, { contracts_items: Array.from({ length: 7 }, () => ({ status: 429, headers: { 'retry-after': '2' } })) });
    const { client } = testClient(agent);
    const result = await drive(client.request(requestFor('contracts_items')));
    expect(result).toEqual({ kind: 'transient', reason: 're-queued 6 times (last http 429)' });
    expect(starts).toHaveLength(6);
    expect(client.requestCount()).toBe(6);
  });
});

describe('concurrency, pacing, priority (case 84)', () => {
  it('ESI_MAX_CONCURRENCY=4 → never more than 4 in flight', async () => {
    const { agent, pool } = mockEsi();
    const { client, governor } = testClient(agent, { governor: { maxConcurrency: 4, maxRps: 100 } });
    const observed: number[] = [];
    pool
      .intercept({ path: () => true })
      .reply(() => {
        observed.push(governor.inflight());
        return { statusCode: 200, data: '[]' };
      })
      .delay(100)
      .persist();
    await drive(Promise.all(Array.from({ length: 20 }, () => client.request(requestFor('contracts_items')))));
    expect(Math.max(...observed)).toBe(4);
    expect(governor.inflight()).toBe(0);
    expect(Date.now() - START).toBe(500);
  });

  it('ESI_MAX_RPS=5 → 50 requests take at least 9 s', async () => {
    const { agent, pool } = mockEsi();
    const starts = script(pool, {});
    const { client } = testClient(agent, { governor: { maxConcurrency: 64, maxRps: 5 } });
    await drive(Promise.all(Array.from({ length: 50 }, () => client.request(requestFor('contracts_items')))));
    const last = starts.at(-1)!.at - START;
    // A full bucket of 5, then one token every 200 ms for the other 45.
    expect(last).toBeGreaterThanOrEqual(9000);
    expect(last).toBeLessThan(9200);
  });

  it('queued discovery requests go before normal ones, FIFO within each', async () => {
    const { agent, pool } = mockEsi();
    const order: string[] = [];
    pool
      .intercept({ path: () => true })
      .reply((opts) => {
        order.push(opts.path);
        return { statusCode: 200, data: '[]' };
      })
      .delay(100)
      .persist();
    const { client } = testClient(agent, { governor: { maxConcurrency: 1 } });
    const req = (path: string, priority: 'discovery' | 'normal'): Promise<unknown> =>
      client.request({ route: priority === 'discovery' ? 'contracts_public' : 'contracts_items', path, priority });
    await drive(Promise.all([req('/n0', 'normal'), req('/n1', 'normal'), req('/d1', 'discovery'), req('/n2', 'normal'), req('/d2', 'discovery')]));
    expect(order).toEqual(['/esi/n0', '/esi/d1', '/esi/d2', '/esi/n1', '/esi/n2']);
  });

  it.each([
    ['below 10 % of 150/15m → that group at most 1 req/s', '14', [0, 1000, 2000, 3000]],
    ['at 10 % → unpaced', '15', [0, 0, 0, 0]],
  ])('X-Ratelimit-Remaining %s', async (_label, remaining, expected) => {
    const { agent, pool } = mockEsi();
    const bucket = { 'x-ratelimit-group': 'items', 'x-ratelimit-limit': '150/15m', 'x-ratelimit-remaining': remaining };
    const starts = script(pool, { contracts_items: Array.from({ length: 5 }, () => ({ status: 200, headers: bucket })) });
    const { client } = testClient(agent, { governor: { maxConcurrency: 8, maxRps: 100 } });
    await drive(client.request(requestFor('contracts_items')));
    const t0 = Date.now();
    const other = client.request(requestFor('universe_types'));
    await drive(Promise.all([...Array.from({ length: 4 }, () => client.request(requestFor('contracts_items'))), other]));
    const items = starts.slice(1).filter((s) => s.route === 'contracts_items');
    // The first paced request waits a full second after the one that reported the low bucket.
    expect(items.map((s) => s.at - t0)).toEqual(remaining === '14' ? expected.map((ms) => ms + 1000) : expected);
    expect(starts.find((s) => s.route === 'universe_types')!.at).toBe(t0);
  });
});

describe('downtime (case 86)', () => {
  const window = { startMinute: 10 * 60 + 58, endMinute: 11 * 60 + 20 };

  it.each([
    ['2026-07-21T10:58:00Z', true],
    ['2026-07-21T11:05:00Z', true],
    ['2026-07-21T11:19:59Z', true],
    ['2026-07-21T10:57:59Z', false],
    ['2026-07-21T11:20:00Z', false],
    ['2026-07-21T11:21:00Z', false],
  ])('window 10:58-11:20 at %s → %s', (at, inside) => {
    expect(isDowntime(window, new Date(at))).toBe(inside);
    expect(isDowntime(null, new Date(at))).toBe(false);
  });

  it('a window may wrap midnight', () => {
    const wrap = { startMinute: 23 * 60 + 50, endMinute: 10 };
    expect(isDowntime(wrap, Date.parse('2026-07-21T23:55:00Z'))).toBe(true);
    expect(isDowntime(wrap, Date.parse('2026-07-22T00:09:59Z'))).toBe(true);
    expect(isDowntime(wrap, Date.parse('2026-07-22T00:10:00Z'))).toBe(false);
    expect(isDowntime(wrap, Date.parse('2026-07-21T23:49:59Z'))).toBe(false);
  });

  it('the governor admits nothing inside the window and resumes at its end', async () => {
    vi.setSystemTime(Date.parse('2026-07-21T10:57:59Z'));
    const { agent, pool } = mockEsi();
    const starts = script(pool, {});
    const { client, pauses, governor } = testClient(agent, { governor: { downtimeWindow: window } });
    await drive(client.request(requestFor('contracts_items')));
    expect(starts).toHaveLength(1);
    vi.setSystemTime(Date.parse('2026-07-21T11:05:00Z'));
    expect(governor.isDowntime()).toBe(true);
    await drive(client.request(requestFor('contracts_items')));
    expect(new Date(starts[1]!.at).toISOString()).toBe('2026-07-21T11:20:00.000Z');
    expect(pauses).toEqual([{ reason: 'downtime', seconds: 15 * 60, group: null }]);
  });

  it('`off` admits at any time', async () => {
    vi.setSystemTime(Date.parse('2026-07-21T11:00:00Z'));
    const governor = createGovernor({ maxConcurrency: 1, maxRps: 1, downtimeWindow: null });
    const slot = await governor.acquire({ route: 'contracts_items', priority: 'normal' });
    expect(governor.inflight()).toBe(1);
    expect(slot.release({ status: 200, headers: {} })).toBe('done');
  });
});
