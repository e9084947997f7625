/**
 * A short list of 32-bit integers per slot (the ids a slot was indexed under, to un-index it
 * later; a contract's items), all in one growing Int32Array instead of an array object per slot. A
 * replaced list leaves its old place unused; when the array is full, the live lists are copied into
 * a fresh one with a quarter more room: doubling would leave up to half of it unused after a full
 * load (~40 MB of items alone at 200,000 contracts), and a copy is cheap (a few ms per million words).
 */
import { grown } from './typed-arrays.js';

const INITIAL_WORDS = 1 << 16;
const GROWTH = 1.25;

export class SlotLists {
  private data = new Int32Array(INITIAL_WORDS);
  private used = 0;
  private live = 0;
  private start: Int32Array;
  private length: Int32Array;

  constructor(capacity: number) {
    this.start = new Int32Array(capacity);
    this.length = new Int32Array(capacity);
  }

  grow(capacity: number): void {
    this.start = grown(this.start, capacity);
    this.length = grown(this.length, capacity);
  }

  /** Room for `words` in all without another copy. */
  reserve(words: number): void {
    if (words > this.data.length) this.copyInto(new Int32Array(words));
  }

  set(slot: number, values: readonly number[]): void {
    this.clear(slot);
    if (this.used + values.length > this.data.length) this.makeRoom(values.length);
    for (let i = 0; i < values.length; i++) {
      const value = values[i]!;
      if ((value | 0) !== value) throw new RangeError(`read model: ${value} is not a 32-bit integer`);
      this.data[this.used + i] = value;
    }
    this.start[slot] = this.used;
    this.length[slot] = values.length;
    this.used += values.length;
    this.live += values.length;
  }

  /** The slot's list (a view, valid until the next `set`). */
  get(slot: number): Int32Array {
    return this.data.subarray(this.start[slot]!, this.start[slot]! + this.length[slot]!);
  }

  clear(slot: number): void {
    this.live -= this.length[slot]!;
    this.length[slot] = 0;
  }

  private makeRoom(needed: number): void {
    this.copyInto(new Int32Array(Math.max(INITIAL_WORDS, Math.ceil(GROWTH * (this.live + needed)))));
  }

  /** Moves the live lists, packed, into `fresh`. */
  private copyInto(fresh: Int32Array<ArrayBuffer>): void {
    let used = 0;
    for (let slot = 0; slot < this.length.length; slot++) {
      const length = this.length[slot]!;
      if (length === 0) continue;
      fresh.set(this.data.subarray(this.start[slot]!, this.start[slot]! + length), used);
      this.start[slot] = used;
      used += length;
    }
    this.data = fresh;
    this.used = used;
  }
}
