import { STRUCTURE } from './fixtures.js';

const DAY = 86_400_000;

/** Issuer and corporation of every `row` (the sync tests name them 'Pilot A' and 'Corp A' on the fake ESI). */
export const ISSUER = 90_000_001;
export const CORP = 98_000_001;

/** ESI's timestamp form: whole seconds, `Z`. */
export const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');

/**
 * A listing row shaped like shared/data/esi-samples/contracts-public-10000002-page1.json, for the fake
 * ESI's setRows. It starts and ends in a player structure (the test cases' places): never sent to E3/E4,
 * which keeps runs short.
 */
export function row(id: number, nowMs: number, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    collateral: 0, contract_id: id, date_expired: iso(nowMs + 7 * DAY), date_issued: iso(nowMs - DAY), days_to_complete: 0,
    end_location_id: STRUCTURE, issuer_corporation_id: CORP, issuer_id: ISSUER, price: 50_000_000, reward: 0,
    start_location_id: STRUCTURE, title: '', type: 'item_exchange', volume: 10, ...overrides,
  };
}

/** `count` rows with consecutive ids from `first`. */
export const rows = (first: number, count: number, nowMs: number) => Array.from({ length: count }, (_, i) => row(first + i, nowMs));
