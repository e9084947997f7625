import { describe, expect, it } from 'vitest';
import { CHUNK_SLOTS, comboIsShip, comboOf, comboSegment, SlotSpace } from '../../../src/read-model/slot-space.js';

describe('SlotSpace', () => {
  it('hands out slots from chunks owned by one (segment, ship) combination, reuses released ones, and grows', () => {
    const space = new SlotSpace(CHUNK_SLOTS);
    const grown: number[] = [];
    space.onGrow((capacity) => grown.push(capacity));
    const ship = comboOf('item_exchange', true);
    const courier = comboOf('courier', false);
    const a = space.allocate(ship);
    const b = space.allocate(courier);
    expect(Math.floor(a / CHUNK_SLOTS)).not.toBe(Math.floor(b / CHUNK_SLOTS));
    expect(space.comboOfSlot(a)).toBe(ship);
    expect(space.comboOfSlot(b)).toBe(courier);
    expect(grown).toEqual([2 * CHUNK_SLOTS]);
    space.release(a);
    expect(space.allocate(ship)).toBe(a);
    const many = Array.from({ length: CHUNK_SLOTS }, () => space.allocate(ship));
    expect(new Set(many).size).toBe(CHUNK_SLOTS);
    expect(many.every((slot) => space.comboOfSlot(slot) === ship)).toBe(true);
    expect(space.capacity).toBeGreaterThanOrEqual(3 * CHUNK_SLOTS);
  });

  it('names the combination back', () => {
    expect(comboSegment(comboOf('loan', false))).toBe('loan');
    expect(comboIsShip(comboOf('auction', true))).toBe(true);
    expect(comboIsShip(comboOf('auction', false))).toBe(false);
  });
});
