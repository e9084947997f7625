/**
 * How a contract left the listing (docs/sync.md §5.3, extensions §4.1) and the contract-price vocabulary
 * shared by the sync, the seed and the price route.
 */

/** `gone_early`: accepted, completed or withdrawn well before expiry (ESI does not say which). */
export const CLOSE_REASONS = ['gone_early', 'expired'] as const;
export type CloseReason = (typeof CLOSE_REASONS)[number];

/**
 * A contract that leaves the listing within this long of its expiry counts as expired: listings are
 * regenerated every 30 minutes or so, so a contract dropped just before its expiry was most likely
 * dropped because of it.
 */
export const EXPIRY_GRACE_MS = 10 * 60_000;

/** The reason a complete sweep with snapshot time `snapshotMs` closes a contract expiring at `expiresMs`. */
export function closeReasonAt(snapshotMs: number, expiresMs: number): CloseReason {
  return snapshotMs >= expiresMs - EXPIRY_GRACE_MS ? 'expired' : 'gone_early';
}

/** The UTC calendar day (YYYY-MM-DD) of an instant: an observation's `closed_day`. */
export function utcDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** The effective parameter set of `GET /types/{type_id}/contract-prices` (extensions §4.2). */
export interface ContractPriceParams {
  typeId: bigint;
  days: number;
  regionIds: bigint[] | null;
  isBpc: boolean | null;
  minRuns: bigint | null;
  minMe: bigint | null;
  minTe: bigint | null;
}

/** Price statistics of one kind on one day: lower median, no interpolation. */
export interface KindStats {
  count: number;
  min: number | null;
  median: number | null;
  max: number | null;
}

export interface CurrentStats {
  count: number;
  min: number | null;
  p25: number | null;
  median: number | null;
}

export interface HistoryDay {
  date: string;
  gone_early: KindStats;
  expired: KindStats;
}

export interface ContractPricesBody {
  type_id: number;
  type_name: string | null;
  current: CurrentStats;
  history: HistoryDay[];
}

export const NO_KIND_STATS: KindStats = Object.freeze({ count: 0, min: null, median: null, max: null });
