/**
 * The read model's data: every open contract in a slot (columns, bitsets, facet postings, sort
 * orders, search index and its rendered list row), and for every stored contract (open or closed)
 * what coverage and detail lookups need. Changed only by `apply`, which is synchronous: a request
 * evaluated on the event loop never sees half of a change.
 */
import { formatTimestampMicros, timestampMicros } from '../domain/contract-wire.js';
import { listRowJson } from '../domain/list-body.js';
import { assignBit, clearBit, createBits, grownBits, setBit, type Bits } from './bitset.js';
import { ContractColumns, SORT_COLUMN, type NumericColumn } from './columns.js';
import type { ItemFacets, LoadedContract, OpenContract } from './loaded-contract.js';
import { Postings } from './postings.js';
import { SearchIndex } from './search-index.js';
import { comboOf, SlotSpace } from './slot-space.js';
import { SortOrders } from './sort-orders.js';

export interface TaxonomyTables {
  /** category_id → name (null while unresolved). */
  readonly categories: ReadonlyMap<number, string | null>;
  /** group_id → its category and name. */
  readonly groups: ReadonlyMap<number, { readonly categoryId: number | null; readonly name: string | null }>;
}

export interface StoreChanges {
  /** Contracts as they now are (open or closed). */
  readonly upserts: readonly LoadedContract[];
  /** Contracts no longer stored at all. */
  readonly deletedIds: readonly number[];
  /** The taxonomy tables, read in the same snapshot. */
  readonly taxonomy: TaxonomyTables;
}

interface StoredEntry {
  regionId: number;
  lastSeenMicros: number;
  /** The store version at which this contract last changed. */
  stamp: number;
}

interface Held {
  facets: ItemFacets;
  parts: number[];
}

const SAFE_NULL = Number.NaN;
const idOrNaN = (text: string | null): number => (text === null ? SAFE_NULL : Number(text));

export class ContractStore {
  readonly space: SlotSpace;
  readonly columns: ContractColumns;
  readonly orders: SortOrders;
  /** Slots holding an open contract. */
  present: Bits;
  bpc: Bits;
  systemUnknown: Bits;
  /** Open contracts whose items ESI will never give (items_status 'unavailable'). */
  itemsUnavailable: Bits;
  enrichmentComplete: Bits;
  readonly regions = new Postings();
  readonly systems = new Postings();
  readonly stations = new Postings();
  readonly types = new Postings();
  readonly groups = new Postings();
  readonly categories = new Postings();
  readonly runs = new Postings();
  readonly materialEfficiency = new Postings();
  readonly timeEfficiency = new Postings();
  readonly allCategories = new Postings();
  readonly search = new SearchIndex();
  /** The rendered list row (api.md §7) of each slot. */
  rows: (string | undefined)[] = [];
  taxonomy: TaxonomyTables = { categories: new Map(), groups: new Map() };
  /** Bumped by every apply that changed anything; query caches are keyed by it. */
  version = 0;
  private held: (Held | undefined)[] = [];
  private readonly slotOf = new Map<number, number>();
  private readonly stored = new Map<number, StoredEntry>();
  private readonly storedPerRegion = new Map<number, number>();
  private asOfMicros: number | null = null;
  private asOfStale = false;
  private marker: Uint8Array;

  constructor(expectedContracts = 0) {
    this.space = new SlotSpace(Math.ceil(expectedContracts * 1.25));
    const capacity = this.space.capacity;
    this.columns = new ContractColumns(capacity);
    this.orders = new SortOrders(this.columns, capacity);
    this.present = createBits(capacity);
    this.bpc = createBits(capacity);
    this.systemUnknown = createBits(capacity);
    this.itemsUnavailable = createBits(capacity);
    this.enrichmentComplete = createBits(capacity);
    this.marker = new Uint8Array(capacity);
    this.space.onGrow((grown) => this.grow(grown));
  }

  get openCount(): number {
    return this.slotOf.size;
  }

  get storedCount(): number {
    return this.stored.size;
  }

  /**
   * Brings the store to the state `changes` describe. `deferOrdering` leaves the sort orders to a
   * later `flushOrdering()`, for a store being filled in batches before it serves.
   */
  apply(changes: StoreChanges, options: { deferOrdering?: boolean } = {}): void {
    const taxonomyChanged = !sameTaxonomy(this.taxonomy, changes.taxonomy);
    if (changes.upserts.length === 0 && changes.deletedIds.length === 0 && !taxonomyChanged) return;
    this.version += 1;
    this.taxonomy = changes.taxonomy;
    for (const contractId of changes.deletedIds) {
      this.removeOpen(contractId);
      this.forget(contractId);
    }
    for (const contract of changes.upserts) {
      this.remember(contract);
      if (contract.open === null) this.removeOpen(contract.contractId);
      else this.upsertOpen(contract.contractId, contract.regionId, contract.open);
    }
    if (!options.deferOrdering) this.flushOrdering();
    const renumber = this.search.compactIfWasteful();
    if (renumber) {
      for (const held of this.held) if (held) held.parts = held.parts.map((id) => renumber[id]!).filter((id) => id >= 0);
    }
  }

  flushOrdering(): void {
    for (const order of this.orders.all()) order.flush(this.marker);
  }

  /** The version at which a stored contract last changed, or undefined when it is not stored. */
  stampOf(contractId: number): number | undefined {
    return this.stored.get(contractId)?.stamp;
  }

  /** api.md §6.7: regions holding any stored contract, and the newest sighting. */
  coverage(): { ingestedRegionIds: number[]; asOf: string | null } {
    if (this.asOfStale) {
      this.asOfMicros = null;
      for (const entry of this.stored.values()) {
        if (this.asOfMicros === null || entry.lastSeenMicros > this.asOfMicros) this.asOfMicros = entry.lastSeenMicros;
      }
      this.asOfStale = false;
    }
    return {
      ingestedRegionIds: [...this.storedPerRegion.keys()].sort((a, b) => a - b),
      asOf: this.asOfMicros === null ? null : formatTimestampMicros(this.asOfMicros),
    };
  }

  private remember(contract: LoadedContract): void {
    const previous = this.stored.get(contract.contractId);
    if (previous) {
      if (previous.regionId !== contract.regionId) {
        this.countRegion(previous.regionId, -1);
        this.countRegion(contract.regionId, 1);
      }
      if (previous.lastSeenMicros === this.asOfMicros && contract.lastSeenMicros < previous.lastSeenMicros) this.asOfStale = true;
      previous.regionId = contract.regionId;
      previous.lastSeenMicros = contract.lastSeenMicros;
      previous.stamp = this.version;
    } else {
      this.stored.set(contract.contractId, { regionId: contract.regionId, lastSeenMicros: contract.lastSeenMicros, stamp: this.version });
      this.countRegion(contract.regionId, 1);
    }
    if (!this.asOfStale && (this.asOfMicros === null || contract.lastSeenMicros > this.asOfMicros)) this.asOfMicros = contract.lastSeenMicros;
  }

  private forget(contractId: number): void {
    const entry = this.stored.get(contractId);
    if (!entry) return;
    this.stored.delete(contractId);
    this.countRegion(entry.regionId, -1);
    if (entry.lastSeenMicros === this.asOfMicros) this.asOfStale = true;
  }

  private countRegion(regionId: number, delta: number): void {
    const count = (this.storedPerRegion.get(regionId) ?? 0) + delta;
    if (count > 0) this.storedPerRegion.set(regionId, count);
    else this.storedPerRegion.delete(regionId);
  }

  private upsertOpen(contractId: number, regionId: number, open: OpenContract): void {
    const combo = comboOf(open.segment, open.wire.is_ship_contract);
    let slot = this.slotOf.get(contractId);
    if (slot !== undefined && this.space.comboOfSlot(slot) !== combo) {
      this.removeOpen(contractId);
      slot = undefined;
    }
    const fresh = slot === undefined;
    if (slot === undefined) {
      slot = this.space.allocate(combo);
      this.slotOf.set(contractId, slot);
      setBit(this.present, slot);
    } else {
      this.unindex(slot);
    }
    const sortKeysBefore = fresh ? null : this.sortKeys(slot);
    this.writeColumns(slot, contractId, regionId, open);
    this.index(slot, regionId, open);
    this.rows[slot] = listRowJson(open.wire);
    const sortKeysAfter = this.sortKeys(slot);
    for (const order of this.orders.all()) {
      const column = SORT_COLUMN[order.field];
      if (sortKeysBefore === null || !Object.is(sortKeysBefore[column], sortKeysAfter[column])) order.place(slot);
    }
  }

  private removeOpen(contractId: number): void {
    const slot = this.slotOf.get(contractId);
    if (slot === undefined) return;
    this.unindex(slot);
    for (const bits of [this.present, this.bpc, this.systemUnknown, this.itemsUnavailable, this.enrichmentComplete]) clearBit(bits, slot);
    for (const order of this.orders.all()) order.remove(slot);
    this.rows[slot] = undefined;
    this.held[slot] = undefined;
    this.slotOf.delete(contractId);
    this.space.release(slot);
  }

  private sortKeys(slot: number): Record<NumericColumn | 'labelSort', number | string> {
    const keys = {} as Record<NumericColumn | 'labelSort', number | string>;
    for (const column of Object.values(SORT_COLUMN)) {
      keys[column] = column === 'labelSort' ? this.columns.labelSort[slot]! : this.columns.numeric[column][slot]!;
    }
    return keys;
  }

  private writeColumns(slot: number, contractId: number, regionId: number, open: OpenContract): void {
    const { numeric } = this.columns;
    const { wire } = open;
    numeric.contractId[slot] = contractId;
    numeric.regionId[slot] = regionId;
    numeric.systemId[slot] = idOrNaN(wire.start_location_system_id);
    numeric.stationId[slot] = idOrNaN(wire.start_location_id);
    numeric.dateIssued[slot] = timestampMicros(wire.date_issued);
    numeric.dateExpired[slot] = timestampMicros(wire.date_expired);
    numeric.price[slot] = wire.price ?? SAFE_NULL;
    numeric.collateral[slot] = wire.collateral;
    numeric.volume[slot] = wire.volume ?? SAFE_NULL;
    numeric.rewardPerVolume[slot] = wire.reward_per_volume ?? SAFE_NULL;
    numeric.daysToComplete[slot] = wire.days_to_complete ?? SAFE_NULL;
    numeric.buyout[slot] = wire.buyout ?? SAFE_NULL;
    this.columns.labelSort[slot] = open.labelSort;
    assignBit(this.bpc, slot, wire.is_blueprint_copy_contract);
    assignBit(this.systemUnknown, slot, wire.start_location_system_id === null);
    assignBit(this.itemsUnavailable, slot, open.itemsUnavailable);
    assignBit(this.enrichmentComplete, slot, open.enrichmentComplete);
  }

  private index(slot: number, regionId: number, open: OpenContract): void {
    const { numeric } = this.columns;
    const { facets } = open;
    this.regions.add(regionId, slot);
    if (!Number.isNaN(numeric.systemId[slot]!)) this.systems.add(numeric.systemId[slot]!, slot);
    if (!Number.isNaN(numeric.stationId[slot]!)) this.stations.add(numeric.stationId[slot]!, slot);
    for (const value of facets.typeIds) this.types.add(value, slot);
    for (const value of facets.groupIds) this.groups.add(value, slot);
    for (const value of facets.categoryIds) this.categories.add(value, slot);
    for (const value of facets.runs) this.runs.add(value, slot);
    for (const value of facets.materialEfficiency) this.materialEfficiency.add(value, slot);
    for (const value of facets.timeEfficiency) this.timeEfficiency.add(value, slot);
    for (const value of facets.allCategoryIds) this.allCategories.add(value, slot);
    this.held[slot] = { facets, parts: this.search.add(slot, open.searchText) };
  }

  private unindex(slot: number): void {
    const held = this.held[slot];
    if (!held) return;
    const { numeric } = this.columns;
    const { facets } = held;
    this.regions.remove(numeric.regionId[slot]!, slot);
    this.systems.remove(numeric.systemId[slot]!, slot);
    this.stations.remove(numeric.stationId[slot]!, slot);
    for (const value of facets.typeIds) this.types.remove(value, slot);
    for (const value of facets.groupIds) this.groups.remove(value, slot);
    for (const value of facets.categoryIds) this.categories.remove(value, slot);
    for (const value of facets.runs) this.runs.remove(value, slot);
    for (const value of facets.materialEfficiency) this.materialEfficiency.remove(value, slot);
    for (const value of facets.timeEfficiency) this.timeEfficiency.remove(value, slot);
    for (const value of facets.allCategoryIds) this.allCategories.remove(value, slot);
    this.search.remove(slot, held.parts);
    this.held[slot] = undefined;
  }

  private grow(capacity: number): void {
    this.columns.grow(capacity);
    for (const order of this.orders.all()) order.grow(capacity);
    this.present = grownBits(this.present, capacity);
    this.bpc = grownBits(this.bpc, capacity);
    this.systemUnknown = grownBits(this.systemUnknown, capacity);
    this.itemsUnavailable = grownBits(this.itemsUnavailable, capacity);
    this.enrichmentComplete = grownBits(this.enrichmentComplete, capacity);
    const marker = new Uint8Array(capacity);
    marker.set(this.marker);
    this.marker = marker;
  }
}

function sameTaxonomy(a: TaxonomyTables, b: TaxonomyTables): boolean {
  if (a.categories.size !== b.categories.size || a.groups.size !== b.groups.size) return false;
  for (const [id, name] of b.categories) if (a.categories.get(id) !== name || !a.categories.has(id)) return false;
  for (const [id, group] of b.groups) {
    const other = a.groups.get(id);
    if (!other || other.categoryId !== group.categoryId || other.name !== group.name) return false;
  }
  return true;
}
