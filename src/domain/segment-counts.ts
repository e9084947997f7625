/**
 * The count rules of a list answer (docs/api.md §6.5, §6.6): `total`, `segment_counts` and
 * `unknown_system_excluded` from the live contracts matching every filter but the contract type,
 * the ship flag and the systems, grouped by those three. Both the read model and the SQL path
 * produce these groups, so one function applies the rules to either.
 */
import { CONTRACT_TYPES, isItemBearing, type ContractType } from './contract-types.js';

/** One group of matching live contracts. */
export interface CountBucket {
  segment: ContractType;
  isShipContract: boolean;
  /** Its start system is one of `system_ids` (always true when none are given). */
  systemMatches: boolean;
  /** Its start system is unknown. */
  systemUnknown: boolean;
  count: number;
}

export interface SegmentFilter {
  types: readonly ContractType[] | null;
  isShip: boolean | null;
  systemsGiven: boolean;
}

export interface ListCounts {
  total: number;
  segmentCounts: Record<ContractType, number>;
  unknownSystemExcluded: number | null;
}

export function summarizeCounts(buckets: readonly CountBucket[], filter: SegmentFilter): ListCounts {
  const segmentCounts = Object.fromEntries(CONTRACT_TYPES.map((type) => [type, 0])) as Record<ContractType, number>;
  let total = 0;
  let unknownSystemExcluded = 0;
  for (const bucket of buckets) {
    const { segment } = bucket;
    const typeMatches = filter.types === null || filter.types.includes(segment);
    const shipMatches = filter.isShip === null || bucket.isShipContract === filter.isShip;
    const systemMatches = !filter.systemsGiven || bucket.systemMatches;
    if (systemMatches && typeMatches && shipMatches) total += bucket.count;
    // Item-less segments can never be ship contracts, so the ship filter is lifted for them too.
    if (systemMatches && (!isItemBearing(segment) || shipMatches)) segmentCounts[segment] += bucket.count;
    if (filter.systemsGiven && bucket.systemUnknown && typeMatches && shipMatches) unknownSystemExcluded += bucket.count;
  }
  return { total, segmentCounts, unknownSystemExcluded: filter.systemsGiven ? unknownSystemExcluded : null };
}
