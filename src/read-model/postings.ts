/**
 * value → the slots holding it: the read model's index for every many-valued facet. A value held
 * by few slots keeps them in a Set (~24 bytes a slot); one held by many switches to a bitset
 * (capacity ÷ 8 bytes, however many), which is also what a query ORs them into.
 */
import { clearBit, createBits, forEachSlot, grownBits, hasBit, setBit, type Bits } from './bitset.js';
import { grown } from './typed-arrays.js';

/**
 * Several slots: a sorted Int32Array while they are few (4 bytes a slot, plus room to grow), a
 * bitset (capacity ÷ 8 bytes) once that is smaller.
 */
export class SlotSet {
  private sorted: Int32Array | null = new Int32Array(4);
  private bits: Bits | null = null;
  size = 0;

  add(slot: number, capacity: number): void {
    if (this.bits) {
      if (!hasBit(this.bits, slot)) {
        setBit(this.bits, slot);
        this.size += 1;
      }
      return;
    }
    const at = this.position(slot);
    if (at < this.size && this.sorted![at] === slot) return;
    // Room doubles as it fills: up to 8 bytes a slot, against the bitset's capacity ÷ 8 in all.
    if ((this.size + 1) * 8 > capacity / 8) {
      this.bits = createBits(capacity);
      for (let i = 0; i < this.size; i++) setBit(this.bits, this.sorted![i]!);
      setBit(this.bits, slot);
      this.sorted = null;
      this.size += 1;
      return;
    }
    if (this.size === this.sorted!.length) this.sorted = grown(this.sorted!, this.sorted!.length * 2);
    const sorted = this.sorted!;
    sorted.copyWithin(at + 1, at, this.size);
    sorted[at] = slot;
    this.size += 1;
  }

  delete(slot: number): void {
    if (this.bits) {
      if (hasBit(this.bits, slot)) {
        clearBit(this.bits, slot);
        this.size -= 1;
      }
      return;
    }
    const at = this.position(slot);
    if (at >= this.size || this.sorted![at] !== slot) return;
    this.sorted!.copyWithin(at, at + 1, this.size);
    this.size -= 1;
  }

  /** Sets the bit of every slot held. */
  unionInto(target: Bits): void {
    if (this.bits) {
      const bits = this.bits;
      for (let i = 0; i < bits.length; i++) target[i]! |= bits[i]!;
      return;
    }
    for (let i = 0; i < this.size; i++) setBit(target, this.sorted![i]!);
  }

  /** Whether `test` holds for some slot held (stops at the first). */
  some(test: (slot: number) => boolean): boolean {
    let found = false;
    if (this.bits) {
      forEachSlot(this.bits, (slot) => !(found = test(slot)));
      return found;
    }
    for (let i = 0; i < this.size; i++) if (test(this.sorted![i]!)) return true;
    return false;
  }

  grow(capacity: number): void {
    if (this.bits) this.bits = grownBits(this.bits, capacity);
  }

  /** First index whose slot is ≥ `slot`. */
  private position(slot: number): number {
    const sorted = this.sorted!;
    let low = 0;
    let high = this.size;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (sorted[mid]! < slot) low = mid + 1;
      else high = mid;
    }
    return low;
  }
}

/** The slots holding one value: a lone slot inline (most values have one holder), else a SlotSet. */
export type Holders = number | SlotSet;

export function withHolder(holders: Holders | undefined, slot: number, capacity: number): Holders {
  if (holders === undefined || holders === slot) return slot;
  if (typeof holders === 'number') {
    const set = new SlotSet();
    set.add(holders, capacity);
    set.add(slot, capacity);
    return set;
  }
  holders.add(slot, capacity);
  return holders;
}

/** The holders without `slot`, or undefined when none is left. */
export function withoutHolder(holders: Holders | undefined, slot: number): Holders | undefined {
  if (holders === undefined || holders === slot) return undefined;
  if (typeof holders === 'number') return holders;
  holders.delete(slot);
  return holders.size === 0 ? undefined : holders;
}

export function holdersUnionInto(holders: Holders | undefined, target: Bits): void {
  if (holders === undefined) return;
  if (typeof holders === 'number') setBit(target, holders);
  else holders.unionInto(target);
}

export function holdersSome(holders: Holders | undefined, test: (slot: number) => boolean): boolean {
  if (holders === undefined) return false;
  return typeof holders === 'number' ? test(holders) : holders.some(test);
}

function growHolders(holders: Holders, capacity: number): void {
  if (typeof holders !== 'number') holders.grow(capacity);
}

export class Postings<K = number> {
  private readonly byValue = new Map<K, Holders>();
  private sortedKeys: K[] | null = null;
  private capacity: number;

  constructor(capacity: number) {
    this.capacity = capacity;
  }

  add(value: K, slot: number): void {
    const before = this.byValue.get(value);
    if (before === undefined) this.sortedKeys = null;
    const after = withHolder(before, slot, this.capacity);
    if (after !== before) this.byValue.set(value, after);
  }

  remove(value: K, slot: number): void {
    const before = this.byValue.get(value);
    if (before === undefined) return;
    const after = withoutHolder(before, slot);
    if (after === undefined) {
      this.byValue.delete(value);
      this.sortedKeys = null;
    } else if (after !== before) {
      this.byValue.set(value, after);
    }
  }

  /** Whether some slot holding `value` passes `test`. */
  someHolder(value: K, test: (slot: number) => boolean): boolean {
    return holdersSome(this.byValue.get(value), test);
  }

  /** Sets the bit of every slot holding any of `values`. */
  unionInto(values: Iterable<K>, target: Bits): void {
    for (const value of values) holdersUnionInto(this.byValue.get(value), target);
  }

  /** The values held, ascending (numbers only); cached until a value appears or disappears. */
  keysAscending(): K[] {
    this.sortedKeys ??= [...this.byValue.keys()].sort((a, b) => (a as number) - (b as number));
    return this.sortedKeys;
  }

  keys(): IterableIterator<K> {
    return this.byValue.keys();
  }

  grow(capacity: number): void {
    this.capacity = capacity;
    for (const holders of this.byValue.values()) growHolders(holders, capacity);
  }

  clear(): void {
    this.byValue.clear();
    this.sortedKeys = null;
  }
}
