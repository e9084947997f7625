/**
 * The effective parameter set of a contract list request (docs/api.md §6.1) and the sort vocabulary:
 * parsed by services/contract-query.params.ts, answered by the read model and the SQL path alike.
 */
import type { ContractType } from './contract-types.js';

export const SORT_FIELDS = [
  'date_issued',
  'date_expired',
  'price',
  'collateral',
  'ship_name',
  'volume',
  'reward_per_volume',
  'days_to_complete',
  'buyout',
  // Extensions (docs/api.md §13): nullable, nulls last like every sort.
  'reward_per_jump',
  'route_jumps',
  // An auction's current bid, else its price (docs/api.md §14).
  'current_price',
] as const;
export type SortField = (typeof SORT_FIELDS)[number];

export const SORT_DIRECTIONS = ['asc', 'desc'] as const;
export type SortDirection = (typeof SORT_DIRECTIONS)[number];

/** The effective parameter set of a list request: defaults filled in, lists de-duplicated and sorted. */
export interface ContractListParams {
  /** Trimmed, original case. */
  search: string | null;
  minPrice: number | null;
  maxPrice: number | null;
  minCollateral: number | null;
  maxCollateral: number | null;
  minRuns: bigint | null;
  maxRuns: bigint | null;
  minMe: bigint | null;
  maxMe: bigint | null;
  minTe: bigint | null;
  maxTe: bigint | null;
  regionIds: bigint[] | null;
  systemIds: bigint[] | null;
  stationIds: bigint[] | null;
  typeIds: bigint[] | null;
  /** In `CONTRACT_TYPES` order. */
  contractTypes: ContractType[] | null;
  categoryIds: bigint[] | null;
  groupIds: bigint[] | null;
  isBpc: boolean | null;
  isShipContract: boolean | null;
  page: bigint;
  size: number;
  sortBy: SortField;
  sortDirection: SortDirection;
  /** Courier routes: route_jumps ≤ this (null route_jumps never matches). */
  maxJumps: bigint | null;
  /** true: a high-sec route exists; false: none does. */
  highsecRoute: boolean | null;
  minRewardPerJump: number | null;
  /** A known solar system (checked when parsed): start systems within `maxJumpsFrom` jumps of it. */
  nearSystemId: bigint | null;
  /** 0–50; null when absent, which counts as 0 for `nearSystemId`. */
  maxJumpsFrom: number | null;
}

