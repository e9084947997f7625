import type { MockAgent } from 'undici';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createMemoryCache, type KeyValueCache } from '../../../src/cache/key-value-cache.js';
import { decodeUsableListingPage, encodeListingPage } from '../../../src/esi/listing-cache-entry.js';
import { createListingPageFetcher, listingPageKey } from '../../../src/esi/listing-pages.js';
import { drive, mockEsi, START, testClient, useFakeTime } from './esi-test-support.js';

const REGION = 10000002;
const PAGE_PATH = '/esi/contracts/public/10000002?page=1';
const KEY = listingPageKey(REGION, 1);
const ROWS = [{ contract_id: 190753200 }, { contract_id: 190762629 }];
const LAST_MODIFIED = new Date(START - 600_000).toUTCString();

function esiHeaders(overrides: Record<string, string> = {}): Record<string, string> {
  return {
    date: new Date(Date.now()).toUTCString(),
    expires: new Date(Date.now() + 1800_000).toUTCString(),
    'last-modified': LAST_MODIFIED,
    etag: '"v1"',
    'x-pages': '3',
    'cache-control': 'public',
    ...overrides,
  };
}

interface Sent {
  readonly ifNoneMatch: string | undefined;
}

/** Replies in order from `replies`, recording each request's If-None-Match. */
function scriptPage(pool: ReturnType<MockAgent['get']>, replies: ((sent: Sent) => { status: number; body?: string; headers?: Record<string, string> })[]) {
  const sent: Sent[] = [];
  for (const reply of replies) {
    pool.intercept({ path: PAGE_PATH }).reply((opts) => {
      const request = { ifNoneMatch: (opts.headers as Record<string, string>)['if-none-match'] };
      sent.push(request);
      const { status, body, headers } = reply(request);
      return { statusCode: status, data: body ?? '', responseOptions: { headers: headers ?? esiHeaders() } };
    });
  }
  return sent;
}

const ok200 = (rows: unknown = ROWS, headers: Record<string, string> = {}) => () => ({ status: 200, body: JSON.stringify(rows), headers: esiHeaders(headers) });
const notModified = (headers: Record<string, string> = {}) => () => ({ status: 304, headers: esiHeaders(headers) });

function setup(cache: Pick<KeyValueCache, 'get' | 'set' | 'del'> = createMemoryCache()) {
  const { agent, pool } = mockEsi();
  const { client } = testClient(agent);
  const fetcher = createListingPageFetcher({ client, cache, ttlExtraSeconds: 1800 });
  const fetch = (conditional = true, page = 1) => drive(fetcher.fetchPage(REGION, page, { conditional }));
  return { agent, pool, client, cache, fetcher, fetch };
}

beforeEach(() => useFakeTime());
afterEach(() => vi.useRealTimers());

describe('conditional listing pages (case 80)', () => {
  it('stores a 200 page, then sends If-None-Match and answers the 304 from the stored body', async () => {
    const { pool, cache, fetch } = setup();
    const sent = scriptPage(pool, [ok200(), notModified()]);

    const first = await fetch();
    expect(first).toEqual({
      kind: 'ok',
      page: {
        rows: ROWS,
        rowCount: 2,
        etag: '"v1"',
        lastModified: LAST_MODIFIED,
        xPages: 3,
        date: new Date(START).toUTCString(),
        receivedAt: new Date(START),
        lifetimeSeconds: 1800,
        cachePeriodSeconds: 2400,
        notModified: false,
      },
    });
    const stored = await decodeUsableListingPage(await cache.get(KEY));
    expect(stored).toMatchObject({ etag: '"v1"', lastModified: LAST_MODIFIED, xPages: 3, rowCount: 2, json: ROWS, expiresAt: START + 1800_000 });

    vi.setSystemTime(START + 1805_000);
    const second = await fetch();
    expect(sent.map((s) => s.ifNoneMatch)).toEqual([undefined, '"v1"']);
    expect(second).toMatchObject({ kind: 'ok', page: { rows: ROWS, rowCount: 2, lastModified: LAST_MODIFIED, etag: '"v1"', xPages: 3, notModified: true } });
    // The stored expiry moves with the 304. (Compared with the receive time: the LRU's own 1 ms
    // clock timer lets fake time creep while the test drives it.)
    const receivedAt = second.kind === 'ok' ? second.page.receivedAt.getTime() : NaN;
    expect(receivedAt - START).toBeGreaterThanOrEqual(1805_000);
    expect((await decodeUsableListingPage(await cache.get(KEY)))?.expiresAt).toBe(receivedAt + 1800_000);
  });

  it('writes each page with TTL = lifetime + ttlExtraSeconds', async () => {
    const memory = createMemoryCache();
    const set = vi.fn(memory.set);
    const { pool, fetch } = setup({ get: memory.get, del: memory.del, set });
    scriptPage(pool, [ok200()]);
    await fetch();
    expect(set).toHaveBeenCalledWith(KEY, expect.any(Buffer), 1800 + 1800);
  });

  it('never sends If-None-Match on an unconditional fetch, even with a stored body', async () => {
    const { pool, fetch } = setup();
    const sent = scriptPage(pool, [ok200(), ok200()]);
    await fetch(true);
    await fetch(false);
    expect(sent.map((s) => s.ifNoneMatch)).toEqual([undefined, undefined]);
  });

  it.each([
    ['a corrupt entry', async () => Buffer.from('garbage')],
    ['a body that does not parse', () => encodeListingPage({ etag: '"v1"', lastModified: LAST_MODIFIED, expiresAt: 0, xPages: 3, rowCount: 2 }, Buffer.from('[{"contract_id":'))],
    ['an empty body', () => encodeListingPage({ etag: '"v1"', lastModified: LAST_MODIFIED, expiresAt: 0, xPages: 3, rowCount: 0 }, Buffer.alloc(0))],
  ])('no If-None-Match over %s', async (_label, entry) => {
    const { pool, cache, fetch } = setup();
    await cache.set(KEY, await entry(), 3600);
    const sent = scriptPage(pool, [ok200()]);
    expect(await fetch()).toMatchObject({ kind: 'ok', page: { rows: ROWS, notModified: false } });
    expect(sent.map((s) => s.ifNoneMatch)).toEqual([undefined]);
  });

  it('a cache that throws is a miss, never a failed fetch', async () => {
    const broken: Pick<KeyValueCache, 'get' | 'set' | 'del'> = {
      get: () => Promise.reject(new Error('redis down')),
      set: () => Promise.reject(new Error('redis down')),
      del: () => Promise.reject(new Error('redis down')),
    };
    const { pool, fetch, fetcher } = setup(broken);
    const sent = scriptPage(pool, [ok200()]);
    expect(await fetch()).toMatchObject({ kind: 'ok', page: { rows: ROWS } });
    expect(sent.map((s) => s.ifNoneMatch)).toEqual([undefined]);
    await expect(fetcher.deletePagesBeyond(REGION, 1, 3)).resolves.toBeUndefined();
  });

  it('Cache-Control: no-store → not stored', async () => {
    const { pool, cache, fetch } = setup();
    scriptPage(pool, [ok200(ROWS, { 'cache-control': 'no-store' })]);
    expect(await fetch()).toMatchObject({ kind: 'ok', page: { rows: ROWS, lifetimeSeconds: 1800 } });
    expect(await cache.get(KEY)).toBeNull();
  });

  it('a page past the end (200 with an error object) is returned as sent', async () => {
    const { pool, fetch } = setup();
    scriptPage(pool, [ok200({ error: 'Requested page does not exist!' })]);
    expect(await fetch()).toMatchObject({ kind: 'ok', page: { rows: { error: 'Requested page does not exist!' }, rowCount: 0 } });
  });
});

describe('304 without a usable stored body (case 81)', () => {
  it('stored body deleted before the 304 → immediate refetch without If-None-Match, its 200 used', async () => {
    const { pool, cache, fetch } = setup();
    const fresh = [{ contract_id: 190753200 }];
    const sent = scriptPage(pool, [
      ok200(),
      () => {
        void cache.del([KEY]);
        return notModified()();
      },
      ok200(fresh, { etag: '"v2"' }),
    ]);
    await fetch();
    const result = await fetch();
    expect(sent.map((s) => s.ifNoneMatch)).toEqual([undefined, '"v1"', undefined]);
    expect(result).toMatchObject({ kind: 'ok', page: { rows: fresh, rowCount: 1, etag: '"v2"', notModified: false } });
  });

  it('a second 304 fails the page', async () => {
    const { pool, cache, fetch } = setup();
    scriptPage(pool, [
      ok200(),
      () => {
        void cache.del([KEY]);
        return notModified()();
      },
      notModified(),
    ]);
    await fetch();
    expect(await fetch()).toEqual({ kind: 'failed', status: 304, reason: 'second 304 without a usable stored body' });
  });

  it('a 304 to a request without If-None-Match is refetched, never an empty page', async () => {
    const { pool, fetch } = setup();
    const sent = scriptPage(pool, [notModified(), ok200()]);
    expect(await fetch()).toMatchObject({ kind: 'ok', page: { rows: ROWS, notModified: false } });
    expect(sent).toHaveLength(2);
  });

  it('a 304 with another Last-Modified → refetch without If-None-Match', async () => {
    const { pool, fetch } = setup();
    const newer = new Date(START).toUTCString();
    const fresh = [{ contract_id: 1 }];
    const sent = scriptPage(pool, [ok200(), notModified({ 'last-modified': newer }), ok200(fresh, { 'last-modified': newer, etag: '"v2"' })]);
    await fetch();
    const result = await fetch();
    expect(sent.map((s) => s.ifNoneMatch)).toEqual([undefined, '"v1"', undefined]);
    expect(result).toMatchObject({ kind: 'ok', page: { rows: fresh, lastModified: newer, notModified: false } });
  });
});

describe('failures and cleanup', () => {
  it.each([
    [404, { kind: 'failed', status: 404, reason: 'http 404' }],
    [204, { kind: 'failed', status: 204, reason: 'http 204' }],
  ])('%i → failed with that status', async (status, expected) => {
    const { pool, fetch } = setup();
    scriptPage(pool, [() => ({ status, body: status === 404 ? '{"error":"not found"}' : '' })]);
    expect(await fetch()).toEqual(expected);
  });

  it('transient → failed with a null status', async () => {
    const { pool, fetch } = setup();
    scriptPage(pool, [() => ({ status: 502 }), () => ({ status: 502 }), () => ({ status: 502 })]);
    expect(await fetch()).toEqual({ kind: 'failed', status: null, reason: 'http 502' });
  });

  it('deletePagesBeyond drops only the pages past the new count', async () => {
    const { cache, fetcher } = setup();
    for (let page = 1; page <= 4; page += 1) await cache.set(listingPageKey(REGION, page), Buffer.from('x'), 3600);
    await fetcher.deletePagesBeyond(REGION, 2, 4);
    const present = await Promise.all([1, 2, 3, 4].map(async (page) => (await cache.get(listingPageKey(REGION, page))) !== null));
    expect(present).toEqual([true, true, false, false]);
    expect(listingPageKey(REGION, 3)).toBe('hangar-bay:esi:listing:10000002:3');
  });
});
