/**
 * Seeded PRNGs: sfc32 with the sampling helpers the seed corpus (and the fake ESI in test/) draw
 * through. Math.random cannot be seeded, and both must be byte-identical for a given seed.
 */

/** The murmur3 32-bit finalizer: an avalanching bijection on 32-bit words (returned unsigned). */
export function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/**
 * sfc32 and its sampling helpers. Subclasses only choose the four state words (and how many
 * outputs to discard), which is all that sets one seeding scheme's sequences apart from another's.
 */
export abstract class Sfc32 {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  protected constructor(a: number, b: number, c: number, d: number, warmUp: number) {
    this.a = a;
    this.b = b;
    this.c = c;
    this.d = d;
    for (let i = 0; i < warmUp; i++) this.next();
  }

  /** Uniform in [0, 1). */
  next(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return (t >>> 0) / 4294967296;
  }

  /** Uniform integer in [min, max], both inclusive. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  chance(probability: number): boolean {
    return this.next() < probability;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('pick from an empty list');
    return items[Math.floor(this.next() * items.length)]!;
  }

  /** An entry chosen with probability proportional to its weight. */
  weighted<T>(entries: readonly (readonly [T, number])[]): T {
    let total = 0;
    for (const [, weight] of entries) total += weight;
    let point = this.next() * total;
    for (const [value, weight] of entries) {
      point -= weight;
      if (point < 0) return value;
    }
    const last = entries[entries.length - 1];
    if (last === undefined) throw new Error('weighted pick from an empty list');
    return last[0];
  }

  /** Log-uniform in [min, max): as many values in 10^4–10^5 as in 10^9–10^10. */
  logUniform(min: number, max: number): number {
    return Math.exp(Math.log(min) + this.next() * (Math.log(max) - Math.log(min)));
  }

  /** Biased towards the start of a list of `length`: index 0 is the most likely (skew > 1). */
  skewedIndex(length: number, skew: number): number {
    return Math.min(length - 1, Math.floor(length * this.next() ** skew));
  }
}

/** The seed corpus's generator: sfc32 seeded through splitmix32. */
export class Random extends Sfc32 {
  /** `stream` separates independent sequences drawn from one seed. */
  constructor(seed: number, stream = 0) {
    let state = (Math.floor(seed / 2 ** 32) ^ Math.imul(stream + 1, 0x9e3779b1) ^ seed) | 0;
    const next = () => {
      state = (state + 0x9e3779b9) | 0;
      return fmix32(state) | 0;
    };
    super(next(), next(), next(), next(), 12);
  }
}
