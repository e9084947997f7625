/**
 * The contract-type vocabulary of the API (docs/api.md §4, §6.5): the five segments, which of them
 * carry items, and how a stored ESI type (which may be outside the enum) folds into a segment.
 */
export const CONTRACT_TYPES = ['item_exchange', 'auction', 'courier', 'loan', 'unknown'] as const;
export type ContractType = (typeof CONTRACT_TYPES)[number];

/** The types whose items the sync fetches; every other stored type is item-less. */
export const ITEM_BEARING_TYPES = ['item_exchange', 'auction'] as const;

export function isItemBearing(type: string): boolean {
  return (ITEM_BEARING_TYPES as readonly string[]).includes(type);
}

/** The segment a stored type counts and filters under: types outside the enum are 'unknown'. */
export function segmentOf(type: string): ContractType {
  return (CONTRACT_TYPES as readonly string[]).includes(type) && type !== 'unknown' ? (type as ContractType) : 'unknown';
}
