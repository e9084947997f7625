import { describe, expect, it } from 'vitest';
import { buildTestApp, useAppPerTest } from '../support/app.js';
import { AMARR, STRUCTURE, days, hours, replaceContracts, type ContractSpec } from '../support/fixtures.js';
import { validateAgainst } from '../support/openapi-validator.js';

// cases 35–37 and §8 Pagination (cases 38–40).
const NOW = new Date('2026-07-21T09:16:30Z');

interface ListBody {
  total: number;
  page: number;
  size: number;
  items: Record<string, unknown>[];
  unknown_system_excluded: number | null;
  segment_counts: Record<string, number>;
  coverage: unknown;
}

// One app per fixture: its result cache and ≤ 1 s generation memo never outlive the data they saw.
const ctx = useAppPerTest();

async function withContracts(specs: ContractSpec[]): Promise<void> {
  await replaceContracts(ctx.db.db, specs, NOW);
  ctx.t = await buildTestApp({ databaseUrl: ctx.db.url, now: () => NOW });
}

async function list(query: string): Promise<{ raw: string; body: ListBody }> {
  const response = await ctx.t!.app.inject({ url: `/contracts/?${query}` });
  expect(response.statusCode, `${query}: ${response.body}`).toBe(200);
  const body = response.json<ListBody>();
  expect(validateAgainst('ContractListResponse', body)).toBeNull();
  return { raw: response.body, body };
}

async function order(query: string): Promise<number[]> {
  return (await list(query)).body.items.map((row) => row.contract_id as number);
}

const issuedAt = (h: number) => new Date(NOW.getTime() - hours(h));

describe('nullable sort keys — nulls last both ways, ties by contract_id ascending (case 35)', () => {
  // 301=10, 302=null, 303=30, 304=10, 305=20. Inserted in reverse and with 304 issued after 301, so
  // neither storage order nor the default date_issued order can fake the contract_id tie-break.
  const values: [number, number | null][] = [[305, 20], [304, 10], [303, 30], [302, null], [301, 10]];
  const issued = (id: number) => issuedAt(id === 304 ? 1 : 10 + (id - 300));
  const ASC = [301, 304, 305, 303, 302];
  const DESC = [303, 305, 301, 304, 302];

  const cases: [string, (id: number, value: number | null) => ContractSpec][] = [
    ['price', (id, value) => ({ contractId: id, price: value })],
    ['volume', (id, value) => ({ contractId: id, volume: value })],
    ['days_to_complete', (id, value) => ({ contractId: id, type: 'courier', daysToComplete: value, volume: 100, reward: 1 })],
    ['buyout', (id, value) => ({ contractId: id, type: 'auction', buyout: value === null ? null : value * 1_000_000 })],
    // reward / volume; 302 is a zero-volume courier, whose reward_per_volume is null.
    [
      'reward_per_volume',
      (id, value) => ({ contractId: id, type: 'courier', reward: value === null ? 5_000_000 : value * 1000, volume: value === null ? 0 : 1000 }),
    ],
  ];

  for (const [key, spec] of cases) {
    it(`sort_by=${key} asc → [${ASC}], desc → [${DESC}] (case 35)`, async () => {
      await withContracts(values.map(([id, value]) => ({ ...spec(id, value), dateIssued: issued(id) })));
      expect(await order(`sort_by=${key}&sort_direction=asc`)).toEqual(ASC);
      expect(await order(`sort_by=${key}&sort_direction=desc`)).toEqual(DESC);
      const rows = (await list(`sort_by=${key}&sort_direction=asc`)).body.items;
      expect(rows.map((row) => row[key])).toEqual(key === 'buyout' ? [1e7, 1e7, 2e7, 3e7, null] : [10, 10, 20, 30, null]);
    });
  }

  it('a zero-volume courier has reward_per_volume null; sizes of 1 keep the same order (case 35)', async () => {
    await withContracts([
      { contractId: 306, type: 'courier', reward: 80_000_000, volume: 0 },
      { contractId: 307, type: 'courier', reward: 80_000_000, volume: 1000 },
    ]);
    const rows = (await list('sort_by=reward_per_volume&sort_direction=desc')).body.items;
    expect(rows.map((row) => [row.contract_id, row.reward_per_volume])).toEqual([[307, 80000], [306, null]]);
    expect(await order('sort_by=reward_per_volume&sort_direction=asc&size=1&page=2')).toEqual([306]);
  });
});

describe('non-nullable sort keys (case 36)', () => {
  // k: 301=3, 302=1, 303=2, 304=1, 305=5.
  const ks: [number, number][] = [[305, 5], [304, 1], [303, 2], [302, 1], [301, 3]];
  const ASC = [302, 304, 303, 301, 305];
  const DESC = [305, 301, 303, 302, 304];
  const cases: [string, (k: number) => Partial<ContractSpec>][] = [
    ['date_issued', (k) => ({ dateIssued: new Date(NOW.getTime() - days(10) + hours(k)) })],
    ['date_expired', (k) => ({ dateExpired: new Date(NOW.getTime() + days(k)) })],
    ['collateral', (k) => ({ collateral: k * 1_000_000 })],
  ];
  for (const [key, spec] of cases) {
    it(`sort_by=${key} asc → [${ASC}], desc → [${DESC}] (case 36)`, async () => {
      await withContracts(ks.map(([id, k]) => ({ contractId: id, ...spec(k) })));
      expect(await order(`sort_by=${key}&sort_direction=asc`)).toEqual(ASC);
      expect(await order(`sort_by=${key}&sort_direction=desc`)).toEqual(DESC);
    });
  }

  it('sort_direction=asc alone sorts by date_issued (case 37)', async () => {
    await withContracts(ks.map(([id, k]) => ({ contractId: id, dateIssued: new Date(NOW.getTime() - days(10) + hours(k)), price: 10 * k })));
    expect(await order('sort_direction=asc')).toEqual(ASC);
    expect(await order('')).toEqual(DESC);
  });
});

describe('ship_name sorts by the lowercased primary_label, by code point (case 37)', () => {
  // Items not fetched yet: the label is the trimmed title (docs/api.md §8 rule 3).
  const labelled = (id: number, title: string): ContractSpec => ({ contractId: id, title, items: null });
  const FIVE = [labelled(311, 'Zephyr'), labelled(312, 'abaddon'), labelled(313, 'Rokh'), labelled(314, 'Abaddon'), labelled(315, 'Ägir')];

  it('Zephyr, abaddon, Rokh, Abaddon, Ägir (case 37)', async () => {
    await withContracts(FIVE);
    expect(await order('sort_by=ship_name&sort_direction=asc')).toEqual([312, 314, 313, 311, 315]);
    expect(await order('sort_by=ship_name&sort_direction=desc')).toEqual([315, 311, 313, 312, 314]);
  });

  it('an offered Rokh with a requested Abaddon sorts as rokh; a pending title as its trimmed text (case 37)', async () => {
    await withContracts([
      ...FIVE,
      {
        contractId: 316,
        items: [
          { typeId: 24692, typeName: 'Abaddon', groupId: 27, categoryId: 6, isIncluded: false },
          { typeId: 24688 },
        ],
      },
      labelled(317, '  WTS Rifter  '),
    ]);
    const rows = (await list('sort_by=ship_name&sort_direction=asc')).body.items;
    expect(rows.map((row) => row.contract_id)).toEqual([312, 314, 313, 316, 317, 311, 315]);
    expect(rows.find((row) => row.contract_id === 316)?.primary_label).toBe('Rokh');
    expect(rows.find((row) => row.contract_id === 317)?.primary_label).toBe('WTS Rifter');
    expect(await order('sort_by=ship_name&sort_direction=desc')).toEqual([315, 311, 317, 313, 316, 312, 314]);
  });
});

describe('pages of a filtered result (case 38)', () => {
  // 7 matches in Jita (one without price); a structure contract (counted in unknown_system_excluded)
  // and an Amarr one do not match system_ids.
  const prices = [50, 10, null, 30, 10, 70, 20];
  const specs: ContractSpec[] = [
    ...prices.map((price, index) => ({ contractId: 381 + index, price })),
    { contractId: 390, price: 1, startLocationId: STRUCTURE },
    { contractId: 391, price: 1, startLocationId: AMARR, regionId: 10000043 },
  ];
  const FILTER = 'system_ids=30000142&sort_by=price&sort_direction=asc';

  it('size=3 pages hold 3, 3, 1 rows and concatenate to the single size=100 page (case 38)', async () => {
    await withContracts(specs);
    const whole = await order(`${FILTER}&size=100`);
    expect(whole).toEqual([382, 385, 387, 384, 381, 386, 383]);
    const pages = [await order(`${FILTER}&size=3&page=1`), await order(`${FILTER}&size=3&page=2`), await order(`${FILTER}&size=3&page=3`)];
    expect(pages.map((page) => page.length)).toEqual([3, 3, 1]);
    expect(pages.flat()).toEqual(whole);
  });

  it('the page past the end is 200 with items [] and page 1’s counts, coverage and residual (case 38)', async () => {
    await withContracts(specs);
    const first = (await list(`${FILTER}&size=3&page=1`)).body;
    const past = (await list(`${FILTER}&size=3&page=4`)).body;
    expect(past).toEqual({ ...first, page: 4, items: [] });
    expect(past).toMatchObject({ total: 7, page: 4, size: 3, unknown_system_excluded: 1 });
    expect(past.segment_counts).toEqual({ item_exchange: 7, auction: 0, courier: 0, loan: 0, unknown: 0 });
    expect(past.coverage).toEqual({ ingested_region_ids: [10000002, 10000043], as_of: '2026-07-21T08:16:30Z' });
  });
});

describe('deep pages (case 39)', () => {
  const hundred = Array.from({ length: 100 }, (_, i): ContractSpec => ({ contractId: 10_000 + i, dateIssued: issuedAt(i + 1) }));

  it('100 matches, size=50 → page 2 is rows 51–100, page 3 is empty (case 39)', async () => {
    await withContracts(hundred);
    expect(await order('size=50&page=1')).toEqual(hundred.slice(0, 50).map((spec) => spec.contractId));
    expect(await order('size=50&page=2')).toEqual(hundred.slice(50).map((spec) => spec.contractId));
    const third = (await list('size=50&page=3')).body;
    expect(third).toMatchObject({ total: 100, page: 3, size: 50, items: [] });
  });

  it('page=9223372036854775807&size=100 and page=1000000 → 200, items [], the real total, no overflow (case 39)', async () => {
    await withContracts(hundred);
    const max = await list('page=9223372036854775807&size=100');
    expect(max.raw).toContain('"page":9223372036854775807,');
    expect(max.body).toMatchObject({ total: 100, size: 100, items: [] });
    expect(max.body.segment_counts.item_exchange).toBe(100);
    for (const query of ['page=9223372036854775807&size=1', 'page=9223372036854775807&size=100&sort_by=price&sort_direction=asc']) {
      const other = await list(query);
      expect(other.raw).toContain('"page":9223372036854775807,');
      expect(other.body).toMatchObject({ total: 100, items: [] });
    }
    const million = await list('page=1000000');
    expect(million.raw).toContain('"page":1000000,');
    expect(million.body).toMatchObject({ total: 100, size: 50, items: [] });
  });
});

describe('stable paging over ties and multi-item matches (case 40)', () => {
  // 250 contracts of equal price, each offering three Rifter Blueprint copies: every item matches
  // search=rifter, is_bpc=true and the label is the same, so only the tie-break orders them.
  const copies = [1, 2, 3].map((recordId) => ({
    typeId: 691,
    recordId,
    typeName: 'Rifter Blueprint',
    groupId: 105,
    categoryId: 9,
    isBlueprintCopy: true,
    runs: 10,
  }));
  const ids = Array.from({ length: 250 }, (_, i) => 40_000 + ((i * 7919) % 250));
  const specs = ids.map((contractId, i): ContractSpec => ({ contractId, price: 1_000_000, dateIssued: issuedAt(1 + (i % 5)), items: copies }));
  const ascending = [...ids].sort((a, b) => a - b);

  async function pages(query: string): Promise<number[]> {
    const all: number[] = [];
    for (const page of [1, 2, 3]) {
      const { body } = await list(`${query}&size=100&page=${page}`);
      expect(body.total, query).toBe(250);
      expect(body.items.length, `${query} page ${page}`).toBe(page === 3 ? 50 : 100);
      all.push(...body.items.map((row) => row.contract_id as number));
    }
    expect(new Set(all).size, query).toBe(250);
    return all;
  }

  it('sort_by=price with equal prices → 250 distinct ids ascending, both directions (case 40)', async () => {
    await withContracts(specs);
    expect(await pages('sort_by=price&sort_direction=asc')).toEqual(ascending);
    expect(await pages('sort_by=price&sort_direction=desc')).toEqual(ascending);
  });

  it('search, ship_name and is_bpc pages hold size distinct contracts, no overlap or gap (case 40)', async () => {
    await withContracts(specs);
    expect(await pages('search=rifter&sort_by=price')).toEqual(ascending);
    expect(await pages('sort_by=ship_name&sort_direction=asc')).toEqual(ascending);
    expect(await pages('is_bpc=true&sort_by=ship_name&sort_direction=desc')).toEqual(ascending);
    expect(await pages('type_ids=691&category_id=9&min_runs=10&sort_by=collateral')).toEqual(ascending);
    const byDate = await pages('search=rifter&is_bpc=true');
    expect([...byDate].sort((a, b) => a - b)).toEqual(ascending);
  });
});
