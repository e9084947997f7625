/** value → the slots holding it: the read model's index for every many-valued facet. */
import { setBit, type Bits } from './bitset.js';

export class Postings<K = number> {
  private readonly byValue = new Map<K, Set<number>>();
  private sortedKeys: K[] | null = null;

  add(value: K, slot: number): void {
    let slots = this.byValue.get(value);
    if (!slots) {
      slots = new Set();
      this.byValue.set(value, slots);
      this.sortedKeys = null;
    }
    slots.add(slot);
  }

  remove(value: K, slot: number): void {
    const slots = this.byValue.get(value);
    if (!slots) return;
    slots.delete(slot);
    if (slots.size === 0) {
      this.byValue.delete(value);
      this.sortedKeys = null;
    }
  }

  slotsOf(value: K): ReadonlySet<number> | undefined {
    return this.byValue.get(value);
  }

  /** Sets the bit of every slot holding any of `values`. */
  unionInto(values: Iterable<K>, target: Bits): void {
    for (const value of values) {
      const slots = this.byValue.get(value);
      if (slots) for (const slot of slots) setBit(target, slot);
    }
  }

  /** The values held, ascending (numbers only); cached until a value appears or disappears. */
  keysAscending(): K[] {
    this.sortedKeys ??= [...this.byValue.keys()].sort((a, b) => (a as number) - (b as number));
    return this.sortedKeys;
  }

  keys(): IterableIterator<K> {
    return this.byValue.keys();
  }

  clear(): void {
    this.byValue.clear();
    this.sortedKeys = null;
  }
}
