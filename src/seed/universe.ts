/**
 * The fixed part of a seeded corpus: type pools, regions with their stations, player structures and
 * sweep times, and the issuer population. A pure function of (reference data, seed, now), shared by
 * the contract generator and the reference rows so both name the same characters.
 */
import { SHIP_CATEGORY_ID, BLUEPRINT_CATEGORY_ID } from '../domain/derived-fields.js';
import { Random } from './random.js';

// The rows of the SDE fixture (test/fixtures/sde), whose loader extends these: src never depends on test code.
export interface SeedCategory {
  category_id: number;
  name: string;
}
export interface SeedGroup {
  group_id: number;
  category_id: number;
  name: string;
}
export interface SeedType {
  type_id: number;
  name: string;
  group_id: number;
  category_id: number;
  /** null for types not sold on the market (ESI omits the field). */
  market_group_id: number | null;
  /** m³, unpackaged (ships are far larger than their packaged size). */
  volume: number;
}
export interface SeedStation {
  station_id: number;
  name: string;
  system_id: number;
  region_id: number;
}
export interface SeedSystem {
  system_id: number;
  name: string;
}
export interface SeedRegion {
  region_id: number;
  name: string;
}

/** The static data a corpus is built from: `loadSde()` of test/fixtures/sde satisfies it. */
export interface SeedReferenceData {
  readonly categories: readonly SeedCategory[];
  readonly groups: readonly SeedGroup[];
  readonly types: readonly SeedType[];
  readonly stations: readonly SeedStation[];
  readonly systems: readonly SeedSystem[];
  readonly regions: readonly SeedRegion[];
  /** Regions contracts are listed in; the first gets the lion's share (The Forge). */
  readonly regionsUsed: readonly number[];
}

export interface RegionPlan {
  readonly regionId: number;
  readonly weight: number;
  readonly stations: readonly SeedStation[];
  readonly hub: SeedStation;
  /** Share of the region's station contracts placed at the hub. */
  readonly hubShare: number;
  readonly structures: readonly number[];
  /** The region's latest listing sweep (epoch ms, whole seconds): `last_seen_at` of its open contracts. */
  readonly sweptAt: number;
}

export interface Issuer {
  readonly characterId: number;
  readonly characterName: string;
  readonly corporationId: number;
  readonly corporationName: string;
}

export interface NamedEntity {
  readonly id: number;
  readonly name: string;
}

export interface TypePools {
  readonly ships: readonly SeedType[];
  readonly popularShips: readonly SeedType[];
  readonly modules: readonly SeedType[];
  readonly charges: readonly SeedType[];
  readonly drones: readonly SeedType[];
  readonly materials: readonly SeedType[];
  readonly accessories: readonly SeedType[];
  readonly shipBlueprints: readonly SeedType[];
  readonly moduleBlueprints: readonly SeedType[];
  readonly otherBlueprints: readonly SeedType[];
  readonly allBlueprints: readonly SeedType[];
}

export interface Universe {
  readonly regions: readonly RegionPlan[];
  readonly characters: readonly NamedEntity[];
  readonly corporations: readonly NamedEntity[];
  readonly issuers: readonly Issuer[];
  readonly pools: TypePools;
  readonly groupCategory: ReadonlyMap<number, number>;
  readonly categoryNames: ReadonlyMap<number, string>;
  readonly systemNames: ReadonlyMap<number, string>;
}

const UNIVERSE_STREAM = 1;
const CHARACTER_COUNT = 6_000;
const CORPORATION_COUNT = 1_500;
const STRUCTURE_ID_MIN = 1_020_000_000_000;
const SWEEP_MAX_AGE_SECONDS = 30 * 60;
// The Forge ≈ 70 % (docs/sync.md §9), then the other hubs' regions; the rest share what is left.
const LEADING_REGION_SHARES = [70, 8, 5, 4, 3];
const MINOR_REGIONS_SHARE = 10;
const HUB_STATIONS = new Map<number, [stationId: number, share: number]>([
  [10000002, [60003760, 0.6]], // Jita IV - Moon 4 - Caldari Navy Assembly Plant
  [10000043, [60008494, 0.5]], // Amarr VIII (Oris) - Emperor Family Academy
  [10000032, [60011866, 0.45]], // Dodixie IX - Moon 20 - Federation Navy Assembly Plant
  [10000042, [60005686, 0.4]], // Hek VIII - Moon 12 - Boundless Creation Factory
  [10000030, [60004588, 0.4]], // Rens VI - Moon 8 - Brutor Tribe Treasury
]);
const POPULAR_SHIPS = [587, 32880, 621, 24688, 24698, 17715, 17738, 29984, 638, 12005, 17843, 28606, 17478, 33468, 16240, 602];
const CATEGORY = { material: 4, accessory: 5, module: 7, charge: 8, drone: 18 } as const;

const SYLLABLES = ['ka', 'ra', 'vel', 'tor', 'mi', 'zen', 'lo', 'ek', 'sa', 'dar', 'vin', 'ae', 'ris', 'ol', 'an', 'thu', 'gar', 'ly', 'sho', 'nex', 'bri', 'ul', 'ma', 'kor'];
const SURNAMES = ['Varros', 'Okaya', 'Delacroix', 'Haatakan', 'Kuvakei', 'Sarpati', 'Tash', 'Ardishapur', 'Brutor', 'Vherokior', 'Achura', 'Intaki', 'Lorn', 'Ferrox', 'Sebiestor', 'Niarja', 'Jin-Mei', 'Amarr', 'Dunn', 'Mercer', 'Krusual', 'Khanid', 'Thukker', 'Ni-Kunni'];
const CORP_WORDS = ['Deep', 'Core', 'Red', 'Frontier', 'Void', 'Iron', 'Northern', 'Sovereign', 'Black', 'Star', 'Aurora', 'Quantum', 'Stellar', 'Crimson', 'Nova', 'Silent', 'Outer', 'Rogue', 'Free', 'Imperial', 'Hidden', 'Burning'];
const CORP_NOUNS = ['Mining', 'Logistics', 'Industries', 'Holdings', 'Syndicate', 'Collective', 'Enterprises', 'Dynamics', 'Armada', 'Brotherhood', 'Directorate', 'Foundry', 'Salvage', 'Trading', 'Research', 'Haulers'];
const CORP_SUFFIXES = ['', '', ' Inc.', ' Corp', ' LLC', ' Ltd.', ' Group', ' & Co'];

function capitalize(word: string): string {
  return word.charAt(0).toUpperCase() + word.slice(1);
}

/** Unique names: a collision is retried, then disambiguated with a number. */
function uniqueNames(count: number, random: Random, make: () => string): string[] {
  const seen = new Set<string>();
  const names: string[] = [];
  for (let i = 0; i < count; i++) {
    let name = make();
    for (let attempt = 0; seen.has(name) && attempt < 5; attempt++) name = make();
    if (seen.has(name)) name = `${name} ${random.int(2, 999)}`;
    while (seen.has(name)) name = `${name}${random.int(0, 9)}`;
    seen.add(name);
    names.push(name);
  }
  return names;
}

function characterName(random: Random): string {
  const syllables = random.int(2, 3);
  let first = '';
  for (let i = 0; i < syllables; i++) first += random.pick(SYLLABLES);
  if (random.chance(0.05)) first = `${first.slice(0, 2)}'${first.slice(2)}`;
  const last = random.chance(0.8) ? random.pick(SURNAMES) : capitalize(random.pick(SYLLABLES) + random.pick(SYLLABLES));
  return `${capitalize(first)} ${last}`;
}

function corporationName(random: Random): string {
  return `${random.pick(CORP_WORDS)} ${random.pick(CORP_NOUNS)}${random.pick(CORP_SUFFIXES)}`;
}

/** `count` distinct integers in [min, max), ascending. */
function distinctIds(count: number, min: number, max: number, random: Random): number[] {
  const ids = new Set<number>();
  while (ids.size < count) ids.add(min + Math.floor(random.next() * (max - min)));
  return [...ids].sort((a, b) => a - b);
}

function buildPopulation(random: Random) {
  // Characters: old ids (90–98 M) and post-2016 ids (2.112–2.13 G), as docs/sync.md §10 lists them.
  const oldIds = distinctIds(Math.round(CHARACTER_COUNT * 0.65), 90_000_000, 98_000_000, random);
  const newIds = distinctIds(CHARACTER_COUNT - oldIds.length, 2_112_000_000, 2_130_000_000, random);
  const characterNames = uniqueNames(CHARACTER_COUNT, random, () => characterName(random));
  const characters = [...oldIds, ...newIds].map((id, i) => ({ id, name: characterNames[i]! }));
  const corporationNames = uniqueNames(CORPORATION_COUNT, random, () => corporationName(random));
  const corporations = distinctIds(CORPORATION_COUNT, 98_000_000, 99_000_000, random).map((id, i) => ({ id, name: corporationNames[i]! }));
  // Shuffled, so that the few prolific issuers (low indexes) mix both id ranges and big corporations.
  const order = characters.map((_, i) => i);
  for (let i = order.length - 1; i > 0; i--) {
    const j = random.int(0, i);
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  const issuers: Issuer[] = order.map((index) => {
    const character = characters[index]!;
    const corporation = corporations[random.skewedIndex(corporations.length, 2)]!;
    return { characterId: character.id, characterName: character.name, corporationId: corporation.id, corporationName: corporation.name };
  });
  return { characters, corporations, issuers };
}

function buildRegions(data: SeedReferenceData, random: Random, now: Date): RegionPlan[] {
  const stationsByRegion = new Map<number, SeedStation[]>();
  for (const station of [...data.stations].sort((a, b) => a.station_id - b.station_id)) {
    const list = stationsByRegion.get(station.region_id) ?? [];
    list.push(station);
    stationsByRegion.set(station.region_id, list);
  }
  const regionIds = data.regionsUsed.filter((id) => (stationsByRegion.get(id)?.length ?? 0) > 0);
  if (regionIds.length === 0) throw new Error('seed: no used region has an NPC station');
  const minorCount = Math.max(0, regionIds.length - LEADING_REGION_SHARES.length);
  const usedStructureIds = new Set<number>();
  const nowSeconds = Math.floor(now.getTime() / 1000);
  return regionIds.map((regionId, index) => {
    const stations = stationsByRegion.get(regionId)!;
    const weight = LEADING_REGION_SHARES[index] ?? MINOR_REGIONS_SHARE / minorCount;
    const [hubId, hubShare] = HUB_STATIONS.get(regionId) ?? [undefined, 0.3];
    const hub = stations.find((station) => station.station_id === hubId) ?? random.pick(stations);
    const structureCount = Math.max(3, Math.round(weight * 2));
    const structures: number[] = [];
    while (structures.length < structureCount) {
      const id = STRUCTURE_ID_MIN + Math.floor(random.next() * 30_000_000_000);
      if (usedStructureIds.has(id)) continue;
      usedStructureIds.add(id);
      structures.push(id);
    }
    const sweptAt = (nowSeconds - random.int(30, SWEEP_MAX_AGE_SECONDS)) * 1000;
    return { regionId, weight, stations, hub, hubShare, structures, sweptAt };
  });
}

function buildPools(types: readonly SeedType[]): TypePools {
  const sorted = [...types].sort((a, b) => a.type_id - b.type_id);
  const byName = new Map(sorted.map((type) => [type.name, type]));
  const inCategory = (category: number) => sorted.filter((type) => type.category_id === category);
  const allBlueprints = inCategory(BLUEPRINT_CATEGORY_ID);
  // The subset has no blueprint → product table; EVE names every blueprint "<product> Blueprint".
  const productCategory = (blueprint: SeedType) => byName.get(blueprint.name.replace(/ Blueprint$/, ''))?.category_id;
  const ships = inCategory(SHIP_CATEGORY_ID);
  const pools: TypePools = {
    ships,
    popularShips: POPULAR_SHIPS.map((id) => ships.find((ship) => ship.type_id === id)).filter((ship): ship is SeedType => ship !== undefined),
    modules: inCategory(CATEGORY.module),
    charges: inCategory(CATEGORY.charge),
    drones: inCategory(CATEGORY.drone),
    materials: inCategory(CATEGORY.material),
    accessories: inCategory(CATEGORY.accessory),
    shipBlueprints: allBlueprints.filter((bp) => productCategory(bp) === SHIP_CATEGORY_ID),
    moduleBlueprints: allBlueprints.filter((bp) => productCategory(bp) === CATEGORY.module),
    otherBlueprints: allBlueprints.filter((bp) => ![SHIP_CATEGORY_ID, CATEGORY.module].includes(productCategory(bp) ?? -1)),
    allBlueprints,
  };
  for (const [name, pool] of Object.entries(pools)) {
    if ((pool as readonly SeedType[]).length === 0 && name !== 'popularShips') throw new Error(`seed: the reference data has no ${name}`);
  }
  return pools;
}

/** Builds the fixed part of the corpus; deterministic in (data, seed, now). */
export function buildUniverse(data: SeedReferenceData, seed: number, now: Date): Universe {
  const random = new Random(seed, UNIVERSE_STREAM);
  const regions = buildRegions(data, random, now);
  const population = buildPopulation(random);
  return {
    regions,
    ...population,
    pools: buildPools(data.types),
    groupCategory: new Map(data.groups.map((group) => [group.group_id, group.category_id])),
    categoryNames: new Map(data.categories.map((category) => [category.category_id, category.name])),
    systemNames: new Map(data.systems.map((system) => [system.system_id, system.name])),
  };
}
