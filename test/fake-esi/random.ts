/**
 * Seeded randomness for the fake ESI. Every value the fake serves comes from a generator keyed by
 * (seed, entity id, stream), never from a shared sequence, so a contract's row or items do not
 * depend on which requests came first — that is what keeps bodies byte-identical across runs.
 */
import { Sfc32, fmix32 } from '../../src/seed/random.js';

type Key = number | string;

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

/** sfc32 (the seed corpus's generator and helpers) seeded from a 32-bit hash. */
export class Rng extends Sfc32 {
  constructor(seed: number) {
    super(mix32(seed, 1) | 0, mix32(seed, 2) | 0, mix32(seed, 3) | 0, 1, 8);
  }

  /** Standard normal (Box–Muller). */
  normal(): number {
    const u = 1 - this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.next());
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
