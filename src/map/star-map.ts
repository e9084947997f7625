/**
 * The stargate map of known space (a 2023 static export; spec extensions §3.1): every
 * question about systems, security and jumps goes through here, so a newer map (e.g. from ESI) can
 * replace the data without touching callers.
 */
import { LRUCache } from 'lru-cache';
import { jumpDistances, UNREACHABLE } from './breadth-first.js';
import { buildMapGraph, type MapGraph } from './map-graph.js';
import { readShippedMap, type MapSource } from './map-source.js';

export const MAX_JUMPS_WITHIN = 50;

export interface StarMap {
  /** Whether the system is on the map. */
  systemExists(systemId: number): boolean;
  /** Whether the system is on the map and high-sec (true security ≥ 0.45). */
  isHighSec(systemId: number): boolean;
  /** Fewest stargate jumps; 0 for the same system; null when either is unknown or no route exists. */
  routeJumps(from: number, to: number): number | null;
  /** Fewest jumps through high-sec systems only (both ends included); null when there is no such route. */
  routeJumpsHighSec(from: number, to: number): number | null;
  /**
   * Ids of the systems at most `maxJumps` (0–50) jumps from `origin`, origin included, ascending (a
   * fresh array); null when origin is unknown. To test one system, `routeJumps` is a single read.
   */
  systemsWithinJumps(origin: number, maxJumps: number): Int32Array | null;
  /** Every region with a system on the map, ascending. */
  mapRegionIds(): readonly number[];
}

export interface StarMapOptions {
  /**
   * Origins whose distance arrays are kept, per kind (all routes, high-sec routes). An array is
   * 2 bytes a system (≈ 11 KB on the shipped map), so the default holds at most ≈ 22 MB.
   */
  cachedOrigins?: number;
}

/** A star map over the given data (tests build small ones; the service uses {@link starMap}). */
export function createStarMap(source: MapSource, options: StarMapOptions = {}): StarMap {
  const graph = buildMapGraph(source);
  const max = options.cachedOrigins ?? 1024;
  const all = new DistanceCache(graph, max);
  const highSec = new DistanceCache(graph, max, graph.highSec);

  const indexOf = (systemId: number) => graph.indexOf.get(systemId);
  const isHighSecIndex = (index: number | undefined): index is number => index !== undefined && graph.highSec[index] === 1;

  return {
    systemExists: (systemId) => graph.indexOf.has(systemId),
    isHighSec: (systemId) => isHighSecIndex(indexOf(systemId)),
    routeJumps(from, to) {
      const a = indexOf(from);
      const b = indexOf(to);
      return a === undefined || b === undefined ? null : all.jumps(a, b);
    },
    routeJumpsHighSec(from, to) {
      const a = indexOf(from);
      const b = indexOf(to);
      return isHighSecIndex(a) && isHighSecIndex(b) ? highSec.jumps(a, b) : null;
    },
    systemsWithinJumps(origin, maxJumps) {
      if (!Number.isInteger(maxJumps) || maxJumps < 0 || maxJumps > MAX_JUMPS_WITHIN) {
        throw new RangeError(`maxJumps must be an integer from 0 to ${MAX_JUMPS_WITHIN}, got ${maxJumps}`);
      }
      const index = indexOf(origin);
      if (index === undefined) return null;
      const distances = all.from(index);
      // Filled in a typed array, not a Set: a Set of the thousands of systems 50 jumps reach costs ~1 ms.
      const within = new Int32Array(graph.size);
      let count = 0;
      for (let system = 0; system < graph.size; system += 1) {
        const distance = distances[system]!;
        if (distance !== UNREACHABLE && distance <= maxJumps) within[count++] = graph.systemIds[system]!;
      }
      return within.slice(0, count);
    },
    mapRegionIds: () => graph.regionIds,
  };
}

/** Per-origin breadth-first distances, most recently used kept: a memoised pair lookup is one array read. */
class DistanceCache {
  private readonly cache: LRUCache<number, Int16Array>;

  constructor(
    private readonly graph: MapGraph,
    max: number,
    private readonly passable?: Uint8Array,
  ) {
    this.cache = new LRUCache({ max });
  }

  from(origin: number): Int16Array {
    let distances = this.cache.get(origin);
    if (distances === undefined) {
      distances = jumpDistances(this.graph, origin, this.passable);
      this.cache.set(origin, distances);
    }
    return distances;
  }

  jumps(a: number, b: number): number | null {
    if (a === b) return 0;
    // Routes are symmetric: whichever end already has its search memoised answers.
    const memoised = this.cache.get(b);
    const distance = memoised !== undefined ? memoised[a]! : this.from(a)[b]!;
    return distance === UNREACHABLE ? null : distance;
  }
}

let shipped: StarMap | undefined;

/** The map shipped with the service, read and indexed on first use. */
export function starMap(): StarMap {
  shipped ??= createStarMap(readShippedMap());
  return shipped;
}
