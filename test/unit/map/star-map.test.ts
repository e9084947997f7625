import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createStarMap, starMap } from '../../../src/map/star-map.js';
import { parseMapSource, readShippedMap } from '../../../src/map/map-source.js';

// Real systems (src/map/data): the checked facts of the spec and the data's README.
const JITA = 30000142;
const PERIMETER = 30000144;
const AMARR = 30002187;
const DODIXIE = 30002659;
const NEZIEL = 30002246; // security 0.4499: low-sec
const PEMENE = 30004978; // security 0.4502: high-sec
const POCHVEN = 10000070;
const UNKNOWN = 30999999;

const readData = <T>(name: string) => JSON.parse(readFileSync(new URL(`../../../src/map/data/${name}`, import.meta.url), 'utf8')) as T;
const systems = readData<{ system_id: number; region_id: number; security: number }[]>('map_systems.json');
const jumps = readData<[number, number][]>('map_jumps.json');
const map = starMap();

describe('the shipped star map', () => {
  it('knows the systems of the data and no others', () => {
    expect(systems).toHaveLength(5432);
    expect(systems.every((system) => map.systemExists(system.system_id))).toBe(true);
    expect(map.systemExists(UNKNOWN)).toBe(false);
  });

  it('gives the checked shortest and high-sec jump counts', () => {
    expect([map.routeJumps(JITA, AMARR), map.routeJumpsHighSec(JITA, AMARR)]).toEqual([11, 45]);
    expect([map.routeJumps(JITA, DODIXIE), map.routeJumpsHighSec(JITA, DODIXIE)]).toEqual([12, 15]);
    expect([map.routeJumps(JITA, PERIMETER), map.routeJumpsHighSec(JITA, PERIMETER)]).toEqual([1, 1]);
    expect([map.routeJumps(AMARR, JITA), map.routeJumpsHighSec(AMARR, JITA)]).toEqual([11, 45]);
  });

  it('counts 0 jumps within one system and null for an unknown one', () => {
    expect([map.routeJumps(JITA, JITA), map.routeJumpsHighSec(JITA, JITA)]).toEqual([0, 0]);
    expect([map.routeJumps(JITA, UNKNOWN), map.routeJumps(UNKNOWN, JITA), map.routeJumps(UNKNOWN, UNKNOWN)]).toEqual([null, null, null]);
    expect([map.routeJumpsHighSec(JITA, UNKNOWN), map.routeJumpsHighSec(UNKNOWN, JITA)]).toEqual([null, null]);
  });

  it('has no route between Pochven and Jita', () => {
    const pochven = systems.filter((system) => system.region_id === POCHVEN);
    expect(pochven).toHaveLength(27);
    for (const system of pochven) {
      expect(map.routeJumps(system.system_id, JITA)).toBeNull();
      expect(map.routeJumps(JITA, system.system_id)).toBeNull();
    }
  });

  it('has no high-sec route to or from a low-sec end, though a shortest route exists', () => {
    expect(map.isHighSec(NEZIEL)).toBe(false);
    expect(map.routeJumps(JITA, NEZIEL)).not.toBeNull();
    expect(map.routeJumpsHighSec(JITA, NEZIEL)).toBeNull();
    expect(map.routeJumpsHighSec(NEZIEL, JITA)).toBeNull();
    expect(map.routeJumpsHighSec(NEZIEL, NEZIEL)).toBeNull();
    expect(map.routeJumps(NEZIEL, NEZIEL)).toBe(0);
  });

  it('draws the high-sec line at true security 0.45', () => {
    expect(map.isHighSec(JITA)).toBe(true);
    expect(map.isHighSec(PEMENE)).toBe(true);
    expect(map.isHighSec(NEZIEL)).toBe(false);
    expect(map.isHighSec(UNKNOWN)).toBe(false);
    const highSec = systems.filter((system) => map.isHighSec(system.system_id));
    expect(highSec.every((system) => system.security >= 0.45)).toBe(true);
    expect(highSec.length).toBe(systems.filter((system) => system.security >= 0.45).length);
  });

  it('finds the systems within n jumps, the origin included', () => {
    const within = (origin: number, maxJumps: number) => [...map.systemsWithinJumps(origin, maxJumps)!];
    expect(within(JITA, 0)).toEqual([JITA]);
    const neighbours = jumps.flatMap(([a, b]) => (a === JITA ? [b] : b === JITA ? [a] : []));
    expect(neighbours.length).toBeGreaterThan(0);
    expect(within(JITA, 1)).toEqual([JITA, ...neighbours].sort((a, b) => a - b));
    expect(within(JITA, 12)).toEqual(expect.arrayContaining([AMARR, DODIXIE]));
    expect(within(JITA, 11)).toContain(AMARR);
    expect(within(JITA, 11)).not.toContain(DODIXIE);
    const ids = within(JITA, 50);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect(ids.every((id) => map.routeJumps(JITA, id)! <= 50)).toBe(true);
    expect(map.systemsWithinJumps(UNKNOWN, 3)).toBeNull();
  });

  it('accepts 0 to 50 jumps only', () => {
    expect(map.systemsWithinJumps(JITA, 50)!.length).toBeGreaterThan(0);
    for (const bad of [-1, 51, 1.5, Number.NaN]) expect(() => map.systemsWithinJumps(JITA, bad)).toThrow(RangeError);
  });

  it('splits into 221 components, the largest of 5,175 systems', () => {
    const component = new Map<number, number>();
    const sizes: number[] = [];
    for (const { system_id: origin } of systems) {
      if (component.has(origin)) continue;
      let size = 0;
      for (const { system_id: other } of systems) {
        if (map.routeJumps(origin, other) === null) continue;
        component.set(other, sizes.length);
        size += 1;
      }
      sizes.push(size);
    }
    expect(sizes).toHaveLength(221);
    expect(Math.max(...sizes)).toBe(5175);
    expect(sizes[component.get(JITA)!]).toBe(5175);
  });

  it('lists the regions of the map', () => {
    const regions = [...new Set(systems.map((system) => system.region_id))].sort((a, b) => a - b);
    expect(map.mapRegionIds()).toEqual(regions);
    expect(map.mapRegionIds()).toContain(10000002);
    expect(map.mapRegionIds()).toContain(POCHVEN);
  });
});

describe('createStarMap', () => {
  // A line 1-2-3-4 with 3 low-sec, and 5 alone.
  const line = parseMapSource(
    [1, 2, 3, 4, 5].map((id) => ({ system_id: id, region_id: 7, security: id === 3 ? 0.4499 : 0.45 })),
    [[1, 2], [2, 3], [3, 4]],
  );

  it('answers the same once its memoised searches are evicted', () => {
    const tiny = createStarMap(line, { cachedOrigins: 1 });
    for (let round = 0; round < 2; round += 1) {
      expect([tiny.routeJumps(1, 4), tiny.routeJumps(4, 1), tiny.routeJumps(2, 4), tiny.routeJumps(1, 5)]).toEqual([3, 3, 2, null]);
      expect([tiny.routeJumpsHighSec(1, 2), tiny.routeJumpsHighSec(1, 4), tiny.routeJumpsHighSec(4, 4)]).toEqual([1, null, 0]);
    }
  });

  it('refuses data of the wrong shape', () => {
    expect(() => parseMapSource([{ system_id: 1, region_id: 7 }], [])).toThrow(/map_systems\.json at 0\.security/);
    expect(() => parseMapSource([], [[1]])).toThrow(/map_jumps\.json/);
    expect(() => createStarMap(parseMapSource([{ system_id: 1, region_id: 7, security: 1 }], [[1, 2]]))).toThrow(/jump 1-2/);
    expect(() => createStarMap(parseMapSource([1, 1].map((id) => ({ system_id: id, region_id: 7, security: 1 })), []))).toThrow(/listed twice/);
  });

  it('reads the shipped data whole', () => {
    const source = readShippedMap();
    expect([source.systems.length, source.jumps.length]).toEqual([5432, 6888]);
  });
});
