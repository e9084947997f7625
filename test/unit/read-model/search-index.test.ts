import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createBits, forEachSlot } from '../../../src/read-model/bitset.js';
import { SearchIndex } from '../../../src/read-model/search-index.js';

const SEPARATOR = '\u001f';
const word = fc.string({ unit: fc.constantFrom('a', 'b', 'c', 'r', 'i', 'f', 't', 'e', ' ', '%', 'ü', '\u{1F680}'), minLength: 0, maxLength: 12 });
const text = fc.array(word, { maxLength: 4 }).map((parts) => parts.join(SEPARATOR));

function matches(index: SearchIndex, fragment: string): number[] {
  const bits = createBits(1 << 20);
  index.matchInto(fragment, bits);
  const slots: number[] = [];
  forEachSlot(bits, (slot) => void slots.push(slot));
  return slots;
}

/** docs/api.md §6.4: a substring of one part (the query cannot contain the separator). */
function naive(texts: Map<number, string>, fragment: string): number[] {
  return [...texts]
    .filter(([, stored]) => stored.split(SEPARATOR).some((part) => part.includes(fragment)))
    .map(([slot]) => slot)
    .sort((a, b) => a - b);
}

describe('SearchIndex', () => {
  // A small capacity keeps every holder set as a bitset, a large one as a Set: both representations.
  it.each([64, 1 << 20])('finds exactly the slots one of whose parts contains the fragment, through adds and removals (capacity %i)', (capacity) => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ slot: fc.integer({ min: 0, max: 63 }), text: fc.option(text) }), { maxLength: 60 }),
        fc.array(word.filter((w) => [...w].length >= 3), { minLength: 1, maxLength: 5 }),
        (changes, fragments) => {
          const index = new SearchIndex(capacity);
          const held = new Map<number, { text: string; parts: number[] }>();
          for (const change of changes) {
            const previous = held.get(change.slot);
            if (previous) index.remove(change.slot, previous.parts);
            held.delete(change.slot);
            if (change.text !== null) held.set(change.slot, { text: change.text, parts: index.add(change.slot, change.text) });
          }
          const texts = new Map([...held].map(([slot, entry]) => [slot, entry.text]));
          for (const fragment of fragments) expect(matches(index, fragment)).toEqual(naive(texts, fragment));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('never matches across two parts', () => {
    const index = new SearchIndex(64);
    index.add(1, `rif${SEPARATOR}ter`);
    expect(matches(index, 'rifter')).toEqual([]);
    expect(matches(index, 'rif')).toEqual([1]);
  });
});
