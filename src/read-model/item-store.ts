/**
 * The items (docs/api.md §9) of the held contracts, so that a detail is answered from memory. An
 * item is ten 32-bit words — record id (high, low), type id, quantity, blueprint terms, category and
 * group, and the id of its shared middle: flags and names, the same for every item of a type — about
 * 40 bytes an item instead of the ~300 of its JSON. The JSON is the SQL path's own rendering, checked
 * against the parts when an item is stored, so both paths give the same bytes.
 */
import type { ByteWriter } from '../domain/byte-writer.js';
import { toContractItem, type RawContractItemRow } from '../domain/contract-wire.js';
import { Interner } from './interner.js';
import { SlotLists } from './slot-lists.js';

const WORDS_PER_ITEM = 10;
const MIDDLE = 4;
const TWO_32 = 2 ** 32;
/** null in a word: no item field takes this value (checked when stored). */
const NULL_WORD = -(2 ** 31);
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const COMMA = 0x2c;

const headOf = (recordId: number, typeId: number, quantity: number) =>
  `{"record_id":${recordId},"type_id":${typeId},"quantity":${quantity}`;

const valueOf = (word: number) => (word === NULL_WORD ? 'null' : String(word));

const endOf = (runs: number, me: number, te: number, categoryId: number, groupId: number) =>
  `,"runs":${valueOf(runs)},"material_efficiency":${valueOf(me)},"time_efficiency":${valueOf(te)},` +
  `"category_id":${valueOf(categoryId)},"group_id":${valueOf(groupId)}}`;

function wordOf(value: number | null): number {
  if (value === null) return NULL_WORD;
  if ((value | 0) !== value || value === NULL_WORD) throw new RangeError(`read model: item value ${value} is not held in 32 bits`);
  return value;
}

export class ItemStore {
  private readonly lists: SlotLists;
  /** Held as strings: a small Buffer each would cost a share of a pooled 8 KB slab, ~2 KB a middle. */
  private readonly middles = new Interner<string>();

  constructor(capacity: number) {
    this.lists = new SlotLists(capacity);
  }

  grow(capacity: number): void {
    this.lists.grow(capacity);
  }

  reserve(items: number): void {
    this.lists.reserve(items * WORDS_PER_ITEM);
  }

  /** Holds `items` (in record order) for `slot`, replacing what it held. */
  write(slot: number, items: readonly RawContractItemRow[]): void {
    const words: number[] = [];
    for (const item of items) words.push(...this.wordsOf(item));
    this.clear(slot);
    this.lists.set(slot, words);
  }

  clear(slot: number): void {
    const words = this.lists.get(slot);
    for (let at = MIDDLE; at < words.length; at += WORDS_PER_ITEM) this.middles.release(words[at]!);
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
      writer.text(this.middles.values[words[at + MIDDLE]!]!);
      writer.ascii(endOf(words[at + 5]!, words[at + 6]!, words[at + 7]!, words[at + 8]!, words[at + 9]!));
    }
    writer.byteCodes(CLOSE_BRACKET);
  }

  /** Read straight off the raw row: a load stores ~5 items a contract, and an object each adds up. */
  private wordsOf(item: RawContractItemRow): number[] {
    const recordId = Number(item.record_id);
    if (!Number.isSafeInteger(recordId) || recordId < 0) throw new RangeError(`read model: record id ${item.record_id} is not held`);
    const high = Math.floor(recordId / TWO_32);
    const words = [
      high,
      (recordId - high * TWO_32) | 0,
      wordOf(Number(item.type_id)),
      wordOf(Number(item.quantity)),
      0,
      wordOf(item.runs),
      wordOf(item.material_efficiency),
      wordOf(item.time_efficiency),
      wordOf(item.category_id === null ? null : Number(item.category_id)),
      wordOf(item.group_id === null ? null : Number(item.group_id)),
    ];
    // The fields of the middle, told apart by separators no EVE name holds (U+0000, U+0001 for null).
    const flags = `${item.is_included ? 1 : 0}${item.is_blueprint_copy === null ? 2 : item.is_blueprint_copy ? 1 : 0}`;
    const key = `${flags}${item.market_group_id ?? ''}\u0000${item.category ?? '\u0001'}\u0000${item.type_name ?? '\u0001'}`;
    // The SQL path's full rendering runs once per distinct middle, and proves the parts add up to it.
    words[MIDDLE] = this.middles.intern(key, () => {
      const json = JSON.stringify(toContractItem(item));
      const head = headOf(recordId, words[2]!, words[3]!);
      const end = endOf(words[5]!, words[6]!, words[7]!, words[8]!, words[9]!);
      if (!json.startsWith(head) || !json.endsWith(end)) throw new RangeError(`read model: item ${recordId} does not render in parts`);
      return json.slice(head.length, json.length - end.length);
    });
    return words;
  }
}
