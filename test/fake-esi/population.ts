/**
 * The fixed cast of a fake universe: static data from the committed SDE subset (types, groups,
 * categories, stations, systems, regions), item pools, player structures and the issuers
 * (characters and their corporations). Everything E3–E7 can answer comes from here.
 */
import { loadSde, type Sde, type SdeStation, type SdeType } from '../fixtures/sde/index.js';
import { Rng, mix32, rngFor, unitHash } from './random.js';

export const SHIP_CATEGORY = 6;
export const BLUEPRINT_CATEGORY = 9;

export type NameCategory = 'character' | 'corporation' | 'station' | 'solar_system' | 'region' | 'inventory_type';

export interface Character {
  readonly id: number;
  readonly name: string;
  readonly corporationId: number;
}

export interface TypePools {
  readonly ships: readonly SdeType[];
  readonly shipBlueprints: readonly SdeType[];
  readonly otherBlueprints: readonly SdeType[];
  readonly modules: readonly SdeType[];
  readonly charges: readonly SdeType[];
  readonly drones: readonly SdeType[];
  readonly materials: readonly SdeType[];
  readonly accessories: readonly SdeType[];
}

/** Trade hubs first: most station contracts in a region sit at its hub. */
const HUBS: Readonly<Record<number, number>> = {
  10000002: 60003760, // Jita IV - Moon 4 - Caldari Navy Assembly Plant
  10000043: 60008494, // Amarr VIII (Oris) - Emperor Family Academy
  10000032: 60011866, // Dodixie IX - Moon 20 - Federation Navy Assembly Plant
  10000042: 60005686, // Hek VIII - Moon 12 - Boundless Creation Factory
  10000030: 60004588, // Rens VI - Moon 8 - Brutor Tribe Treasury
};

const FIRST = ['Aria', 'Kador', 'Vex', 'Serra', 'Oveur', 'Tashi', 'Mira', 'Haldor', 'Ishu', 'Rook', 'Nadia', 'Jorn', 'Lysa',
  'Okko', 'Brakk', 'Eira', 'Tiber', 'Yuna', 'Caspian', 'Dree', 'Falk', 'Gessa', 'Horu', 'Ilsa', 'Kain', 'Lorn', 'Mako',
  'Nix', 'Orla', 'Pell'];
const LAST = ['Vexx', 'Orrin', 'Kassar', 'Tenebris', 'Amarrin', 'Halcyon', 'Drakovic', 'Solheim', 'Brightwater', 'Kuvakei',
  'Ardent', 'Stormfall', 'Ishukone', 'Rhavas', 'Vel', 'Maelis', 'Crane', 'Darkhollow', 'Tyrannos', 'Okaira', 'Sarum',
  'Vherokior', 'Brutor', 'Sebiestor', 'Achura', 'Deteis', 'Civire', 'Gallente', 'Intaki', 'Jin-Mei'];
const CORP_A = ['Deep', 'Iron', 'Silent', 'Crimson', 'Stellar', 'Void', 'Northern', 'Golden', 'Black', 'Free', 'Azure', 'Outer'];
const CORP_B = ['Core', 'Anvil', 'Horizon', 'Tide', 'Forge', 'Ledger', 'Vanguard', 'Haulers', 'Syndicate', 'Works', 'Cartel', 'Labs'];
const CORP_C = ['Industries', 'Holdings', 'Trading Co.', 'Logistics', 'Collective', 'Enterprises', 'Corp', 'Inc.'];

export interface Population {
  readonly seed: number;
  readonly sde: Sde;
  readonly pools: TypePools;
  readonly typeById: ReadonlyMap<number, SdeType>;
  readonly typesByGroup: ReadonlyMap<number, readonly number[]>;
  readonly groupsByCategory: ReadonlyMap<number, readonly number[]>;
  readonly stationsByRegion: ReadonlyMap<number, readonly SdeStation[]>;
  readonly hubs: readonly number[];
  readonly allStations: readonly SdeStation[];
  readonly characters: readonly Character[];
  readonly corporations: ReadonlyMap<number, string>;
  /** Region's trade hub station, or its first station; undefined for a region without stations. */
  hubOf(regionId: number): number | undefined;
  /** Player structures (ids ≥ 10^12) of a region: never named, never in static data. */
  structuresOf(regionId: number): readonly number[];
  /** Names set by tests (a renamed character, an extra resolvable id); consulted first. */
  readonly overrides: Map<number, { name: string; category: NameCategory }>;
  /** What E3 answers for an id, or undefined (unknown ids make the whole E3 body 404). */
  nameOf(id: number): { name: string; category: NameCategory } | undefined;
}

function groupBy<T>(items: readonly T[], key: (item: T) => number): Map<number, T[]> {
  const map = new Map<number, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = map.get(k);
    if (list) list.push(item);
    else map.set(k, [item]);
  }
  return map;
}

function pools(sde: Sde): TypePools {
  const byCategory = groupBy(sde.types, (t) => t.category_id);
  const blueprints = byCategory.get(BLUEPRINT_CATEGORY) ?? [];
  const shipNames = new Set((byCategory.get(SHIP_CATEGORY) ?? []).map((t) => `${t.name} Blueprint`));
  const pool = {
    ships: byCategory.get(SHIP_CATEGORY) ?? [],
    shipBlueprints: blueprints.filter((t) => shipNames.has(t.name)),
    otherBlueprints: blueprints.filter((t) => !shipNames.has(t.name)),
    modules: byCategory.get(7) ?? [],
    charges: byCategory.get(8) ?? [],
    drones: byCategory.get(18) ?? [],
    materials: byCategory.get(4) ?? [],
    accessories: byCategory.get(5) ?? [],
  };
  for (const [name, list] of Object.entries(pool)) {
    if (list.length === 0) throw new Error(`fake ESI: the SDE subset has no ${name}`);
  }
  return pool;
}

/** `count` distinct ids drawn from ranges [min, max] chosen with the given weights. */
function uniqueIds(rng: Rng, count: number, ranges: readonly (readonly [number, number, number])[]): number[] {
  const total = ranges.reduce((sum, [, , weight]) => sum + weight, 0);
  const seen = new Set<number>();
  while (seen.size < count) {
    let point = rng.next() * total;
    let range = ranges[ranges.length - 1]!;
    for (const candidate of ranges) {
      point -= candidate[2];
      if (point < 0) {
        range = candidate;
        break;
      }
    }
    seen.add(rng.int(range[0], range[1]));
  }
  return [...seen];
}

function pickBy<T>(items: readonly T[], hash: number): T {
  return items[hash % items.length]!;
}

/**
 * Builds the cast. `characterCount` scales with the universe so names stay realistic in number
 * (a few contracts per issuer, a long tail).
 */
export function buildPopulation(seed: number, characterCount: number): Population {
  const sde = loadSde();
  const rng = rngFor(seed, 'population');
  const corpIds = uniqueIds(rng, Math.max(50, Math.ceil(characterCount / 5)), [[98_000_000, 98_999_999, 1]]);
  const corporations = new Map<number, string>();
  // Hash picks, not an Rng per entity: there are up to 20,000 of them.
  for (const id of corpIds) {
    const name = `${pickBy(CORP_A, mix32(seed, id, 'corp-a'))} ${pickBy(CORP_B, mix32(seed, id, 'corp-b'))} ${pickBy(CORP_C, mix32(seed, id, 'corp-c'))}`;
    corporations.set(id, name);
  }
  const charIds = uniqueIds(rng, characterCount, [
    [90_000_000, 97_999_999, 0.6],
    [2_112_000_000, 2_129_999_999, 0.4],
  ]);
  const characters = charIds.map((id): Character => {
    const corpIndex = Math.floor(corpIds.length * unitHash(seed, id, 'employer') ** 1.6);
    const name = `${pickBy(FIRST, mix32(seed, id, 'first'))} ${pickBy(LAST, mix32(seed, id, 'last'))}`;
    return { id, name, corporationId: corpIds[corpIndex] ?? corpIds[0]! };
  });
  const characterById = new Map(characters.map((c) => [c.id, c]));

  const typeById = new Map(sde.types.map((t) => [t.type_id, t]));
  const stationById = new Map(sde.stations.map((s) => [s.station_id, s]));
  const systemById = new Map(sde.systems.map((s) => [s.system_id, s]));
  const regionById = new Map(sde.regions.map((r) => [r.region_id, r]));
  const stationsByRegion = groupBy(sde.stations, (s) => s.region_id);
  const hubs = sde.regionsUsed.map((r) => HUBS[r]).filter((s): s is number => s !== undefined && stationById.has(s));
  const structures = new Map<number, number[]>();
  const overrides = new Map<number, { name: string; category: NameCategory }>();

  return {
    seed,
    sde,
    pools: pools(sde),
    typeById,
    typesByGroup: new Map([...groupBy(sde.types, (t) => t.group_id)].map(([g, ts]) => [g, ts.map((t) => t.type_id)])),
    groupsByCategory: new Map(
      [...groupBy(sde.groups, (g) => g.category_id)].map(([c, gs]) => [c, gs.map((g) => g.group_id)]),
    ),
    stationsByRegion,
    hubs,
    allStations: sde.stations,
    characters,
    corporations,
    overrides,
    hubOf(regionId) {
      const hub = HUBS[regionId];
      if (hub !== undefined && stationById.has(hub)) return hub;
      return stationsByRegion.get(regionId)?.[0]?.station_id;
    },
    structuresOf(regionId) {
      let list = structures.get(regionId);
      if (!list) {
        const r = rngFor(seed, regionId, 'structures');
        list = Array.from({ length: 8 }, () => 1_020_000_000_000 + r.int(0, 40_000_000_000));
        structures.set(regionId, list);
      }
      return list;
    },
    nameOf(id) {
      const override = overrides.get(id);
      if (override) return { ...override };
      const character = characterById.get(id);
      if (character) return { name: character.name, category: 'character' };
      const corporation = corporations.get(id);
      if (corporation !== undefined) return { name: corporation, category: 'corporation' };
      const station = stationById.get(id);
      if (station) return { name: station.name, category: 'station' };
      const system = systemById.get(id);
      if (system) return { name: system.name, category: 'solar_system' };
      const region = regionById.get(id);
      if (region) return { name: region.name, category: 'region' };
      const type = typeById.get(id);
      if (type) return { name: type.name, category: 'inventory_type' };
      return undefined;
    },
  };
}
