/**
 * The read model's sort orders: for every sort field and direction, the held slots in answer order
 * (docs/api.md §6.8: the key in the given direction, nulls last, ties by contract_id ascending), and each
 * slot's position in it. A batch of changes is merged in one pass instead of re-sorting.
 */
import { SORT_DIRECTIONS, SORT_FIELDS, type SortDirection, type SortField } from '../domain/contract-query.js';
import { compareCodePoints } from '../domain/code-point-order.js';
import { SORT_COLUMN, type ContractColumns } from './columns.js';
import { grown } from './typed-arrays.js';

const ABSENT = -1;

export class SortOrder {
  /** Slots in answer order. */
  perm = new Int32Array(0);
  /** Position of each slot in `perm`, or -1. */
  rank: Int32Array;
  private removals: number[] = [];
  private readonly additions = new Set<number>();

  constructor(
    private readonly columns: ContractColumns,
    readonly field: SortField,
    readonly descending: boolean,
    capacity: number,
  ) {
    this.rank = new Int32Array(capacity).fill(ABSENT);
  }

  grow(capacity: number): void {
    this.rank = grown(this.rank, capacity, ABSENT);
  }

  /** The answer-order comparison of two slots, over the current column arrays. */
  comparator(): (a: number, b: number) => number {
    const ids = this.columns.numeric.contractId;
    const sign = this.descending ? -1 : 1;
    const column = SORT_COLUMN[this.field];
    if (column === 'labelSort') {
      const labels = this.columns.labelSort;
      return (a, b) => sign * compareCodePoints(labels[a]!, labels[b]!) || ids[a]! - ids[b]!;
    }
    const keys = this.columns.numeric[column];
    return (a, b) => {
      const x = keys[a]!;
      const y = keys[b]!;
      // NaN (NULL) sorts last in both directions; two NULLs tie.
      const xNull = x !== x;
      const yNull = y !== y;
      if (xNull !== yNull) return xNull ? 1 : -1;
      if (!xNull && x !== y) return x < y ? -sign : sign;
      return ids[a]! - ids[b]!;
    };
  }

  build(slots: ArrayLike<number>): void {
    const order = Int32Array.from(slots);
    // Array#sort with a comparator over a plain array is V8's fastest path for this.
    const sorted = Array.from(order).sort(this.comparator());
    this.perm = Int32Array.from(sorted);
    this.rank.fill(ABSENT);
    this.reindex();
    this.removals = [];
    this.additions.clear();
  }

  /** Queues `slot` to be (re)placed by its current key at the next flush. */
  place(slot: number): void {
    if (this.rank[slot]! !== ABSENT) this.removals.push(slot);
    this.additions.add(slot);
  }

  /** Queues `slot` to leave the order at the next flush (cancelling a placement queued before). */
  remove(slot: number): void {
    if (this.rank[slot]! !== ABSENT) this.removals.push(slot);
    this.additions.delete(slot);
  }

  /** Applies the queued changes; `marker` is a zeroed per-slot scratch array, left zeroed. */
  flush(marker: Uint8Array): void {
    if (this.removals.length === 0 && this.additions.size === 0) return;
    const REMOVED = 1;
    for (const slot of this.removals) marker[slot] = REMOVED;
    const additions = [...this.additions];
    const compare = this.comparator();
    additions.sort(compare);
    const old = this.perm;
    const merged = new Int32Array(old.length + additions.length);
    let length = 0;
    let j = 0;
    for (let i = 0; i < old.length; i++) {
      const slot = old[i]!;
      if ((marker[slot]! & REMOVED) !== 0) continue;
      while (j < additions.length && compare(additions[j]!, slot) < 0) merged[length++] = additions[j++]!;
      merged[length++] = slot;
    }
    while (j < additions.length) merged[length++] = additions[j++]!;
    for (const slot of this.removals) {
      marker[slot] = 0;
      this.rank[slot] = ABSENT;
    }
    this.perm = merged.subarray(0, length);
    this.reindex();
    this.removals = [];
    this.additions.clear();
  }

  /** First position whose key is ≥ `value` (ascending numeric orders; NULLs count as +∞). */
  lowerBound(value: number): number {
    return this.bound(value, false);
  }

  /** First position whose key is > `value` (ascending numeric orders; NULLs count as +∞). */
  upperBound(value: number): number {
    return this.bound(value, true);
  }

  private bound(value: number, strict: boolean): number {
    const column = SORT_COLUMN[this.field];
    if (column === 'labelSort' || this.descending) throw new Error(`no range lookup on ${this.field} ${this.descending ? 'desc' : 'asc'}`);
    const keys = this.columns.numeric[column];
    let low = 0;
    let high = this.perm.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      const key = keys[this.perm[mid]!]!;
      // NaN compares false both ways, so it lands on the high side: NULLs sort last.
      const before = strict ? key <= value : key < value;
      if (before) low = mid + 1;
      else high = mid;
    }
    return low;
  }

  private reindex(): void {
    const { perm, rank } = this;
    for (let i = 0; i < perm.length; i++) rank[perm[i]!] = i;
  }
}

/** One SortOrder per (field, direction). */
export class SortOrders {
  private readonly orders = new Map<string, SortOrder>();

  constructor(columns: ContractColumns, capacity: number) {
    for (const field of SORT_FIELDS) {
      for (const direction of SORT_DIRECTIONS) {
        this.orders.set(`${field}:${direction}`, new SortOrder(columns, field, direction === 'desc', capacity));
      }
    }
  }

  get(field: SortField, direction: SortDirection): SortOrder {
    return this.orders.get(`${field}:${direction}`)!;
  }

  all(): IterableIterator<SortOrder> {
    return this.orders.values();
  }
}
