/**
 * The items (docs/api.md §9) of the held contracts, so that a detail is answered from memory. An
 * item is five 32-bit words — record id (high, low), type id, quantity, and the id of the rest of
 * its JSON — and that rest (flags, names, blueprint terms) is shared by every item alike in it:
 * about 20 bytes an item instead of the ~300 of its JSON. The JSON is the SQL path's own rendering,
 * cut after the quantity, so both paths give the same bytes.
 */
import type { ByteWriter } from '../domain/byte-writer.js';
import { toContractItem, type RawContractItemRow } from '../domain/contract-wire.js';
import { Interner } from './interner.js';
import { SlotLists } from './slot-lists.js';

const WORDS_PER_ITEM = 5;
const TWO_32 = 2 ** 32;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const COMMA = 0x2c;

const headOf = (recordId: number, typeId: number, quantity: number) =>
  `{"record_id":${recordId},"type_id":${typeId},"quantity":${quantity}`;

export class ItemStore {
  private readonly lists: SlotLists;
  private readonly tails = new Interner<string, Buffer>();

  constructor(capacity: number) {
    this.lists = new SlotLists(capacity);
  }

  grow(capacity: number): void {
    this.lists.grow(capacity);
  }

  /** Holds `items` (in record order) for `slot`, replacing what it held. */
  write(slot: number, items: readonly RawContractItemRow[]): void {
    const words: number[] = [];
    for (const item of items) {
      const wire = toContractItem(item);
      const json = JSON.stringify(wire);
      const head = headOf(wire.record_id, wire.type_id, wire.quantity);
      if (!json.startsWith(head) || !Number.isSafeInteger(wire.record_id) || wire.record_id < 0) {
        throw new RangeError(`read model: item ${wire.record_id} cannot be held`);
      }
      const high = Math.floor(wire.record_id / TWO_32);
      words.push(high, (wire.record_id - high * TWO_32) | 0, wire.type_id, wire.quantity, 0);
      words[words.length - 1] = this.tails.intern(json.slice(head.length), (tail) => Buffer.from(tail));
    }
    this.clear(slot);
    this.lists.set(slot, words);
  }

  clear(slot: number): void {
    const words = this.lists.get(slot);
    for (let at = WORDS_PER_ITEM - 1; at < words.length; at += WORDS_PER_ITEM) this.tails.release(words[at]!);
    this.lists.clear(slot);
  }

  /** Writes the slot's items as a JSON array. */
  writeItems(slot: number, writer: ByteWriter): void {
    const words = this.lists.get(slot);
    writer.byteCodes(OPEN_BRACKET);
    for (let at = 0; at < words.length; at += WORDS_PER_ITEM) {
      if (at > 0) writer.byteCodes(COMMA);
      const recordId = words[at]! * TWO_32 + (words[at + 1]! >>> 0);
      writer.ascii(headOf(recordId, words[at + 2]!, words[at + 3]!));
      writer.bytes(this.tails.values[words[at + 4]!]!);
    }
    writer.byteCodes(CLOSE_BRACKET);
  }
}
