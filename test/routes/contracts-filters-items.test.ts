import { describe, expect, it } from 'vitest';
import type { ContractSpec } from '../support/fixtures.js';
import { list, matchedIds, useFixtureDatabase, type Row } from '../support/list-helpers.js';

// cases 21–22 (blueprint families runs/ME/TE) and cases 25–27 (multi-select and
// the taxonomy rule), docs/api.md §6.4. Each block seeds only the contracts its case describes.

const NOW = new Date('2026-07-21T09:16:30Z');
const CARACAL_BLUEPRINT = 687;

const useFixture = useFixtureDatabase(NOW);

describe('runs bounds hold on one offered item (case 21)', () => {
  const fixture = useFixture([
    {
      contractId: 201,
      items: [
        { typeId: CARACAL_BLUEPRINT, isBlueprintCopy: true, runs: 5 },
        { typeId: CARACAL_BLUEPRINT, isBlueprintCopy: true, runs: 15 },
      ],
    },
    { contractId: 202, items: [{ typeId: CARACAL_BLUEPRINT, isBlueprintCopy: true, runs: 10 }] },
    // An original: no runs (null), but it has ME/TE.
    { contractId: 203, items: [{ typeId: CARACAL_BLUEPRINT, me: 10, te: 20 }] },
    // Only requests a runs-10 copy.
    { contractId: 204, items: [{ typeId: 587 }, { typeId: CARACAL_BLUEPRINT, isIncluded: false, isBlueprintCopy: true, runs: 10 }] },
  ]);

  it.each<Row>([
    ['max_runs=9', [201]],
    ['min_runs=10', [201, 202]],
    ['min_runs=10&max_runs=10', [202]],
    ['min_runs=-1', [201, 202]],
    ['max_runs=5', [201]],
    ['min_runs=15&max_runs=15', [201]],
    ['min_runs=16', []],
    ['max_runs=4', []],
    // 201 has runs ≥ 6 (15) and runs ≤ 14 (5), but on two different items.
    ['min_runs=6&max_runs=14', [202]],
    ['min_runs=6&max_runs=9', []],
    // Inverted bounds are valid and match nothing.
    ['min_runs=11&max_runs=9', []],
    ['min_me=10', [203]],
    ['min_runs=-1&min_me=0', []],
  ])('case 21: ?%s → %j', async (query, expected) => {
    expect(await matchedIds(fixture.t, query)).toEqual(expected);
  });
});

describe('ME and TE bounds (case 22)', () => {
  const fixture = useFixture([
    { contractId: 211, items: [{ typeId: CARACAL_BLUEPRINT, isBlueprintCopy: true, me: 10, te: 12 }] },
    { contractId: 212, items: [{ typeId: CARACAL_BLUEPRINT, isBlueprintCopy: true, me: 0, te: 20 }] },
  ]);

  it.each<Row>([
    ['min_me=10&max_me=10', [211]],
    ['min_te=10&max_te=12', [211]],
    ['min_me=0', [211, 212]],
    ['max_me=0', [212]],
    ['max_me=9', [212]],
    ['min_me=11', []],
    ['min_te=12&max_te=12', [211]],
    ['min_te=13', [212]],
    ['max_te=11', []],
    ['min_te=20&max_te=20', [212]],
    ['min_me=10&min_te=20', []],
    ['max_me=9&min_te=13', [212]],
  ])('case 22: ?%s → %j', async (query, expected) => {
    expect(await matchedIds(fixture.t, query)).toEqual(expected);
  });
});

describe('different families may be satisfied by different items (213) (case 22)', () => {
  const fixture = useFixture([
    { contractId: 211, items: [{ typeId: CARACAL_BLUEPRINT, isBlueprintCopy: true, me: 10, te: 12 }] },
    { contractId: 212, items: [{ typeId: CARACAL_BLUEPRINT, isBlueprintCopy: true, me: 0, te: 20 }] },
    {
      contractId: 213,
      items: [
        { typeId: CARACAL_BLUEPRINT, isBlueprintCopy: true, runs: 60, me: 0 },
        { typeId: CARACAL_BLUEPRINT, isBlueprintCopy: true, runs: 1, me: 10 },
      ],
    },
  ]);

  it.each<Row>([
    ['min_me=10&min_runs=50', [213]],
    ['min_me=10&max_me=10&min_runs=50&max_runs=60', [213]],
    ['min_me=10&max_me=10', [211, 213]],
    // 213 has ME 0 and ME 10, never one value inside [1, 9].
    ['min_me=1&max_me=9', []],
    ['min_runs=2&max_runs=59', []],
    // TE is null on both of 213's items.
    ['min_te=0', [211, 212]],
  ])('case 22: ?%s → %j', async (query, expected) => {
    expect(await matchedIds(fixture.t, query)).toEqual(expected);
  });
});

const TAXONOMY_IDS = { X: 251, Y: 252, W: 253, Z: 254, V: 255 } as const;
type Letter = keyof typeof TAXONOMY_IDS;
type LetterRow = readonly [query: string, expected: readonly Letter[]];

const X: ContractSpec = { contractId: TAXONOMY_IDS.X, items: [{ typeId: 587 }, { typeId: 439 }] };
const Y: ContractSpec = { contractId: TAXONOMY_IDS.Y, items: [{ typeId: 621 }] };
const W: ContractSpec = { contractId: TAXONOMY_IDS.W, items: [{ typeId: 2048 }] };
const Z: ContractSpec = { contractId: TAXONOMY_IDS.Z, items: [{ typeId: 34 }, { typeId: 587, isIncluded: false }] };
// An offered item whose type was never resolved: null group and category.
const V: ContractSpec = { contractId: TAXONOMY_IDS.V, items: [{ typeId: 99_999, typeName: null, groupId: null, categoryId: null }] };

const ids = (letters: readonly Letter[]) => letters.map((letter) => TAXONOMY_IDS[letter]).sort((a, b) => a - b);

describe('docs/api.md §6.4 worked example (X, Y)', () => {
  const fixture = useFixture([X, Y]);

  // The table of docs/api.md §6.4, verbatim.
  it.each<LetterRow>([
    ['category_id=6', ['X', 'Y']],
    ['category_id=6&group_id=25', ['X']],
    ['category_id=6&group_id=60', ['X', 'Y']],
    ['category_id=7&group_id=25', ['X']],
    ['category_id=6&category_id=7&group_id=25', ['X']],
    ['group_id=25&group_id=26', ['X', 'Y']],
    ['category_id=999999', []],
  ])('docs/api.md §6.4: ?%s → %j', async (query, expected) => {
    expect(await matchedIds(fixture.t, query)).toEqual(ids(expected));
  });
});

describe('multi-select and the taxonomy rule (X, Y, W, Z) (cases 25–27)', () => {
  const fixture = useFixture([X, Y, W, Z, V]);

  it.each<LetterRow>([
    ['category_id=6', ['X', 'Y']],
    ['category_id=6&group_id=25', ['X']],
    ['group_id=25&group_id=26', ['X', 'Y']],
    ['category_id=7&group_id=25', ['X', 'W']],
    ['category_id=7', ['X', 'W']],
    ['group_id=60', ['W']],
    ['category_id=6&category_id=7', ['X', 'Y', 'W']],
  ])('case 25: ?%s → %j', async (query, expected) => {
    expect(await matchedIds(fixture.t, query)).toEqual(ids(expected));
  });

  it.each<LetterRow>([
    // Group 60 (Damage Control) belongs to Module: it does not narrow Ship.
    ['category_id=6&group_id=60', ['X', 'Y', 'W']],
    // Ship narrowed to frigates, Module unrestricted: Y dropped.
    ['category_id=6&category_id=7&group_id=25', ['X', 'W']],
    ['category_id=6&category_id=7&group_id=25&group_id=60', ['X', 'W']],
    ['category_id=6&category_id=7&group_id=26&group_id=46', ['X', 'Y']],
    ['category_id=7&group_id=46', ['X']],
  ])('case 26: ?%s → %j', async (query, expected) => {
    expect(await matchedIds(fixture.t, query)).toEqual(ids(expected));
  });

  it.each<LetterRow>([
    ['category_id=4', ['Z']],
    ['group_id=18', ['Z']],
    ['type_ids=34', ['Z']],
    // Z only requests its Rifter.
    ['category_id=6', ['X', 'Y']],
    ['group_id=25', ['X']],
    ['type_ids=587', ['X']],
    // A group never resolved owns no category, so it narrows nothing.
    ['category_id=6&group_id=888888', ['X', 'Y']],
    ['group_id=888888', []],
    // V is live and matchable, but its null group/category satisfies no taxonomy filter.
    ['type_ids=99999', ['V']],
    ['category_id=4&category_id=6&category_id=7&category_id=9', ['X', 'Y', 'W', 'Z']],
    ['category_id=4&category_id=6&category_id=7&group_id=888888', ['X', 'Y', 'W', 'Z']],
    ['group_id=18&group_id=25&group_id=26&group_id=46&group_id=60', ['X', 'Y', 'W', 'Z']],
    ['category_id=0&group_id=0', []],
  ])('case 27: ?%s → %j', async (query, expected) => {
    expect(await matchedIds(fixture.t, query)).toEqual(ids(expected));
  });

  it('category_id=999999 → 200 with an empty page (case 27)', async () => {
    const body = await list(fixture.t, 'category_id=999999');
    expect(body.items).toEqual([]);
    expect(body.total).toBe(0);
  });
});
