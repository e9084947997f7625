/**
 * Slot numbers for the contracts the read model holds. Slots are handed out in chunks of
 * CHUNK_SLOTS, each chunk owned by one (segment, ship flag) combination, so the grouped counts of
 * a request (docs/api.md §6.5) are popcounts of whole chunks rather than a visit to every matching slot.
 * A contract whose combination changes moves to a slot of the new combination.
 */
import { CONTRACT_TYPES, type ContractType } from '../domain/contract-types.js';

/** 32 words of 32 bits. */
export const CHUNK_SLOTS = 1024;
export const CHUNK_SHIFT = 10;
export const CHUNK_WORDS = CHUNK_SLOTS / 32;
export const COMBOS = CONTRACT_TYPES.length * 2;
const UNOWNED = 255;

export function comboOf(segment: ContractType, isShip: boolean): number {
  return CONTRACT_TYPES.indexOf(segment) * 2 + (isShip ? 1 : 0);
}

export function comboSegment(combo: number): ContractType {
  return CONTRACT_TYPES[combo >> 1]!;
}

export function comboIsShip(combo: number): boolean {
  return (combo & 1) === 1;
}

export class SlotSpace {
  capacity = 0;
  /** Owner combination of each chunk (UNOWNED before first use). */
  chunkCombo = new Uint8Array(0);
  private readonly free: number[][] = Array.from({ length: COMBOS }, () => []);
  private readonly growListeners: ((capacity: number) => void)[] = [];

  constructor(initialSlots: number) {
    this.grow(Math.max(CHUNK_SLOTS, initialSlots));
  }

  /** Grows to at least `slots` at once, instead of doubling as chunks are claimed. */
  reserve(slots: number): void {
    if (slots > this.capacity) this.grow(slots);
  }

  /** `listener(capacity)` is called after every growth, so per-slot arrays can follow. */
  onGrow(listener: (capacity: number) => void): void {
    this.growListeners.push(listener);
  }

  allocate(combo: number): number {
    const free = this.free[combo]!;
    if (free.length === 0) this.claimChunk(combo);
    return free.pop()!;
  }

  release(slot: number): void {
    this.free[this.chunkCombo[slot >>> CHUNK_SHIFT]!]!.push(slot);
  }

  comboOfSlot(slot: number): number {
    return this.chunkCombo[slot >>> CHUNK_SHIFT]!;
  }

  private claimChunk(combo: number): void {
    let chunk = this.chunkCombo.indexOf(UNOWNED);
    if (chunk < 0) {
      chunk = this.capacity / CHUNK_SLOTS;
      this.grow(this.capacity * 2);
    }
    this.chunkCombo[chunk] = combo;
    const free = this.free[combo]!;
    // Pushed high to low so that slots are handed out in ascending order.
    for (let slot = (chunk + 1) * CHUNK_SLOTS - 1; slot >= chunk * CHUNK_SLOTS; slot--) free.push(slot);
  }

  private grow(slots: number): void {
    const capacity = Math.ceil(slots / CHUNK_SLOTS) * CHUNK_SLOTS;
    const owners = new Uint8Array(capacity / CHUNK_SLOTS).fill(UNOWNED);
    owners.set(this.chunkCombo);
    this.chunkCombo = owners;
    this.capacity = capacity;
    for (const listener of this.growListeners) listener(capacity);
  }
}
