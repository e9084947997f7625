/**
 * Seeded randomness for the fake ESI. Every value the fake serves comes from a generator keyed by
 * (seed, entity id, stream), never from a shared sequence, so a contract's row or items do not
 * depend on which requests came first — that is what keeps bodies byte-identical across runs.
 */

type Key = number | string;

function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

function stringHash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

function mixKey(h: number, key: Key): number {
  if (typeof key === 'string') return fmix32(h ^ stringHash(key));
  const lo = key >>> 0;
  const hi = Math.floor(key / 4294967296) >>> 0;
  h = fmix32(Math.imul(h ^ lo, 0xcc9e2d51) + 0x1b873593);
  return fmix32(Math.imul(h ^ hi, 0x1b873593) + 0xe6546b64);
}

/**
 * A 32-bit hash of up to four keys; numbers up to 2^53 contribute both halves (ids reach 10^12).
 * Fixed parameters rather than rest arguments: this runs a few times per contract at startup.
 */
export function mix32(a: Key, b?: Key, c?: Key, d?: Key): number {
  let h = mixKey(0x9e3779b9, a);
  if (b !== undefined) h = mixKey(h, b);
  if (c !== undefined) h = mixKey(h, c);
  if (d !== undefined) h = mixKey(h, d);
  return h;
}

/** Uniform in [0, 1) from the keys alone: a stable per-entity coin. */
export function unitHash(a: Key, b?: Key, c?: Key, d?: Key): number {
  return mix32(a, b, c, d) / 4294967296;
}

/** sfc32, small and fast; seeded from a 32-bit hash. */
export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number) {
    this.a = mix32(seed, 1) | 0;
    this.b = mix32(seed, 2) | 0;
    this.c = mix32(seed, 3) | 0;
    this.d = 1;
    for (let i = 0; i < 8; i++) this.next();
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

  /** Integer in [min, max], both inclusive. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  chance(probability: number): boolean {
    return this.next() < probability;
  }

  pick<T>(items: readonly T[]): T {
    const item = items[Math.floor(this.next() * items.length)];
    if (item === undefined) throw new Error('pick from an empty list');
    return item;
  }

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

  /** Log-uniform in [min, max): as many prices in 10^4–10^5 as in 10^9–10^10. */
  logUniform(min: number, max: number): number {
    return Math.exp(Math.log(min) + this.next() * (Math.log(max) - Math.log(min)));
  }

  /** Standard normal (Box–Muller). */
  normal(): number {
    const u = 1 - this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.next());
  }

  /** Index in [0, length) biased to the start (skew > 1): a few issuers and stations get most contracts. */
  skewedIndex(length: number, skew: number): number {
    return Math.min(length - 1, Math.floor(length * this.next() ** skew));
  }
}

/** A generator for one (seed, entity, stream[, index]) key. */
export function rngFor(a: Key, b?: Key, c?: Key, d?: Key): Rng {
  return new Rng(mix32(a, b, c, d));
}

/** Rounds to `digits` significant digits: ISK prices in contracts are round numbers. */
export function roundSignificant(value: number, digits: number): number {
  if (value <= 0) return 0;
  const scale = 10 ** (Math.floor(Math.log10(value)) - digits + 1);
  return Math.round(value / scale) * scale;
}
