import { sql } from 'drizzle-orm';
import type { Executor } from '../../src/db/client.js';
import { bulkWrite } from '../../src/db/bulk.js';
import { deriveContractFields, nextShipFlag } from '../../src/domain/derived-fields.js';
import { ENRICHMENT_VERSION } from '../../src/domain/enrichment.js';
import { ITEM_COLUMNS, routeColumns } from '../../src/seed/corpus.js';

// Real EVE ids (the test cases' conventions): type → name, group, category, market group.
export const TYPES = {
  587: { name: 'Rifter', groupId: 25, marketGroupId: 64 },
  32880: { name: 'Venture', groupId: 25, marketGroupId: 1616 },
  621: { name: 'Caracal', groupId: 26, marketGroupId: 75 },
  24688: { name: 'Rokh', groupId: 27, marketGroupId: 80 },
  439: { name: '1MN Afterburner I', groupId: 46, marketGroupId: 542 },
  2048: { name: 'Damage Control II', groupId: 60, marketGroupId: 615 },
  447: { name: 'Warp Scrambler I', groupId: 52, marketGroupId: 1936 },
  34: { name: 'Tritanium', groupId: 18, marketGroupId: 1857 },
  687: { name: 'Caracal Blueprint', groupId: 106, marketGroupId: 275 },
  40520: { name: 'Large Skill Injector', groupId: 1739, marketGroupId: 2358 },
} as const satisfies Record<number, { name: string; groupId: number; marketGroupId: number | null }>;

export const GROUPS: Record<number, { name: string; categoryId: number }> = {
  25: { name: 'Frigate', categoryId: 6 },
  26: { name: 'Cruiser', categoryId: 6 },
  27: { name: 'Battleship', categoryId: 6 },
  46: { name: 'Propulsion Module', categoryId: 7 },
  60: { name: 'Damage Control', categoryId: 7 },
  52: { name: 'Warp Scrambler', categoryId: 7 },
  18: { name: 'Mineral', categoryId: 4 },
  106: { name: 'Cruiser Blueprint', categoryId: 9 },
  1739: { name: 'Skill Injectors', categoryId: 5 },
};

export const CATEGORIES: Record<number, string> = { 4: 'Material', 5: 'Accessories', 6: 'Ship', 7: 'Module', 9: 'Blueprint' };

export const STATIONS: Record<number, { name: string; systemId: number }> = {
  60003760: { name: 'Jita IV - Moon 4 - Caldari Navy Assembly Plant', systemId: 30000142 },
  60008494: { name: 'Amarr VIII (Oris) - Emperor Family Academy', systemId: 30002187 },
  60011866: { name: 'Dodixie IX - Moon 20 - Federation Navy Assembly Plant', systemId: 30002659 },
  60004579: { name: 'Aedald VII - Moon 5 - Vherokior Tribe Bureau', systemId: 30002393 },
};

export const JITA = 60003760;
export const AMARR = 60008494;
export const DODIXIE = 60011866;
/** A low-sec station (Aedald, 0.25): no high-sec route reaches it. */
export const AEDALD_LOWSEC = 60004579;
export const STRUCTURE = 1035466617946;
export const THE_FORGE = 10000002;
export const DOMAIN = 10000043;

export type KnownTypeId = keyof typeof TYPES;

export interface ItemSpec {
  typeId: number;
  recordId?: number;
  quantity?: number;
  isIncluded?: boolean;
  isBlueprintCopy?: boolean | null;
  runs?: number | null;
  me?: number | null;
  te?: number | null;
  /** Overrides of the enrichment looked up from TYPES/GROUPS (null = unresolved). */
  typeName?: string | null;
  groupId?: number | null;
  categoryId?: number | null;
}

export interface ContractSpec {
  contractId: number;
  type?: string;
  title?: string | null;
  price?: number | null;
  collateral?: number;
  reward?: number | null;
  volume?: number | null;
  buyout?: number | null;
  daysToComplete?: number | null;
  forCorporation?: boolean;
  regionId?: number;
  /** A station in STATIONS resolves its system and name; anything else stays unresolved. */
  startLocationId?: number | null;
  endLocationId?: number | null;
  startLocationSystemId?: number | null;
  issuerName?: string | null;
  dateIssued?: Date;
  dateExpired?: Date;
  lastSeenAt?: Date;
  closedAt?: Date | null;
  closeReason?: string | null;
  /** null = items not fetched yet (pending); the default for item-bearing types is []. */
  items?: ItemSpec[] | null;
  itemsStatus?: string;
  enrichmentStatus?: string;
  enrichmentVersion?: number;
  /** Overrides the derived primary label (sorting tests). */
  primaryLabel?: string;
  /** Auctions: the known bids (the sync's contract_bids rows); absent = never fetched. */
  bids?: { bidId: number; amount: number; dateBid: Date }[];
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

function enrich(item: ItemSpec) {
  const known = (TYPES as Record<number, { name: string; groupId: number; marketGroupId: number | null }>)[item.typeId];
  const typeName = item.typeName !== undefined ? item.typeName : (known?.name ?? null);
  const groupId = item.groupId !== undefined ? item.groupId : (known?.groupId ?? null);
  const categoryId = item.categoryId !== undefined ? item.categoryId : groupId !== null ? (GROUPS[groupId]?.categoryId ?? null) : null;
  return { typeName, groupId, categoryId, marketGroupId: known?.marketGroupId ?? null };
}

/** Rows for `specs`, with the test cases' defaults: open, The Forge, issued now−1d, expiring now+7d. */
export function contractRows(specs: readonly ContractSpec[], now: Date) {
  const contracts: Record<string, unknown>[] = [];
  const items: Record<string, unknown>[] = [];
  const bids: Record<string, unknown>[] = [];
  const categoryNames = new Map(Object.entries(CATEGORIES).map(([id, name]) => [Number(id), name]));
  for (const spec of specs) {
    const type = spec.type ?? 'item_exchange';
    const itemBearing = type === 'item_exchange' || type === 'auction';
    const specItems = spec.items === undefined ? (itemBearing ? [] : null) : spec.items;
    const start = spec.startLocationId === undefined ? JITA : spec.startLocationId;
    const end = spec.endLocationId ?? null;
    const startStation = start !== null ? STATIONS[start] : undefined;
    const endStation = end !== null ? STATIONS[end] : undefined;
    const enriched = (specItems ?? []).map((item, index) => ({ spec: item, recordId: item.recordId ?? 4_000_000_001 + index, ...enrich(item) }));
    const derivationItems = enriched.map((item) => ({
      recordId: item.recordId,
      isIncluded: item.spec.isIncluded ?? true,
      isBlueprintCopy: item.spec.isBlueprintCopy ?? null,
      typeName: item.typeName,
      categoryId: item.categoryId,
      runs: item.spec.runs ?? null,
      materialEfficiency: item.spec.me ?? null,
      timeEfficiency: item.spec.te ?? null,
    }));
    const derived = deriveContractFields(
      { contractId: spec.contractId, type, title: spec.title === undefined ? '' : spec.title, endLocationName: endStation?.name ?? null },
      specItems === null ? null : derivationItems,
      spec.volume ?? null,
      categoryNames,
    );
    const complete = enriched.every((item) => item.typeName !== null && item.categoryId !== null);
    const primaryLabel = spec.primaryLabel ?? derived.primaryLabel;
    contracts.push({
      contract_id: spec.contractId,
      type,
      title: spec.title === undefined ? '' : spec.title,
      for_corporation: spec.forCorporation ?? false,
      issuer_id: 90_000_001,
      issuer_corporation_id: 98_000_001,
      start_location_id: start,
      end_location_id: end,
      date_issued: (spec.dateIssued ?? new Date(now.getTime() - DAY)).toISOString(),
      date_expired: (spec.dateExpired ?? new Date(now.getTime() + 7 * DAY)).toISOString(),
      price: spec.price === undefined ? 1_000_000 : spec.price,
      collateral: spec.collateral ?? 0,
      reward: spec.reward ?? null,
      volume: spec.volume ?? null,
      buyout: spec.buyout ?? null,
      days_to_complete: spec.daysToComplete ?? null,
      region_id: spec.regionId ?? THE_FORGE,
      first_seen_at: (spec.lastSeenAt ?? new Date(now.getTime() - HOUR)).toISOString(),
      last_seen_at: (spec.lastSeenAt ?? new Date(now.getTime() - HOUR)).toISOString(),
      closed_at: spec.closedAt ? spec.closedAt.toISOString() : null,
      close_reason: spec.closeReason ?? (spec.closedAt ? 'gone_early' : null),
      start_location_system_id: spec.startLocationSystemId !== undefined ? spec.startLocationSystemId : (startStation?.systemId ?? null),
      end_location_system_id: endStation?.systemId ?? null,
      // What the sync's route step stores once both systems are known.
      ...routeColumns(
        spec.startLocationSystemId !== undefined ? spec.startLocationSystemId : (startStation?.systemId ?? null),
        endStation?.systemId ?? null,
      ),
      issuer_name: spec.issuerName ?? 'Pilot A',
      issuer_corporation_name: 'Corp A',
      start_location_name: startStation?.name ?? null,
      end_location_name: endStation?.name ?? null,
      items_status: spec.itemsStatus ?? (specItems === null ? (itemBearing ? 'pending' : 'not_applicable') : 'fetched'),
      items_http_status: specItems === null ? null : 200,
      enrichment_status: spec.enrichmentStatus ?? (specItems === null ? 'pending' : complete ? 'complete' : 'incomplete'),
      enrichment_version: spec.enrichmentVersion ?? (specItems === null ? 0 : ENRICHMENT_VERSION),
      is_ship_contract: nextShipFlag(false, derivationItems, complete),
      is_blueprint_copy_contract: derived.isBlueprintCopyContract,
      primary_label: primaryLabel,
      primary_label_sort: primaryLabel.toLowerCase(),
      composition: derived.composition,
      blueprint_summary: derived.blueprintSummary,
      search_text: derived.searchText,
      // What the sync's bids step stores (docs/sync.md): the highest bid and the count, once fetched.
      current_bid: spec.bids && spec.bids.length > 0 ? Math.max(...spec.bids.map((bid) => bid.amount)) : null,
      bid_count: spec.bids ? spec.bids.length : null,
      bids_checked_at: spec.bids ? new Date(now.getTime() - HOUR).toISOString() : null,
    });
    for (const bid of spec.bids ?? []) {
      bids.push({ contract_id: spec.contractId, bid_id: bid.bidId, amount: bid.amount, date_bid: bid.dateBid.toISOString() });
    }
    for (const item of enriched) {
      items.push({
        contract_id: spec.contractId,
        record_id: item.recordId,
        type_id: item.spec.typeId,
        quantity: item.spec.quantity ?? 1,
        is_included: item.spec.isIncluded ?? true,
        is_blueprint_copy: item.spec.isBlueprintCopy ?? null,
        item_id: (item.spec.isIncluded ?? true) ? 1_030_000_000_000 + item.recordId : null,
        runs: item.spec.runs ?? null,
        material_efficiency: item.spec.me ?? null,
        time_efficiency: item.spec.te ?? null,
        type_name: item.typeName,
        group_id: item.groupId,
        category_id: item.categoryId,
        market_group_id: item.typeName === null ? null : item.marketGroupId,
        category: item.categoryId === 6 ? 'ship' : null,
      });
    }
  }
  return { contracts, items, bids };
}

// Not the seed corpus's CONTRACT_COLUMNS: the items/enrichment attempt and timestamp columns keep their defaults.
const CONTRACT_COLUMNS = [
  'contract_id', 'type', 'title', 'for_corporation', 'issuer_id', 'issuer_corporation_id', 'start_location_id',
  'end_location_id', 'date_issued', 'date_expired', 'price', 'collateral', 'reward', 'volume', 'buyout',
  'days_to_complete', 'region_id', 'first_seen_at', 'last_seen_at', 'closed_at', 'close_reason',
  'start_location_system_id', 'end_location_system_id', 'issuer_name', 'issuer_corporation_name',
  'start_location_name', 'end_location_name', 'items_status', 'items_http_status', 'enrichment_status',
  'enrichment_version', 'is_ship_contract', 'is_blueprint_copy_contract', 'primary_label', 'primary_label_sort',
  'composition', 'blueprint_summary', 'search_text', 'route_jumps', 'route_jumps_highsec', 'route_version',
  'current_bid', 'bid_count', 'bids_checked_at',
];

/** Inserts the contracts (and their items) and bumps the data generation, as a sync commit would. */
export async function insertContracts(db: Executor, specs: readonly ContractSpec[], now: Date): Promise<void> {
  const { contracts, items, bids } = contractRows(specs, now);
  await bulkWrite(db, contracts, { table: 'contracts', columns: CONTRACT_COLUMNS });
  await bulkWrite(db, items, { table: 'contract_items', columns: ITEM_COLUMNS });
  await bulkWrite(db, bids, { table: 'contract_bids', columns: ['contract_id', 'bid_id', 'amount', 'date_bid'] });
  await bumpGeneration(db);
}

/** The taxonomy reference rows (esi_categories, esi_groups) of the known fixture types. */
export async function insertTaxonomy(
  db: Executor,
  options: { categories?: Record<number, string>; groups?: Record<number, { name: string; categoryId: number | null }> } = {},
): Promise<void> {
  const fetchedAt = new Date().toISOString();
  const categories = Object.entries(options.categories ?? CATEGORIES).map(([id, name]) => ({ category_id: Number(id), name, fetched_at: fetchedAt }));
  const groups = Object.entries(options.groups ?? GROUPS).map(([id, group]) => ({
    group_id: Number(id),
    name: group.name,
    category_id: group.categoryId,
    fetched_at: fetchedAt,
  }));
  await bulkWrite(db, categories, { table: 'esi_categories', columns: ['category_id', 'name', 'fetched_at'], conflictTarget: ['category_id'], updateColumns: ['name'] });
  await bulkWrite(db, groups, { table: 'esi_groups', columns: ['group_id', 'name', 'category_id', 'fetched_at'], conflictTarget: ['group_id'], updateColumns: ['name', 'category_id'] });
  await bumpGeneration(db);
}

export async function bumpGeneration(db: Executor): Promise<number> {
  const rows = await db.execute<{ generation: string }>(
    sql`UPDATE sync_state SET generation = generation + 1, generation_changed_at = now() WHERE id = 1 RETURNING generation`,
  );
  return Number(rows[0]!.generation);
}

export async function clearContracts(db: Executor): Promise<void> {
  await db.execute(sql`DELETE FROM contracts`);
  await bumpGeneration(db);
}

/** Replaces every stored contract with `specs`: clearContracts, then insertContracts. */
export async function replaceContracts(db: Executor, specs: readonly ContractSpec[], now: Date): Promise<void> {
  await clearContracts(db);
  await insertContracts(db, specs, now);
}

export const days = (n: number) => n * DAY;
export const hours = (n: number) => n * HOUR;
