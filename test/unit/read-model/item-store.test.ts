import { describe, expect, it } from 'vitest';
import { ByteWriter } from '../../../src/domain/byte-writer.js';
import { toContractItem, type RawContractItemRow } from '../../../src/domain/contract-wire.js';
import { ItemStore } from '../../../src/read-model/item-store.js';

const item = (overrides: Partial<RawContractItemRow> = {}): RawContractItemRow => ({
  record_id: '1',
  type_id: '587',
  quantity: '1',
  is_included: true,
  is_blueprint_copy: null,
  type_name: 'Rifter',
  category: 'ship',
  market_group_id: '64',
  runs: null,
  material_efficiency: null,
  time_efficiency: null,
  category_id: '6',
  group_id: '25',
  ...overrides,
});

function itemsJson(store: ItemStore, slot: number): string {
  const writer = new ByteWriter(16);
  store.writeItems(slot, writer);
  return writer.done().toString('utf8');
}

const expected = (items: RawContractItemRow[]) => JSON.stringify(items.map(toContractItem));

describe('item store', () => {
  it('renders what the SQL path renders: nulls, record ids past 2^32, non-ASCII names, blueprint terms', () => {
    const store = new ItemStore(4);
    const items = [
      item(),
      item({ record_id: String(2 ** 40 + 12345), type_id: '1000001', quantity: '2147483647', type_name: 'Ääkkönen’s “Blueprint” ✓' }),
      item({ is_included: false, is_blueprint_copy: true, runs: 10, material_efficiency: 0, time_efficiency: 20, category_id: null, group_id: null, market_group_id: null, type_name: null, category: null }),
    ];
    store.write(2, items);
    expect(itemsJson(store, 2)).toBe(expected(items));
    expect(itemsJson(store, 1)).toBe('[]');
  });

  it('replacing or clearing a slot drops what it held', () => {
    const store = new ItemStore(2);
    store.write(0, [item(), item({ record_id: '2' })]);
    store.write(0, [item({ record_id: '3', quantity: '5' })]);
    expect(itemsJson(store, 0)).toBe(expected([item({ record_id: '3', quantity: '5' })]));
    store.clear(0);
    expect(itemsJson(store, 0)).toBe('[]');
  });

  it('refuses a value it cannot hold exactly instead of rendering another one', () => {
    const store = new ItemStore(1);
    expect(() => store.write(0, [item({ quantity: String(2 ** 31) })])).toThrow(RangeError);
    expect(() => store.write(0, [item({ runs: -(2 ** 31) })])).toThrow(RangeError);
    expect(itemsJson(store, 0)).toBe('[]');
  });
});
