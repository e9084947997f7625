import { describe, expect, it } from 'vitest';
import { AMARR, DOMAIN, STRUCTURE, type ContractSpec } from '../support/fixtures.js';
import { list, matchedIds, useFixtureDatabase, type Row } from '../support/list-helpers.js';

// (docs/api.md §6.4) on the 101–106 fixture: text, price, collateral, location, type,
// is_bpc and is_ship_contract filters. Runs/ME/TE families and the taxonomy rule are in
// contracts-filters-items.test.ts, counts in contracts-counts.test.ts.

const NOW = new Date('2026-07-21T09:16:30Z');

/** fixture, exactly as described there. */
const FILTER_FIXTURE: ContractSpec[] = [
  { contractId: 101, type: 'item_exchange', price: 1_000_000, items: [{ typeId: 587 }] },
  {
    contractId: 102,
    type: 'auction',
    price: 5_000_000,
    collateral: 1_000_000,
    items: [{ typeId: 687, isBlueprintCopy: true, runs: 10, me: 8, te: 14 }],
  },
  {
    contractId: 103,
    type: 'item_exchange',
    regionId: DOMAIN,
    startLocationId: AMARR,
    title: 'Mining Starter Pack',
    price: 100_000_000,
    // ESI sent no collateral: stored as 0.
    items: [{ typeId: 32880 }, { typeId: 439 }],
  },
  {
    contractId: 104,
    type: 'item_exchange',
    startLocationId: STRUCTURE,
    price: 200_000_000,
    collateral: 100_000_000,
    items: [{ typeId: 24688 }, { typeId: 447, isIncluded: false }],
  },
  {
    contractId: 105,
    type: 'courier',
    endLocationId: AMARR,
    price: 0,
    collateral: 500_000_000,
    reward: 80_000_000,
    volume: 1000,
    daysToComplete: 3,
  },
  // No `price` in ESI, items not fetched yet.
  { contractId: 106, type: 'item_exchange', price: null, items: null },
];

const useFixture = useFixtureDatabase(NOW);

describe('GET /contracts/ filters on the §2 fixture (101–106)', () => {
  const fixture = useFixture(FILTER_FIXTURE);

  it('no filter lists all six live contracts', async () => {
    expect(await matchedIds(fixture.t, '')).toEqual([101, 102, 103, 104, 105, 106]);
  });

  it.each<Row>([
    ['search=starter', [103]],
    ['search=STARTER', [103]],
    ['search=%20starter%20%20', [103]],
    ['search=Mining%20Starter%20Pack', [103]],
    ['search=rifter', [101]],
    ['search=RiFtEr', [101]],
    // Offered type names match as well as titles (103's title never says "venture").
    ['search=venture', [103]],
    ['search=afterburner', [103]],
    // 104 only requests the scrambler: requested items never match.
    ['search=scrambler', []],
    ['search=warp%20scr', []],
  ])('case 15: search ?%s → %j', async (query, expected) => {
    expect(await matchedIds(fixture.t, query)).toEqual(expected);
  });

  it.each<Row>([
    ['type_ids=587&type_ids=24688', [101, 104]],
    ['type_ids=587', [101]],
    ['type_ids=24688&type_ids=587&type_ids=587', [101, 104]],
    ['type_ids=439', [103]],
    ['type_ids=32880&type_ids=439', [103]],
    ['type_ids=687', [102]],
    // Only requested by 104.
    ['type_ids=447', []],
    ['type_ids=447&type_ids=24688', [104]],
    ['type_ids=34', []],
  ])('case 15: type_ids ?%s → %j (offered items only)', async (query, expected) => {
    expect(await matchedIds(fixture.t, query)).toEqual(expected);
  });

  it.each<Row>([
    ['min_price=1000000', [101, 102, 103, 104]],
    ['min_price=1e6', [101, 102, 103, 104]],
    ['min_price=1000000.01', [102, 103, 104]],
    ['max_price=1000000', [101, 105]],
    ['max_price=999999.99', [105]],
    ['min_price=1000000&max_price=1000000', [101]],
    ['min_price=5000000&max_price=100000000', [102, 103]],
    ['min_price=200000000', [104]],
    ['min_price=200000000.01', []],
    // 106 has no price: it matches no price bound at all, however wide.
    ['min_price=0', [101, 102, 103, 104, 105]],
    ['max_price=1e18', [101, 102, 103, 104, 105]],
    ['min_price=0&max_price=1e18', [101, 102, 103, 104, 105]],
    // No cross-field check: an inverted range is valid and matches nothing.
    ['min_price=5000000&max_price=1000000', []],
  ])('case 18: price ?%s → %j (inclusive, null price never matches)', async (query, expected) => {
    expect(await matchedIds(fixture.t, query)).toEqual(expected);
  });

  it.each<Row>([
    ['min_collateral=1000000', [102, 104, 105]],
    ['min_collateral=1000000.01', [104, 105]],
    ['max_collateral=0', [101, 103, 106]],
    ['max_collateral=1000000', [101, 102, 103, 106]],
    ['max_collateral=999999.99', [101, 103, 106]],
    ['min_collateral=100000000&max_collateral=100000000', [104]],
    ['min_collateral=1000000&max_collateral=100000000', [102, 104]],
    ['min_collateral=500000000', [105]],
    ['min_collateral=500000000.01', []],
    ['min_collateral=0', [101, 102, 103, 104, 105, 106]],
  ])('case 18: collateral ?%s → %j (inclusive)', async (query, expected) => {
    expect(await matchedIds(fixture.t, query)).toEqual(expected);
  });

  it.each<Row>([
    ['region_ids=10000043', [103]],
    ['region_ids=10000002', [101, 102, 104, 105, 106]],
    ['region_ids=10000002&region_ids=10000043', [101, 102, 103, 104, 105, 106]],
    ['region_ids=10000001', []],
    ['system_ids=30000142', [101, 102, 105, 106]],
    ['system_ids=30002187', [103]],
    ['system_ids=30000142&system_ids=30002187', [101, 102, 103, 105, 106]],
    // 105 only ends at Amarr: station and system filters use the start location.
    ['station_ids=60008494', [103]],
    ['station_ids=1035466617946', [104]],
    ['station_ids=60003760', [101, 102, 105, 106]],
    ['station_ids=60003760&station_ids=1035466617946', [101, 102, 104, 105, 106]],
    ['station_ids=60000274', []],
  ])('case 19: location ?%s → %j', async (query, expected) => {
    expect(await matchedIds(fixture.t, query)).toEqual(expected);
  });

  it('region_ids=10000001 → 200 with total 0 and no rows (case 19)', async () => {
    const body = await list(fixture.t, 'region_ids=10000001');
    expect(body.total).toBe(0);
    expect(body.items).toEqual([]);
  });

  it('a contract in a player structure (no known system) matches no system_ids (case 19)', async () => {
    // Every system any fixture contract could be in: 104 stays out.
    expect(await matchedIds(fixture.t, 'system_ids=30000142&system_ids=30002187&system_ids=0')).not.toContain(104);
  });

  it.each<Row>([
    ['contract_type=courier', [105]],
    ['contract_type=auction', [102]],
    ['contract_type=item_exchange', [101, 103, 104, 106]],
    ['contract_type=item_exchange&contract_type=auction', [101, 102, 103, 104, 106]],
    ['contract_type=courier&contract_type=courier', [105]],
    ['contract_type=loan', []],
    ['contract_type=unknown', []],
    // Every given filter must hold (AND).
    ['region_ids=10000002&min_price=1000000&max_price=5000000', [101, 102]],
    ['contract_type=item_exchange&min_price=1000000&max_collateral=0', [101, 103]],
    ['system_ids=30000142&contract_type=courier&min_collateral=1', [105]],
    ['search=rifter&region_ids=10000043', []],
    ['type_ids=587&type_ids=32880&station_ids=60008494', [103]],
  ])('case 20: contract_type and AND ?%s → %j', async (query, expected) => {
    expect(await matchedIds(fixture.t, query)).toEqual(expected);
  });
});

describe('search treats %, _ and \\ literally (case 16)', () => {
  const fixture = useFixture([
    ...FILTER_FIXTURE,
    { contractId: 107, title: '50% off_now' },
    // Would match f_n / f__ / f%n if _ or % were wildcards.
    { contractId: 112, title: 'fun fin fxxn' },
    { contractId: 113, title: 'back\\slash' },
  ]);

  it.each<Row>([
    ['search=f_n', [107]],
    ['search=off_', [107]],
    ['search=50%25', [107]],
    ['search=%25%20o', [107]],
    ['search=f%25n', []],
    ['search=f__', []],
    ['search=%5C%5C%5C', []],
    ['search=k%5Cs', [113]],
    ['search=fun', [112]],
  ])('case 16: ?%s → %j', async (query, expected) => {
    expect(await matchedIds(fixture.t, query)).toEqual(expected);
  });
});

describe('control characters, no span across texts, Unicode lowercasing (case 17)', () => {
  const fixture = useFixture([
    ...FILTER_FIXTURE,
    { contractId: 108, title: 'WTS\tRifter' },
    { contractId: 109, title: 'abc', items: [{ typeId: 587 }] },
    { contractId: 110, title: 'ÄRGER' },
  ]);

  it.each<Row>([
    ['search=wts%20rif', [108]],
    ['search=WTS%09RIF', [108]],
    // Both halves match 109 on their own, in different texts…
    ['search=abc', [109]],
    ['search=rif', [101, 108, 109]],
    // …but a match never spans the title and an item name.
    ['search=abc%20rif', []],
    ['search=abc%1Frif', []],
    ['search=abcrif', []],
    [`search=${encodeURIComponent('ärger')}`, [110]],
    [`search=${encodeURIComponent('ÄRGER')}`, [110]],
    [`search=${encodeURIComponent('rGe')}`, [110]],
  ])('case 17: ?%s → %j', async (query, expected) => {
    expect(await matchedIds(fixture.t, query)).toEqual(expected);
  });
});

describe('is_bpc partitions the live set (case 23)', () => {
  const fixture = useFixture([
    ...FILTER_FIXTURE,
    // A copy + original bundle is a copy contract.
    { contractId: 221, items: [{ typeId: 687, isBlueprintCopy: true, runs: 3 }, { typeId: 687 }] },
    // The copy is only requested.
    { contractId: 222, items: [{ typeId: 587 }, { typeId: 687, isIncluded: false, isBlueprintCopy: true, runs: 10 }] },
    // An original: ESI omitted the flag (null), or sent false.
    { contractId: 223, items: [{ typeId: 687, me: 10, te: 20 }] },
    { contractId: 224, items: [{ typeId: 687, isBlueprintCopy: false }] },
  ]);

  it.each<Row>([
    ['is_bpc=true', [102, 221]],
    // 106 has items pending; 105 is a courier.
    ['is_bpc=false', [101, 103, 104, 105, 106, 222, 223, 224]],
    ['is_bpc=true&contract_type=item_exchange', [221]],
    ['is_bpc=false&type_ids=687', [223, 224]],
  ])('case 23: ?%s → %j', async (query, expected) => {
    expect(await matchedIds(fixture.t, query)).toEqual(expected);
  });

  it('the true and false totals add up to the unfiltered total (case 23)', async () => {
    const all = await list(fixture.t, '');
    const copies = await list(fixture.t, 'is_bpc=true');
    const others = await list(fixture.t, 'is_bpc=false');
    expect(all.total).toBe(10);
    expect(copies.total + others.total).toBe(all.total);
  });
});

describe('is_ship_contract (case 24)', () => {
  const fixture = useFixture(FILTER_FIXTURE);

  it.each<Row>([
    // 104 offers a Rokh (its requested scrambler is irrelevant); 103 a Venture.
    ['is_ship_contract=true', [101, 103, 104]],
    ['is_ship_contract=false', [102, 105, 106]],
    ['is_ship_contract=true&is_bpc=true', []],
    ['is_bpc=true', [102]],
    ['is_ship_contract=false&is_bpc=true', [102]],
    ['is_ship_contract=true&region_ids=10000002', [101, 104]],
  ])('case 24: ?%s → %j', async (query, expected) => {
    expect(await matchedIds(fixture.t, query)).toEqual(expected);
  });
});
