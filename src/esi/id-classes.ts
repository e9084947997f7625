/** docs/sync.md §2.4 id classes. Every ESI id is below 2^53, so plain numbers are exact. */

const NPC_STATION_FIRST = 60_000_000;
const NPC_STATION_END = 64_000_000;
/** Nothing at or above this is ever sent to POST /universe/names: structure and item ids are ≥ 10^12. */
const NAME_ELIGIBLE_END = 100_000_000_000;

/** NPC station: 60,000,000 ≤ id < 64,000,000 (in static data; E4 gives its system). */
export function isNpcStation(id: number): boolean {
  return Number.isSafeInteger(id) && id >= NPC_STATION_FIRST && id < NPC_STATION_END;
}

/**
 * Treated as a player structure: real ones are ≥ 10^12, and an unexpected location in
 * [10^11, 10^12) is handled the same way (never looked up: it needs an authenticated route).
 */
export function isStructureLocation(id: number): boolean {
  return Number.isSafeInteger(id) && id >= NAME_ELIGIBLE_END;
}

/** May be sent to E3: 0 < id < 10^11; the margin keeps every non-name id out. */
export function isNameEligible(id: number): boolean {
  return Number.isSafeInteger(id) && id > 0 && id < NAME_ELIGIBLE_END;
}
