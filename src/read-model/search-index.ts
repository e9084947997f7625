/**
 * Substring search (docs/api.md §6.4) without a scan of every text: the stored search texts are split
 * into their parts (title, offered item names; joined by U+001F, which a query cannot contain, so
 * a match never spans two parts), each distinct part is indexed once by its trigrams (3 UTF-16
 * units), and a query verifies only the parts holding its rarest trigram.
 */
import { SEARCH_TEXT_SEPARATOR } from '../domain/search-text.js';
import type { Bits } from './bitset.js';
import { holdersUnionInto, withHolder, withoutHolder, type Holders } from './postings.js';

function trigramAt(text: string, i: number): number {
  return text.charCodeAt(i) * 4294967296 + text.charCodeAt(i + 1) * 65536 + text.charCodeAt(i + 2);
}

function distinctTrigrams(text: string): Set<number> {
  const grams = new Set<number>();
  for (let i = 0; i + 3 <= text.length; i++) grams.add(trigramAt(text, i));
  return grams;
}

/** Parts no longer held by any contract, beyond which the dictionary is rebuilt. */
const DEAD_PARTS_BEFORE_COMPACTION = 20_000;

export class SearchIndex {
  private idOf = new Map<string, number>();
  private parts: string[] = [];
  private holders: (Holders | undefined)[] = [];
  private trigrams = new Map<number, number[]>();
  private deadParts = 0;

  constructor(private capacity: number) {}

  grow(capacity: number): void {
    this.capacity = capacity;
    for (const holders of this.holders) if (holders !== undefined && typeof holders !== 'number') holders.grow(capacity);
  }

  /** Indexes `slot` under the parts of its stored search text; returns the part ids to remove it later. */
  add(slot: number, searchText: string): number[] {
    if (searchText === '') return [];
    const ids: number[] = [];
    for (const part of new Set(searchText.split(SEARCH_TEXT_SEPARATOR))) {
      // A part shorter than 3 units cannot contain a query of at least 3 code points.
      if (part.length < 3) continue;
      const revived = this.idOf.has(part);
      const id = this.partId(part);
      if (revived && this.holders[id] === undefined) this.deadParts -= 1;
      this.holders[id] = withHolder(this.holders[id], slot, this.capacity);
      ids.push(id);
    }
    return ids;
  }

  remove(slot: number, partIds: readonly number[]): void {
    for (const id of partIds) {
      const holders = withoutHolder(this.holders[id], slot);
      if (holders === undefined && this.holders[id] !== undefined) this.deadParts += 1;
      this.holders[id] = holders;
    }
  }

  /** Sets the bit of every slot one of whose parts contains `fragment` (already normalised). */
  matchInto(fragment: string, target: Bits): void {
    let rarest: number[] | null = null;
    for (const gram of distinctTrigrams(fragment)) {
      const ids = this.trigrams.get(gram);
      if (!ids) return;
      if (rarest === null || ids.length < rarest.length) rarest = ids;
    }
    if (rarest === null) return;
    for (const id of rarest) {
      const holders = this.holders[id];
      if (holders === undefined || !this.parts[id]!.includes(fragment)) continue;
      holdersUnionInto(holders, target);
    }
  }

  /**
   * Drops parts no contract holds any more once there are many; returns the renumbering (old id →
   * new id, -1 for dropped) the caller applies to the part ids it keeps per slot, or null when
   * nothing was dropped.
   */
  compactIfWasteful(): Int32Array | null {
    if (this.deadParts < DEAD_PARTS_BEFORE_COMPACTION || this.deadParts < this.idOf.size - this.deadParts) return null;
    const renumber = new Int32Array(this.parts.length).fill(-1);
    const oldParts = this.parts;
    const oldHolders = this.holders;
    this.idOf = new Map();
    this.parts = [];
    this.holders = [];
    this.trigrams = new Map();
    this.deadParts = 0;
    for (let old = 0; old < oldParts.length; old++) {
      if (oldHolders[old] === undefined) continue;
      const id = this.partId(oldParts[old]!);
      this.holders[id] = oldHolders[old];
      renumber[old] = id;
    }
    return renumber;
  }

  get size(): { parts: number; deadParts: number; trigrams: number } {
    return { parts: this.parts.length, deadParts: this.deadParts, trigrams: this.trigrams.size };
  }

  private partId(part: string): number {
    let id = this.idOf.get(part);
    if (id !== undefined) return id;
    id = this.parts.length;
    this.idOf.set(part, id);
    this.parts.push(part);
    this.holders.push(undefined);
    // Ids grow with each new part, so every posting list stays ascending.
    for (const gram of distinctTrigrams(part)) {
      let ids = this.trigrams.get(gram);
      if (!ids) this.trigrams.set(gram, (ids = []));
      ids.push(id);
    }
    return id;
  }
}
