/**
 * The fake universe's moving parts: per region, the working set of open contracts and the
 * published listing generations (docs/sync.md §10 "Time and churn").
 *
 * Regeneration is lazy but sits on a fixed grid: generation g of a region is published at
 * LM₀ + g × period (LM₀ = start minus a seeded per-region phase), so what a region lists at a given
 * fake time does not depend on when it was asked. Each step drops expired contracts, makes a share
 * (churnRate) depart (accepted or withdrawn), and appends as many new contracts with higher ids.
 * Control mutations change the working set; they are published by the next regeneration.
 */
import { floorSecond } from './clock.js';
import {
  DAY_MS,
  ITEM_BEARING_TYPES,
  contractKind,
  contractLifetime,
  listingRow,
  recordFromRow,
  type ContractRecord,
} from './contracts.js';
import { seededItemCount } from './items.js';
import { ContractStore } from './store.js';
import type { Population } from './population.js';
import { mix32, rngFor, unitHash } from './random.js';

/**
 * Region residues of the id space: ids of different regions never collide. Universes of more
 * regions (`regions: 'all'`) use a wider stride; up to 32 regions keep the ids they always had.
 */
const ID_STRIDE = 32;
const WIDE_ID_STRIDE = 128;
const ID_BASE = 200_000_000;
/** Ids advance by the stride per this many ms of issue time, so ids grow with date_issued. */
const ID_SLOT_MS = 2000;
const HOUR_MS = 3_600_000;

export interface RenderedPage {
  readonly body: Buffer;
  readonly etag: string;
  gzip?: Buffer;
}

export interface Generation {
  readonly index: number;
  /** When this generation was produced: a point of the region's regeneration grid. */
  readonly regeneratedAt: number;
  /** Kept from the previous generation when nothing changed (so conditional requests can 304). */
  readonly lastModified: number;
  readonly expires: number;
  /** Listed entries: contract ids, or verbatim rows for a hand-made listing. */
  readonly entries: readonly (number | unknown)[];
  readonly manual: boolean;
  /** Render cache of unfaulted pages, keyed by variant. */
  readonly pages: Map<string, RenderedPage>;
}

export interface RegionState {
  readonly regionId: number;
  readonly name: string;
  readonly residue: number;
  /** Ids (generated region) or rows (manual region), ascending, as the next generation will list them. */
  live: (number | unknown)[];
  manual: boolean;
  current: Generation;
  previous: Generation;
  lastId: number;
  regenerations: number;
}

export interface UniverseConfig {
  readonly seed: number;
  readonly regionIds: readonly number[];
  readonly sizes: readonly number[];
  readonly maxItems: number;
  readonly largeItemContracts: number;
  readonly churnRate: number;
  readonly listingPeriodMs: number;
  readonly alignPhase: boolean;
  readonly startMs: number;
}

export class Universe {
  readonly store = new ContractStore();
  private readonly regions = new Map<number, RegionState>();
  private readonly departed: number[] = [];
  private readonly idOrigin: number;
  private readonly large: number[] = [];
  private readonly idStride: number;

  constructor(
    readonly pop: Population,
    readonly config: UniverseConfig,
    private readonly now: () => number,
  ) {
    this.idOrigin = config.startMs - 28 * DAY_MS - config.listingPeriodMs;
    this.idStride = config.regionIds.length > ID_STRIDE ? WIDE_ID_STRIDE : ID_STRIDE;
    config.regionIds.forEach((regionId, i) => this.seedRegion(regionId, config.sizes[i] ?? 0));
    this.pickLargeItemContracts();
  }

  regionIds(): number[] {
    return [...this.regions.keys()];
  }

  /** The region with its listing brought up to the current fake time. */
  region(regionId: number): RegionState | undefined {
    const region = this.regions.get(regionId);
    if (!region) return undefined;
    const now = this.now();
    if (region.manual && now >= region.current.expires) {
      // A hand-made listing never changes, so only the latest grid point matters.
      const periods = Math.floor((now - region.current.regeneratedAt) / this.config.listingPeriodMs);
      this.publish(region, region.current.regeneratedAt + periods * this.config.listingPeriodMs);
    }
    while (now >= region.current.expires) this.step(region, region.current.expires, true);
    return region;
  }

  /** A contract's record, its region brought up to date first (departures are applied lazily). */
  record(id: number): ContractRecord | undefined {
    const record = this.store.get(id);
    if (!record) return undefined;
    this.region(record.regionId);
    return this.store.get(id);
  }

  itemCount(record: ContractRecord): number {
    return record.itemCount ?? seededItemCount(this.config.seed, record.id, this.config.maxItems);
  }

  largeItemContractIds(): number[] {
    return [...this.large];
  }

  /** Publishes a new generation now (re-anchoring the region's regeneration grid). */
  regenerate(regionId: number, churn = true): RegionState {
    const region = this.mustRegion(regionId);
    this.step(region, Math.max(floorSecond(this.now()), region.current.regeneratedAt + 1000), churn);
    return region;
  }

  /** New contracts issued now, appended to the region's working set; returns their ids. */
  addContracts(regionId: number, count: number): number[] {
    const region = this.mustRegion(regionId);
    const created = floorSecond(this.now());
    const ids: number[] = [];
    for (let i = 0; i < count; i++) {
      const id = this.newContract(region, created, 0);
      ids.push(id);
      region.live.push(region.manual ? listingRow(this.pop, this.store.get(id)!) : id);
    }
    return ids;
  }

  /** Accepted or withdrawn now: gone from the next generation, items 204 for an hour, then 404. */
  removeContracts(ids: readonly number[]): void {
    const now = floorSecond(this.now());
    const gone = new Set(ids);
    for (const id of ids) {
      const record = this.record(id);
      if (record && record.departedAt === null) {
        this.store.setDeparted(id, now);
        this.departed.push(id);
      }
    }
    for (const region of this.regions.values()) region.live = region.live.filter((e) => !gone.has(entryId(e) ?? -1));
  }

  /** Expire now: dropped by the next generation (date_expired = now), items 204 for an hour, then 404. */
  expireContracts(ids: readonly number[]): void {
    const now = floorSecond(this.now());
    for (const id of ids) {
      const record = this.record(id);
      if (record && record.expires > now) {
        this.store.setExpires(id, now);
        this.departed.push(id);
      }
    }
  }

  /** Serves exactly these rows from now on (pages of 1000), until the next setRows. */
  setRows(regionId: number, rows: readonly unknown[], lastModified?: number): RegionState {
    const now = floorSecond(this.now());
    const copy = structuredClone([...rows]) as unknown[];
    for (const row of copy) {
      const record = recordFromRow(regionId, row, now);
      if (record) this.store.add(record);
    }
    const existing = this.region(regionId);
    if (!existing) return this.addRegion(regionId, lastModified !== undefined ? floorSecond(lastModified) : now, copy, true);
    existing.manual = true;
    existing.live = copy;
    const lm = lastModified !== undefined ? floorSecond(lastModified) : Math.max(now, existing.current.regeneratedAt + 1000);
    this.publish(existing, lm, true);
    return existing;
  }

  private mustRegion(regionId: number): RegionState {
    const region = this.region(regionId);
    if (!region) throw new Error(`fake ESI: region ${regionId} is not part of the universe`);
    return region;
  }

  private addRegion(regionId: number, lastModified: number, live: (number | unknown)[], manual: boolean): RegionState {
    const residue = this.regions.size % this.idStride;
    const name = this.pop.sde.regions.find((r) => r.region_id === regionId)?.name ?? `Region ${regionId}`;
    const generation = (index: number, lm: number): Generation => ({
      index,
      regeneratedAt: lm,
      lastModified: lm,
      expires: lm + this.config.listingPeriodMs,
      entries: [...live],
      manual,
      pages: new Map(),
    });
    const region: RegionState = {
      regionId,
      name,
      residue,
      live,
      manual,
      // A lagging node (the `stale` fault) serves this before the first regeneration.
      previous: generation(-1, lastModified - this.config.listingPeriodMs),
      current: generation(0, lastModified),
      lastId: ID_BASE - this.idStride + residue,
      regenerations: 0,
    };
    this.regions.set(regionId, region);
    return region;
  }

  private seedRegion(regionId: number, size: number): void {
    const period = this.config.listingPeriodMs;
    const phase = this.config.alignPhase ? 0 : Math.floor(unitHash(this.config.seed, regionId, 'phase') * (period / 1000));
    const lm0 = floorSecond(this.config.startMs) - phase * 1000;
    const region = this.addRegion(regionId, lm0, [], false);
    const rng = rngFor(this.config.seed, regionId, 'initial');
    const created = new Float64Array(size);
    for (let i = 0; i < size; i++) created[i] = lm0 - Math.floor(rng.next() * 28 * 86_400) * 1000 - 1000;
    created.sort();
    // Whatever is listed at LM₀ was still open then (plus a margin, so the row looks plausible).
    for (const at of created) region.live.push(this.newContract(region, at, lm0 + 600_000 - at));
    region.current = { ...region.current, entries: [...region.live] };
    region.previous = { ...region.previous, entries: region.current.entries };
  }

  private newContract(region: RegionState, created: number, minLifetimeMs: number): number {
    const slot = Math.max(0, Math.floor((created - this.idOrigin) / ID_SLOT_MS));
    const id = Math.max(ID_BASE + slot * this.idStride + region.residue, region.lastId + this.idStride);
    region.lastId = id;
    const { type, wtb } = contractKind(this.config.seed, id);
    const expires = created + contractLifetime(this.config.seed, id, type, minLifetimeMs);
    this.store.add({ id, regionId: region.regionId, created, expires, type, wtb });
    return id;
  }

  /** One regeneration at `lm`: expiries, churn, arrivals (generated regions only), then publish. */
  private step(region: RegionState, lm: number, churn: boolean): void {
    if (!region.manual) {
      const rng = rngFor(this.config.seed, region.regionId, 'generation', region.current.index + 1);
      const keep: number[] = [];
      let removed = 0;
      for (const entry of region.live) {
        const id = entry as number;
        const expires = this.store.expiresOf(id);
        if (expires === undefined) continue;
        if (expires <= lm) {
          removed++;
          this.departed.push(id);
        } else keep.push(id);
      }
      if (churn && this.config.churnRate > 0 && keep.length > 0) {
        const count = Math.min(keep.length, Math.floor(keep.length * this.config.churnRate + rng.next()));
        const chosen = new Set<number>();
        while (chosen.size < count) chosen.add(rng.int(0, keep.length - 1));
        for (const index of chosen) {
          this.store.setDeparted(keep[index]!, lm);
          this.departed.push(keep[index]!);
        }
        removed += count;
        region.live = keep.filter((_, i) => !chosen.has(i));
      } else region.live = keep;
      if (churn) {
        const from = region.current.lastModified;
        const times = Array.from({ length: removed }, () => from + rng.int(1, Math.max(1, (lm - from) / 1000)) * 1000);
        times.sort((a, b) => a - b);
        for (const at of times) region.live.push(this.newContract(region, at, 0));
      }
    }
    this.publish(region, lm);
    this.prune(lm);
  }

  /** Publishes the working set at `lm`; an unchanged listing keeps its Last-Modified, ETags and stale copy. */
  private publish(region: RegionState, lm: number, changed = false): void {
    const entries = [...region.live];
    const current = region.current;
    const expires = lm + this.config.listingPeriodMs;
    if (!changed && entries.length === current.entries.length && entries.every((e, i) => e === current.entries[i])) {
      region.current = { ...current, index: current.index + 1, regeneratedAt: lm, expires };
    } else {
      region.previous = current;
      region.current = { index: current.index + 1, regeneratedAt: lm, lastModified: lm, expires, entries, manual: region.manual, pages: new Map() };
    }
    region.regenerations++;
  }

  /** Forget contracts gone for over an hour: their items answer 404 like any unknown id. */
  private prune(now: number): void {
    if (this.departed.length < 1024) return;
    const still: number[] = [];
    for (const id of this.departed) {
      const record = this.store.get(id);
      if (!record) continue;
      const goneAt = Math.min(record.departedAt ?? Infinity, record.expires);
      if (goneAt + HOUR_MS < now && !this.isListed(record)) this.store.delete(id);
      else still.push(id);
    }
    this.departed.length = 0;
    this.departed.push(...still);
  }

  private isListed(record: ContractRecord): boolean {
    const region = this.regions.get(record.regionId);
    return region?.manual === true;
  }

  private pickLargeItemContracts(): void {
    const count = this.config.largeItemContracts;
    const first = this.config.regionIds[0];
    if (count <= 0 || first === undefined) return;
    const candidates = (this.regions.get(first)?.live ?? [])
      .map((e) => this.store.get(e as number))
      .filter((r): r is ContractRecord => r !== undefined && ITEM_BEARING_TYPES.has(r.type) && !r.wtb);
    const stride = candidates.length / (count + 1);
    for (let i = 1; i <= Math.min(count, candidates.length); i++) {
      const record = candidates[Math.floor(i * stride)];
      if (!record) continue;
      this.store.setItemCount(record.id, 1001 + (mix32(this.config.seed, record.id, 'large') % 1500));
      this.large.push(record.id);
    }
  }
}

/** The contract id of a listing entry (an id, or a hand-made row with a usable contract_id). */
export function entryId(entry: unknown): number | undefined {
  if (typeof entry === 'number') return entry;
  if (typeof entry === 'object' && entry !== null) {
    const id = (entry as Record<string, unknown>).contract_id;
    if (typeof id === 'number' && Number.isSafeInteger(id)) return id;
  }
  return undefined;
}
