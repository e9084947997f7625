// GET /types/{type_id}/contract-prices (extensions §4.2; case 140): bodies compared with statistics
// computed here from the rows inserted, parameters and their 422s, 404, ETag/304, both prefixes and
// slash forms, observations outliving their contracts.
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRetentionRepository } from '../../src/repositories/retention.repository.js';
import { buildTestApp, type TestApp } from '../support/app.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { insertContracts, type ContractSpec } from '../support/fixtures.js';

const L = Date.parse('2026-07-21T09:16:00Z');
const NOW = new Date(L + 30_000);
const DAY = 86_400_000;
const THE_FORGE = 10000002;
const DOMAIN = 10000043;
const RIFTER = 587;
const TRITANIUM = 34;
const CARACAL_BPC = 687;
/** Known only through its observations (never resolved into esi_types). */
const OBSERVED_ONLY = 11_111;
/** Resolved, but with no offer and no observation. */
const QUIET = 22_222;
/** ESI answered 404: a negative cache entry, not a known type. */
const NOT_FOUND = 33_333;

interface Observation {
  contractId: number;
  typeId: number;
  regionId: number;
  day: string;
  kind: 'gone_early' | 'expired';
  unitPrice: number;
  quantity: number;
  isBlueprintCopy: boolean;
  runs: number | null;
  me: number | null;
  te: number | null;
}

const dayOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const TODAY = dayOf(L);

/** A deterministic stream (LCG) so that the data is the same every run. */
function stream(seed: number) {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

function observations(): Observation[] {
  const next = stream(140);
  const rows: Observation[] = [];
  let contractId = 700_000_000;
  // Rifters over 10 days (the last three fall outside days=7), both kinds, two regions; copies of a blueprint.
  for (let daysAgo = 0; daysAgo < 10; daysAgo++) {
    const perDay = daysAgo === 3 ? 0 : 1 + Math.floor(next() * 6);
    for (let k = 0; k < perDay; k++) {
      rows.push({
        contractId: contractId++, typeId: RIFTER, regionId: next() < 0.7 ? THE_FORGE : DOMAIN, day: dayOf(L - daysAgo * DAY),
        kind: next() < 0.6 ? 'gone_early' : 'expired', unitPrice: Math.round(400_000 + next() * 600_000), quantity: 1 + Math.floor(next() * 3),
        isBlueprintCopy: false, runs: null, me: null, te: null,
      });
    }
    for (let k = 0; k < 2; k++) {
      rows.push({
        contractId: contractId++, typeId: CARACAL_BPC, regionId: THE_FORGE, day: dayOf(L - daysAgo * DAY), kind: k === 0 ? 'gone_early' : 'expired',
        unitPrice: Math.round(1_000_000 + next() * 1_000_000), quantity: 1, isBlueprintCopy: true,
        runs: 1 + Math.floor(next() * 20), me: Math.floor(next() * 11), te: 2 * Math.floor(next() * 11),
      });
    }
  }
  rows.push({ contractId: contractId++, typeId: TRITANIUM, regionId: THE_FORGE, day: TODAY, kind: 'expired', unitPrice: 5, quantity: 1000, isBlueprintCopy: false, runs: null, me: null, te: null });
  rows.push({ contractId: contractId++, typeId: OBSERVED_ONLY, regionId: THE_FORGE, day: TODAY, kind: 'gone_early', unitPrice: 42, quantity: 1, isBlueprintCopy: false, runs: null, me: null, te: null });
  return rows;
}

const OBSERVATIONS = observations();

/** Live contracts: single-type offers of Rifters (and copies), and contracts that are not such offers. */
const LIVE: ContractSpec[] = [
  { contractId: 800_001, price: 500_000, items: [{ typeId: RIFTER }] },
  { contractId: 800_002, price: 1_800_000, items: [{ typeId: RIFTER, quantity: 3 }] },
  { contractId: 800_003, price: 900_000, regionId: DOMAIN, items: [{ typeId: RIFTER }, { typeId: RIFTER }] },
  { contractId: 800_004, price: 700_000, items: [{ typeId: RIFTER }] },
  { contractId: 800_005, price: 300_000, regionId: DOMAIN, items: [{ typeId: RIFTER }] },
  // Not single-type offers, or not live.
  { contractId: 800_010, price: 1, items: [{ typeId: RIFTER }, { typeId: TRITANIUM }] },
  { contractId: 800_011, price: 2, items: [{ typeId: RIFTER }, { typeId: RIFTER, isIncluded: false }] },
  { contractId: 800_012, price: 3, items: null },
  { contractId: 800_013, price: 4, type: 'auction', items: [{ typeId: RIFTER }] },
  { contractId: 800_014, price: 5, dateExpired: new Date(L), items: [{ typeId: RIFTER }] },
  { contractId: 800_015, price: 6, closedAt: new Date(L - DAY), items: [{ typeId: RIFTER }] },
  // Copies: one with runs 10 (ME 10, TE 20), a lot of two with runs 5 and 30 (smallest: 5, ME 8, TE 10).
  { contractId: 800_020, price: 2_000_000, items: [{ typeId: CARACAL_BPC, isBlueprintCopy: true, runs: 10, me: 10, te: 20 }] },
  {
    contractId: 800_021, price: 3_000_000,
    items: [{ typeId: CARACAL_BPC, isBlueprintCopy: true, runs: 5, me: 8, te: 10 }, { typeId: CARACAL_BPC, isBlueprintCopy: true, runs: 30, me: 10, te: 20 }],
  },
];
/** Unit prices and lot terms of the live single-type offers above, as the spec defines them. */
const LIVE_OFFERS = [
  { typeId: RIFTER, regionId: THE_FORGE, unit: 500_000, isBpc: false, runs: null, me: null, te: null },
  { typeId: RIFTER, regionId: THE_FORGE, unit: 600_000, isBpc: false, runs: null, me: null, te: null },
  { typeId: RIFTER, regionId: DOMAIN, unit: 450_000, isBpc: false, runs: null, me: null, te: null },
  { typeId: RIFTER, regionId: THE_FORGE, unit: 700_000, isBpc: false, runs: null, me: null, te: null },
  { typeId: RIFTER, regionId: DOMAIN, unit: 300_000, isBpc: false, runs: null, me: null, te: null },
  { typeId: CARACAL_BPC, regionId: THE_FORGE, unit: 2_000_000, isBpc: true, runs: 10, me: 10, te: 20 },
  { typeId: CARACAL_BPC, regionId: THE_FORGE, unit: 1_500_000, isBpc: true, runs: 5, me: 8, te: 10 },
];

interface Filter {
  regionIds?: number[];
  isBpc?: boolean;
  minRuns?: number;
  minMe?: number;
  minTe?: number;
}

const matches = (filter: Filter, row: { regionId: number; isBpc: boolean; runs: number | null; me: number | null; te: number | null }) =>
  (filter.regionIds === undefined || filter.regionIds.includes(row.regionId)) &&
  (filter.isBpc === undefined || row.isBpc === filter.isBpc) &&
  (filter.minRuns === undefined || (row.runs !== null && row.runs >= filter.minRuns)) &&
  (filter.minMe === undefined || (row.me !== null && row.me >= filter.minMe)) &&
  (filter.minTe === undefined || (row.te !== null && row.te >= filter.minTe));

/** Rank ceil(q·n) (1-based) of the ascending values. */
const rank = (sorted: number[], q: number) => sorted[Math.ceil(q * sorted.length) - 1]!;

/** The body the route must answer, computed from the inserted rows. */
function expected(typeId: number, typeName: string | null, days: number, filter: Filter = {}) {
  const firstDay = dayOf(L - (days - 1) * DAY);
  const current = LIVE_OFFERS.filter((offer) => offer.typeId === typeId && matches(filter, offer)).map((offer) => offer.unit).sort((a, b) => a - b);
  const byDay = new Map<string, Map<string, number[]>>();
  for (const o of OBSERVATIONS) {
    if (o.typeId !== typeId || o.day < firstDay || o.day > TODAY || !matches(filter, { ...o, isBpc: o.isBlueprintCopy })) continue;
    const kinds = byDay.get(o.day) ?? new Map<string, number[]>();
    kinds.set(o.kind, [...(kinds.get(o.kind) ?? []), o.unitPrice]);
    byDay.set(o.day, kinds);
  }
  const stats = (values: number[] | undefined) => {
    if (!values) return { count: 0, min: null, median: null, max: null };
    const sorted = [...values].sort((a, b) => a - b);
    return { count: sorted.length, min: sorted[0], median: rank(sorted, 0.5), max: sorted.at(-1) };
  };
  return {
    type_id: typeId,
    type_name: typeName,
    current: current.length === 0
      ? { count: 0, min: null, p25: null, median: null }
      : { count: current.length, min: current[0], p25: rank(current, 0.25), median: rank(current, 0.5) },
    history: [...byDay.keys()].sort().map((date) => ({ date, gone_early: stats(byDay.get(date)!.get('gone_early')), expired: stats(byDay.get(date)!.get('expired')) })),
  };
}

let db: TestDatabase;
let t: TestApp;
let clock = NOW;

const get = (url: string, headers: Record<string, string> = {}) => t.app.inject({ url, headers });

async function insertObservations(rows: readonly Observation[]) {
  for (const o of rows) {
    await db.db.execute(sql`
      INSERT INTO price_observations (contract_id, type_id, region_id, closed_day, kind, unit_price, quantity, is_blueprint_copy, runs, material_efficiency, time_efficiency)
      VALUES (${o.contractId}, ${o.typeId}, ${o.regionId}, ${o.day}::date, ${o.kind}, ${o.unitPrice}, ${o.quantity}, ${o.isBlueprintCopy}, ${o.runs}, ${o.me}, ${o.te})`);
  }
}

beforeAll(async () => {
  db = await createTestDatabase();
  await db.db.execute(sql`
    INSERT INTO esi_types (type_id, name, group_id, not_found_until, fetched_at) VALUES
      (${RIFTER}, 'Rifter', 25, NULL, now()), (${TRITANIUM}, 'Tritanium', 18, NULL, now()),
      (${CARACAL_BPC}, 'Caracal Blueprint', 106, NULL, now()), (${QUIET}, 'Quiet Thing', 18, NULL, now()),
      (${NOT_FOUND}, NULL, NULL, '2100-01-01T00:00:00Z', now())`);
  await insertObservations(OBSERVATIONS);
  // The closed contracts behind the Rifter observations of the window (retention will delete them).
  await insertContracts(
    db.db,
    [
      ...LIVE,
      ...OBSERVATIONS.filter((o) => o.typeId === RIFTER).map((o) => ({
        contractId: o.contractId, price: o.unitPrice * o.quantity, regionId: o.regionId, closedAt: new Date(`${o.day}T08:00:00Z`),
        closeReason: o.kind, dateIssued: new Date(L - 40 * DAY), dateExpired: new Date(L - 31 * DAY), items: [{ typeId: RIFTER, quantity: o.quantity }],
      })),
    ],
    NOW,
  );
  t = await buildTestApp({ databaseUrl: db.url, now: () => clock });
});

afterAll(async () => {
  await t?.close();
  await db?.drop();
});

describe('GET /types/{type_id}/contract-prices (extensions §4.2)', () => {
  it('case 140: ?days=7 equals the counts, minimums, lower medians and maximums computed from the observations, and current from the live offers', async () => {
    const response = await get(`/types/${RIFTER}/contract-prices?days=7`);
    expect(response.statusCode, response.body).toBe(200);
    expect(response.headers['content-type']).toBe('application/json; charset=utf-8');
    const body = response.json<ReturnType<typeof expected>>();
    expect(body).toStrictEqual(expected(RIFTER, 'Rifter', 7));
    // The data has what the comparison needs to mean something: days with both kinds, a day without any.
    expect(body.history.length).toBeGreaterThanOrEqual(5);
    expect(body.history.some((day) => day.gone_early.count > 1 && day.expired.count > 0)).toBe(true);
    expect(body.history.some((day) => day.gone_early.count === 0 || day.expired.count === 0)).toBe(true);
    expect(body.history.map((day) => day.date)).not.toContain(dayOf(L - 3 * DAY));
    expect(body.current).toStrictEqual({ count: 5, min: 300_000, p25: 450_000, median: 500_000 });
  });

  it('the default window is 30 days; days=1 is today only', async () => {
    expect((await get(`/types/${RIFTER}/contract-prices`)).json()).toStrictEqual(expected(RIFTER, 'Rifter', 30));
    expect((await get(`/types/${RIFTER}/contract-prices?days=1`)).json()).toStrictEqual(expected(RIFTER, 'Rifter', 1));
  });

  it.each([
    ['region_ids=10000043', { regionIds: [DOMAIN] }],
    ['region_ids=10000043&region_ids=10000002&region_ids=10000043', { regionIds: [DOMAIN, THE_FORGE] }],
    ['is_bpc=false', { isBpc: false }],
    ['is_bpc=yes', { isBpc: true }],
  ])('Rifters with %s', async (query, filter) => {
    expect((await get(`/types/${RIFTER}/contract-prices?days=10&${query}`)).json()).toStrictEqual(expected(RIFTER, 'Rifter', 10, filter));
  });

  it.each([
    ['is_bpc=true', { isBpc: true }],
    ['min_runs=6', { minRuns: 6 }],
    ['min_me=9&min_te=12', { minMe: 9, minTe: 12 }],
    ['min_runs=-1&is_bpc=1', { minRuns: -1, isBpc: true }],
  ])('blueprint copies with %s: the lot terms (its smallest) decide', async (query, filter) => {
    const body = (await get(`/types/${CARACAL_BPC}/contract-prices?days=10&${query}`)).json<ReturnType<typeof expected>>();
    expect(body).toStrictEqual(expected(CARACAL_BPC, 'Caracal Blueprint', 10, filter));
  });

  it('the two-copy lot counts with its smallest terms: min_runs=6 leaves only the single copy', async () => {
    const body = (await get(`/types/${CARACAL_BPC}/contract-prices?min_runs=6`)).json<ReturnType<typeof expected>>();
    expect(body.current).toStrictEqual({ count: 1, min: 2_000_000, p25: 2_000_000, median: 2_000_000 });
  });

  it('answers identically under /api/v1 and in both slash forms', async () => {
    const bare = await get(`/types/${RIFTER}/contract-prices?days=7`);
    for (const url of [`/types/${RIFTER}/contract-prices/?days=7`, `/api/v1/types/${RIFTER}/contract-prices?days=7`, `/api/v1/types/${RIFTER}/contract-prices/?days=7`]) {
      const response = await get(url);
      expect(response.statusCode, url).toBe(200);
      expect(response.body, url).toBe(bare.body);
      expect(response.headers.etag, url).toBe(bare.headers.etag);
    }
  });

  it('a type known only from observations → 200 with type_name null; a resolved type with no data → count 0 and history []', async () => {
    expect((await get(`/types/${OBSERVED_ONLY}/contract-prices`)).json()).toStrictEqual(expected(OBSERVED_ONLY, null, 30));
    expect((await get(`/types/${QUIET}/contract-prices`)).json()).toStrictEqual({
      type_id: QUIET, type_name: 'Quiet Thing', current: { count: 0, min: null, p25: null, median: null }, history: [],
    });
  });

  it.each([
    ['never seen', '/types/99999/contract-prices'],
    ['a 404 remembered in the type cache', `/types/${NOT_FOUND}/contract-prices`],
    ['a negative id', '/api/v1/types/-5/contract-prices/'],
  ])('unknown type (%s) → 404 {"detail":"Type not found"}, no-store, never a 304', async (_name, url) => {
    for (const headers of [{}, { 'if-none-match': '*' }] as Record<string, string>[]) {
      const response = await get(url, headers);
      expect(response.statusCode).toBe(404);
      expect(response.body).toBe('{"detail":"Type not found"}');
      expect(response.headers['cache-control']).toBe('no-store');
      expect(response.headers.etag).toBeUndefined();
    }
  });

  it.each([
    ['days=0', [{ type: 'greater_than_equal', loc: ['query', 'days'], msg: 'Input should be greater than or equal to 1', input: '0', ctx: { ge: 1 } }]],
    ['days=366', [{ type: 'less_than_equal', loc: ['query', 'days'], msg: 'Input should be less than or equal to 365', input: '366', ctx: { le: 365 } }]],
    ['days=', [{ type: 'int_parsing', loc: ['query', 'days'], msg: 'Input should be a valid integer, unable to parse string as an integer', input: '' }]],
    ['region_ids=10000002&region_ids=abc&region_ids=1,2', [
      { type: 'int_parsing', loc: ['query', 'region_ids', 1], msg: 'Input should be a valid integer, unable to parse string as an integer', input: 'abc' },
      { type: 'int_parsing', loc: ['query', 'region_ids', 2], msg: 'Input should be a valid integer, unable to parse string as an integer', input: '1,2' },
    ]],
    ['region_ids=9223372036854775808', [
      { type: 'int_parsing_size', loc: ['query', 'region_ids', 0], msg: 'Unable to parse input string as an integer, exceeded maximum size', input: '9223372036854775808' },
    ]],
    ['is_bpc=maybe&min_runs=-2&min_me=-1&min_te=x', [
      { type: 'bool_parsing', loc: ['query', 'is_bpc'], msg: 'Input should be a valid boolean, unable to interpret input', input: 'maybe' },
      { type: 'greater_than_equal', loc: ['query', 'min_runs'], msg: 'Input should be greater than or equal to -1', input: '-2', ctx: { ge: -1 } },
      { type: 'greater_than_equal', loc: ['query', 'min_me'], msg: 'Input should be greater than or equal to 0', input: '-1', ctx: { ge: 0 } },
      { type: 'int_parsing', loc: ['query', 'min_te'], msg: 'Input should be a valid integer, unable to parse string as an integer', input: 'x' },
    ]],
  ])('?%s → 422 with every error (docs/api.md §6.3)', async (query, detail) => {
    const response = await get(`/types/${RIFTER}/contract-prices?${query}`);
    expect(response.statusCode).toBe(422);
    expect(response.headers['cache-control']).toBe('no-store');
    expect(response.json()).toStrictEqual({ detail });
  });

  it('type_id beyond int64 → 422 int_parsing_size at ["path","type_id"]; not an integer → int_parsing; path errors first, query errors with them', async () => {
    const huge = await get('/types/99999999999999999999/contract-prices');
    expect(huge.statusCode).toBe(422);
    expect(huge.json()).toStrictEqual({
      detail: [{ type: 'int_parsing_size', loc: ['path', 'type_id'], msg: 'Unable to parse input string as an integer, exceeded maximum size', input: '99999999999999999999' }],
    });
    const both = await get('/api/v1/types/abc/contract-prices?days=366');
    expect(both.statusCode).toBe(422);
    expect(both.json<{ detail: { type: string; loc: unknown[] }[] }>().detail.map((e) => [e.type, e.loc])).toStrictEqual([
      ['int_parsing', ['path', 'type_id']],
      ['less_than_equal', ['query', 'days']],
    ]);
  });

  it('ETag per (generation, minute, query): If-None-Match → 304; a commit, another query, the next minute or day → a new tag', async () => {
    const url = `/types/${RIFTER}/contract-prices?days=7`;
    const first = await get(url);
    const etag = first.headers.etag as string;
    expect(etag).toMatch(/^W\/"\d+\.\d+\.[0-9a-f]{16}"$/);
    expect(first.headers['cache-control']).toBe('public, no-cache');
    expect(first.headers.vary).toMatch(/accept-encoding/i);

    const again = await get(url, { 'if-none-match': etag });
    expect(again.statusCode).toBe(304);
    expect(again.body).toBe('');
    expect(again.headers.etag).toBe(etag);
    expect((await get(`${url}&region_ids=10000002`)).headers.etag).not.toBe(etag);
    // Defaults filled in: days=30 and no days share a tag; a duplicate list value changes nothing.
    expect((await get(`/types/${RIFTER}/contract-prices`)).headers.etag).toBe((await get(`/types/${RIFTER}/contract-prices?days=30`)).headers.etag);

    clock = new Date(L + 90_000);
    try {
      expect((await get(url, { 'if-none-match': etag })).statusCode).toBe(200);
    } finally {
      clock = NOW;
    }

    const late = { contractId: 799_999_999, typeId: RIFTER, regionId: THE_FORGE, day: TODAY, kind: 'expired' as const, unitPrice: 1, quantity: 1, isBlueprintCopy: false, runs: null, me: null, te: null };
    await insertObservations([late]);
    await db.db.execute(sql`UPDATE sync_state SET generation = generation + 1 WHERE id = 1`);
    await t.seesCurrentGeneration();
    const after = await get(url, { 'if-none-match': etag });
    expect(after.statusCode).toBe(200);
    expect(after.headers.etag).not.toBe(etag);
    const today = after.json<ReturnType<typeof expected>>().history.at(-1)!;
    expect(today.date).toBe(TODAY);
    expect(today.expired.min).toBe(1);
    await db.db.execute(sql`DELETE FROM price_observations WHERE contract_id = ${late.contractId}`);
    await db.db.execute(sql`UPDATE sync_state SET generation = generation + 1 WHERE id = 1`);
    await t.seesCurrentGeneration();
  });

  it('case 140: observations survive retention deleting their contracts; the body is unchanged', async () => {
    const url = `/types/${RIFTER}/contract-prices?days=10`;
    const before = (await get(url)).json();
    const closedIds = OBSERVATIONS.filter((o) => o.typeId === RIFTER).map((o) => o.contractId);
    expect(Number((await db.db.execute<{ n: string }>(sql`SELECT count(*) AS n FROM contracts WHERE contract_id = ANY(${`{${closedIds.join(',')}}`}::bigint[])`))[0]!.n)).toBe(closedIds.length);

    const deleted = await db.db.transaction(async (tx) => {
      // RETENTION_DAYS = 30: they expired 31 days ago.
      const n = await createRetentionRepository().deleteOldContracts(tx, new Date(L - 30 * DAY), 10_000);
      await tx.execute(sql`UPDATE sync_state SET generation = generation + 1 WHERE id = 1`);
      return n;
    });
    expect(deleted).toBe(closedIds.length);
    await t.seesCurrentGeneration();
    expect((await get(url)).json()).toStrictEqual(before);
    expect(before).toStrictEqual(expected(RIFTER, 'Rifter', 10));
  });

  it('OpenAPI lists the route with its parameters; other methods → 405', async () => {
    const document = (await get('/openapi.json')).json<{ paths: Record<string, Record<string, { operationId: string; parameters: { name: string; in: string; schema: Record<string, unknown> }[] }>> }>();
    const operation = document.paths['/types/{type_id}/contract-prices']!.get!;
    expect(operation.operationId).toBe('get_type_contract_prices_types__type_id__contract_prices_get');
    const parameters = new Map(operation.parameters.map((p) => [p.name, p]));
    expect(parameters.get('type_id')!.in).toBe('path');
    expect(parameters.get('days')!.schema).toMatchObject({ minimum: 1, maximum: 365, default: 30 });
    expect(JSON.stringify(parameters.get('region_ids')!.schema)).toContain('"type":"array"');
    for (const name of ['is_bpc', 'min_runs', 'min_me', 'min_te']) expect(parameters.get(name)?.in, name).toBe('query');
    expect(Object.keys(document.paths).some((path) => path.startsWith('/api/'))).toBe(false);

    const post = await t.app.inject({ method: 'POST', url: `/types/${RIFTER}/contract-prices` });
    expect(post.statusCode).toBe(405);
    expect(post.headers.allow).toBe('GET, HEAD');
  });
});
