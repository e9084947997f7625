/**
 * One public contract of the fake universe: its record and its E1 listing row, rebuilt on demand
 * from (seed, contract id) so that 35,000 contracts cost a few bytes each (store.ts) until a page
 * is actually served. Shapes follow the real captured rows in
 * shared/data/esi-samples (keys in alphabetical order; `price`, `reward`, `days_to_complete` present
 * as 0 where they do not apply; `collateral` absent on auctions; `for_corporation` only when true).
 */
import { isoSeconds } from './clock.js';
import type { Population } from './population.js';
import { Rng, mix32, rngFor, roundSignificant, unitHash } from './random.js';

export const DAY_MS = 86_400_000;
export const ITEM_BEARING_TYPES: ReadonlySet<string> = new Set(['item_exchange', 'auction']);

/** A contract as the universe knows it (a snapshot; the store holds the truth). */
export interface ContractRecord {
  readonly id: number;
  readonly regionId: number;
  /** Epoch ms the contract was put up (date_issued, before an auction's midnight rounding). */
  readonly created: number;
  /** Epoch ms of date_expired (control.expireContracts may bring it forward). */
  readonly expires: number;
  /** Accepted or withdrawn at this time (epoch ms), or null while open. */
  readonly departedAt: number | null;
  readonly type: string;
  /** "Want to buy" exchange: price 0, reward > 0, every item requested. */
  readonly wtb: boolean;
  /** A hand-made row (control.setRows), served verbatim. */
  readonly row?: Readonly<Record<string, unknown>>;
  /** Item rows when not the seeded count (large item lists). */
  readonly itemCount?: number;
}

/** The §9 mix: ~98 % item exchanges, ~1.5 % auctions, < 1 % couriers, rare loans. */
export function contractKind(seed: number, id: number): { type: string; wtb: boolean } {
  const u = unitHash(seed, id, 'type');
  const type = u < 0.979 ? 'item_exchange' : u < 0.994 ? 'auction' : u < 0.9995 ? 'courier' : 'loan';
  return { type, wtb: type === 'item_exchange' && unitHash(seed, id, 'wtb') < 0.02 };
}

const DURATIONS_DAYS: readonly (readonly [number, number])[] = [
  [1, 0.05],
  [3, 0.08],
  [7, 0.12],
  [14, 0.15],
  [28, 0.6],
];

/**
 * Lifetime in ms, longer than `minMs` (a contract already in a listing has not expired yet).
 * Exchanges and couriers run whole days to the second, auctions 14–16 days (as in the samples).
 * Hash-based rather than an Rng: it runs once per contract at startup.
 */
export function contractLifetime(seed: number, id: number, type: string, minMs: number): number {
  if (type === 'auction') {
    const auction = 14 * DAY_MS + (mix32(seed, id, 'auction') % 172_801) * 1000;
    if (auction > minMs) return auction;
  }
  let total = 0;
  for (const [days, weight] of DURATIONS_DAYS) if (days * DAY_MS > minMs) total += weight;
  let point = unitHash(seed, id, 'life') * total;
  for (const [days, weight] of DURATIONS_DAYS) {
    if (days * DAY_MS <= minMs) continue;
    point -= weight;
    if (point < 0) return days * DAY_MS;
  }
  return 28 * DAY_MS;
}

const TITLES = [
  'Nag + fuel', 'Moved Systems - Must Go!!', 'Cheap BPCs', 'Fitted and ready', 'Mixed lot', 'Starter pack',
  'Ore haul', 'Jita special', 'Ammo bundle', 'Exploration kit', 'PvP fit', 'Mission runner', 'Corp sale',
  'Drone bundle', 'Salvage', 'T2 modules', 'Research copies', 'Ёлки-палки', 'Ship + modules ✈', 'quick sale',
];

/** Unit volumes whose products give ESI's float noise (0.1 × 3 = 0.30000000000000004). */
const UNIT_VOLUMES = [0.01, 0.1, 0.2, 0.25, 0.0125, 0.0025, 0.3, 2.5, 5, 10, 25, 50, 60, 2500, 27289];

function noisyVolume(rng: Rng, courier: boolean): number {
  let total = 0;
  const terms = rng.int(1, 3);
  for (let i = 0; i < terms; i++) {
    const unit = courier ? rng.pick(UNIT_VOLUMES.slice(6)) : rng.pick(UNIT_VOLUMES);
    total += unit * rng.int(1, courier ? 4000 : 200);
  }
  return total;
}

function stationOf(pop: Population, regionId: number, rng: Rng): number {
  const stations = pop.stationsByRegion.get(regionId);
  const hub = pop.hubOf(regionId);
  if (!stations || stations.length === 0 || hub === undefined) return rng.pick(pop.structuresOf(regionId));
  if (rng.chance(0.45)) return hub;
  return stations[rng.skewedIndex(stations.length, 1.5)]!.station_id;
}

function startLocation(pop: Population, c: ContractRecord, rng: Rng): number | undefined {
  if (c.type === 'courier' && rng.chance(0.1)) return undefined;
  if (rng.chance(0.05)) return rng.pick(pop.structuresOf(c.regionId));
  return stationOf(pop, c.regionId, rng);
}

function courierDestination(pop: Population, rng: Rng): number {
  const u = rng.next();
  if (u < 0.5 && pop.hubs.length > 0) return rng.pick(pop.hubs);
  if (u < 0.9) return rng.pick(pop.allStations).station_id;
  return rng.pick(pop.structuresOf(rng.pick(pop.sde.regionsUsed)));
}

/** The E1 row of a contract (a fresh object; callers may modify it). */
export function listingRow(pop: Population, c: ContractRecord): Record<string, unknown> {
  if (c.row) return { ...c.row };
  const r = rngFor(pop.seed, c.id, 'row');
  const issuer = pop.characters[r.skewedIndex(pop.characters.length, 2.2)] ?? pop.characters[0]!;
  const courier = c.type === 'courier';
  const auction = c.type === 'auction';
  const loan = c.type === 'loan';
  const start = startLocation(pop, c, r);
  const end = courier ? courierDestination(pop, r) : (start ?? stationOf(pop, c.regionId, r));

  let price = 0;
  let reward = 0;
  let collateral: number | undefined = 0;
  let buyout: number | undefined;
  let days = 0;
  if (courier) {
    reward = roundSignificant(r.logUniform(1e6, 1e9), 2);
    collateral = roundSignificant(r.logUniform(1e7, 1e10), 2);
    days = r.pick([1, 3, 7, 7, 14, 30]);
  } else if (loan) {
    collateral = roundSignificant(r.logUniform(1e7, 1e10), 2);
    days = r.pick([7, 14, 30]);
  } else if (c.wtb) {
    reward = roundSignificant(r.logUniform(1e5, 1e10), 3);
  } else {
    price = roundSignificant(r.logUniform(1e4, 1e10), 3);
  }
  if (auction) {
    collateral = undefined;
    if (r.chance(0.7)) buyout = r.chance(0.15) ? 0 : roundSignificant(price * (1.5 + r.next() * 4), 3);
  }
  const title = r.chance(0.6) ? '' : c.wtb ? `WTB ${r.pick(TITLES)}` : r.pick(TITLES);
  const issued = auction ? Math.floor(c.created / DAY_MS) * DAY_MS : c.created;

  const row: Record<string, unknown> = {};
  if (buyout !== undefined) row.buyout = buyout;
  if (collateral !== undefined) row.collateral = collateral;
  row.contract_id = c.id;
  row.date_expired = isoSeconds(c.expires);
  row.date_issued = isoSeconds(issued);
  row.days_to_complete = days;
  row.end_location_id = end;
  if (r.chance(0.02)) row.for_corporation = true;
  row.issuer_corporation_id = issuer.corporationId;
  row.issuer_id = issuer.id;
  row.price = price;
  row.reward = reward;
  if (start !== undefined) row.start_location_id = start;
  row.title = title;
  row.type = c.type;
  row.volume = noisyVolume(r, courier);
  return row;
}

/** Fields of docs/sync.md §2.1 that ESI may omit. */
export const OPTIONAL_LISTING_FIELDS: readonly string[] = [
  'price', 'buyout', 'reward', 'collateral', 'days_to_complete', 'start_location_id', 'end_location_id',
  'for_corporation', 'title', 'volume',
];

/**
 * A record for a hand-made row (control.setRows). Rows without a usable contract_id are served but
 * not tracked (there is nothing to fetch items for).
 */
export function recordFromRow(regionId: number, row: unknown, now: number): ContractRecord | undefined {
  if (typeof row !== 'object' || row === null) return undefined;
  const fields = row as Record<string, unknown>;
  const id = fields.contract_id;
  if (typeof id !== 'number' || !Number.isSafeInteger(id) || id <= 0) return undefined;
  const issued = typeof fields.date_issued === 'string' ? Date.parse(fields.date_issued) : NaN;
  const expires = typeof fields.date_expired === 'string' ? Date.parse(fields.date_expired) : NaN;
  const type = typeof fields.type === 'string' ? fields.type : 'unknown';
  const wtb = type === 'item_exchange' && fields.price === 0 && typeof fields.reward === 'number' && fields.reward > 0;
  return {
    id,
    regionId,
    created: Number.isFinite(issued) ? issued : now,
    expires: Number.isFinite(expires) ? expires : now + 28 * DAY_MS,
    departedAt: null,
    type,
    wtb,
    row: fields,
  };
}
