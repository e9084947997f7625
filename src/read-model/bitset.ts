/**
 * Fixed-size bitsets over slot numbers, as plain Uint32Arrays (32 slots a word). The read model
 * needs a few word-level loops (AND several sets into one, popcount per slot chunk) that no bitset
 * package offers without allocating, so these are the small typed-array routines it uses.
 */
export type Bits = Uint32Array;

export function wordsFor(slots: number): number {
  return Math.ceil(slots / 32);
}

export function createBits(slots: number): Bits {
  return new Uint32Array(wordsFor(slots));
}

/** A copy of `bits` sized for `slots` (larger or equal), new words zero. */
export function grownBits(bits: Bits, slots: number): Bits {
  const grown = new Uint32Array(wordsFor(slots));
  grown.set(bits);
  return grown;
}

export function setBit(bits: Bits, slot: number): void {
  bits[slot >>> 5]! |= 1 << (slot & 31);
}

export function clearBit(bits: Bits, slot: number): void {
  bits[slot >>> 5]! &= ~(1 << (slot & 31));
}

export function hasBit(bits: Bits, slot: number): boolean {
  return (bits[slot >>> 5]! & (1 << (slot & 31))) !== 0;
}

export function assignBit(bits: Bits, slot: number, value: boolean): void {
  if (value) setBit(bits, slot);
  else clearBit(bits, slot);
}

export function popcount(word: number): number {
  let x = word - ((word >>> 1) & 0x55555555);
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return (Math.imul((x + (x >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24) & 0xff;
}

/** target &= source, word by word. */
export function andInto(target: Bits, source: Bits): void {
  for (let i = 0; i < target.length; i++) target[i]! &= source[i]!;
}

/** target &= ~source. */
export function andNotInto(target: Bits, source: Bits): void {
  for (let i = 0; i < target.length; i++) target[i]! &= ~source[i]!;
}

export function countBits(bits: Bits): number {
  let count = 0;
  for (let i = 0; i < bits.length; i++) if (bits[i] !== 0) count += popcount(bits[i]!);
  return count;
}

/** Calls `visit` with every set slot in ascending order; stops early when it returns false. */
export function forEachSlot(bits: Bits, visit: (slot: number) => boolean | void): void {
  for (let i = 0; i < bits.length; i++) {
    let word = bits[i]!;
    while (word !== 0) {
      const low = word & -word;
      const slot = (i << 5) + 31 - Math.clz32(low);
      if (visit(slot) === false) return;
      word ^= low;
    }
  }
}
