import { gunzipSync } from 'node:zlib';
import { request } from 'undici';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startFakeEsi, type FakeEsi, type FakeEsiOptions, type FakeEsiStateView, type FaultSpec, type RequestLogEntry } from '../fake-esi/index.js';

const START = '2026-07-21T12:00:00Z';
const MANNERS = { 'user-agent': 'HangarBay/0.1.0 (ops@example.com)', 'x-compatibility-date': '2026-07-21' };
const FORGE = 10000002;
const JITA = 60003760;

const running: FakeEsi[] = [];
async function start(options: FakeEsiOptions = {}): Promise<FakeEsi> {
  const esi = await startFakeEsi({ clock: 'virtual', startTime: START, alignPhase: true, regions: 1, contracts: 2500, ...options });
  running.push(esi);
  return esi;
}
afterAll(async () => {
  await Promise.all(running.map((esi) => esi.close()));
});

/** GET/POST with ESI manners and no compression (undici's request does not decompress). */
async function call(esi: FakeEsi, path: string, init: { headers?: Record<string, string>; body?: unknown; manners?: boolean } = {}) {
  const res = await request(`${esi.url}${path}`, {
    method: init.body === undefined ? 'GET' : 'POST',
    headers: {
      ...(init.manners === false ? {} : MANNERS),
      ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
      ...init.headers,
    },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  const raw = Buffer.from(await res.body.arrayBuffer());
  const text = res.headers['content-encoding'] === 'gzip' ? gunzipSync(raw).toString() : raw.toString();
  const header = (name: string) => res.headers[name] as string | undefined;
  return { status: res.statusCode, header, raw, text, json: () => JSON.parse(text) as unknown };
}
const rowsOf = (json: unknown) => json as Record<string, unknown>[];
const page = (esi: FakeEsi, n: number, region = FORGE, headers?: Record<string, string>) =>
  call(esi, `/contracts/public/${region}?page=${n}`, { headers });

describe('listing pages (E1)', () => {
  let esi: FakeEsi;
  beforeAll(async () => {
    esi = await start();
  });

  it('serves 1000-row pages with X-Pages, one Last-Modified, ascending unique ids and ESI headers', async () => {
    const pages = [await page(esi, 1), await page(esi, 2), await page(esi, 3)];
    expect(pages.map((p) => rowsOf(p.json()).length)).toEqual([1000, 1000, 500]);
    const ids = pages.flatMap((p) => rowsOf(p.json()).map((r) => r.contract_id as number));
    expect(new Set(ids).size).toBe(2500);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect(ids[0]).toBeGreaterThanOrEqual(200_000_000);
    for (const p of pages) {
      expect(p.header('x-pages')).toBe('3');
      expect(p.header('last-modified')).toBe('Tue, 21 Jul 2026 12:00:00 GMT');
      expect(p.header('expires')).toBe('Tue, 21 Jul 2026 12:30:00 GMT');
      expect(p.header('date')).toBe('Tue, 21 Jul 2026 12:00:00 GMT');
      expect(p.header('cache-control')).toBe('public');
      expect(p.header('etag')).toMatch(/^"[0-9a-f]{56}"$/);
      expect(p.header('x-esi-error-limit-remain')).toBe('100');
      expect(Number(p.header('x-esi-error-limit-reset'))).toBeGreaterThan(0);
    }
    expect((await page(esi, 4)).status).toBe(404);
    expect((await page(esi, 1, 10000043)).status).toBe(404);
  });

  it('rows have the shapes of docs/sync.md §10', async () => {
    const rows = rowsOf((await page(esi, 1)).json());
    const exchange = rows.find((r) => r.type === 'item_exchange' && r.price !== 0)!;
    expect(Object.keys(exchange).sort()).toEqual(Object.keys(exchange));
    expect(exchange).toMatchObject({ collateral: 0, reward: 0, days_to_complete: 0 });
    expect(exchange.date_issued).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(rows.every((r) => r.for_corporation === undefined || r.for_corporation === true)).toBe(true);
    expect(rows.some((r) => r.title === '')).toBe(true);
    expect(rows.some((r) => r.start_location_id === JITA)).toBe(true);
    expect(rows.every((r) => (r.issuer_corporation_id as number) >= 98_000_000 && (r.issuer_corporation_id as number) < 99_000_000)).toBe(true);
  });

  it('answers 304 with the same headers to a matching If-None-Match, 200 otherwise', async () => {
    const first = await page(esi, 2);
    const again = await page(esi, 2, FORGE, { 'if-none-match': first.header('etag')! });
    expect(again.status).toBe(304);
    expect(again.raw.length).toBe(0);
    for (const name of ['etag', 'last-modified', 'expires', 'x-pages', 'cache-control']) {
      expect(again.header(name)).toBe(first.header(name));
    }
    expect((await page(esi, 2, FORGE, { 'if-none-match': '"other"' })).status).toBe(200);
  });

  it('gzips on Accept-Encoding: gzip and serves under the base path too', async () => {
    const withBase = await start({ basePath: '/esi' });
    expect(withBase.url).toMatch(/\/esi$/);
    const plain = await page(withBase, 1);
    const zipped = await page(withBase, 1, FORGE, { 'accept-encoding': 'gzip' });
    expect(zipped.header('content-encoding')).toBe('gzip');
    expect(zipped.raw.length).toBeLessThan(plain.raw.length / 3);
    expect(zipped.text).toBe(plain.text);
    const atRoot = await request(`${withBase.origin}/contracts/public/${FORGE}?page=1`, { headers: MANNERS });
    expect(atRoot.statusCode).toBe(200);
    await atRoot.body.dump();
    expect(withBase.control.requests().map((r) => r.path)).toContain('/esi/contracts/public/10000002');
  });

  it('serves a hand-made listing exactly (setRows), invalid rows included', async () => {
    const rows = Array.from({ length: 2500 }, (_, i) => ({ contract_id: 300_000_000 + i, type: 'item_exchange' }));
    rows[7] = { contract_id: 300_000_007, type: 'item_exchange', date_issued: 'yesterday' } as never;
    esi.control.setRows(10000043, rows);
    const pages = [await page(esi, 1, 10000043), await page(esi, 2, 10000043), await page(esi, 3, 10000043)];
    expect(pages.map((p) => p.header('x-pages'))).toEqual(['3', '3', '3']);
    expect(pages.flatMap((p) => rowsOf(p.json()))).toEqual(rows);
    expect(esi.control.universe.contractIds(10000043)).toHaveLength(2500);
    // Nothing changes at the next regeneration: same Last-Modified, so If-None-Match gets a 304.
    esi.control.advance(1800);
    const again = await page(esi, 1, 10000043, { 'if-none-match': pages[0]!.header('etag')! });
    expect([again.status, again.header('last-modified')]).toEqual([304, pages[0]!.header('last-modified')]);
    expect(again.header('expires')).toBe('Tue, 21 Jul 2026 13:00:00 GMT');
  });
});

describe('items (E2)', () => {
  it('pages an item list of over 1000 rows', async () => {
    const esi = await start({ largeItemContracts: 1 });
    const [id] = esi.control.universe.largeItemContractIds();
    const expected = esi.control.universe.items(id!)!;
    expect(expected.length).toBeGreaterThan(1000);
    const first = await call(esi, `/contracts/public/items/${id}?page=1`);
    const pages = Number(first.header('x-pages'));
    expect(pages).toBe(Math.ceil(expected.length / 1000));
    const rows = [...rowsOf(first.json())];
    for (let p = 2; p <= pages; p++) rows.push(...rowsOf((await call(esi, `/contracts/public/items/${id}?page=${p}`)).json()));
    expect(rowsOf(first.json())).toHaveLength(1000);
    expect(rows).toEqual(expected);
    expect(new Set(rows.map((r) => r.record_id)).size).toBe(rows.length);
    expect(rows[0]!.record_id as number).toBeGreaterThan(2 ** 31);
    const expires = Date.parse(first.header('expires')!) - Date.parse(first.header('last-modified')!);
    expect(expires).toBe(3_600_000);
  });

  it('answers 204 for an hour after a contract leaves, then 404; 403 for a share; 400 for couriers', async () => {
    const esi = await start({ forbiddenShare: 0 });
    const ids = esi.control.universe.contractIds(FORGE);
    const expiresAt = (id: number) => Date.parse(String(esi.control.universe.contract(id)!.date_expired));
    const open = ids.find((id) => esi.control.universe.items(id) !== undefined && expiresAt(id) > Date.parse(START) + 7_200_000)!;
    expect((await call(esi, `/contracts/public/items/${open}?page=1`)).status).toBe(200);
    esi.control.removeContracts([open]);
    expect((await call(esi, `/contracts/public/items/${open}?page=1`)).status).toBe(204);
    esi.control.advance(3601);
    expect((await call(esi, `/contracts/public/items/${open}?page=1`)).status).toBe(404);
    expect(esi.control.universe.contractIds(FORGE)).not.toContain(open);

    esi.control.setRows(10000043, [{ contract_id: 500, type: 'courier' }, { contract_id: 501, type: 'barter_v2' }]);
    expect((await call(esi, '/contracts/public/items/500?page=1')).status).toBe(400);
    expect((await call(esi, '/contracts/public/items/501?page=1')).status).toBe(400);
    expect(esi.control.stats().items_bad_type).toBe(2);
    expect((await call(esi, '/contracts/public/items/999?page=1')).status).toBe(404);

    const forbidden = await start({ forbiddenShare: 1 });
    const some = forbidden.control.universe.contractIds(FORGE).find((id) => forbidden.control.universe.items(id))!;
    const denied = await call(forbidden, `/contracts/public/items/${some}?page=1`);
    expect(denied.status).toBe(403);
    expect(denied.json()).toEqual({ error: 'Contract not public' });
  });
});

describe('auction bids (E9, docs/extensions.md §2)', () => {
  const auctions = (esi: FakeEsi) =>
    esi.control.universe.contractIds(FORGE).filter((id) => esi.control.universe.contract(id)!.type === 'auction');
  const bidsPage = (esi: FakeEsi, id: number, n: number, headers?: Record<string, string>) =>
    call(esi, `/contracts/public/bids/${id}?page=${n}`, { headers });
  async function allBids(esi: FakeEsi, id: number) {
    const first = await bidsPage(esi, id, 1);
    const rows = [...rowsOf(first.json())];
    for (let p = 2; p <= Number(first.header('x-pages')); p++) rows.push(...rowsOf((await bidsPage(esi, id, p)).json()));
    return { first, rows };
  }

  it('serves what control.universe.bids says, growing with the clock; ETag/304 and Expires 300 s; 404 for other types', async () => {
    const esi = await start({ contracts: 3000 });
    const ids = auctions(esi);
    expect(ids.length).toBeGreaterThan(20);
    let grew = 0;
    let paged = 0;
    for (const id of ids) {
      const { first, rows } = await allBids(esi, id);
      expect(first.status).toBe(200);
      expect(rows).toEqual(esi.control.universe.bids(id));
      expect(Date.parse(first.header('expires')!) - Date.parse(first.header('last-modified')!)).toBe(300_000);
      for (const row of rows) expect(Object.keys(row).sort()).toEqual(['amount', 'bid_id', 'date_bid']);
      if (Number(first.header('x-pages')) > 1) paged += 1;
      const again = await bidsPage(esi, id, 1, { 'if-none-match': first.header('etag')! });
      expect(again.status).toBe(304);
    }
    expect(esi.control.stats().early_bid_polls).toBe(ids.length);
    const before = new Map(ids.map((id) => [id, esi.control.universe.bids(id)!.length]));
    esi.control.advance(86_400);
    for (const id of ids) {
      const now = esi.control.universe.bids(id);
      if (now && now.length > before.get(id)!) grew += 1;
    }
    expect(grew).toBeGreaterThan(0);
    expect(paged).toBeGreaterThan(0);
    const exchange = esi.control.universe.contractIds(FORGE).find((id) => esi.control.universe.contract(id)!.type === 'item_exchange')!;
    expect((await bidsPage(esi, exchange, 1)).status).toBe(404);
    expect(esi.control.universe.bids(exchange)).toBeUndefined();
  });

  it('204 once an auction is accepted or expired, 404 an hour later; faults: 403, a bad row, X-Pages change', async () => {
    const esi = await start();
    const [open, other] = auctions(esi);
    esi.control.removeContracts([open!]);
    expect((await bidsPage(esi, open!, 1)).status).toBe(204);
    esi.control.advance(3601);
    expect((await bidsPage(esi, open!, 1)).status).toBe(404);

    esi.control.addFault({ kind: 'status', route: 'E9', status: 403, contractId: other!, times: 1 });
    expect((await bidsPage(esi, other!, 1)).status).toBe(403);
    esi.control.addFault({ kind: 'bad-bid-row', contractId: other!, times: 1 });
    const bad = rowsOf((await bidsPage(esi, other!, 1)).json());
    expect(bad.slice(0, -1)).toEqual(esi.control.universe.bids(other!)!.slice(0, 1000));
    expect(bad.at(-1)).not.toHaveProperty('amount');
    esi.control.addFault({ kind: 'xpages-change', route: 'E9', page: 1, times: 1 });
    const shifted = await bidsPage(esi, other!, 1);
    expect(Number(shifted.header('x-pages'))).toBe(Math.max(1, Math.ceil(esi.control.universe.bids(other!)!.length / 1000)) + 1);
  });
});

describe('E8 region ids and the all-regions universe (docs/extensions.md §1)', () => {
  it('lists the universe\'s regions plus wormhole, Abyssal and special ones, with ETag, Expires 11:05 UTC and 304', async () => {
    const esi = await start({ regions: 3 });
    const first = await call(esi, '/universe/regions/');
    expect(first.status).toBe(200);
    expect(first.json()).toEqual([10000002, 10000032, 10000043, 11000001, 11000002, 11000033, 12000001, 12000005, 14000001, 19000001]);
    expect(first.header('expires')).toBe('Wed, 22 Jul 2026 11:05:00 GMT');
    const again = await call(esi, '/universe/regions', { headers: { 'if-none-match': first.header('etag')! } });
    expect(again.status).toBe(304);
    expect(esi.control.stats().routes.E8).toMatchObject({ template: 'GET /universe/regions', total: 2 });
  });

  it("regions: 'all' is every known-space region of the static data, The Forge large and the rest small, ids never shared", async () => {
    const esi = await start({ regions: 'all', contracts: undefined });
    const regions = esi.control.state().regions;
    expect(regions).toHaveLength(69);
    expect(regions[0]).toMatchObject({ region_id: FORGE, contracts: 2000 });
    expect(regions.slice(1).every((r) => r.contracts === 5)).toBe(true);
    expect(regions.every((r) => r.region_id >= 10000001 && r.region_id <= 10999999)).toBe(true);
    const ids = regions.flatMap((r) => esi.control.universe.contractIds(r.region_id));
    expect(new Set(ids).size).toBe(ids.length);
    const listed = (await call(esi, '/universe/regions')).json() as number[];
    expect(listed.filter((id) => id < 11000000)).toEqual(regions.map((r) => r.region_id).sort((a, b) => a - b));
    expect((await page(esi, 1, 10000005)).json()).toHaveLength(5);
  });

  it.each([
    ['failing', { kind: 'status', route: 'E8', status: 503 }, 503, undefined],
    ['garbage', { kind: 'status', route: 'E8', status: 200, body: '{"error":"garbage"}' }, 200, { error: 'garbage' }],
    ['empty', { kind: 'status', route: 'E8', status: 200, body: '[]' }, 200, []],
  ] as [string, FaultSpec, number, unknown][])('E8 %s through the ordinary fault mechanism', async (_what, fault, status, body) => {
    const esi = await start();
    esi.control.addFault({ ...fault, times: 1 });
    const faulted = await call(esi, '/universe/regions');
    expect(faulted.status).toBe(status);
    if (body !== undefined) expect(faulted.json()).toEqual(body);
    expect((await call(esi, '/universe/regions')).json()).toContain(FORGE);
  });
});

describe('universe routes (E3–E7)', () => {
  let esi: FakeEsi;
  beforeAll(async () => {
    esi = await start();
  });

  it('resolves names, 404s a chunk with an unknown id, 400s duplicates and oversized bodies', async () => {
    const issuer = (await page(esi, 1)).json() as Record<string, number>[];
    const ids = [JITA, 30000142, FORGE, 587, issuer[0]!.issuer_id!, issuer[0]!.issuer_corporation_id!];
    const ok = await call(esi, '/universe/names', { body: ids });
    expect(ok.status).toBe(200);
    expect((ok.json() as { category: string }[]).map((n) => n.category)).toEqual([
      'station', 'solar_system', 'region', 'inventory_type', 'character', 'corporation',
    ]);
    expect((await call(esi, '/universe/names', { body: [JITA, 100_000_000_000] })).status).toBe(404);
    expect((await call(esi, '/universe/names', { body: [JITA, JITA] })).status).toBe(400);
    expect((await call(esi, '/universe/names', { body: Array.from({ length: 1001 }, (_, i) => 60_000_000 + i) })).status).toBe(400);
    expect(esi.control.requests({ route: 'E3' })[0]!.ids).toEqual(ids);
    esi.control.setName(issuer[0]!.issuer_id!, 'Pilot B');
    const renamed = await call(esi, '/universe/names', { body: [issuer[0]!.issuer_id] });
    expect(renamed.json()).toEqual([{ category: 'character', id: issuer[0]!.issuer_id, name: 'Pilot B' }]);
  });

  it('serves stations, types, groups and categories from the SDE subset until 11:05 UTC', async () => {
    const rifter = await call(esi, '/universe/types/587');
    expect(rifter.json()).toMatchObject({ type_id: 587, name: 'Rifter', group_id: 25, market_group_id: 64 });
    expect(rifter.header('expires')).toBe('Wed, 22 Jul 2026 11:05:00 GMT');
    expect((await call(esi, '/universe/groups/25')).json()).toMatchObject({ group_id: 25, category_id: 6, name: 'Frigate' });
    expect((await call(esi, '/universe/categories/6')).json()).toMatchObject({ category_id: 6, name: 'Ship' });
    expect((await call(esi, `/universe/stations/${JITA}`)).json()).toMatchObject({ station_id: JITA, system_id: 30000142 });
    for (const path of ['/universe/types/1', '/universe/groups/1', '/universe/categories/1', '/universe/stations/59999999']) {
      expect((await call(esi, path)).status).toBe(404);
    }
  });
});

describe('manners, error limit, early polls', () => {
  it('400s and counts requests without User-Agent or X-Compatibility-Date', async () => {
    const esi = await start();
    expect((await call(esi, '/universe/types/587', { manners: false })).status).toBe(400);
    expect((await call(esi, '/universe/types/587', { manners: false, headers: { 'user-agent': 'x' } })).status).toBe(400);
    expect((await call(esi, `/contracts/public/${FORGE}`)).status).toBe(200);
    const stats = esi.control.stats();
    expect(stats.manners_violations).toBe(2);
    expect(stats.manners).toEqual({ missing_user_agent: 1, missing_compatibility_date: 2, missing_page: 1 });
  });

  it('counts errors per 60 s window and answers 420 everywhere once 100 are spent', async () => {
    const esi = await start();
    esi.control.advance(1); // one second into a window: Reset counts down from 59
    let last = await call(esi, '/universe/types/1');
    expect(last.header('x-esi-error-limit-remain')).toBe('99');
    expect(last.header('x-esi-error-limit-reset')).toBe('59');
    for (let i = 0; i < 99; i++) last = await call(esi, '/universe/types/1');
    expect(last.header('x-esi-error-limit-remain')).toBe('0');
    const limited = await page(esi, 1);
    expect(limited.status).toBe(420);
    expect(esi.control.stats().error_limited).toBe(1);
    esi.control.advance(59);
    expect((await page(esi, 1)).status).toBe(200);
  });

  it('counts listing requests before the page expiry as early polls, except after a failed answer', async () => {
    const esi = await start();
    await page(esi, 1);
    await page(esi, 1);
    expect(esi.control.stats().early_polls).toEqual({ [FORGE]: 1 });
    esi.control.addFault({ kind: 'status', route: 'E1', page: 2, times: 1 });
    expect((await page(esi, 2)).status).toBe(503);
    await page(esi, 2);
    await page(esi, 2);
    esi.control.advance(1800);
    await page(esi, 1);
    expect(esi.control.stats().early_polls_total).toBe(2);
    expect(esi.control.requests({ route: 'E1' }).map((r) => r.early ?? false)).toEqual([false, true, false, false, true, false]);
  });
});

describe('faults', () => {
  let esi: FakeEsi;
  beforeAll(async () => {
    esi = await start({ forbiddenShare: 0, largeItemContracts: 1 });
  });
  afterEach(() => esi.control.clearFaults());
  const itemId = () => esi.control.universe.contractIds(FORGE).find((id) => esi.control.universe.items(id))!;
  const bigId = () => esi.control.universe.largeItemContractIds()[0]!;

  /** Each fault changes the answer while set and nothing once cleared. */
  const cases: [string, FaultSpec, () => Promise<void>][] = [
    ['5xx burst by count', { kind: 'status', route: 'E1', status: 502, times: 2 }, async () => {
      expect([(await page(esi, 1)).status, (await page(esi, 1)).status, (await page(esi, 1)).status]).toEqual([502, 502, 200]);
    }],
    ['420 with Reset', { kind: 'error-limit', route: 'E5' }, async () => {
      const r = await call(esi, '/universe/types/587');
      expect([r.status, r.header('x-esi-error-limit-reset')]).toEqual([420, '37']);
    }],
    ['429 with Retry-After seconds and a group', { kind: 'rate-limit', retryAfter: 7, group: 'contracts' }, async () => {
      const r = await page(esi, 1);
      expect([r.status, r.header('retry-after'), r.header('x-ratelimit-group')]).toEqual([429, '7', 'contracts']);
    }],
    ['429 with an HTTP-date', { kind: 'rate-limit', retryAfterDate: 30 }, async () => {
      expect((await page(esi, 1)).header('retry-after')).toBe('Tue, 21 Jul 2026 12:00:30 GMT');
    }],
    ['X-Pages change on page 2', { kind: 'xpages-change' }, async () => {
      expect([(await page(esi, 1)).header('x-pages'), (await page(esi, 2)).header('x-pages')]).toEqual(['3', '4']);
    }],
    ['another Last-Modified', { kind: 'last-modified', page: 3, offsetSeconds: 60 }, async () => {
      expect((await page(esi, 3)).header('last-modified')).toBe('Tue, 21 Jul 2026 12:01:00 GMT');
    }],
    ['duplicate id across pages', { kind: 'duplicate-id', page: 2 }, async () => {
      const [one, two] = [rowsOf((await page(esi, 1)).json()), rowsOf((await page(esi, 2)).json())];
      expect(two[0]!.contract_id).toBe(one[999]!.contract_id);
    }],
    ['page past the end as a 200 error object', { kind: 'page-past-end', page: 3 }, async () => {
      const r = await page(esi, 3);
      expect([r.status, r.json()]).toEqual([200, { error: 'Requested page does not exist!' }]);
    }],
    ['short page', { kind: 'short-page', page: 2, rows: 999 }, async () => {
      expect(rowsOf((await page(esi, 2)).json())).toHaveLength(999);
    }],
    ['304 to any If-None-Match', { kind: 'not-modified' }, async () => {
      expect((await page(esi, 1, FORGE, { 'if-none-match': '"stale"' })).status).toBe(304);
    }],
    ['out-of-enum type', { kind: 'bad-type', share: 0.5 }, async () => {
      expect(rowsOf((await page(esi, 1)).json()).filter((r) => r.type === 'barter_v2').length).toBeGreaterThan(400);
    }],
    ['optional fields stripped', { kind: 'strip-optional', route: 'E1' }, async () => {
      const rows = rowsOf((await page(esi, 1)).json());
      expect(rows.every((r) => r.price === undefined && r.title === undefined && r.collateral === undefined)).toBe(true);
    }],
    ['item list over 1000 rows', { kind: 'big-items', rows: 2222 }, async () => {
      const r = await call(esi, `/contracts/public/items/${itemId()}?page=3`);
      expect([r.header('x-pages'), rowsOf(r.json()).length]).toEqual(['3', 222]);
    }],
    ['empty 200 on items', { kind: 'empty-items', body: 'none' }, async () => {
      const r = await call(esi, `/contracts/public/items/${itemId()}?page=1`);
      expect([r.status, r.raw.length]).toEqual([200, 0]);
    }],
    ['bad id in names', { kind: 'bad-name-id', ids: [JITA] }, async () => {
      expect((await call(esi, '/universe/names', { body: [30000142, JITA] })).status).toBe(404);
      expect((await call(esi, '/universe/names', { body: [30000142] })).status).toBe(200);
    }],
    ['duplicate record_id in items', { kind: 'duplicate-id', route: 'E2', page: 2 }, async () => {
      const [one, two] = [await call(esi, `/contracts/public/items/${bigId()}?page=1`), await call(esi, `/contracts/public/items/${bigId()}?page=2`)];
      expect(rowsOf(two.json())[0]!.record_id).toBe(rowsOf(one.json())[999]!.record_id);
    }],
    ['downtime', { kind: 'downtime' }, async () => {
      expect([(await page(esi, 1)).status, (await call(esi, '/universe/types/587')).status]).toEqual([503, 503]);
    }],
    ['stale node', { kind: 'stale' }, async () => {
      expect((await page(esi, 1)).header('last-modified')).toBe('Tue, 21 Jul 2026 11:30:00 GMT');
    }],
    ['mass drop', { kind: 'mass-drop', keep: 99 }, async () => {
      const r = await page(esi, 1);
      expect([r.header('x-pages'), rowsOf(r.json()).length]).toEqual(['1', 99]);
    }],
    ['headers set and removed', { kind: 'headers', remove: ['x-pages', 'last-modified'], set: { 'x-esi-error-limit-remain': '20' } }, async () => {
      const r = await page(esi, 1);
      expect([r.header('x-pages'), r.header('last-modified'), r.header('x-esi-error-limit-remain')]).toEqual([undefined, undefined, '20']);
    }],
  ];
  it.each(cases)('%s', async (_name, spec, check) => {
    const healthy = (await page(esi, 1)).text;
    esi.control.addFault(spec);
    await check();
    esi.control.clearFaults();
    expect((await page(esi, 1)).text).toBe(healthy);
  });

  it('breaks connections: reset, truncated JSON, corrupt gzip, hang', async () => {
    esi.control.addFault({ kind: 'reset', page: 1, times: 1 });
    await expect(fetch(`${esi.url}/contracts/public/${FORGE}?page=1`, { headers: MANNERS })).rejects.toThrow();
    esi.control.addFault({ kind: 'truncate', page: 2, times: 1 });
    const truncated = await fetch(`${esi.url}/contracts/public/${FORGE}?page=2`, { headers: MANNERS });
    expect(Number(truncated.headers.get('content-length'))).toBeGreaterThan(0);
    await expect(truncated.text()).rejects.toThrow();
    esi.control.addFault({ kind: 'corrupt-gzip', page: 3, times: 1 });
    const corrupt = await request(`${esi.url}/contracts/public/${FORGE}?page=3`, { headers: MANNERS });
    expect(corrupt.headers['content-encoding']).toBe('gzip');
    const corruptBody = Buffer.from(await corrupt.body.arrayBuffer());
    expect(() => gunzipSync(corruptBody)).toThrow();
    esi.control.addFault({ kind: 'hang', route: 'E5' });
    await expect(fetch(`${esi.url}/universe/types/587`, { headers: MANNERS, signal: AbortSignal.timeout(300) })).rejects.toThrow();
    expect(esi.control.requests().slice(-4).map((r) => r.status)).toEqual(['reset', 'truncated', 200, 'hang']);
    esi.control.clearFaults();
    expect((await call(esi, '/universe/types/587')).status).toBe(200);
  });

  it('honours skip, probability and the /_fake/faults API', async () => {
    esi.control.addFault({ kind: 'status', route: 'E5', skip: 1, times: 1 });
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await call(esi, '/universe/types/587')).status);
    expect(statuses).toEqual([200, 503, 200]);
    const added = await fetch(`${esi.url}/_fake/faults`, { method: 'POST', body: JSON.stringify([{ kind: 'status', route: 'E6', probability: 0.5 }]) });
    expect(added.status).toBe(201);
    const hits = [];
    for (let i = 0; i < 40; i++) hits.push((await call(esi, '/universe/groups/25')).status);
    expect(hits.filter((s) => s === 503).length).toBeGreaterThan(5);
    expect(hits.filter((s) => s === 200).length).toBeGreaterThan(5);
    expect((await fetch(`${esi.url}/_fake/faults`, { method: 'DELETE' })).status).toBe(200);
    expect(esi.control.faults()).toEqual([]);
    expect((await fetch(`${esi.url}/_fake/faults`, { method: 'POST', body: '{"kind":"nope"}' })).status).toBe(400);
  });
});

describe('time, churn, determinism, size', () => {
  it('regenerates lazily after expiry: expired and churned contracts leave, new ids are appended', async () => {
    const esi = await start({ contracts: 2000, churnRate: 0.02 });
    const before = esi.control.universe.contractIds(FORGE);
    const firstPage = await page(esi, 1);
    esi.control.advance(1799);
    expect((await page(esi, 1)).header('last-modified')).toBe(firstPage.header('last-modified'));
    esi.control.advance(1);
    const after = await page(esi, 1);
    expect(after.header('last-modified')).toBe('Tue, 21 Jul 2026 12:30:00 GMT');
    expect(after.header('expires')).toBe('Tue, 21 Jul 2026 13:00:00 GMT');
    const now = esi.control.universe.contractIds(FORGE);
    const gone = before.filter((id) => !now.includes(id));
    const added = now.filter((id) => !before.includes(id));
    expect(gone.length).toBeGreaterThanOrEqual(40);
    expect(added).toHaveLength(gone.length);
    expect(Math.min(...added)).toBeGreaterThan(Math.max(...before));
    const departed = gone.find((id) => Date.parse(String(esi.control.universe.contract(id)?.date_expired)) > Date.parse(START) + 3_600_000);
    expect((await call(esi, `/contracts/public/items/${departed}?page=1`)).status).toBe(204);
    expect(esi.control.stats().regenerations).toEqual({ [FORGE]: 1 });
    const viaHttp = await fetch(`${esi.url}/_fake/clock`, { method: 'POST', body: '{"advanceSeconds":1800}' });
    expect(await viaHttp.json()).toEqual({ now: '2026-07-21T13:00:00.000Z' });
    esi.control.regenerate(FORGE, { churn: false });
    const state = (await (await fetch(`${esi.url}/_fake/state`)).json()) as FakeEsiStateView;
    // The catch-up regeneration at 13:00:00 comes first; a forced one in the same second changes nothing.
    expect(state.regions[0]).toMatchObject({ generation: 3, regenerated_at: '2026-07-21T13:00:01.000Z', last_modified: '2026-07-21T13:00:00.000Z' });
  });

  it('serves identical bytes for the same seed and different ones for another', async () => {
    const options = { regions: 2, contracts: 1500, alignPhase: false, seed: 7 };
    const [a, b, c] = [await start(options), await start(options), await start({ ...options, seed: 8 })];
    for (const path of [`/contracts/public/${FORGE}?page=2`, '/contracts/public/10000043?page=1']) {
      const [ra, rb, rc] = [await call(a, path), await call(b, path), await call(c, path)];
      expect(ra.text).toBe(rb.text);
      expect(ra.header('etag')).toBe(rb.header('etag'));
      expect(ra.header('last-modified')).toBe(rb.header('last-modified'));
      expect(rc.text).not.toBe(ra.text);
    }
    const id = a.control.universe.contractIds(FORGE)[5]!;
    expect((await call(a, `/contracts/public/items/${id}?page=1`)).text).toBe((await call(b, `/contracts/public/items/${id}?page=1`)).text);
  });

  it('starts a 35,000-contract first region fast and serves page 35', async () => {
    const started = performance.now();
    const esi = await start({ regions: 3, contracts: 2000, firstRegionContracts: 35_000 });
    expect(performance.now() - started).toBeLessThan(2000);
    const last = await page(esi, 35);
    expect([last.status, last.header('x-pages'), rowsOf(last.json()).length]).toEqual([200, '35', 1000]);
    expect((await page(esi, 36)).status).toBe(404);
  });

  it('offers max-age mode and latency', async () => {
    const esi = await start({ cacheControl: 'max-age', latency: { E1: 120 }, jitter: 20 });
    esi.control.advance(100);
    const before = performance.now();
    expect((await page(esi, 1)).header('cache-control')).toBe('public, max-age=1700');
    expect(performance.now() - before).toBeGreaterThanOrEqual(95);
  });

  it('mutates the universe for tests: added, removed and expired contracts show at the next regeneration', async () => {
    const esi = await start({ churnRate: 0 });
    const [a, b] = esi.control.universe.contractIds(FORGE);
    const added = esi.control.addContracts(FORGE, 3);
    esi.control.removeContracts([a!]);
    esi.control.expireContracts([b!]);
    expect(esi.control.universe.contractIds(FORGE)).toContain(a);
    expect((await call(esi, `/contracts/public/items/${b}?page=1`)).status).toBe(204);
    esi.control.regenerate(FORGE, { churn: false });
    const ids = esi.control.universe.contractIds(FORGE);
    expect(ids).not.toContain(a);
    expect(ids).not.toContain(b);
    expect(ids.slice(-3)).toEqual(added);
    const log = (await (await fetch(`${esi.url}/_fake/requests?route=E2`)).json()) as { requests: RequestLogEntry[] };
    expect(log.requests[0]).toMatchObject({ method: 'GET', query: { page: '1' }, status: 204, contractId: b, time: '2026-07-21T12:00:00.000Z' });
    expect(log.requests[0]!.headers['x-compatibility-date']).toBe('2026-07-21');
  });
});
