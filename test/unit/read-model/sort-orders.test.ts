import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SORT_FIELDS } from '../../../src/domain/contract-query.js';
import { compareCodePoints } from '../../../src/domain/code-point-order.js';
import { ContractColumns, SORT_COLUMN } from '../../../src/read-model/columns.js';
import { SortOrder } from '../../../src/read-model/sort-orders.js';

const CAPACITY = 64;

/** The answer order of docs/api.md §6.8, written out directly: key in direction, NULLs last, ties by id. */
function referenceOrder(columns: ContractColumns, slots: number[], field: (typeof SORT_FIELDS)[number], descending: boolean): number[] {
  const column = SORT_COLUMN[field];
  const ids = columns.numeric.contractId;
  return [...slots].sort((a, b) => {
    if (column === 'labelSort') {
      const byLabel = compareCodePoints(columns.labelSort[a]!, columns.labelSort[b]!);
      return (descending ? -byLabel : byLabel) || ids[a]! - ids[b]!;
    }
    const x = columns.numeric[column][a]!;
    const y = columns.numeric[column][b]!;
    if (Number.isNaN(x) && Number.isNaN(y)) return ids[a]! - ids[b]!;
    if (Number.isNaN(x)) return 1;
    if (Number.isNaN(y)) return -1;
    if (x !== y) return descending ? y - x : x - y;
    return ids[a]! - ids[b]!;
  });
}

const key = fc.oneof(fc.constant(Number.NaN), fc.integer({ min: -3, max: 3 }), fc.double({ noNaN: true, min: -1e6, max: 1e6 }));
const label = fc.constantFrom('rifter', 'Rifter', 'caracal', '\uFF21', '\u{1F680}x', '', 'zz');
const step = fc.record({ slot: fc.integer({ min: 0, max: CAPACITY - 1 }), present: fc.boolean(), key, label });

describe('SortOrder: merged batches equal a full sort', () => {
  it.each(SORT_FIELDS.flatMap((field) => [false, true].map((descending) => [field, descending] as const)))(
    '%s desc=%s',
    (field, descending) => {
      fc.assert(
        fc.property(fc.array(fc.array(step, { maxLength: 20 }), { minLength: 1, maxLength: 6 }), (batches) => {
          const columns = new ContractColumns(CAPACITY);
          for (let slot = 0; slot < CAPACITY; slot++) columns.numeric.contractId[slot] = 1000 - slot * 7;
          const order = new SortOrder(columns, field, descending, CAPACITY);
          const present = new Set<number>();
          const marker = new Uint8Array(CAPACITY);
          for (const batch of batches) {
            for (const change of batch) {
              const column = SORT_COLUMN[field];
              if (!change.present) {
                order.remove(change.slot);
                present.delete(change.slot);
                continue;
              }
              if (column === 'labelSort') columns.labelSort[change.slot] = change.label;
              else columns.numeric[column][change.slot] = change.key;
              order.place(change.slot);
              present.add(change.slot);
            }
            order.flush(marker);
            const expected = referenceOrder(columns, [...present], field, descending);
            expect([...order.perm]).toEqual(expected);
            expected.forEach((slot, position) => expect(order.rank[slot]).toBe(position));
            expect(marker.every((value) => value === 0)).toBe(true);
          }
        }),
        { numRuns: 60 },
      );
    },
  );

  it('lowerBound / upperBound find [min, max] ranges with NULLs past the end', () => {
    fc.assert(
      fc.property(fc.array(key, { minLength: 1, maxLength: 40 }), key, key, (keys, a, b) => {
        const columns = new ContractColumns(CAPACITY);
        keys.forEach((value, slot) => {
          columns.numeric.price[slot] = value;
          columns.numeric.contractId[slot] = slot;
        });
        const order = new SortOrder(columns, 'price', false, CAPACITY);
        order.build(keys.map((_, slot) => slot));
        const min = Number.isNaN(a) ? -Infinity : Math.min(a, Number.isNaN(b) ? a : b);
        const max = Number.isNaN(b) ? Infinity : Math.max(b, Number.isNaN(a) ? b : a);
        const inRange = [...order.perm.subarray(order.lowerBound(min), order.upperBound(max))].sort((x, y) => x - y);
        const expected = keys.flatMap((value, slot) => (value >= min && value <= max ? [slot] : []));
        expect(inRange).toEqual(expected);
      }),
    );
  });
});
