import { sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { ENRICHMENT_VERSION } from '../../src/domain/enrichment.js';
import { buildTestApp, useAppPerTest } from '../support/app.js';
import { bumpGeneration, days, insertTaxonomy, replaceContracts, type ContractSpec } from '../support/fixtures.js';
import { validateAgainst } from '../support/openapi-validator.js';

const NOW = new Date('2026-07-21T09:16:30Z');

const ctx = useAppPerTest();

/**
 * A fresh app per fixture: the generation it reads for 304s and result-cache keys may be up to 1 s
 * old (docs/api.md §5), and these tests change the data between requests.
 */
async function taxonomy(url = '/contracts/taxonomy') {
  ctx.t ??= await buildTestApp({ databaseUrl: ctx.db.url, now: () => NOW });
  const response = await ctx.t.app.inject({ url });
  expect(response.statusCode, response.body).toBe(200);
  expect(response.headers['content-type']).toBe('application/json; charset=utf-8');
  const body = response.json() as { categories: unknown[]; groups: unknown[]; coverage: string };
  expect(validateAgainst('TaxonomyResponse', body)).toBeNull();
  return { body, etag: response.headers.etag, raw: response.body };
}

async function coverageOf(specs: ContractSpec[]): Promise<string> {
  await replaceContracts(ctx.db.db, specs, NOW);
  await ctx.closeApp();
  return (await taxonomy()).body.coverage;
}

async function clearTaxonomy(): Promise<void> {
  await ctx.db.db.execute(sql`DELETE FROM esi_groups`);
  await ctx.db.db.execute(sql`DELETE FROM esi_categories`);
  await bumpGeneration(ctx.db.db);
}

/** `count` live item_exchange contracts from `firstId`, each offering a Rifter, with `overrides`. */
function contracts(firstId: number, count: number, overrides: Partial<ContractSpec> = {}): ContractSpec[] {
  return Array.from({ length: count }, (_, index) => ({ contractId: firstId + index, items: [{ typeId: 587 }], ...overrides }));
}

const pending: Partial<ContractSpec> = { items: null };
const failed: Partial<ContractSpec> = { items: null, itemsStatus: 'failed' };
const incomplete: Partial<ContractSpec> = { items: [{ typeId: 587 }, { typeId: 99_000_001, typeName: null, groupId: null }] };
const unavailable: Partial<ContractSpec> = { items: null, itemsStatus: 'unavailable', enrichmentStatus: 'pending' };

describe('GET /contracts/taxonomy — option lists (docs/api.md §10)', () => {
  it('cold store → 200 {"categories":[],"groups":[],"coverage":"partial"}; an unknown parameter changes neither body nor ETag (case 51)', async () => {
    const plain = await taxonomy();
    expect(plain.raw).toBe('{"categories":[],"groups":[],"coverage":"partial"}');
    expect(plain.etag).toMatch(/^W\/".+"$/);
    const withParam = await taxonomy('/contracts/taxonomy?x=1');
    expect(withParam.raw).toBe(plain.raw);
    expect(withParam.etag).toBe(plain.etag);
  });

  it('categories and groups sorted by name (code point) then id, groups with their category id or null (case 52)', async () => {
    await clearTaxonomy();
    await insertTaxonomy(ctx.db.db, {
      categories: { 6: 'Ship', 7: 'Module', 501: 'alpha', 500: 'Zeta', 503: 'Twin', 502: 'Twin', 504: 'Ägir' },
      groups: {
        46: { name: 'Propulsion Module', categoryId: 7 },
        25: { name: 'Frigate', categoryId: 6 },
        26: { name: 'Cruiser', categoryId: 6 },
        601: { name: 'alpha group', categoryId: 501 },
        600: { name: 'Zeta group', categoryId: 500 },
        603: { name: 'Same', categoryId: 6 },
        602: { name: 'Same', categoryId: 7 },
        604: { name: 'Orphan', categoryId: null },
      },
    });
    const { body } = await taxonomy();
    expect(body).toStrictEqual({
      categories: [
        { category_id: 7, name: 'Module' },
        { category_id: 6, name: 'Ship' },
        { category_id: 502, name: 'Twin' },
        { category_id: 503, name: 'Twin' },
        { category_id: 500, name: 'Zeta' },
        { category_id: 501, name: 'alpha' },
        { category_id: 504, name: 'Ägir' },
      ],
      groups: [
        { group_id: 26, category_id: 6, name: 'Cruiser' },
        { group_id: 25, category_id: 6, name: 'Frigate' },
        { group_id: 604, category_id: null, name: 'Orphan' },
        { group_id: 46, category_id: 7, name: 'Propulsion Module' },
        { group_id: 602, category_id: 7, name: 'Same' },
        { group_id: 603, category_id: 6, name: 'Same' },
        { group_id: 600, category_id: 500, name: 'Zeta group' },
        { group_id: 601, category_id: 501, name: 'alpha group' },
      ],
      coverage: 'partial',
    });
    expect(Object.keys(body)).toStrictEqual(['categories', 'groups', 'coverage']);
  });
});

describe('GET /contracts/taxonomy — coverage (docs/api.md §10)', () => {
  beforeAll(async () => {
    await clearTaxonomy();
    await insertTaxonomy(ctx.db.db);
  });

  it('200 live item-bearing contracts with 198 complete → "complete"; 197 → "partial" (case 53)', async () => {
    expect(await coverageOf([...contracts(1000, 198), ...contracts(2000, 2, pending)])).toBe('complete');
    expect(await coverageOf([...contracts(1000, 197), ...contracts(2000, 3, pending)])).toBe('partial');
    // Auctions belong to the population too.
    expect(await coverageOf([...contracts(1000, 197), ...contracts(1500, 1, { type: 'auction' }), ...contracts(2000, 2, pending)])).toBe(
      'complete',
    );
  });

  it('pending, failed and incomplete contracts stay in the denominator (98 complete + 2 of each → "partial") (case 53)', async () => {
    for (const [name, kind] of Object.entries({ pending, failed, incomplete })) {
      expect(await coverageOf([...contracts(1000, 99), ...contracts(2000, 1, kind)]), `99 + 1 ${name}`).toBe('complete');
      expect(await coverageOf([...contracts(1000, 98), ...contracts(2000, 2, kind)]), `98 + 2 ${name}`).toBe('partial');
    }
  });

  it('contracts whose items are unavailable (204/403/404) leave the population: 150 complete + 10 unavailable → "complete" (case 53)', async () => {
    await replaceContracts(ctx.db.db, [...contracts(1000, 150), ...contracts(2000, 10, unavailable)], NOW);
    for (const [offset, status] of [[0, 204], [1, 403], [2, 404]] as const) {
      await ctx.db.db.execute(sql`UPDATE contracts SET items_http_status = ${status} WHERE contract_id % 3 = ${offset} AND contract_id >= 2000`);
    }
    await bumpGeneration(ctx.db.db);
    await ctx.closeApp();
    expect((await taxonomy()).body.coverage).toBe('complete');
    // Control: the same 10 merely pending would pin coverage at partial.
    expect(await coverageOf([...contracts(1000, 150), ...contracts(2000, 10, pending)])).toBe('partial');
  });

  it('only couriers live, or only expired/closed item-bearing contracts → "partial" (case 53)', async () => {
    expect(await coverageOf([{ contractId: 3001, type: 'courier', reward: 1000, volume: 10 }, { contractId: 3002, type: 'loan' }])).toBe('partial');
    const expired = new Date(NOW.getTime() - days(1));
    expect(
      await coverageOf([
        ...contracts(1000, 5, { dateExpired: expired }),
        ...contracts(1100, 5, { closedAt: new Date(NOW.getTime() - days(1)) }),
        { contractId: 3001, type: 'courier' },
      ]),
    ).toBe('partial');
    // Control: one live complete contract next to them is enough.
    expect(await coverageOf([...contracts(1000, 5, { dateExpired: expired }), ...contracts(1200, 1)])).toBe('complete');
  });

  it('a requested item of the population carrying an unnamed category (18) → "partial" (case 54)', async () => {
    const requestingCategory18 = { items: [{ typeId: 587 }, { typeId: 34, isIncluded: false, categoryId: 18 }] };
    expect(await coverageOf([...contracts(1000, 100), ...contracts(2000, 1, requestingCategory18)])).toBe('partial');
    // The same item offered counts alike.
    const offeringCategory18 = { items: [{ typeId: 34, categoryId: 18 }] };
    expect(await coverageOf([...contracts(1000, 100), ...contracts(2000, 1, offeringCategory18)])).toBe('partial');
  });

  it('category 18 only on a closed (or expired) contract → "complete" (case 54)', async () => {
    const requestingCategory18 = { items: [{ typeId: 587 }, { typeId: 34, isIncluded: false, categoryId: 18 }] };
    expect(
      await coverageOf([
        ...contracts(1000, 100),
        ...contracts(2000, 1, { ...requestingCategory18, closedAt: new Date(NOW.getTime() - days(1)) }),
        ...contracts(2100, 1, { ...requestingCategory18, dateExpired: new Date(NOW.getTime() - days(1)) }),
      ]),
    ).toBe('complete');
  });

  it('after an ENRICHMENT_VERSION bump, contracts enriched at the older version → "partial" until re-enriched (case 54)', async () => {
    expect(ENRICHMENT_VERSION).toBeGreaterThan(0);
    const older = { enrichmentVersion: ENRICHMENT_VERSION - 1 };
    expect(await coverageOf(contracts(1000, 100, older))).toBe('partial');
    expect(await coverageOf([...contracts(1000, 98), ...contracts(2000, 2, older)])).toBe('partial');
    expect(await coverageOf([...contracts(1000, 99), ...contracts(2000, 1, older)])).toBe('complete');
    // Re-enriched in place: the same contracts at the current version.
    await ctx.db.db.execute(sql`UPDATE contracts SET enrichment_version = ${ENRICHMENT_VERSION}`);
    await bumpGeneration(ctx.db.db);
    await ctx.closeApp();
    expect((await taxonomy()).body.coverage).toBe('complete');
  });

  it('the lists are unaffected by coverage: the default taxonomy shows every resolved category and group (case 54)', async () => {
    await coverageOf(contracts(1000, 3));
    const { body } = await taxonomy();
    expect(body.categories).toStrictEqual([
      { category_id: 5, name: 'Accessories' },
      { category_id: 9, name: 'Blueprint' },
      { category_id: 4, name: 'Material' },
      { category_id: 7, name: 'Module' },
      { category_id: 6, name: 'Ship' },
    ]);
    expect(body.groups).toHaveLength(9);
    expect(body.coverage).toBe('complete');
  });
});
