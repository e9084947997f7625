import { describe, expect, it } from 'vitest';
import type { TestApp } from '../support/app.js';
import { AMARR, DOMAIN, STRUCTURE, days, hours, type ContractSpec } from '../support/fixtures.js';
import { list as listContracts, matchedIds, useFixtureDatabase, type ListBody as BaseListBody } from '../support/list-helpers.js';

// Segment counts and total (docs/api.md §6.5), unknown_system_excluded (docs/api.md §6.6) and
// coverage (docs/api.md §6.7).

const NOW = new Date('2026-07-21T09:16:30Z');
const SEGMENTS = ['item_exchange', 'auction', 'courier', 'loan', 'unknown'] as const;

interface ListBody extends BaseListBody {
  items: { contract_id: number; type: string }[];
  unknown_system_excluded: number | null;
  segment_counts: Record<string, number>;
  coverage: { ingested_region_ids: number[]; as_of: string | null };
}

const useFixture = useFixtureDatabase(NOW);
const list = (t: TestApp, query: string) => listContracts<ListBody>(t, query);

type Counts = readonly [itemExchange: number, auction: number, courier: number, loan: number, unknown: number];

/** segment_counts as a tuple, after checking it has exactly the five keys, in spec order. */
function segmentTuple(body: ListBody): number[] {
  expect(Object.keys(body.segment_counts)).toEqual([...SEGMENTS]);
  return SEGMENTS.map((segment) => body.segment_counts[segment]!);
}

const SEGMENT_IDS = { A: 601, B: 602, C: 603, D: 604, E: 605, F: 606, G: 607 } as const;
type Letter = keyof typeof SEGMENT_IDS;
const ids = (letters: readonly Letter[]) => letters.map((letter) => SEGMENT_IDS[letter]).sort((a, b) => a - b);

/** / docs/api.md §6.5 fixture A–F. */
const SEGMENT_FIXTURE: ContractSpec[] = [
  { contractId: SEGMENT_IDS.A, type: 'item_exchange', price: 5_000_000, items: [{ typeId: 587 }] },
  { contractId: SEGMENT_IDS.B, type: 'item_exchange', price: 50_000_000, items: [{ typeId: 24688 }] },
  { contractId: SEGMENT_IDS.C, type: 'item_exchange', price: 1_000_000, items: [{ typeId: 34 }] },
  { contractId: SEGMENT_IDS.D, type: 'courier', price: 0, endLocationId: AMARR, reward: 1_000_000, volume: 10 },
  { contractId: SEGMENT_IDS.E, type: 'auction', price: 20_000_000, items: [{ typeId: 439 }] },
  { contractId: SEGMENT_IDS.F, type: 'barter_v2', price: 0 },
];

type SegmentRow = readonly [query: string, total: number, matches: readonly Letter[], counts: Counts];

describe('segment counts and total on the A–F fixture', () => {
  const fixture = useFixture(SEGMENT_FIXTURE);

  // The table of docs/api.md §6.5, verbatim (matches given where the table names them, else derived).
  it.each<SegmentRow>([
    ['', 6, ['A', 'B', 'C', 'D', 'E', 'F'], [3, 1, 1, 0, 1]],
    ['is_ship_contract=true', 2, ['A', 'B'], [2, 0, 1, 0, 1]],
    ['is_ship_contract=false', 4, ['C', 'D', 'E', 'F'], [1, 1, 1, 0, 1]],
    ['contract_type=courier', 1, ['D'], [3, 1, 1, 0, 1]],
    ['contract_type=courier&is_ship_contract=true', 0, [], [2, 0, 1, 0, 1]],
    ['max_price=10000000&is_ship_contract=true', 1, ['A'], [1, 0, 1, 0, 1]],
    ['contract_type=unknown', 1, ['F'], [3, 1, 1, 0, 1]],
    ['contract_type=loan', 0, [], [3, 1, 1, 0, 1]],
  ])('cases 28–30 (docs/api.md §6.5): ?%s → total %i, %j, counts %j', async (query, total, matches, counts) => {
    const body = await list(fixture.t, query);
    expect(body.total).toBe(total);
    expect(segmentTuple(body)).toEqual(counts);
    expect(await matchedIds(fixture.t, query)).toEqual(ids(matches));
  });

  it.each<SegmentRow>([
    ['contract_type=item_exchange&contract_type=unknown', 4, ['A', 'B', 'C', 'F'], [3, 1, 1, 0, 1]],
    ['contract_type=item_exchange&contract_type=auction', 4, ['A', 'B', 'C', 'E'], [3, 1, 1, 0, 1]],
    ['contract_type=auction&is_ship_contract=false', 1, ['E'], [1, 1, 1, 0, 1]],
    // F filters: the ship flag is lifted for item-less segments, every other filter is not.
    ['max_price=1000000', 3, ['C', 'D', 'F'], [1, 0, 1, 0, 1]],
    ['min_price=1', 4, ['A', 'B', 'C', 'E'], [3, 1, 0, 0, 0]],
    ['min_price=1&is_ship_contract=true', 2, ['A', 'B'], [2, 0, 0, 0, 0]],
    ['search=rifter&contract_type=auction', 0, [], [1, 0, 0, 0, 0]],
    ['region_ids=10000043', 0, [], [0, 0, 0, 0, 0]],
  ])('cases 29–30: ?%s → total %i, %j, counts %j', async (query, total, matches, counts) => {
    const body = await list(fixture.t, query);
    expect(body.total).toBe(total);
    expect(segmentTuple(body)).toEqual(counts);
    expect(await matchedIds(fixture.t, query)).toEqual(ids(matches));
  });

  it('contract_type=unknown serves F with its stored type barter_v2 (case 30)', async () => {
    const body = await list(fixture.t, 'contract_type=unknown');
    expect(body.items.map((row) => [row.contract_id, row.type])).toEqual([[SEGMENT_IDS.F, 'barter_v2']]);
  });

  it('contract_type=loan → items [] with the real counts (case 30)', async () => {
    const body = await list(fixture.t, 'contract_type=loan');
    expect(body).toMatchObject({ total: 0, page: 1, size: 50, items: [], unknown_system_excluded: null });
  });

  it('a page past the end keeps total and counts (case 29)', async () => {
    const body = await list(fixture.t, 'is_ship_contract=true&size=1&page=3');
    expect(body.items).toEqual([]);
    expect(body.total).toBe(2);
    expect(segmentTuple(body)).toEqual([2, 0, 1, 0, 1]);
  });
});

describe('distinct contracts, live ones only (case 31)', () => {
  const fixture = useFixture([
    ...SEGMENT_FIXTURE,
    // Two offered Rifter rows in one contract.
    { contractId: SEGMENT_IDS.G, price: 2_000_000, items: [{ typeId: 587 }, { typeId: 587 }] },
    // Expired and closed contracts of every segment, all matching "rifter" where they can.
    { contractId: 611, title: 'rifter', dateExpired: new Date(NOW.getTime() - hours(1)), items: [{ typeId: 587 }] },
    { contractId: 612, type: 'auction', title: 'rifter', closedAt: new Date(NOW.getTime() - hours(2)), items: [{ typeId: 587 }] },
    { contractId: 613, type: 'courier', title: 'rifter', closedAt: new Date(NOW.getTime() - hours(2)) },
    { contractId: 614, type: 'loan', title: 'rifter', dateExpired: new Date(NOW.getTime() - days(1)) },
    { contractId: 615, type: 'barter_v2', title: 'rifter', dateExpired: new Date(NOW.getTime() - days(1)) },
  ]);

  it.each<SegmentRow>([
    ['search=rifter', 2, ['A', 'G'], [2, 0, 0, 0, 0]],
    ['type_ids=587', 2, ['A', 'G'], [2, 0, 0, 0, 0]],
    ['category_id=6', 3, ['A', 'B', 'G'], [3, 0, 0, 0, 0]],
    ['group_id=25&is_ship_contract=true', 2, ['A', 'G'], [2, 0, 0, 0, 0]],
    ['', 7, ['A', 'B', 'C', 'D', 'E', 'F', 'G'], [4, 1, 1, 0, 1]],
    ['contract_type=loan', 0, [], [4, 1, 1, 0, 1]],
  ])('case 31: ?%s → total %i, %j, counts %j', async (query, total, matches, counts) => {
    const body = await list(fixture.t, query);
    expect(body.total).toBe(total);
    expect(segmentTuple(body)).toEqual(counts);
    expect(await matchedIds(fixture.t, query)).toEqual(ids(matches));
  });
});

describe('empty store (case 31)', () => {
  const fixture = useFixture([]);

  it('total 0, five zero counts, unknown_system_excluded null, empty coverage (case 31)', async () => {
    const body = await list(fixture.t, '');
    expect(body).toEqual({
      total: 0,
      page: 1,
      size: 50,
      items: [],
      unknown_system_excluded: null,
      segment_counts: { item_exchange: 0, auction: 0, courier: 0, loan: 0, unknown: 0 },
      coverage: { ingested_region_ids: [], as_of: null },
    });
    expect(segmentTuple(body)).toEqual([0, 0, 0, 0, 0]);
  });

  it('with system_ids on an empty store unknown_system_excluded is 0, not null (case 32)', async () => {
    const body = await list(fixture.t, 'system_ids=30000142');
    expect(body.total).toBe(0);
    expect(body.unknown_system_excluded).toBe(0);
  });
});

const SYSTEM_IDS = { A: 701, B: 702, C: 703, D: 704, E: 705 } as const;

describe('unknown_system_excluded (cases 32–33)', () => {
  const fixture = useFixture([
    { contractId: SYSTEM_IDS.A, startLocationId: 60003760, price: 1_000_000, items: [{ typeId: 587 }] },
    { contractId: SYSTEM_IDS.B, startLocationId: STRUCTURE, price: 50_000_000, items: [{ typeId: 24688 }] },
    { contractId: SYSTEM_IDS.C, startLocationId: AMARR, regionId: DOMAIN, price: 1_000_000, items: [{ typeId: 621 }] },
    { contractId: SYSTEM_IDS.D, type: 'courier', startLocationId: null, price: 0 },
    // An NPC station whose system is not resolved yet.
    { contractId: SYSTEM_IDS.E, startLocationId: 60000274, price: 1_000_000, items: [{ typeId: 34 }] },
    // Null-system contracts that are not live never count.
    { contractId: 706, startLocationId: STRUCTURE, dateExpired: new Date(NOW.getTime() - hours(1)), items: [{ typeId: 587 }] },
    { contractId: 707, type: 'courier', startLocationId: null, closedAt: new Date(NOW.getTime() - hours(1)) },
    { contractId: 708, startLocationId: 60000274, closedAt: new Date(NOW.getTime() - hours(1)), items: [{ typeId: 34 }] },
  ]);

  it.each(['', 'region_ids=10000002', 'region_ids=10000002&is_ship_contract=true', 'station_ids=1035466617946'])(
    'case 32: ?%s → unknown_system_excluded null (no system_ids)',
    async (query) => {
      const body = await list(fixture.t, query);
      expect(body.total).toBeGreaterThan(0);
      expect(body.unknown_system_excluded).toBeNull();
    },
  );

  it.each<readonly [query: string, total: number, excluded: number]>([
    ['system_ids=30000142', 1, 3],
    ['system_ids=30002187', 1, 3],
    ['system_ids=30000142&system_ids=30002187', 2, 3],
    ['system_ids=30000142&system_ids=30000142', 1, 3],
    ['system_ids=1', 0, 3],
    // B (50,000,000) is filtered out by price, not by its system.
    ['system_ids=30000142&max_price=10000000', 1, 2],
    ['system_ids=30000142&page=99', 1, 3],
    ['system_ids=30000142&contract_type=courier', 0, 1],
    ['system_ids=30000142&is_ship_contract=true', 1, 1],
    ['system_ids=30000142&type_ids=34', 0, 1],
    ['system_ids=30000142&region_ids=10000043', 0, 0],
    ['system_ids=30000142&station_ids=60000274', 0, 1],
  ])('cases 32–33: ?%s → total %i, unknown_system_excluded %i', async (query, total, excluded) => {
    const body = await list(fixture.t, query);
    expect(body.total).toBe(total);
    expect(body.unknown_system_excluded).toBe(excluded);
  });

  it('still reported on a page past the end (case 33)', async () => {
    const body = await list(fixture.t, 'system_ids=30000142&page=99');
    expect(body).toMatchObject({ page: 99, items: [], total: 1, unknown_system_excluded: 3 });
  });

  it('segment counts apply system_ids too (case 32)', async () => {
    const body = await list(fixture.t, 'system_ids=30000142');
    expect(await matchedIds(fixture.t, 'system_ids=30000142')).toEqual([SYSTEM_IDS.A]);
    expect(segmentTuple(body)).toEqual([1, 0, 0, 0, 0]);
  });
});

describe('docs/api.md §6.6 example: A at Jita, B in a structure, C at Amarr', () => {
  const fixture = useFixture([
    { contractId: 721, startLocationId: 60003760 },
    { contractId: 722, startLocationId: STRUCTURE },
    { contractId: 723, startLocationId: AMARR },
  ]);

  it('system_ids=30000142 → total 1, unknown_system_excluded 1 (case 32)', async () => {
    const body = await list(fixture.t, 'system_ids=30000142');
    expect(body.total).toBe(1);
    expect(body.items.map((row) => row.contract_id)).toEqual([721]);
    expect(body.unknown_system_excluded).toBe(1);
  });
});

const REGIONS_ENV = { AGGREGATION_REGION_IDS: '[10000002,10000043,10000032]' };
const minutesAgo = (n: number) => new Date(NOW.getTime() - n * 60_000);

describe('coverage describes the stored data, not the request (case 34)', () => {
  const fixture = useFixture(
    [
      { contractId: 801, lastSeenAt: minutesAgo(10), items: [{ typeId: 587 }] },
      { contractId: 802, type: 'courier', lastSeenAt: minutesAgo(10) },
      // Domain holds only a closed and an expired contract.
      { contractId: 803, regionId: DOMAIN, startLocationId: AMARR, lastSeenAt: minutesAgo(40), closedAt: minutesAgo(30) },
      { contractId: 804, regionId: DOMAIN, startLocationId: AMARR, lastSeenAt: minutesAgo(40), dateExpired: minutesAgo(35) },
    ],
    REGIONS_ENV,
  );

  it.each([
    '',
    'region_ids=10000043',
    'region_ids=10000032',
    'search=nothing%20matches%20this',
    'contract_type=loan',
    'system_ids=30000142&size=1',
    'is_ship_contract=true&page=2&size=1',
    'page=99',
    'sort_by=price&sort_direction=asc',
  ])('?%s → ingested_region_ids [10000002,10000043], as_of now−10m (case 34)', async (query) => {
    const body = await list(fixture.t, query);
    expect(body.coverage).toEqual({ ingested_region_ids: [10000002, 10000043], as_of: '2026-07-21T09:06:30Z' });
  });

  it('the regions holding nothing live still yield no rows (case 34)', async () => {
    expect(await matchedIds(fixture.t, 'region_ids=10000043')).toEqual([]);
    expect(await matchedIds(fixture.t, '')).toEqual([801, 802]);
  });
});

describe('as_of is the newest sighting of any stored contract, live or not (case 34)', () => {
  const fixture = useFixture(
    [
      { contractId: 811, lastSeenAt: minutesAgo(10), items: [{ typeId: 587 }] },
      // Seen 5 minutes ago, expired 2 minutes ago: no longer live, still the newest sighting.
      { contractId: 812, regionId: DOMAIN, startLocationId: AMARR, lastSeenAt: minutesAgo(5), dateExpired: minutesAgo(2) },
    ],
    REGIONS_ENV,
  );

  it('as_of → now−5m, whole seconds with Z (case 34)', async () => {
    const body = await list(fixture.t, 'region_ids=10000002');
    expect(body.total).toBe(1);
    expect(body.coverage).toEqual({ ingested_region_ids: [10000002, 10000043], as_of: '2026-07-21T09:11:30Z' });
  });
});
