/**
 * The contract fields derived from a contract's facts and its enriched items (docs/api.md §8, docs/sync.md §5.5).
 * Pure: the sync's write path and the seed generator both store its results, and the API serves the
 * stored values without deriving anything at request time.
 */
import { compareCodePoints } from './code-point-order.js';
import { buildSearchText } from './search-text.js';

export const SHIP_CATEGORY_ID = 6;
export const BLUEPRINT_CATEGORY_ID = 9;

export interface DerivationContract {
  contractId: number;
  /** Raw ESI type; may be outside the enum. */
  type: string;
  title: string | null;
  endLocationName: string | null;
}

export interface DerivationItem {
  recordId: number;
  isIncluded: boolean;
  isBlueprintCopy: boolean | null;
  typeName: string | null;
  categoryId: number | null;
  runs: number | null;
  materialEfficiency: number | null;
  timeEfficiency: number | null;
}

// Key order of these wire objects is the serialized key order; keep it as in docs/api.md §8.
export interface CompositionCategory {
  category_id: number | null;
  name: string | null;
  item_row_count: number;
}

export interface CompositionSummary {
  categories: CompositionCategory[];
  total_item_rows: number;
  total_volume: number | null;
}

export interface BlueprintSummary {
  runs: number | null;
  material_efficiency: number | null;
  time_efficiency: number | null;
  copy_count: number;
}

export interface DerivedFields {
  primaryLabel: string;
  /** JS `toLowerCase()` of `primaryLabel`; sorted by code point (`COLLATE "C"`) for `ship_name`. */
  primaryLabelSort: string;
  composition: CompositionSummary | null;
  blueprintSummary: BlueprintSummary | null;
  isBlueprintCopyContract: boolean;
  searchText: string;
}

/** The contracts columns that store `fields`, in table order: what the seed and the sync's first write store. */
export function derivedColumns(fields: DerivedFields) {
  return {
    is_blueprint_copy_contract: fields.isBlueprintCopyContract,
    primary_label: fields.primaryLabel,
    primary_label_sort: fields.primaryLabelSort,
    composition: fields.composition,
    blueprint_summary: fields.blueprintSummary,
    search_text: fields.searchText,
  };
}

export function isShipCategory(categoryId: number | null): boolean {
  return categoryId === SHIP_CATEGORY_ID;
}

/**
 * Computes every stored derived field of a contract exactly as docs/api.md §8 defines them.
 * `items === null` means the items are not fetched yet: the contract then has no offered items.
 * `volume` is the contract's own volume (copied to `total_volume`, never summed over items).
 */
export function deriveContractFields(
  contract: DerivationContract,
  items: readonly DerivationItem[] | null,
  volume: number | null,
  categoryNames: ReadonlyMap<number, string>,
): DerivedFields {
  const offered = offeredInRecordOrder(items);
  const primaryLabel = derivePrimaryLabel(contract, offered);
  const copies = offered.filter((item) => item.isBlueprintCopy === true);
  return {
    primaryLabel,
    primaryLabelSort: primaryLabel.toLowerCase(),
    composition: deriveComposition(offered, volume, categoryNames),
    blueprintSummary: deriveBlueprintSummary(copies),
    isBlueprintCopyContract: copies.length > 0,
    searchText: buildSearchText(
      contract.title,
      offered.map((item) => item.typeName),
    ),
  };
}

/**
 * The `is_ship_contract` flag after an enrichment pass (docs/sync.md §5.5): true as soon as a known offered
 * item is a ship; cleared only by a complete enrichment, because an item whose type is still unknown
 * may yet turn out to be a ship.
 */
export function nextShipFlag(
  current: boolean,
  items: readonly { isIncluded: boolean; categoryId: number | null }[],
  enrichmentComplete: boolean,
): boolean {
  if (items.some((item) => item.isIncluded && isShipCategory(item.categoryId))) return true;
  return enrichmentComplete ? false : current;
}

function offeredInRecordOrder(items: readonly DerivationItem[] | null): DerivationItem[] {
  if (items === null) return [];
  return items
    .filter((item) => item.isIncluded)
    .sort((a, b) => (a.recordId < b.recordId ? -1 : a.recordId > b.recordId ? 1 : 0));
}

function hasTypeName(item: DerivationItem): item is DerivationItem & { typeName: string } {
  return item.typeName !== null && item.typeName !== '';
}

function derivePrimaryLabel(contract: DerivationContract, offered: readonly DerivationItem[]): string {
  const named = offered.filter(hasTypeName);
  const ship = named.find((item) => isShipCategory(item.categoryId));
  if (ship) return ship.typeName;
  const first = named[0];
  if (first) return first.typeName;
  const title = contract.title?.trim() ?? '';
  if (title !== '') return title;
  if (contract.type === 'courier') {
    const end = contract.endLocationName;
    return end !== null && end !== '' ? `Courier to ${end}` : 'Courier';
  }
  return `Contract ${contract.contractId}`;
}

function deriveComposition(
  offered: readonly DerivationItem[],
  volume: number | null,
  categoryNames: ReadonlyMap<number, string>,
): CompositionSummary | null {
  if (offered.length < 2) return null;
  const counts = new Map<number | null, number>();
  for (const item of offered) counts.set(item.categoryId, (counts.get(item.categoryId) ?? 0) + 1);
  const categories: CompositionCategory[] = [];
  for (const [categoryId, count] of counts) {
    categories.push({
      category_id: categoryId,
      name: categoryId === null ? null : (categoryNames.get(categoryId) ?? null),
      item_row_count: count,
    });
  }
  categories.sort(compareCompositionEntries);
  return { categories, total_item_rows: offered.length, total_volume: volume };
}

// item_row_count desc, named before unnamed, name by code point, category_id asc with null last.
function compareCompositionEntries(a: CompositionCategory, b: CompositionCategory): number {
  if (a.item_row_count !== b.item_row_count) return b.item_row_count - a.item_row_count;
  if (a.name !== null && b.name !== null) {
    const byName = compareCodePoints(a.name, b.name);
    if (byName !== 0) return byName;
  } else if (a.name !== null) {
    return -1;
  } else if (b.name !== null) {
    return 1;
  }
  if (a.category_id === b.category_id) return 0;
  if (a.category_id === null) return 1;
  if (b.category_id === null) return -1;
  return a.category_id < b.category_id ? -1 : 1;
}

function deriveBlueprintSummary(copies: readonly DerivationItem[]): BlueprintSummary | null {
  const only = copies[0];
  if (only === undefined) return null;
  if (copies.length === 1) {
    return {
      runs: only.runs,
      material_efficiency: only.materialEfficiency,
      time_efficiency: only.timeEfficiency,
      copy_count: 1,
    };
  }
  return { runs: null, material_efficiency: null, time_efficiency: null, copy_count: copies.length };
}
