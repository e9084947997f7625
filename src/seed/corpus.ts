/**
 * Deterministic synthetic corpus: contracts and items as the sync would have stored them after
 * discovery, items and enrichment (docs/sync.md §4, §5), with the value mix of a real universe
 * (docs/sync.md §9, §10). Same options → byte-identical rows. Generated lazily, batch by batch, so a
 * corpus of 200,000 contracts never sits in memory at once.
 */
import type { BulkRow } from '../db/bulk.js';
import { ROUTE_VERSION, routeFigures } from '../domain/courier-routes.js';
import { starMap } from '../map/star-map.js';
import { deriveContractFields, derivedColumns, nextShipFlag, SHIP_CATEGORY_ID, type DerivationItem } from '../domain/derived-fields.js';
import { ENRICHMENT_VERSION } from '../domain/enrichment.js';
import { draftItems, itemCount, type ItemDraft, type Theme } from './items.js';
import { contractMoney } from './money.js';
import { Random } from './random.js';
import { contractTimeline, SECOND } from './timeline.js';
import { contractTitle } from './titles.js';
import { buildUniverse, type RegionPlan, type SeedReferenceData, type SeedStation, type Universe } from './universe.js';

export { referenceRows, type ReferenceRowsOptions, type ReferenceTable } from './reference-rows.js';
export type { SeedReferenceData } from './universe.js';

export interface CorpusOptions {
  readonly contracts: number;
  readonly seed: number;
  /** The corpus's present: contracts are issued in the 28 days before it, sweeps end before it. */
  readonly now: Date;
  /** The static data (test/fixtures/sde `loadSde()`). */
  readonly sde: SeedReferenceData;
  /** Contracts per batch; default 2,000. */
  readonly batchSize?: number;
}

/** One batch of rows keyed by database column name, contracts before their items. */
export interface CorpusBatch {
  readonly contracts: BulkRow[];
  readonly items: BulkRow[];
}

/** Every stored contracts column but the generated ones (reward_per_volume, reward_per_jump, segment). */
export const CONTRACT_COLUMNS = [
  'contract_id', 'type', 'title', 'for_corporation', 'issuer_id', 'issuer_corporation_id', 'start_location_id',
  'end_location_id', 'date_issued', 'date_expired', 'price', 'collateral', 'reward', 'volume', 'buyout',
  'days_to_complete', 'region_id', 'first_seen_at', 'last_seen_at', 'closed_at', 'close_reason',
  'start_location_system_id', 'end_location_system_id', 'issuer_name', 'issuer_corporation_name',
  'start_location_name', 'end_location_name', 'items_status', 'items_http_status', 'items_attempts',
  'items_next_attempt_at', 'items_fetched_at', 'enrichment_status', 'enrichment_version', 'enrichment_attempts',
  'enrichment_next_attempt_at', 'is_ship_contract', 'is_blueprint_copy_contract', 'primary_label',
  'primary_label_sort', 'composition', 'blueprint_summary', 'search_text', 'route_jumps', 'route_jumps_highsec',
  'route_version',
] as const;

export const ITEM_COLUMNS = [
  'contract_id', 'record_id', 'type_id', 'quantity', 'is_included', 'is_blueprint_copy', 'item_id', 'runs',
  'material_efficiency', 'time_efficiency', 'type_name', 'group_id', 'category_id', 'market_group_id', 'category',
] as const;

export const DEFAULT_CORPUS_BATCH_SIZE = 2_000;
/** Every 10,000th contract (from the 778th) carries 200–400 item rows, like the largest real ones. */
export const LARGE_CONTRACT_PERIOD = 10_000;
const LARGE_CONTRACT_OFFSET = 777;

const CONTRACT_STREAM = 2;
const FIRST_CONTRACT_ID = 200_000_000;
const FIRST_RECORD_ID = 4_000_000_000;
const ITEM_ID_MIN = 1_020_000_000_000;
const STRUCTURE_START_SHARE = 0.05;
const COURIER_WITHOUT_START_SHARE = 0.08;
const FOR_CORPORATION_SHARE = 0.02;
const CONTRACT_TYPES: readonly (readonly [string, number])[] = [
  ['item_exchange', 0.98],
  ['auction', 0.015],
  ['courier', 0.0045],
  ['loan', 0.0005],
];
const EXCHANGE_THEMES: readonly (readonly [Theme, number])[] = [
  ['want_to_buy', 0.012],
  ['ship', 0.05],
  ['bpc', 0.42],
  ['bpo', 0.04],
  ['generic', 0.478],
];
const AUCTION_THEMES: readonly (readonly [Theme, number])[] = [
  ['ship', 0.3],
  ['bpo', 0.2],
  ['bpc', 0.25],
  ['generic', 0.25],
];

interface Location {
  readonly id: number;
  readonly systemId: number | null;
  readonly name: string | null;
}

interface Counters {
  contractId: number;
  recordId: number;
}

/** Generates `options.contracts` contracts (ids ascending) in batches of contracts and their items. */
export function* generateCorpus(options: CorpusOptions): Generator<CorpusBatch, void, undefined> {
  const { contracts: total, seed, now } = options;
  const batchSize = options.batchSize ?? DEFAULT_CORPUS_BATCH_SIZE;
  if (!Number.isSafeInteger(total) || total < 0) throw new RangeError(`contracts must be a non-negative integer (got ${total})`);
  if (!Number.isSafeInteger(seed)) throw new RangeError(`seed must be an integer (got ${seed})`);
  if (Number.isNaN(now.getTime())) throw new RangeError('now must be a valid date');
  if (!Number.isSafeInteger(batchSize) || batchSize < 1) throw new RangeError(`batchSize must be a positive integer (got ${batchSize})`);

  const universe = buildUniverse(options.sde, seed, now);
  const random = new Random(seed, CONTRACT_STREAM);
  const regionWeights = universe.regions.map((region) => [region, region.weight] as const);
  const counters: Counters = {
    contractId: FIRST_CONTRACT_ID + random.int(0, 999),
    recordId: FIRST_RECORD_ID + random.int(0, 9_999_999),
  };
  let batch: CorpusBatch = { contracts: [], items: [] };
  for (let index = 0; index < total; index++) {
    counters.contractId += random.chance(0.5) ? 1 : 1 + Math.floor(-Math.log(1 - random.next()) * 8);
    const region = random.weighted(regionWeights);
    // Position in the id sequence → age: contract ids grow with date_issued, as ESI's do.
    const quantile = 1 - (index + random.next()) / total;
    generateContract(batch, { index, region, quantile, now: now.getTime() }, universe, random, counters);
    if (batch.contracts.length >= batchSize) {
      yield batch;
      batch = { contracts: [], items: [] };
    }
  }
  if (batch.contracts.length > 0) yield batch;
}

interface ContractSlot {
  readonly index: number;
  readonly region: RegionPlan;
  readonly quantile: number;
  readonly now: number;
}

function generateContract(batch: CorpusBatch, slot: ContractSlot, universe: Universe, random: Random, counters: Counters): void {
  const { region } = slot;
  const contractId = counters.contractId;
  const large = slot.index % LARGE_CONTRACT_PERIOD === LARGE_CONTRACT_OFFSET;
  const type = large ? 'item_exchange' : random.weighted(CONTRACT_TYPES);
  const issuer = universe.issuers[random.skewedIndex(universe.issuers.length, 2.5)]!;
  const timeline = contractTimeline(region, slot.quantile, slot.now, random);
  const itemBearing = type === 'item_exchange' || type === 'auction';

  let theme: Theme | null = null;
  let drafts: ItemDraft[] = [];
  if (itemBearing) {
    theme = large ? (random.chance(0.5) ? 'bpc' : 'generic') : random.weighted(type === 'auction' ? AUCTION_THEMES : EXCHANGE_THEMES);
    drafts = draftItems(theme, large ? random.int(200, 400) : itemCount(random), universe, random);
  }

  const start = type === 'courier' && random.chance(COURIER_WITHOUT_START_SHARE) ? null : startLocation(region, random);
  const end = type === 'courier' ? courierDestination(region, universe, random, start) : start;
  const money = contractMoney(type, theme, drafts, random);
  const title = contractTitle(theme ?? (type === 'courier' ? 'courier' : 'loan'), drafts, routeNames(start, end, universe), random);

  const items = drafts.map((draft) => {
    const categoryId = universe.groupCategory.get(draft.type.group_id) ?? draft.type.category_id;
    return { draft, recordId: counters.recordId++, categoryId };
  });
  counters.recordId += random.int(1, 400);
  let itemId = ITEM_ID_MIN + Math.floor(random.next() * 25_000_000_000);
  for (const { draft, recordId, categoryId } of items) {
    const offered = draft.isIncluded;
    if (offered) itemId += random.int(1, 60);
    batch.items.push({
      contract_id: contractId,
      record_id: recordId,
      type_id: draft.type.type_id,
      quantity: draft.quantity,
      is_included: offered,
      is_blueprint_copy: draft.blueprint === 'copy' ? true : null,
      item_id: offered ? itemId : null,
      runs: draft.runs,
      material_efficiency: draft.materialEfficiency,
      time_efficiency: draft.timeEfficiency,
      type_name: draft.type.name,
      group_id: draft.type.group_id,
      category_id: categoryId,
      market_group_id: draft.type.market_group_id,
      category: categoryId === SHIP_CATEGORY_ID ? 'ship' : null,
    });
  }

  const derivationItems: DerivationItem[] = items.map(({ draft, recordId, categoryId }) => ({
    recordId,
    isIncluded: draft.isIncluded,
    isBlueprintCopy: draft.blueprint === 'copy' ? true : null,
    typeName: draft.type.name,
    categoryId,
    runs: draft.runs,
    materialEfficiency: draft.materialEfficiency,
    timeEfficiency: draft.timeEfficiency,
  }));
  const derived = deriveContractFields(
    { contractId, type, title, endLocationName: end?.name ?? null },
    itemBearing ? derivationItems : null,
    money.volume,
    universe.categoryNames,
  );
  const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
  batch.contracts.push({
    contract_id: contractId,
    type,
    title,
    for_corporation: random.chance(FOR_CORPORATION_SHARE),
    issuer_id: issuer.characterId,
    issuer_corporation_id: issuer.corporationId,
    start_location_id: start?.id ?? null,
    end_location_id: end?.id ?? null,
    date_issued: iso(timeline.issued),
    date_expired: iso(timeline.expired),
    price: money.price,
    collateral: money.collateral,
    reward: money.reward,
    volume: money.volume,
    buyout: money.buyout,
    days_to_complete: money.daysToComplete,
    region_id: region.regionId,
    first_seen_at: iso(timeline.firstSeen),
    last_seen_at: iso(timeline.lastSeen),
    closed_at: iso(timeline.closedAt),
    close_reason: timeline.closeReason,
    start_location_system_id: start?.systemId ?? null,
    end_location_system_id: end?.systemId ?? null,
    ...routeColumns(start?.systemId ?? null, end?.systemId ?? null),
    issuer_name: issuer.characterName,
    issuer_corporation_name: issuer.corporationName,
    start_location_name: start?.name ?? null,
    end_location_name: end?.name ?? null,
    items_status: itemBearing ? 'fetched' : 'not_applicable',
    items_http_status: itemBearing ? 200 : null,
    items_attempts: itemBearing ? 1 : 0,
    items_next_attempt_at: null,
    items_fetched_at: itemBearing ? iso(Math.min(timeline.firstSeen + random.int(5, 900) * SECOND, slot.now)) : null,
    enrichment_status: 'complete',
    enrichment_version: ENRICHMENT_VERSION,
    enrichment_attempts: 0,
    enrichment_next_attempt_at: null,
    is_ship_contract: nextShipFlag(false, derivationItems, true),
    ...derivedColumns(derived),
  });
}

/** What the sync's route step stores once the systems are known (the test fixtures use it too). */
export function routeColumns(startSystemId: number | null, endSystemId: number | null) {
  const route = routeFigures(startSystemId, endSystemId);
  return { route_jumps: route.routeJumps, route_jumps_highsec: route.routeJumpsHighsec, route_version: ROUTE_VERSION };
}

function stationLocation(station: SeedStation): Location {
  return { id: station.station_id, systemId: station.system_id, name: station.name };
}

function structureLocation(region: RegionPlan, random: Random): Location {
  // Player structures: no tokenless name or system route, so both stay unknown (docs/sync.md §5.5).
  return { id: random.pick(region.structures), systemId: null, name: null };
}

function startLocation(region: RegionPlan, random: Random): Location {
  if (random.chance(STRUCTURE_START_SHARE)) return structureLocation(region, random);
  return stationLocation(random.chance(region.hubShare) ? region.hub : random.pick(region.stations));
}

/**
 * Where a courier goes: mostly a station of its own region (the hub often), some to another region's
 * hub or station, some to a low-sec station (no high-sec route) and a few to player structures;
 * never the station it starts at.
 */
function courierDestination(region: RegionPlan, universe: Universe, random: Random, start: Location | null): Location {
  const roll = random.next();
  if (roll < 0.05) return structureLocation(region, random);
  if (roll < 0.15) {
    const lowSec = region.stations.filter((station) => !starMap().isHighSec(station.system_id) && station.station_id !== start?.id);
    if (lowSec.length > 0) return stationLocation(random.pick(lowSec));
  }
  if (roll < 0.3 && universe.regions.length > 1) {
    const others = universe.regions.filter((other) => other !== region).map((other) => [other, other.weight] as const);
    const target = random.weighted(others);
    return stationLocation(random.chance(0.6) ? target.hub : random.pick(target.stations));
  }
  const local = region.stations.filter((station) => station.station_id !== start?.id);
  if (local.length === 0) return structureLocation(region, random);
  const hub = region.hub.station_id !== start?.id ? region.hub : null;
  return stationLocation(hub !== null && random.chance(0.4) ? hub : random.pick(local));
}

function routeNames(start: Location | null, end: Location | null, universe: Universe) {
  const system = (location: Location | null) =>
    location?.systemId == null ? null : (universe.systemNames.get(location.systemId) ?? null);
  return { from: system(start), to: system(end) };
}

