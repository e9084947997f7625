import { deriveContractFields, nextShipFlag, SHIP_CATEGORY_ID } from '../domain/derived-fields.js';
import { ENRICHMENT_VERSION } from '../domain/enrichment.js';
import type { DerivationSource, DerivedUpdate, EnrichedItemRow } from '../repositories/items.repository.js';
import type { ResolvedType } from './universe.js';

/** Backoff shared by the items queue and the enrichment catch-up (docs/sync.md §5.4). */
export function backoffDelayMs(attempts: number, random: () => number): number {
  const base = Math.min(6 * 3_600_000, 5 * 60_000 * 2 ** Math.max(0, attempts - 1));
  return base * (0.8 + 0.4 * random());
}

/** An item's enrichment columns from its type's resolution (docs/sync.md §5.5 "Per item"). */
export function enrichmentColumns(resolved: ResolvedType | undefined) {
  const categoryId = resolved?.categoryId ?? null;
  return {
    type_name: resolved?.typeName ?? null,
    group_id: resolved?.groupId ?? null,
    category_id: categoryId,
    market_group_id: resolved?.typeName ? (resolved.marketGroupId ?? null) : null,
    category: categoryId === SHIP_CATEGORY_ID ? 'ship' : null,
  } satisfies Pick<EnrichedItemRow, 'type_name' | 'group_id' | 'category_id' | 'market_group_id' | 'category'>;
}

/**
 * The stored derived fields and enrichment state of one contract from its current facts, items
 * and the category names (docs/api.md §8, docs/sync.md §5.5). Complete iff every item row has a type name
 * and a category.
 */
export function deriveUpdate(source: DerivationSource, categoryNames: ReadonlyMap<number, string>, now: Date, random: () => number): DerivedUpdate {
  const items = source.items;
  const derived = deriveContractFields(
    { contractId: source.contractId, type: source.type, title: source.title, endLocationName: source.endLocationName },
    items,
    source.volume,
    categoryNames,
  );
  let enrichment: DerivedUpdate['enrichment'] = null;
  let isShip = source.isShipContract;
  if (items !== null) {
    const complete = items.every((item) => item.typeName !== null && item.categoryId !== null);
    isShip = nextShipFlag(source.isShipContract, items, complete);
    const attempts = complete ? 0 : source.enrichmentAttempts + 1;
    enrichment = {
      status: complete ? 'complete' : 'incomplete',
      version: ENRICHMENT_VERSION,
      attempts,
      nextAttemptAt: complete ? null : new Date(now.getTime() + backoffDelayMs(attempts, random)),
    };
  }
  return {
    contractId: source.contractId,
    isShipContract: isShip,
    isBlueprintCopyContract: derived.isBlueprintCopyContract,
    primaryLabel: derived.primaryLabel,
    primaryLabelSort: derived.primaryLabelSort,
    composition: derived.composition,
    blueprintSummary: derived.blueprintSummary,
    searchText: derived.searchText,
    enrichment,
  };
}
