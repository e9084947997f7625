import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { andInto, andNotInto, countBits, createBits, forEachSlot, hasBit, popcount, setBit } from '../../../src/read-model/bitset.js';

describe('bitset routines', () => {
  it('popcount counts the set bits of any 32-bit word', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffffff }), (word) => {
        expect(popcount(word)).toBe(word.toString(2).split('').filter((bit) => bit === '1').length);
      }),
    );
  });

  it('set, AND, AND-NOT, count and visit agree with plain sets', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 0, max: 299 })), fc.uniqueArray(fc.integer({ min: 0, max: 299 })), (left, right) => {
        const a = createBits(300);
        const b = createBits(300);
        for (const slot of left) setBit(a, slot);
        for (const slot of right) setBit(b, slot);
        const both = Uint32Array.from(a);
        andInto(both, b);
        const onlyLeft = Uint32Array.from(a);
        andNotInto(onlyLeft, b);
        const visited: number[] = [];
        forEachSlot(both, (slot) => void visited.push(slot));
        expect(visited).toEqual(left.filter((slot) => right.includes(slot)).sort((x, y) => x - y));
        expect(countBits(onlyLeft)).toBe(left.filter((slot) => !right.includes(slot)).length);
        for (const slot of left) expect(hasBit(a, slot)).toBe(true);
      }),
    );
  });
});
