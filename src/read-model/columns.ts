/**
 * The per-slot values the read model filters and sorts on, column by column (typed arrays, NaN for
 * SQL NULL), grown together with the slot space.
 */
import type { SortField } from '../domain/contract-query.js';
import { Interner } from './interner.js';
import { grown } from './typed-arrays.js';

const NUMERIC_COLUMNS = [
  'contractId',
  'regionId',
  'systemId',
  'stationId',
  'dateIssued',
  'dateExpired',
  'price',
  'collateral',
  'volume',
  'rewardPerVolume',
  'daysToComplete',
  'buyout',
  'routeJumps',
  'rewardPerJump',
  'currentPrice',
] as const;
export type NumericColumn = (typeof NUMERIC_COLUMNS)[number];

/** The sort key column of each sort field (docs/api.md §6.8); ship_name sorts on the stored lowercase label. */
export const SORT_COLUMN: Record<SortField, NumericColumn | 'labelSort'> = {
  date_issued: 'dateIssued',
  date_expired: 'dateExpired',
  price: 'price',
  collateral: 'collateral',
  ship_name: 'labelSort',
  volume: 'volume',
  reward_per_volume: 'rewardPerVolume',
  days_to_complete: 'daysToComplete',
  buyout: 'buyout',
  reward_per_jump: 'rewardPerJump',
  route_jumps: 'routeJumps',
  current_price: 'currentPrice',
};

export class ContractColumns {
  readonly numeric = {} as Record<NumericColumn, Float64Array>;
  /** primary_label_sort: compared by code point; one string shared by every slot with the same label. */
  labelSort: string[] = [];
  private labelIds = new Int32Array(0);
  private readonly labels = new Interner<string, string>();

  constructor(capacity: number) {
    for (const name of NUMERIC_COLUMNS) this.numeric[name] = new Float64Array(capacity).fill(Number.NaN);
    this.grow(capacity);
  }

  grow(capacity: number): void {
    for (const name of NUMERIC_COLUMNS) this.numeric[name] = grown(this.numeric[name], capacity, Number.NaN);
    while (this.labelSort.length < capacity) this.labelSort.push('');
    this.labelIds = grown(this.labelIds, capacity, -1);
  }

  setLabel(slot: number, label: string): void {
    const id = this.labels.intern(label);
    this.clearLabel(slot);
    this.labelIds[slot] = id;
    this.labelSort[slot] = this.labels.values[id]!;
  }

  clearLabel(slot: number): void {
    if (this.labelIds[slot]! >= 0) this.labels.release(this.labelIds[slot]!);
    this.labelIds[slot] = -1;
    this.labelSort[slot] = '';
  }
}
