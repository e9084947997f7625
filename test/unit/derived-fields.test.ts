import { describe, it, expect } from 'vitest';
import {
  BLUEPRINT_CATEGORY_ID,
  SHIP_CATEGORY_ID,
  deriveContractFields,
  isShipCategory,
  nextShipFlag,
  type DerivationContract,
  type DerivationItem,
} from '../../src/domain/derived-fields.js';
import { compareCodePoints } from '../../src/domain/code-point-order.js';

// Real EVE ids (shared/data/eve-sde): type -> [name, category_id].
const ROKH = { typeName: 'Rokh', categoryId: 6 } as const; // 24688, group 27 Battleship
const CARACAL_BLUEPRINT = { typeName: 'Caracal Blueprint', categoryId: 9 } as const; // 687, group 106
const WARP_SCRAMBLER = { typeName: 'Warp Scrambler I', categoryId: 7 } as const; // 447, group 52
const LARGE_SKILL_INJECTOR = { typeName: 'Large Skill Injector', categoryId: 5 } as const; // 40520, group 1739 Accessories
const AFTERBURNER = { typeName: '1MN Afterburner I', categoryId: 7 } as const; // 439, group 46
const RIFTER = { typeName: 'Rifter', categoryId: 6 } as const; // 587, group 25 Frigate
const TRITANIUM = { typeName: 'Tritanium', categoryId: 4 } as const; // 34, group 18

const CATEGORY_NAMES: ReadonlyMap<number, string> = new Map([
  [4, 'Material'],
  [5, 'Accessories'],
  [6, 'Ship'],
  [7, 'Module'],
  [9, 'Blueprint'],
]);

const AMARR_ACADEMY = 'Amarr VIII (Oris) - Emperor Family Academy';

function contract(overrides: Partial<DerivationContract> = {}): DerivationContract {
  return { contractId: 401, type: 'item_exchange', title: '', endLocationName: null, ...overrides };
}

function offered(recordId: number, overrides: Partial<DerivationItem> = {}): DerivationItem {
  return {
    recordId,
    isIncluded: true,
    isBlueprintCopy: null,
    typeName: null,
    categoryId: null,
    runs: null,
    materialEfficiency: null,
    timeEfficiency: null,
    ...overrides,
  };
}

function requested(recordId: number, overrides: Partial<DerivationItem> = {}): DerivationItem {
  return offered(recordId, { ...overrides, isIncluded: false });
}

function bpc(recordId: number, runs: number | null, me: number | null, te: number | null): DerivationItem {
  return offered(recordId, {
    ...CARACAL_BLUEPRINT,
    isBlueprintCopy: true,
    runs,
    materialEfficiency: me,
    timeEfficiency: te,
  });
}

function derive(items: DerivationItem[] | null, c: Partial<DerivationContract> = {}, volume: number | null = null) {
  return deriveContractFields(contract(c), items, volume, CATEGORY_NAMES);
}

describe('constants', () => {
  it('ship is category 6 and blueprint category 9', () => {
    expect(SHIP_CATEGORY_ID).toBe(6);
    expect(BLUEPRINT_CATEGORY_ID).toBe(9);
    expect(isShipCategory(6)).toBe(true);
    expect(isShipCategory(7)).toBe(false);
    expect(isShipCategory(null)).toBe(false);
  });
});

describe('docs/api.md §8 example 1 (case 41)', () => {
  // Record ids above 2^31 and given out of order: the function must sort a copy by record_id.
  const base = 3_000_000_000;
  const items = [
    requested(base + 3, WARP_SCRAMBLER),
    bpc(base + 2, 7, 8, 14),
    offered(base + 1, ROKH),
  ];
  const snapshot = items.map((item) => item.recordId);
  const result = deriveContractFields(contract({ contractId: 401 }), items, 470000.01, CATEGORY_NAMES);

  it('primary_label Rokh, is_ship_contract and is_blueprint_copy_contract true (case 41)', () => {
    expect(result.primaryLabel).toBe('Rokh');
    expect(result.primaryLabelSort).toBe('rokh');
    expect(result.isBlueprintCopyContract).toBe(true);
    expect(nextShipFlag(false, items, true)).toBe(true);
  });

  it('composition and blueprint_summary serialize exactly as documented, key order included (case 41)', () => {
    expect(JSON.stringify(result.composition)).toBe(
      '{"categories":[{"category_id":9,"name":"Blueprint","item_row_count":1},' +
        '{"category_id":6,"name":"Ship","item_row_count":1}],"total_item_rows":2,"total_volume":470000.01}',
    );
    expect(JSON.stringify(result.blueprintSummary)).toBe(
      '{"runs":7,"material_efficiency":8,"time_efficiency":14,"copy_count":1}',
    );
  });

  it('the requested scrambler is not searchable (case 41)', () => {
    expect(result.searchText).toBe('rokh\u001fcaracal blueprint');
    expect(result.searchText).not.toContain('scrambler');
  });

  it('does not reorder the caller’s array', () => {
    expect(items.map((item) => item.recordId)).toEqual(snapshot);
  });
});

describe('composition (docs/api.md §8 example 2, case 42)', () => {
  it('categories null, null, 7, 6, 42 (unresolved) → [{null,null,2},{7,Module,1},{6,Ship,1},{42,null,1}] (case 42)', () => {
    const result = derive([
      offered(1),
      offered(2),
      offered(3, AFTERBURNER),
      offered(4, RIFTER),
      offered(5, { typeName: 'Some Planetary Thing', categoryId: 42 }),
    ]);
    expect(result.composition).toEqual({
      categories: [
        { category_id: null, name: null, item_row_count: 2 },
        { category_id: 7, name: 'Module', item_row_count: 1 },
        { category_id: 6, name: 'Ship', item_row_count: 1 },
        { category_id: 42, name: null, item_row_count: 1 },
      ],
      total_item_rows: 5,
      total_volume: null,
    });
  });

  it('one row each in 9, 7, 6, 43, 42 (unresolved), null → Blueprint, Module, Ship, 42, 43, null (case 42)', () => {
    const result = derive([
      offered(1, { categoryId: null }),
      offered(2, { categoryId: 43 }),
      offered(3, { categoryId: 42 }),
      offered(4, { categoryId: 6 }),
      offered(5, { categoryId: 7 }),
      offered(6, { categoryId: 9 }),
    ]);
    expect(result.composition?.categories.map((c) => [c.category_id, c.name])).toEqual([
      [9, 'Blueprint'],
      [7, 'Module'],
      [6, 'Ship'],
      [42, null],
      [43, null],
      [null, null],
    ]);
    expect(result.composition?.total_item_rows).toBe(6);
  });

  it('one offered and three requested rows → null (case 42)', () => {
    const result = derive([offered(1, RIFTER), requested(2, RIFTER), requested(3, AFTERBURNER), requested(4)]);
    expect(result.composition).toBeNull();
  });

  it('rows are counted, not quantities (quantity 500 is one row) (case 42)', () => {
    const tritanium500 = { ...offered(1, TRITANIUM), quantity: 500 };
    const result = derive([tritanium500, offered(2, RIFTER)]);
    expect(result.composition?.total_item_rows).toBe(2);
    expect(result.composition?.categories.map((c) => c.item_row_count)).toEqual([1, 1]);
  });

  it('total_volume is the contract volume, null if null (case 42)', () => {
    const items = [offered(1, TRITANIUM), offered(2, RIFTER)];
    expect(derive(items, {}, 1234.5).composition?.total_volume).toBe(1234.5);
    expect(derive(items, {}, null).composition?.total_volume).toBeNull();
  });

  it('null when there are no items yet', () => {
    expect(derive(null).composition).toBeNull();
    expect(derive([]).composition).toBeNull();
  });

  it('names compare by code point, not locale: uppercase before lowercase, BMP before astral', () => {
    const names = new Map([
      [101, 'alpha'],
      [102, 'Zeta'],
      [103, '\u{1F680}rocket'],
      [104, '\uFF21fullwidth'],
    ]);
    const items = [101, 102, 103, 104].map((categoryId, i) => offered(i + 1, { categoryId }));
    const result = deriveContractFields(contract(), items, null, names);
    expect(result.composition?.categories.map((c) => c.category_id)).toEqual([102, 101, 104, 103]);
  });

  it('higher row counts come first whatever the name', () => {
    const result = derive([offered(1, RIFTER), offered(2, TRITANIUM), offered(3, TRITANIUM), offered(4)]);
    expect(result.composition?.categories.map((c) => c.category_id)).toEqual([4, 6, null]);
  });
});

describe('compareCodePoints', () => {
  it('orders by Unicode code point, equal strings compare 0, a prefix sorts first', () => {
    expect(compareCodePoints('\uFF21', '\u{1F680}')).toBeLessThan(0);
    expect(compareCodePoints('\u{1F680}', '\uFF21')).toBeGreaterThan(0);
    expect(compareCodePoints('Zeta', 'alpha')).toBeLessThan(0);
    expect(compareCodePoints('Ship', 'Ship')).toBe(0);
    expect(compareCodePoints('Ship', 'Ships')).toBeLessThan(0);
    expect(compareCodePoints('', '')).toBe(0);
  });
});

describe('primary_label (docs/api.md §8 examples 3–5, cases 43–45)', () => {
  it('Afterburner (record 1) then Rifter (record 2) → Rifter (case 43)', () => {
    expect(derive([offered(1, AFTERBURNER), offered(2, RIFTER)]).primaryLabel).toBe('Rifter');
  });

  it('the first ship by record_id wins, not the first in input order (case 43)', () => {
    expect(derive([offered(9, RIFTER), offered(5, ROKH), offered(1, AFTERBURNER)]).primaryLabel).toBe('Rokh');
  });

  it('Large Skill Injector then Afterburner, title "cheap stuff" → Large Skill Injector (example 3) (case 43)', () => {
    const result = derive([offered(1, LARGE_SKILL_INJECTOR), offered(2, AFTERBURNER)], { title: 'cheap stuff' });
    expect(result.primaryLabel).toBe('Large Skill Injector');
  });

  it('an offered item with null or empty type_name is skipped (case 43)', () => {
    expect(derive([offered(1, { categoryId: 6 }), offered(2, AFTERBURNER)]).primaryLabel).toBe('1MN Afterburner I');
    expect(derive([offered(1, { typeName: '', categoryId: 6 }), offered(2, TRITANIUM)]).primaryLabel).toBe(
      'Tritanium',
    );
    expect(derive([offered(1), offered(2)], { title: 'bundle' }).primaryLabel).toBe('bundle');
  });

  it('requested ships never count (case 43)', () => {
    expect(derive([requested(1, RIFTER), offered(2, AFTERBURNER)]).primaryLabel).toBe('1MN Afterburner I');
    expect(derive([requested(1, RIFTER)], { title: '  WTB Rifter ' }).primaryLabel).toBe('WTB Rifter');
  });

  it('items pending, title "  WTS Rifter  " → "WTS Rifter", not a ship, composition null (example 4) (case 44)', () => {
    const result = derive(null, { title: '  WTS Rifter  ' });
    expect(result.primaryLabel).toBe('WTS Rifter');
    expect(result.composition).toBeNull();
    expect(result.blueprintSummary).toBeNull();
    expect(result.isBlueprintCopyContract).toBe(false);
    expect(nextShipFlag(false, [], false)).toBe(false);
  });

  it('title "" or null (or blank), item_exchange 213456789 → "Contract 213456789" (example 4) (case 44)', () => {
    for (const title of ['', null, ' \t ']) {
      expect(derive(null, { contractId: 213456789, title }).primaryLabel).toBe('Contract 213456789');
    }
  });

  it('an unknown type falls back to the contract id too (case 44)', () => {
    expect(derive(null, { contractId: 5, type: 'something_new', endLocationName: AMARR_ACADEMY }).primaryLabel).toBe(
      'Contract 5',
    );
  });

  it('courier 105, title "", end name resolved → "Courier to <end>" (example 5) (case 45)', () => {
    const result = derive(null, { contractId: 105, type: 'courier', title: '', endLocationName: AMARR_ACADEMY }, 1000);
    expect(result.primaryLabel).toBe('Courier to Amarr VIII (Oris) - Emperor Family Academy');
    expect(result.primaryLabelSort).toBe('courier to amarr viii (oris) - emperor family academy');
  });

  it('courier ending at a player structure (no name) → "Courier" (example 5) (case 45)', () => {
    expect(derive(null, { contractId: 105, type: 'courier', endLocationName: null }).primaryLabel).toBe('Courier');
    expect(derive(null, { contractId: 105, type: 'courier', endLocationName: '' }).primaryLabel).toBe('Courier');
  });

  it('a courier title wins over the courier label', () => {
    expect(derive(null, { type: 'courier', title: ' JF run ', endLocationName: AMARR_ACADEMY }).primaryLabel).toBe(
      'JF run',
    );
  });

  it('primary_label_sort is the JS toLowerCase of the label', () => {
    expect(derive(null, { title: 'ÄRGER Stuff' }).primaryLabelSort).toBe('ärger stuff');
  });
});

describe('blueprint_summary (docs/api.md §8 example 6, case 46)', () => {
  it('one offered copy → {7,8,14,1} (case 46)', () => {
    const result = derive([bpc(1, 7, 8, 14), offered(2, RIFTER)]);
    expect(result.blueprintSummary).toEqual({ runs: 7, material_efficiency: 8, time_efficiency: 14, copy_count: 1 });
    expect(result.isBlueprintCopyContract).toBe(true);
  });

  it('a copy without runs/ME/TE → three nulls, copy_count 1 (case 46)', () => {
    expect(derive([bpc(1, null, null, null)]).blueprintSummary).toEqual({
      runs: null,
      material_efficiency: null,
      time_efficiency: null,
      copy_count: 1,
    });
  });

  it('two copies → {null,null,null,2}, key order as documented (example 6) (case 46)', () => {
    const result = derive([bpc(1, 7, 8, 14), bpc(2, 7, 8, 14)]);
    expect(JSON.stringify(result.blueprintSummary)).toBe(
      '{"runs":null,"material_efficiency":null,"time_efficiency":null,"copy_count":2}',
    );
    expect(result.isBlueprintCopyContract).toBe(true);
  });

  it('original only → null, is_blueprint_copy_contract false (example 6) (case 46)', () => {
    for (const isBlueprintCopy of [false, null]) {
      const result = derive([offered(1, { ...CARACAL_BLUEPRINT, isBlueprintCopy, materialEfficiency: 10 })]);
      expect(result.blueprintSummary).toBeNull();
      expect(result.isBlueprintCopyContract).toBe(false);
    }
  });

  it('requested copy only → null, is_blueprint_copy_contract false (case 46)', () => {
    const copy = requested(1, { ...CARACAL_BLUEPRINT, isBlueprintCopy: true, runs: 7 });
    const result = derive([copy, offered(2, RIFTER)]);
    expect(result.blueprintSummary).toBeNull();
    expect(result.isBlueprintCopyContract).toBe(false);
  });
});

describe('nextShipFlag (docs/sync.md §5.5, case 110)', () => {
  const rifter = { isIncluded: true, categoryId: 6 };
  const requestedRifter = { isIncluded: false, categoryId: 6 };
  const tritanium = { isIncluded: true, categoryId: 4 };
  const unresolved = { isIncluded: true, categoryId: null };

  it('offered Rifter → ship (case 110)', () => {
    expect(nextShipFlag(false, [rifter], true)).toBe(true);
  });

  it('requested Rifter + offered Tritanium → not a ship, even if previously flagged (case 110)', () => {
    expect(nextShipFlag(false, [requestedRifter, tritanium], true)).toBe(false);
    expect(nextShipFlag(true, [requestedRifter, tritanium], true)).toBe(false);
  });

  it('offered Rifter + an item whose E5 failed → ship while incomplete (case 110)', () => {
    expect(nextShipFlag(false, [rifter, unresolved], false)).toBe(true);
  });

  it('an incomplete enrichment never clears true and never sets it without a known ship (case 110)', () => {
    expect(nextShipFlag(true, [tritanium, unresolved], false)).toBe(true);
    expect(nextShipFlag(false, [tritanium, unresolved], false)).toBe(false);
  });

  it('complete with no offered category 6 → false (case 110)', () => {
    expect(nextShipFlag(true, [tritanium], true)).toBe(false);
    expect(nextShipFlag(true, [], true)).toBe(false);
  });
});

describe('search_text (docs/sync.md §5.5)', () => {
  it('joins the lowercased title and offered type names in record_id order with U+001F', () => {
    const result = derive([offered(2, AFTERBURNER), offered(1, RIFTER)], { title: 'Cheap Stuff' });
    expect(result.searchText).toBe('cheap stuff\u001frifter\u001f1mn afterburner i');
  });

  it('excludes requested items and items without a type name', () => {
    const result = derive([offered(1, RIFTER), requested(2, WARP_SCRAMBLER), offered(3)], { title: null });
    expect(result.searchText).toBe('rifter');
  });

  it('turns ASCII control characters into spaces so no stored text contains the separator', () => {
    const result = derive([offered(1, { typeName: 'Odd\u001fName\u007f' })], { title: 'a\tb\nc\u0000d' });
    expect(result.searchText).toBe('a b c d\u001fodd name ');
    expect(result.searchText.split('\u001f')).toEqual(['a b c d', 'odd name ']);
  });

  it('lowercases with JS toLowerCase (ÄRGER → ärger)', () => {
    expect(derive(null, { title: 'ÄRGER' }).searchText).toBe('ärger');
  });

  it('is empty when there is neither title nor offered item name', () => {
    expect(derive(null, { title: null }).searchText).toBe('');
    expect(derive(null, { title: '' }).searchText).toBe('');
  });
});
