import { grown } from './typed-arrays.js';

/**
 * Values shared by every holder, with reference counts so that unused ones are dropped and their
 * ids reused. A value is found by a key: the value itself, or the raw value it is rendered from
 * (so that rendering runs once per distinct value, not once per holder).
 */
export class Interner<K = string, V = string> {
  private readonly ids = new Map<K, number>();
  private keys: K[] = [];
  values: V[] = [];
  private counts = new Int32Array(16);
  private readonly free: number[] = [];

  /** The id of the value `render()` gives for `key` (rendered only when the key is new). */
  intern(key: K, render: (key: K) => V = ((key: K) => key) as unknown as (key: K) => V): number {
    let id = this.ids.get(key);
    if (id === undefined) {
      id = this.free.pop() ?? this.values.length;
      this.ids.set(key, id);
      this.keys[id] = key;
      this.values[id] = render(key);
      if (id >= this.counts.length) this.counts = grown(this.counts, this.counts.length * 2);
    }
    this.counts[id]! += 1;
    return id;
  }

  release(id: number): void {
    this.counts[id]! -= 1;
    if (this.counts[id] !== 0) return;
    this.ids.delete(this.keys[id]!);
    this.keys[id] = undefined as K;
    this.values[id] = undefined as V;
    this.free.push(id);
  }

  get size(): number {
    return this.ids.size;
  }
}
