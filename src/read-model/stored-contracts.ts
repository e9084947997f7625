/**
 * Every stored contract, open or closed, as the read model needs it for coverage (docs/api.md §6.7) and
 * detail lookups: its listing region, last sighting, the store version it last changed at, and the
 * slot of an open one. Entries live in typed arrays, found through one id → entry map.
 */
import { formatTimestampMicros } from '../domain/contract-wire.js';
import { grown } from './typed-arrays.js';

const NO_SLOT = -1;

export class StoredContracts {
  private readonly entryOf = new Map<number, number>();
  private readonly freeEntries: number[] = [];
  private regionId = new Float64Array(1024);
  private lastSeen = new Float64Array(1024);
  private stamp = new Int32Array(1024);
  private slot = new Int32Array(1024).fill(NO_SLOT);
  private readonly perRegion = new Map<number, number>();
  private asOfMicros: number | null = null;
  /** The newest sighting left, or was lowered: recomputed when next asked. */
  private asOfStale = false;
  private open = 0;
  /** Coverage as last computed; dropped by every change. */
  private coverageAnswer: { ingestedRegionIds: number[]; asOf: string | null } | null = null;

  get size(): number {
    return this.entryOf.size;
  }

  get openCount(): number {
    return this.open;
  }

  /** Records the contract as it now is, changed at `version`. */
  remember(contractId: number, regionId: number, lastSeenMicros: number, version: number): void {
    this.coverageAnswer = null;
    let entry = this.entryOf.get(contractId);
    if (entry === undefined) {
      entry = this.freeEntries.pop() ?? this.entryOf.size;
      this.ensure(entry + 1);
      this.entryOf.set(contractId, entry);
      this.slot[entry] = NO_SLOT;
      this.countRegion(regionId, 1);
    } else {
      if (this.regionId[entry] !== regionId) {
        this.countRegion(this.regionId[entry]!, -1);
        this.countRegion(regionId, 1);
      }
      if (this.lastSeen[entry] === this.asOfMicros && lastSeenMicros < this.lastSeen[entry]!) this.asOfStale = true;
    }
    this.regionId[entry] = regionId;
    this.lastSeen[entry] = lastSeenMicros;
    this.stamp[entry] = version;
    if (!this.asOfStale && (this.asOfMicros === null || lastSeenMicros > this.asOfMicros)) this.asOfMicros = lastSeenMicros;
  }

  forget(contractId: number): void {
    const entry = this.entryOf.get(contractId);
    if (entry === undefined) return;
    this.coverageAnswer = null;
    this.entryOf.delete(contractId);
    this.countRegion(this.regionId[entry]!, -1);
    if (this.lastSeen[entry] === this.asOfMicros) this.asOfStale = true;
    if (this.slot[entry] !== NO_SLOT) this.open -= 1;
    this.slot[entry] = NO_SLOT;
    this.freeEntries.push(entry);
  }

  slotOf(contractId: number): number | undefined {
    const entry = this.entryOf.get(contractId);
    if (entry === undefined || this.slot[entry] === NO_SLOT) return undefined;
    return this.slot[entry];
  }

  /** The open contract's slot, or undefined once it is closed (the contract must be remembered). */
  setSlot(contractId: number, slot: number | undefined): void {
    const entry = this.entryOf.get(contractId)!;
    const next = slot ?? NO_SLOT;
    if ((this.slot[entry] === NO_SLOT) !== (next === NO_SLOT)) this.open += next === NO_SLOT ? -1 : 1;
    this.slot[entry] = next;
  }

  stampOf(contractId: number): number | undefined {
    const entry = this.entryOf.get(contractId);
    return entry === undefined ? undefined : this.stamp[entry];
  }

  /** The slots of every open contract. */
  openSlots(): number[] {
    const slots: number[] = [];
    for (const entry of this.entryOf.values()) if (this.slot[entry] !== NO_SLOT) slots.push(this.slot[entry]!);
    return slots;
  }

  coverage(): { ingestedRegionIds: number[]; asOf: string | null } {
    if (this.coverageAnswer) return this.coverageAnswer;
    if (this.asOfStale) {
      this.asOfMicros = null;
      for (const entry of this.entryOf.values()) {
        if (this.asOfMicros === null || this.lastSeen[entry]! > this.asOfMicros) this.asOfMicros = this.lastSeen[entry]!;
      }
      this.asOfStale = false;
    }
    this.coverageAnswer = {
      ingestedRegionIds: [...this.perRegion.keys()].sort((a, b) => a - b),
      asOf: this.asOfMicros === null ? null : formatTimestampMicros(this.asOfMicros),
    };
    return this.coverageAnswer;
  }

  private countRegion(regionId: number, delta: number): void {
    const count = (this.perRegion.get(regionId) ?? 0) + delta;
    if (count > 0) this.perRegion.set(regionId, count);
    else this.perRegion.delete(regionId);
  }

  private ensure(entries: number): void {
    if (entries <= this.regionId.length) return;
    const length = this.regionId.length * 2;
    this.regionId = grown(this.regionId, length);
    this.lastSeen = grown(this.lastSeen, length);
    this.stamp = grown(this.stamp, length);
    this.slot = grown(this.slot, length, NO_SLOT);
  }
}
