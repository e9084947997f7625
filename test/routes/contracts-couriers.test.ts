import { describe, expect, it } from 'vitest';
import { starMap } from '../../src/map/star-map.js';
import { AEDALD_LOWSEC, AMARR, DODIXIE, JITA, STATIONS, STRUCTURE, type ContractSpec } from '../support/fixtures.js';
import { list, matchedIds, useFixtureDatabase } from '../support/list-helpers.js';

// Courier routes (docs/api.md §13): the route fields on rows and details, the filters and sorts over
// them, and their 422s. Expected sets come from a breadth-first search over the shipped map, not
// from the stored columns, on both read paths (the read model and READ_MODEL=off).

const NOW = new Date('2026-07-21T09:16:30Z');
const JITA_SYSTEM = 30000142;
const DODIXIE_SYSTEM = 30002659;

const courier = (contractId: number, start: number | null, end: number | null, reward: number): ContractSpec => ({
  contractId, type: 'courier', startLocationId: start, endLocationId: end, price: 0, collateral: 1e8, reward, volume: 1000, daysToComplete: 3,
});

const FIXTURE: ContractSpec[] = [
  courier(701, JITA, AMARR, 11e6),
  courier(702, JITA, DODIXIE, 24e6),
  courier(703, JITA, AEDALD_LOWSEC, 32e6),
  courier(704, AMARR, JITA, 5.5e6),
  courier(705, JITA, STRUCTURE, 9e6),
  courier(706, STRUCTURE, AMARR, 3e6),
  // ESI gives an exchange's start as its end too.
  { contractId: 707, type: 'item_exchange', startLocationId: DODIXIE, endLocationId: DODIXIE, price: 1e6, items: [{ typeId: 587 }] },
  courier(708, DODIXIE, DODIXIE, 4e6),
  courier(709, AEDALD_LOWSEC, JITA, 1e6),
];

const systemOf = (location: number | null | undefined) => (location == null ? null : (STATIONS[location]?.systemId ?? null));

/** The route figures of a fixture contract, straight from the map. */
function expectedRoute(spec: ContractSpec) {
  const start = systemOf(spec.startLocationId);
  const end = systemOf(spec.endLocationId);
  const map = starMap();
  const jumps = start === null || end === null ? null : map.routeJumps(start, end);
  const highsec = start === null || end === null ? null : map.routeJumpsHighSec(start, end);
  const perJump = spec.type === 'courier' && spec.reward != null && jumps !== null ? spec.reward / Math.max(jumps, 1) : null;
  return { contractId: spec.contractId, type: spec.type ?? 'item_exchange', start, jumps, highsec, perJump };
}
const EXPECTED = FIXTURE.map(expectedRoute);

const ids = (predicate: (route: (typeof EXPECTED)[number]) => boolean) =>
  EXPECTED.filter(predicate).map((route) => route.contractId).sort((a, b) => a - b);

const within = (origin: number, jumps: number) => new Set(starMap().systemsWithinJumps(origin, jumps));

const FILTERS: [query: string, expected: number[]][] = [
  ['max_jumps=11', ids((r) => r.jumps !== null && r.jumps <= 11)],
  ['max_jumps=0', ids((r) => r.jumps === 0)],
  ['max_jumps=-1', []],
  ['highsec_route=true', ids((r) => r.highsec !== null)],
  ['highsec_route=false', ids((r) => r.highsec === null)],
  ['min_reward_per_jump=2000000', ids((r) => r.perJump !== null && r.perJump >= 2e6)],
  [`near_system_id=${JITA_SYSTEM}`, ids((r) => r.start === JITA_SYSTEM)],
  [`near_system_id=${DODIXIE_SYSTEM}&max_jumps_from=12`, ids((r) => r.start !== null && within(DODIXIE_SYSTEM, 12).has(r.start))],
  [`near_system_id=${DODIXIE_SYSTEM}&max_jumps_from=11`, ids((r) => r.start !== null && within(DODIXIE_SYSTEM, 11).has(r.start))],
  ['max_jumps=12&highsec_route=true&contract_type=courier', ids((r) => r.type === 'courier' && r.jumps !== null && r.jumps <= 12 && r.highsec !== null)],
  ['max_jumps_from=5', ids(() => true)],
];

const useFixture = useFixtureDatabase(NOW);

for (const [path, env] of [['read model', undefined], ['SQL path', { READ_MODEL: 'off' }]] as const) {
  describe(`courier routes — ${path}`, () => {
    const fixture = useFixture(FIXTURE, env);

    it('Jita → Amarr: 11 jumps, 45 on high-sec only, reward per jump = reward ÷ 11; a courier to a structure has nulls (case 136)', async () => {
      const detail = (await fixture.t.app.inject({ url: '/contracts/701' })).json();
      expect(detail).toMatchObject({ end_location_system_id: 30002187, route_jumps: 11, route_jumps_highsec: 45, reward_per_jump: 11e6 / 11 });
      const toStructure = (await fixture.t.app.inject({ url: '/contracts/705' })).json();
      expect(toStructure).toMatchObject({ end_location_system_id: null, route_jumps: null, route_jumps_highsec: null, reward_per_jump: null });
      // Same system: 0 jumps, paid as one.
      expect((await fixture.t.app.inject({ url: '/contracts/708' })).json()).toMatchObject({ route_jumps: 0, route_jumps_highsec: 0, reward_per_jump: 4e6 });
      // Every type carries the route; only couriers a reward per jump.
      expect((await fixture.t.app.inject({ url: '/contracts/707' })).json()).toMatchObject({ route_jumps: 0, reward_per_jump: null });
      const rows = (await list<{ total: number; page: number; size: number; items: { contract_id: number; route_jumps: number | null }[] }>(fixture.t, 'size=100')).items;
      for (const expected of EXPECTED) {
        expect(rows.find((row) => row.contract_id === expected.contractId), String(expected.contractId)).toMatchObject({
          route_jumps: expected.jumps,
          route_jumps_highsec: expected.highsec,
          reward_per_jump: expected.perJump,
        });
      }
    });

    it.each(FILTERS)('%s selects what a breadth-first search selects; total and segment_counts agree (case 137)', async (query, expected) => {
      expect(expected.length > 0 || query.includes('-1')).toBe(true);
      expect(await matchedIds(fixture.t, query)).toEqual(expected);
      if (query.includes('contract_type')) return;
      const body = await list<{ total: number; page: number; size: number; items: { contract_id: number }[]; segment_counts: Record<string, number> }>(fixture.t, `${query}&size=100`);
      expect(body.total).toBe(expected.length);
      for (const type of ['courier', 'item_exchange']) {
        expect(body.segment_counts[type], type).toBe(EXPECTED.filter((r) => expected.includes(r.contractId) && r.type === type).length);
      }
    });

    it.each([
      ['reward_per_jump', 'desc', (r: (typeof EXPECTED)[number]) => r.perJump],
      ['reward_per_jump', 'asc', (r: (typeof EXPECTED)[number]) => r.perJump],
      ['route_jumps', 'asc', (r: (typeof EXPECTED)[number]) => r.jumps],
      ['route_jumps', 'desc', (r: (typeof EXPECTED)[number]) => r.jumps],
    ] as const)('sort_by=%s&sort_direction=%s: nulls last, ties by contract_id', async (field, direction, key) => {
      const sign = direction === 'asc' ? 1 : -1;
      const expected = [...EXPECTED]
        .sort((a, b) => {
          const [x, y] = [key(a), key(b)];
          if (x === null || y === null) return x === y ? a.contractId - b.contractId : x === null ? 1 : -1;
          return x === y ? a.contractId - b.contractId : sign * (x - y);
        })
        .map((r) => r.contractId);
      const body = await list(fixture.t, `sort_by=${field}&sort_direction=${direction}&size=100`);
      expect(body.items.map((item) => item.contract_id)).toEqual(expected);
    });
  });
}

describe('courier parameters — 422s (case 138)', () => {
  const fixture = useFixture(FIXTURE.slice(0, 2));
  const detail = async (query: string) => {
    const response = await fixture.t.app.inject({ url: `/contracts/?${query}` });
    expect(response.statusCode).toBe(422);
    return response.json().detail as { type: string; loc: (string | number)[] }[];
  };

  it('near_system_id=1 → value_error "unknown solar system"', async () => {
    expect(await detail('near_system_id=1')).toStrictEqual([
      { type: 'value_error', loc: ['query', 'near_system_id'], msg: 'Value error, unknown solar system', input: '1', ctx: { error: {} } },
    ]);
  });

  it('max_jumps_from=51 → less_than_equal 50; -1 → greater_than_equal 0; validated without near_system_id', async () => {
    expect(await detail('max_jumps_from=51')).toStrictEqual([
      { type: 'less_than_equal', loc: ['query', 'max_jumps_from'], msg: 'Input should be less than or equal to 50', input: '51', ctx: { le: 50 } },
    ]);
    expect(await detail('max_jumps_from=-1')).toStrictEqual([
      { type: 'greater_than_equal', loc: ['query', 'max_jumps_from'], msg: 'Input should be greater than or equal to 0', input: '-1', ctx: { ge: 0 } },
    ]);
  });

  it('every problem in one body, in parameter order, after the upstream parameters', async () => {
    const errors = await detail('max_jumps_from=99&near_system_id=99999999999999999999&highsec_route=maybe&max_jumps=x&min_reward_per_jump=-1&size=0');
    expect(errors.map((error) => [error.loc[1], error.type])).toStrictEqual([
      ['size', 'greater_than_equal'],
      ['max_jumps', 'int_parsing'],
      ['highsec_route', 'bool_parsing'],
      ['min_reward_per_jump', 'greater_than_equal'],
      ['near_system_id', 'int_parsing_size'],
      ['max_jumps_from', 'less_than_equal'],
    ]);
  });
});
