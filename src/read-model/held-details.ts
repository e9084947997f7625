/**
 * The details (docs/api.md §9) the read model cannot render from its own columns: closed contracts,
 * which it does not index, and auctions, whose bids it does not hold. Each is the SQL path's own body,
 * read once and held deflated against a dictionary of the detail's field names, so a body of ~2.4 KB
 * costs ~470 bytes and ~10 µs to inflate, within a budget (READ_MODEL_DETAILS_MB). A body is
 * held for one version of its contract: the store drops it whenever the contract changes, and
 * `pending` names those still to be read.
 */
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { CONTRACT_WIRE_COLUMNS } from '../domain/contract-wire.js';
import { ITEM_FIELD_NAMES } from '../repositories/item-json.js';

/**
 * Deflate finds matches nearest the end of its dictionary cheapest, so the keys every body repeats
 * most (an item's) come last, after the row's keys and the values they most often take.
 */
function detailDictionary(): Buffer {
  const row = CONTRACT_WIRE_COLUMNS.map((column) => `"${column}":null`).join(',');
  const commonValues =
    '"type":"item_exchange","type":"courier","type":"auction","for_corporation":false,"collateral":0,' +
    '"is_ship_contract":false,"is_blueprint_copy_contract":false,"composition":{},"blueprint_summary":null,' +
    '"bids":[]}"bid_id":,"amount":,"date_bid":"2026-12-06T00:00:00Z"';
  const item = ITEM_FIELD_NAMES.map((key) => `"${key}":null`).join(',');
  return Buffer.from(`{${row},${commonValues},"items":[{${item}},{${item.replace('"is_included":null', '"is_included":true,"is_blueprint_copy":false')}}`);
}

const DICTIONARY = { dictionary: detailDictionary() };

/** What a held body costs beyond its packed bytes: its Buffer object and its map entry, about. */
const ENTRY_OVERHEAD_BYTES = 128;

export class HeldDetails {
  /** In order of last use: the first entry is the one to let go when the budget is spent. */
  private readonly packed = new Map<number, Buffer>();
  /** Contracts whose detail is to be read and held: changed or new since the last fill. */
  private readonly pending = new Set<number>();
  private heldBytes = 0;

  /** `maxBytes`: the budget of the held bodies (0 holds none, so those details are database reads). */
  constructor(private readonly maxBytes = Number.POSITIVE_INFINITY) {}

  get size(): number {
    return this.packed.size;
  }

  get pendingCount(): number {
    return this.pending.size;
  }

  /** Bytes the held bodies take, their objects included (estimated). */
  get bytes(): number {
    return this.heldBytes;
  }

  /** The contract changed (or is new): its held body, if any, no longer describes it. */
  invalidate(contractId: number, holdable: boolean): void {
    this.drop(contractId);
    if (holdable && this.maxBytes > 0) this.pending.add(contractId);
  }

  forget(contractId: number): void {
    this.drop(contractId);
    this.pending.delete(contractId);
  }

  /** Up to `limit` contracts still to be read, in the order they were queued. */
  nextPending(limit: number): number[] {
    const ids: number[] = [];
    for (const id of this.pending) {
      if (ids.length === limit) break;
      ids.push(id);
    }
    return ids;
  }

  isPending(contractId: number): boolean {
    return this.pending.has(contractId);
  }

  /**
   * Holds the body, letting go of the least recently used ones past the budget: after a full load,
   * which queues contracts by ascending id, that keeps the newest ones.
   */
  hold(contractId: number, body: Buffer): void {
    this.drop(contractId);
    this.pending.delete(contractId);
    if (this.maxBytes === 0) return;
    // Copied out of zlib's output into the shared small-buffer pool: one 8 KB slab holds ~20 bodies.
    const packed = Buffer.from(deflateRawSync(body, DICTIONARY));
    this.packed.set(contractId, packed);
    this.heldBytes += packed.length + ENTRY_OVERHEAD_BYTES;
    for (const [oldest] of this.packed) {
      if (this.heldBytes <= this.maxBytes) break;
      this.drop(oldest);
    }
  }

  body(contractId: number): Buffer | undefined {
    const packed = this.packed.get(contractId);
    if (packed === undefined) return undefined;
    this.packed.delete(contractId);
    this.packed.set(contractId, packed);
    return inflateRawSync(packed, DICTIONARY);
  }

  private drop(contractId: number): void {
    const packed = this.packed.get(contractId);
    if (packed === undefined) return;
    this.packed.delete(contractId);
    this.heldBytes -= packed.length + ENTRY_OVERHEAD_BYTES;
  }
}
