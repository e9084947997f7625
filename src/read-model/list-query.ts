/**
 * A list request answered from the store (docs/api.md §6.4–6.9): the live set at L, ANDed with one
 * bitset per filter, counted per (segment, ship) chunk, and the page read off the sort order.
 * Filter bitsets are cached per store version, so the filters a request shares with earlier ones
 * cost one AND each.
 */
import type { ContractListParams } from '../domain/contract-query.js';
import { systemsNear } from '../domain/courier-routes.js';
import type { ContractType } from '../domain/contract-types.js';
import { normalizeSearchFragment } from '../domain/search-text.js';
import { summarizeCounts, type CountBucket, type ListCounts } from '../domain/segment-counts.js';
import { andInto, andNotInto, clearBit, createBits, hasBit, popcount, setBit, type Bits } from './bitset.js';
import type { ContractStore } from './contract-store.js';
import type { Postings } from './postings.js';
import { CHUNK_WORDS, comboIsShip, comboOf, comboSegment, COMBOS } from './slot-space.js';

export interface ListEvaluation {
  readonly counts: ListCounts;
  /** The page's slots in answer order. */
  readonly slots: number[];
}

/**
 * Memory for filter bitsets kept per store version (each is capacity ÷ 8 bytes: 8 KB at 64k
 * slots, 32 KB at 256k): room for ~1,000 distinct filters at 200,000 contracts.
 */
const FILTER_CACHE_BYTES = 32 * 1024 * 1024;
const UNOWNED = 255;

/** A request id beyond the safe-integer range can equal no stored id (all are below 2^53). */
function storedIds(values: readonly bigint[]): number[] {
  const out: number[] = [];
  for (const value of values) {
    if (value <= BigInt(Number.MAX_SAFE_INTEGER) && value >= BigInt(Number.MIN_SAFE_INTEGER)) out.push(Number(value));
  }
  return out;
}

export class ListQueries {
  private filterCache = new Map<string, Bits>();
  private cacheVersion = -1;
  private live: { version: number; liveAt: number; bits: Bits } | null = null;
  private scratch: Bits = new Uint32Array(0);
  private positions = new Int32Array(1024);

  constructor(private readonly store: ContractStore) {}

  evaluate(params: ContractListParams, liveAtMicros: number): ListEvaluation {
    const { store } = this;
    const matches = this.scratchFor(this.liveBits(liveAtMicros));
    for (const filter of this.filters(params)) filter(matches);

    const systems = params.systemIds === null ? null : this.cached(`systems:${params.systemIds.join(',')}`, (bits) =>
      store.systems.unionInto(storedIds(params.systemIds!), bits),
    );
    const buckets = this.countBuckets(matches, systems);
    const counts = summarizeCounts(buckets, { types: params.contractTypes, isShip: params.isShipContract, systemsGiven: systems !== null });

    const offset = (params.page - 1n) * BigInt(params.size);
    if (offset >= BigInt(counts.total)) return { counts, slots: [] };
    this.narrowToPage(matches, params, systems);
    return { counts, slots: this.pageSlots(matches, params, Number(offset), counts.total) };
  }

  /** Live at L: open (every held slot is) and date_expired > L. */
  liveBits(liveAtMicros: number): Bits {
    const { store } = this;
    if (this.live && this.live.version === store.version && this.live.liveAt === liveAtMicros) return this.live.bits;
    const bits = createBits(store.space.capacity);
    const order = store.orders.get('date_expired', 'asc');
    const { perm } = order;
    for (let i = order.upperBound(liveAtMicros); i < perm.length; i++) setBit(bits, perm[i]!);
    this.live = { version: store.version, liveAt: liveAtMicros, bits };
    return bits;
  }

  /** The filters F of docs/api.md §6.5 (all but contract type, ship flag and systems), each ANDing its bitset in. */
  private filters(params: ContractListParams): ((bits: Bits) => void)[] {
    const { store } = this;
    const filters: ((bits: Bits) => void)[] = [];
    const and = (key: string, build: (bits: Bits) => void) => filters.push((bits) => andInto(bits, this.cached(key, build)));
    if (params.search !== null) {
      const fragment = normalizeSearchFragment(params.search);
      and(`search:${fragment}`, (bits) => store.search.matchInto(fragment, bits));
    }
    if (params.minPrice !== null || params.maxPrice !== null) {
      and(`price:${params.minPrice}:${params.maxPrice}`, (bits) => this.rangeInto('price', params.minPrice, params.maxPrice, bits));
    }
    if (params.minCollateral !== null || params.maxCollateral !== null) {
      and(`collateral:${params.minCollateral}:${params.maxCollateral}`, (bits) =>
        this.rangeInto('collateral', params.minCollateral, params.maxCollateral, bits),
      );
    }
    if (params.regionIds !== null) {
      and(`regions:${params.regionIds.join(',')}`, (bits) => store.regions.unionInto(storedIds(params.regionIds!), bits));
    }
    if (params.stationIds !== null) {
      and(`stations:${params.stationIds.join(',')}`, (bits) => store.stations.unionInto(storedIds(params.stationIds!), bits));
    }
    if (params.typeIds !== null) {
      and(`types:${params.typeIds.join(',')}`, (bits) => store.types.unionInto(storedIds(params.typeIds!), bits));
    }
    if (params.categoryIds !== null || params.groupIds !== null) {
      and(`taxonomy:${params.categoryIds?.join(',')}:${params.groupIds?.join(',')}`, (bits) =>
        this.taxonomyInto(params.categoryIds, params.groupIds, bits),
      );
    }
    const families: [string, Postings, bigint | null, bigint | null][] = [
      ['runs', store.runs, params.minRuns, params.maxRuns],
      ['me', store.materialEfficiency, params.minMe, params.maxMe],
      ['te', store.timeEfficiency, params.minTe, params.maxTe],
    ];
    for (const [name, postings, min, max] of families) {
      if (min === null && max === null) continue;
      // Both bounds of a family must hold on one item: each posting value is one item's value.
      and(`${name}:${min}:${max}`, (bits) => {
        const low = min === null ? -Infinity : Number(min);
        const high = max === null ? Infinity : Number(max);
        postings.unionInto(postings.keysAscending().filter((value) => value >= low && value <= high), bits);
      });
    }
    if (params.isBpc === true) filters.push((bits) => andInto(bits, store.bpc));
    if (params.isBpc === false) filters.push((bits) => andNotInto(bits, store.bpc));
    if (params.maxJumps !== null) {
      and(`max_jumps:${params.maxJumps}`, (bits) => this.rangeInto('route_jumps', null, Number(params.maxJumps), bits));
    }
    if (params.highsecRoute === true) filters.push((bits) => andInto(bits, store.highsecRoute));
    if (params.highsecRoute === false) filters.push((bits) => andNotInto(bits, store.highsecRoute));
    if (params.minRewardPerJump !== null) {
      and(`reward_per_jump:${params.minRewardPerJump}`, (bits) => this.rangeInto('reward_per_jump', params.minRewardPerJump, null, bits));
    }
    if (params.nearSystemId !== null) {
      and(`near:${params.nearSystemId}:${params.maxJumpsFrom ?? 0}`, (bits) =>
        store.systems.unionInto(systemsNear(params.nearSystemId!, params.maxJumpsFrom), bits),
      );
    }
    return filters;
  }

  /** Slots whose key lies in [min, max] (inclusive; NULL never matches), from the ascending order. */
  private rangeInto(field: 'price' | 'collateral' | 'route_jumps' | 'reward_per_jump', min: number | null, max: number | null, bits: Bits): void {
    const order = this.store.orders.get(field, 'asc');
    const { perm } = order;
    const from = min === null ? 0 : order.lowerBound(min);
    const to = order.upperBound(max === null ? Infinity : max);
    if (to - from <= perm.length / 2) {
      for (let i = from; i < to; i++) setBit(bits, perm[i]!);
      return;
    }
    // A wide range (most price bounds are): every held slot, minus the few outside it.
    bits.set(this.store.present);
    for (let i = 0; i < from; i++) clearBit(bits, perm[i]!);
    for (let i = to; i < perm.length; i++) clearBit(bits, perm[i]!);
  }

  /**
   * docs/api.md §6.4 taxonomy rule, per offered item: its group is selected, or its category is selected
   * and owns no selected group. "Some item satisfies one or the other" splits into two unions.
   */
  private taxonomyInto(categoryIds: readonly bigint[] | null, groupIds: readonly bigint[] | null, bits: Bits): void {
    const { store } = this;
    const groups = groupIds === null ? [] : storedIds(groupIds);
    store.groups.unionInto(groups, bits);
    if (categoryIds === null) return;
    const narrowed = new Set<number>();
    for (const group of groups) {
      const categoryId = store.taxonomy.groups.get(group)?.categoryId;
      if (categoryId !== null && categoryId !== undefined) narrowed.add(categoryId);
    }
    store.categories.unionInto(
      storedIds(categoryIds).filter((category) => !narrowed.has(category)),
      bits,
    );
  }

  /** One bucket per (segment, ship) chunk owner, split by system match when systems are given. */
  private countBuckets(matches: Bits, systems: Bits | null): CountBucket[] {
    const { chunkCombo } = this.store.space;
    const matched = new Float64Array(COMBOS);
    const unknownSystem = new Float64Array(COMBOS);
    const { systemUnknown } = this.store;
    for (let chunk = 0; chunk < chunkCombo.length; chunk++) {
      const combo = chunkCombo[chunk]!;
      if (combo === UNOWNED) continue;
      let inChunk = 0;
      let unknown = 0;
      const end = (chunk + 1) * CHUNK_WORDS;
      for (let w = chunk * CHUNK_WORDS; w < end; w++) {
        const word = matches[w]!;
        if (word === 0) continue;
        if (systems === null) {
          inChunk += popcount(word);
        } else {
          inChunk += popcount(word & systems[w]!);
          unknown += popcount(word & systemUnknown[w]!);
        }
      }
      matched[combo]! += inChunk;
      unknownSystem[combo]! += unknown;
    }
    const buckets: CountBucket[] = [];
    for (let combo = 0; combo < COMBOS; combo++) {
      const segment = comboSegment(combo);
      const isShipContract = comboIsShip(combo);
      if (matched[combo]! > 0) buckets.push({ segment, isShipContract, systemMatches: true, systemUnknown: false, count: matched[combo]! });
      if (unknownSystem[combo]! > 0) buckets.push({ segment, isShipContract, systemMatches: false, systemUnknown: true, count: unknownSystem[combo]! });
    }
    return buckets;
  }

  /** Applies the lifted filters (type, ship flag, systems) for the page itself. */
  private narrowToPage(matches: Bits, params: ContractListParams, systems: Bits | null): void {
    if (systems) andInto(matches, systems);
    if (params.contractTypes === null && params.isShipContract === null) return;
    const allowed = new Uint8Array(COMBOS);
    const types: readonly ContractType[] = params.contractTypes ?? ['item_exchange', 'auction', 'courier', 'loan', 'unknown'];
    for (const type of types) {
      for (const ship of [false, true]) {
        if (params.isShipContract === null || params.isShipContract === ship) allowed[comboOf(type, ship)] = 1;
      }
    }
    const { chunkCombo } = this.store.space;
    for (let chunk = 0; chunk < chunkCombo.length; chunk++) {
      const combo = chunkCombo[chunk]!;
      if (combo !== UNOWNED && allowed[combo] === 1) continue;
      matches.fill(0, chunk * CHUNK_WORDS, (chunk + 1) * CHUNK_WORDS);
    }
  }

  /**
   * The page: walking the sort order and testing membership costs (offset + size) × held ÷ total
   * steps; scanning the matches (one step a word) and sorting their positions about words + total ×
   * log(total) ÷ 2. The cheaper one is used.
   */
  private pageSlots(matches: Bits, params: ContractListParams, offset: number, total: number): number[] {
    const order = this.store.orders.get(params.sortBy, params.sortDirection);
    const { perm, rank } = order;
    const wanted = Math.min(params.size, total - offset);
    const walkSteps = ((offset + wanted) * perm.length) / total;
    const sortSteps = matches.length + (total * Math.log2(total + 1)) / 2;
    const slots: number[] = [];
    if (walkSteps <= sortSteps) {
      let skip = offset;
      for (let i = 0; i < perm.length && slots.length < wanted; i++) {
        const slot = perm[i]!;
        if (!hasBit(matches, slot)) continue;
        if (skip > 0) skip -= 1;
        else slots.push(slot);
      }
      return slots;
    }
    if (this.positions.length < total) this.positions = new Int32Array(Math.max(total, this.positions.length * 2));
    const positions = this.positions;
    let count = 0;
    for (let w = 0; w < matches.length; w++) {
      let word = matches[w]!;
      while (word !== 0) {
        const low = word & -word;
        positions[count++] = rank[(w << 5) + 31 - Math.clz32(low)]!;
        word ^= low;
      }
    }
    const found = positions.subarray(0, count).sort();
    for (let i = offset; i < Math.min(offset + wanted, count); i++) slots.push(perm[found[i]!]!);
    return slots;
  }

  /** A filter bitset for this store version, built once. */
  private cached(key: string, build: (bits: Bits) => void): Bits {
    const { store } = this;
    if (this.cacheVersion !== store.version) {
      this.filterCache.clear();
      this.cacheVersion = store.version;
    }
    let bits = this.filterCache.get(key);
    if (bits && bits.length * 32 === store.space.capacity) {
      // Refresh its place in the insertion order, which doubles as the eviction order.
      this.filterCache.delete(key);
      this.filterCache.set(key, bits);
      return bits;
    }
    bits = createBits(store.space.capacity);
    build(bits);
    this.filterCache.set(key, bits);
    if (this.filterCache.size * bits.byteLength > FILTER_CACHE_BYTES) this.filterCache.delete(this.filterCache.keys().next().value!);
    return bits;
  }

  private scratchFor(source: Bits): Bits {
    if (this.scratch.length !== source.length) this.scratch = new Uint32Array(source.length);
    this.scratch.set(source);
    return this.scratch;
  }
}
