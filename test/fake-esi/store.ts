/**
 * Compact storage of every contract the fake universe knows: a few typed-array slots per
 * contract instead of an object each, so 35,000 + 20 × 2,000 contracts start in milliseconds and
 * cost little memory and garbage collection. Readers get a materialized ContractRecord.
 */
import type { ContractRecord } from './contracts.js';

const TYPES = ['item_exchange', 'auction', 'courier', 'loan', 'unknown'];
const CUSTOM_TYPE = 255;

export interface NewContract {
  readonly id: number;
  readonly regionId: number;
  readonly created: number;
  readonly expires: number;
  readonly type: string;
  readonly wtb: boolean;
  readonly row?: Readonly<Record<string, unknown>>;
}

export class ContractStore {
  private readonly slots = new Map<number, number>();
  private regions = new Int32Array(1024);
  private created = new Float64Array(1024);
  private expires = new Float64Array(1024);
  /** NaN while open. */
  private departed = new Float64Array(1024);
  private types = new Uint8Array(1024);
  private wtb = new Uint8Array(1024);
  private used = 0;
  private readonly customTypes = new Map<number, string>();
  private readonly rows = new Map<number, Readonly<Record<string, unknown>>>();
  private readonly itemCounts = new Map<number, number>();

  get size(): number {
    return this.slots.size;
  }

  add(c: NewContract): void {
    let slot = this.slots.get(c.id);
    const replacing = slot !== undefined;
    if (slot === undefined) {
      if (this.used === this.created.length) this.grow();
      slot = this.used++;
      this.slots.set(c.id, slot);
    }
    this.regions[slot] = c.regionId;
    this.created[slot] = c.created;
    this.expires[slot] = c.expires;
    this.departed[slot] = NaN;
    const code = TYPES.indexOf(c.type);
    this.types[slot] = code >= 0 ? code : CUSTOM_TYPE;
    this.wtb[slot] = c.wtb ? 1 : 0;
    if (replacing) {
      this.customTypes.delete(c.id);
      this.rows.delete(c.id);
    }
    if (code < 0) this.customTypes.set(c.id, c.type);
    if (c.row) this.rows.set(c.id, c.row);
  }

  has(id: number): boolean {
    return this.slots.has(id);
  }

  get(id: number): ContractRecord | undefined {
    const slot = this.slots.get(id);
    if (slot === undefined) return undefined;
    const departed = this.departed[slot]!;
    const code = this.types[slot]!;
    const row = this.rows.get(id);
    const itemCount = this.itemCounts.get(id);
    return {
      id,
      regionId: this.regions[slot]!,
      created: this.created[slot]!,
      expires: this.expires[slot]!,
      departedAt: Number.isNaN(departed) ? null : departed,
      type: code === CUSTOM_TYPE ? (this.customTypes.get(id) ?? 'unknown') : TYPES[code]!,
      wtb: this.wtb[slot] === 1,
      ...(row ? { row } : {}),
      ...(itemCount !== undefined ? { itemCount } : {}),
    };
  }

  /** date_expired in epoch ms, or undefined for an unknown id. */
  expiresOf(id: number): number | undefined {
    const slot = this.slots.get(id);
    return slot === undefined ? undefined : this.expires[slot];
  }

  setExpires(id: number, at: number): void {
    const slot = this.slots.get(id);
    if (slot !== undefined) this.expires[slot] = at;
  }

  setDeparted(id: number, at: number): void {
    const slot = this.slots.get(id);
    if (slot !== undefined) this.departed[slot] = at;
  }

  setItemCount(id: number, count: number): void {
    this.itemCounts.set(id, count);
  }

  /** Forgets a contract (its slot is not reused: deletions are rare and bounded by churn). */
  delete(id: number): void {
    this.slots.delete(id);
    this.customTypes.delete(id);
    this.rows.delete(id);
    this.itemCounts.delete(id);
  }

  private grow(): void {
    const size = this.created.length * 2;
    const grow = <T extends Float64Array | Int32Array | Uint8Array>(old: T, make: (n: number) => T): T => {
      const next = make(size);
      next.set(old);
      return next;
    };
    this.regions = grow(this.regions, (n) => new Int32Array(n));
    this.created = grow(this.created, (n) => new Float64Array(n));
    this.expires = grow(this.expires, (n) => new Float64Array(n));
    this.departed = grow(this.departed, (n) => new Float64Array(n));
    this.types = grow(this.types, (n) => new Uint8Array(n));
    this.wtb = grow(this.wtb, (n) => new Uint8Array(n));
  }
}
