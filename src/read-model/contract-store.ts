/**
 * The read model's data: every open contract in a slot (columns, bitsets, facet postings, sort
 * orders, search index, its rendered list row and its items), and for every stored contract (open or closed)
 * what coverage and detail lookups need. Changed only by `apply`, which is synchronous: a request
 * evaluated on the event loop never sees half of a change.
 */
import { randomUUID } from 'node:crypto';
import type { ByteWriter } from '../domain/byte-writer.js';
import { timestampMicros } from '../domain/contract-wire.js';
import { listRowJson } from '../domain/list-body.js';
import { assignBit, clearBit, createBits, grownBits, setBit, type Bits } from './bitset.js';
import { ContractColumns, SORT_COLUMN, type NumericColumn } from './columns.js';
import type { LoadedContract, OpenContract } from './loaded-contract.js';
import { Postings } from './postings.js';
import { HeldDetails } from './held-details.js';
import { ItemStore } from './item-store.js';
import { RowStore } from './row-store.js';
import { SlotLists } from './slot-lists.js';
import { SearchIndex } from './search-index.js';
import { CHUNK_SLOTS, COMBOS, comboOf, comboSegment, SlotSpace } from './slot-space.js';
import { SortOrders } from './sort-orders.js';
import { StoredContracts } from './stored-contracts.js';

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


const SAFE_NULL = Number.NaN;
const CLOSE_BRACE = 0x7d;
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
  /** Open contracts with a high-sec-only route (route_jumps_highsec not null). */
  highsecRoute: Bits;
  readonly regions: Postings;
  readonly systems: Postings;
  readonly stations: Postings;
  readonly types: Postings;
  readonly groups: Postings;
  readonly categories: Postings;
  readonly runs: Postings;
  readonly materialEfficiency: Postings;
  readonly timeEfficiency: Postings;
  readonly allCategories: Postings;
  readonly search: SearchIndex;
  private readonly rows: RowStore;
  private readonly items: ItemStore;
  /** Per slot, the ids it is indexed under (facet values and search parts), to un-index it. */
  private readonly indexed: SlotLists;
  /** Details of the contracts it does not render itself (closed ones, auctions), read from the database. */
  readonly held: HeldDetails;
  taxonomy: TaxonomyTables = { categories: new Map(), groups: new Map() };
  /** Bumped by every apply that changed anything; query caches are keyed by it. */
  version = 0;
  private readonly stored = new StoredContracts();
  /** Distinguishes this store's version numbers from those of a store built before or after it. */
  private readonly epoch = randomUUID().slice(0, 8);
  private marker: Uint8Array;
  /** Set by a deferred apply: the sort orders are rebuilt at the next flush. */
  private ordersStale = false;

  /** `heldDetailsBytes`: the budget of `held` (unbounded unless given). */
  constructor(options: { heldDetailsBytes?: number } = {}) {
    this.held = new HeldDetails(options.heldDetailsBytes);
    this.space = new SlotSpace(CHUNK_SLOTS);
    const capacity = this.space.capacity;
    this.columns = new ContractColumns(capacity);
    this.orders = new SortOrders(this.columns, capacity);
    this.present = createBits(capacity);
    this.bpc = createBits(capacity);
    this.systemUnknown = createBits(capacity);
    this.itemsUnavailable = createBits(capacity);
    this.enrichmentComplete = createBits(capacity);
    this.highsecRoute = createBits(capacity);
    this.marker = new Uint8Array(capacity);
    this.regions = new Postings(capacity);
    this.systems = new Postings(capacity);
    this.stations = new Postings(capacity);
    this.types = new Postings(capacity);
    this.groups = new Postings(capacity);
    this.categories = new Postings(capacity);
    this.runs = new Postings(capacity);
    this.materialEfficiency = new Postings(capacity);
    this.timeEfficiency = new Postings(capacity);
    this.allCategories = new Postings(capacity);
    this.search = new SearchIndex(capacity);
    this.rows = new RowStore(capacity);
    this.items = new ItemStore(capacity);
    this.indexed = new SlotLists(capacity);
    this.space.onGrow((grown) => this.grow(grown));
  }

  /**
   * Makes room for `open` contracts and items before a full load, so that no array is grown (and
   * copied, and its old copy left to the allocator) on the way: a tenth more for the changes that
   * follow, and a partly filled chunk of slots per (segment, ship) combination.
   */
  reserve(open: { contracts: number; items: number }): void {
    this.space.reserve(Math.ceil(open.contracts * 1.1) + COMBOS * CHUNK_SLOTS);
    this.items.reserve(Math.ceil(open.items * 1.1));
  }

  get openCount(): number {
    return this.stored.openCount;
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
      this.stored.forget(contractId);
      this.held.forget(contractId);
    }
    for (const contract of changes.upserts) {
      this.stored.remember(contract.contractId, contract.regionId, contract.lastSeenMicros, this.version);
      if (contract.open === null) this.removeOpen(contract.contractId);
      else this.upsertOpen(contract.contractId, contract.regionId, contract.open);
      this.held.invalidate(contract.contractId, !this.rendersDetail(contract.contractId));
    }
    if (options.deferOrdering) this.ordersStale = true;
    else this.flushOrdering();
    const renumber = this.search.compactIfWasteful();
    if (renumber) {
      for (const slot of this.stored.openSlots()) {
        const sections = decodeSections(this.indexed.get(slot));
        sections[PARTS_SECTION] = sections[PARTS_SECTION]!.map((id) => renumber[id]!).filter((id) => id >= 0);
        this.indexed.set(slot, encodeSections(sections));
      }
    }
  }

  private allPostings(): Postings[] {
    return [
      this.regions,
      this.systems,
      this.stations,
      this.types,
      this.groups,
      this.categories,
      this.runs,
      this.materialEfficiency,
      this.timeEfficiency,
      this.allCategories,
    ];
  }

  /** Writes the list rows (docs/api.md §7) of held slots as JSON (UTF-8), comma-separated. */
  writeRows(slots: readonly number[], writer: ByteWriter): void {
    this.rows.writeRows(slots, writer);
  }

  /**
   * Writes the detail (docs/api.md §9) of an open contract: its list row with its items added, the
   * SQL path's bytes. False, with nothing written, when the contract is not open here, or is an
   * auction, whose bids (docs/api.md §14) the store does not hold: `held` keeps the body of those.
   */
  writeDetail(contractId: number, writer: ByteWriter): boolean {
    if (!this.rendersDetail(contractId)) return false;
    const slot = this.stored.slotOf(contractId)!;
    const row = this.rows.row(slot);
    writer.bytes(row.subarray(0, row.length - 1));
    writer.ascii(',"items":');
    this.items.writeItems(slot, writer);
    writer.ascii(',"bids":[]');
    writer.byteCodes(CLOSE_BRACE);
    return true;
  }

  private rendersDetail(contractId: number): boolean {
    const slot = this.stored.slotOf(contractId);
    return slot !== undefined && comboSegment(this.space.comboOfSlot(slot)) !== 'auction';
  }

  /** Brings every sort order up to date: merged with the queued changes, or built afresh after a deferred apply. */
  flushOrdering(): void {
    if (this.ordersStale) {
      const slots = this.stored.openSlots();
      for (const order of this.orders.all()) order.build(slots);
      this.ordersStale = false;
      return;
    }
    for (const order of this.orders.all()) order.flush(this.marker);
  }

  /**
   * When a stored contract last changed, as a token unique across this store's versions and any
   * other store the process builds (a full reload starts counting again), or undefined when the
   * contract is not stored.
   */
  stampOf(contractId: number): string | undefined {
    const stamp = this.stored.stampOf(contractId);
    return stamp === undefined ? undefined : `${this.epoch}.${stamp}`;
  }

  /** docs/api.md §6.7: regions holding any stored contract, and the newest sighting. */
  coverage(): { ingestedRegionIds: number[]; asOf: string | null } {
    return this.stored.coverage();
  }

  private upsertOpen(contractId: number, regionId: number, open: OpenContract): void {
    const combo = comboOf(open.segment, open.wire.is_ship_contract);
    let slot = this.stored.slotOf(contractId);
    if (slot !== undefined && this.space.comboOfSlot(slot) !== combo) {
      this.removeOpen(contractId);
      slot = undefined;
    }
    const fresh = slot === undefined;
    if (slot === undefined) {
      slot = this.space.allocate(combo);
      this.stored.setSlot(contractId, slot);
      setBit(this.present, slot);
    } else {
      this.unindex(slot);
    }
    const { numeric, labelSort } = this.columns;
    const keysBefore = fresh || this.ordersStale ? null : SORT_KEY_COLUMNS.map((column) => numeric[column][slot]!);
    const labelBefore = labelSort[slot];
    this.writeColumns(slot, contractId, regionId, open);
    this.index(slot, regionId, open);
    this.rows.write(slot, listRowJson(open.wire));
    this.items.write(slot, open.items);
    if (this.ordersStale) return;
    for (const order of this.orders.all()) {
      const column = SORT_COLUMN[order.field];
      const changed =
        keysBefore === null ||
        (column === 'labelSort'
          ? labelBefore !== labelSort[slot]
          : !Object.is(keysBefore[SORT_KEY_COLUMNS.indexOf(column)], numeric[column][slot]));
      if (changed) order.place(slot);
    }
  }

  private removeOpen(contractId: number): void {
    const slot = this.stored.slotOf(contractId);
    if (slot === undefined) return;
    this.unindex(slot);
    for (const bits of [this.present, this.bpc, this.systemUnknown, this.itemsUnavailable, this.enrichmentComplete, this.highsecRoute]) {
      clearBit(bits, slot);
    }
    if (!this.ordersStale) for (const order of this.orders.all()) order.remove(slot);
    this.rows.clear(slot);
    this.items.clear(slot);
    this.columns.clearLabel(slot);
    this.stored.setSlot(contractId, undefined);
    this.space.release(slot);
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
    numeric.routeJumps[slot] = wire.route_jumps ?? SAFE_NULL;
    numeric.rewardPerJump[slot] = wire.reward_per_jump ?? SAFE_NULL;
    // contracts.current_price (drizzle/0010): an auction's current bid, else its price.
    numeric.currentPrice[slot] = (wire.type === 'auction' ? (wire.current_bid ?? wire.price) : wire.price) ?? SAFE_NULL;
    this.columns.setLabel(slot, open.labelSort);
    assignBit(this.bpc, slot, wire.is_blueprint_copy_contract);
    assignBit(this.systemUnknown, slot, wire.start_location_system_id === null);
    assignBit(this.itemsUnavailable, slot, open.itemsUnavailable);
    assignBit(this.enrichmentComplete, slot, open.enrichmentComplete);
    assignBit(this.highsecRoute, slot, wire.route_jumps_highsec !== null);
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
    const parts = this.search.add(slot, open.searchText);
    this.indexed.set(
      slot,
      encodeSections([
        facets.typeIds,
        facets.groupIds,
        facets.categoryIds,
        facets.runs,
        facets.materialEfficiency,
        facets.timeEfficiency,
        facets.allCategoryIds,
        parts,
      ]),
    );
  }

  private unindex(slot: number): void {
    const { numeric } = this.columns;
    this.regions.remove(numeric.regionId[slot]!, slot);
    this.systems.remove(numeric.systemId[slot]!, slot);
    this.stations.remove(numeric.stationId[slot]!, slot);
    const [types, groups, categories, runs, me, te, allCategories, parts] = decodeSections(this.indexed.get(slot));
    for (const value of types!) this.types.remove(value, slot);
    for (const value of groups!) this.groups.remove(value, slot);
    for (const value of categories!) this.categories.remove(value, slot);
    for (const value of runs!) this.runs.remove(value, slot);
    for (const value of me!) this.materialEfficiency.remove(value, slot);
    for (const value of te!) this.timeEfficiency.remove(value, slot);
    for (const value of allCategories!) this.allCategories.remove(value, slot);
    this.search.remove(slot, parts!);
    this.indexed.clear(slot);
  }

  private grow(capacity: number): void {
    for (const postings of this.allPostings()) postings.grow(capacity);
    this.search.grow(capacity);
    this.columns.grow(capacity);
    this.rows.grow(capacity);
    this.items.grow(capacity);
    this.indexed.grow(capacity);
    for (const order of this.orders.all()) order.grow(capacity);
    this.present = grownBits(this.present, capacity);
    this.bpc = grownBits(this.bpc, capacity);
    this.systemUnknown = grownBits(this.systemUnknown, capacity);
    this.itemsUnavailable = grownBits(this.itemsUnavailable, capacity);
    this.enrichmentComplete = grownBits(this.enrichmentComplete, capacity);
    this.highsecRoute = grownBits(this.highsecRoute, capacity);
    const marker = new Uint8Array(capacity);
    marker.set(this.marker);
    this.marker = marker;
  }
}

/** The numeric sort key columns, whose values before a change decide which orders it moves in. */
const SORT_KEY_COLUMNS = [...new Set(Object.values(SORT_COLUMN))].filter((column): column is NumericColumn => column !== 'labelSort');

/** The sections of a slot's index list: facet values in ItemFacets order, then its search parts. */
const PARTS_SECTION = 7;

function encodeSections(sections: readonly (readonly number[])[]): number[] {
  const list: number[] = [];
  for (const section of sections) list.push(section.length, ...section);
  return list;
}

function decodeSections(list: Int32Array): number[][] {
  const sections: number[][] = [];
  let at = 0;
  for (let section = 0; section <= PARTS_SECTION; section++) {
    const length = list[at] ?? 0;
    sections.push(Array.from(list.subarray(at + 1, at + 1 + length)));
    at += 1 + length;
  }
  return sections;
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
