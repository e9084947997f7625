/**
 * Courier route figures (docs/api.md §13): jump counts between a contract's start and end systems,
 * and the systems near a given one, all from the star map shipped with the service.
 */
import { starMap } from '../map/star-map.js';

/** The map that computed a contract's stored route figures: bump it with the shipped map, and the sync recomputes them. */
export const ROUTE_VERSION = 1;

export interface RouteFigures {
  readonly routeJumps: number | null;
  readonly routeJumpsHighsec: number | null;
}

export function routeFigures(startSystemId: number | null, endSystemId: number | null): RouteFigures {
  if (startSystemId === null || endSystemId === null) return { routeJumps: null, routeJumpsHighsec: null };
  const map = starMap();
  return { routeJumps: map.routeJumps(startSystemId, endSystemId), routeJumpsHighsec: map.routeJumpsHighSec(startSystemId, endSystemId) };
}

/** The systems within `maxJumps` (absent: 0) of a system the parser checked is on the map. */
export function systemsNear(systemId: bigint, maxJumps: number | null): number[] {
  return Array.from(starMap().systemsWithinJumps(Number(systemId), maxJumps ?? 0) ?? []);
}
