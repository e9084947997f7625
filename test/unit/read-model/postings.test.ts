import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createBits, forEachSlot } from '../../../src/read-model/bitset.js';
import { Postings } from '../../../src/read-model/postings.js';

describe('Postings', () => {
  it('unions exactly the slots holding the values, as small sets and as bitsets, across growth', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ value: fc.integer({ min: 0, max: 4 }), slot: fc.integer({ min: 0, max: 4095 }), add: fc.boolean() }), { maxLength: 400 }),
        fc.uniqueArray(fc.integer({ min: 0, max: 5 }), { maxLength: 3 }),
        (changes, wanted) => {
          // 4096 slots: a value switches to a bitset past ~21 slots; growth mid-way must keep them.
          const postings = new Postings(4096);
          const reference = new Map<number, Set<number>>();
          changes.forEach((change, index) => {
            if (index === changes.length >> 1) postings.grow(8192);
            const held = reference.get(change.value) ?? new Set<number>();
            if (change.add) {
              postings.add(change.value, change.slot);
              held.add(change.slot);
            } else {
              postings.remove(change.value, change.slot);
              held.delete(change.slot);
            }
            reference.set(change.value, held);
          });
          const bits = createBits(8192);
          postings.unionInto(wanted, bits);
          const got: number[] = [];
          forEachSlot(bits, (slot) => void got.push(slot));
          const expected = [...new Set(wanted.flatMap((value) => [...(reference.get(value) ?? [])]))].sort((a, b) => a - b);
          expect(got).toEqual(expected);
          expect(postings.keysAscending()).toEqual([...reference].filter(([, held]) => held.size > 0).map(([value]) => value).sort((a, b) => a - b));
        },
      ),
      { numRuns: 300 },
    );
  });
});
