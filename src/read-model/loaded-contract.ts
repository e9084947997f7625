/** What the read model takes in: one stored contract as read from PostgreSQL in a snapshot. */
import type { ContractType } from '../domain/contract-types.js';
import type { RawContractItemRow, RawContractRow } from '../domain/contract-wire.js';

/** The offered-item facets of an open contract, distinct values (docs/api.md §6.4: offered items only). */
export interface ItemFacets {
  readonly typeIds: readonly number[];
  readonly groupIds: readonly number[];
  readonly categoryIds: readonly number[];
  /** Non-null runs / material_efficiency / time_efficiency of offered items. */
  readonly runs: readonly number[];
  readonly materialEfficiency: readonly number[];
  readonly timeEfficiency: readonly number[];
  /** Category ids of every item, offered or requested (the taxonomy coverage rule, docs/api.md §10). */
  readonly allCategoryIds: readonly number[];
}

export interface OpenContract {
  /** The wire columns exactly as the SQL path reads them, so both render the same bytes. */
  readonly wire: RawContractRow;
  readonly segment: ContractType;
  readonly searchText: string;
  /** primary_label_sort, the ship_name sort key. */
  readonly labelSort: string;
  /** items_status = 'unavailable': never part of the taxonomy population. */
  readonly itemsUnavailable: boolean;
  /** Items fetched and enrichment complete at the current version (the taxonomy coverage rule). */
  readonly enrichmentComplete: boolean;
  /** Its items in record order, as the SQL path reads them, so a detail renders the same bytes. */
  readonly items: readonly RawContractItemRow[];
  readonly facets: ItemFacets;
}

export interface LoadedContract {
  readonly contractId: number;
  readonly regionId: number;
  /** last_seen_at in microseconds since the epoch. */
  readonly lastSeenMicros: number;
  /** Null for a closed contract, which only counts for coverage and detail lookups. */
  readonly open: OpenContract | null;
}

export const NO_FACETS: ItemFacets = {
  typeIds: [],
  groupIds: [],
  categoryIds: [],
  runs: [],
  materialEfficiency: [],
  timeEfficiency: [],
  allCategoryIds: [],
};
